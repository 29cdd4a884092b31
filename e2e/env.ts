// Settings shared by playwright.config.ts and the specs. The runner and each
// worker load this file separately, so what must agree between them (port,
// database, converted audio) is decided once and passed down in the
// environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toWav48k } from './clips.mjs';

export const fixtures = process.env.LOKAAL_FIXTURES || path.resolve(__dirname, '../../shared/fixtures');
const fixture = (rel: string) => {
  const p = path.join(fixtures, rel);
  if (!fs.existsSync(p)) {
    throw new Error(`e2e needs the fixture ${p}: put the shared fixtures beside the repo or set LOKAAL_FIXTURES`);
  }
  return p;
};
export const clip = fixture('counting/one-by-one-640x480-10fps.mjpeg');
export const speechSource = fixture('audio/speech-labelled/testset-audio-01.wav');

export const adminToken = 'e2e-admin-token-0123456789abcdef0123';
// The server's --time-zone: room resets and counting days are in it,
// whatever zone the machine running the tests is in.
export const serverZone = 'Europe/Amsterdam';
process.env.LOKAAL_E2E_PORT ||= String(20000 + Math.floor(Math.random() * 20000));
if (!process.env.LOKAAL_E2E_TMP) {
  process.env.LOKAAL_E2E_TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'lokaal-e2e-'));
  process.env.LOKAAL_E2E_TMP_OURS = '1'; // removed after the run (global-setup.ts)
}
export const port = Number(process.env.LOKAAL_E2E_PORT);
export const tmp = process.env.LOKAAL_E2E_TMP;
export const db = path.join(tmp, 'e2e.db');

// The exam's camera clips, re-encoded for Chromium's fake camera into the
// temp directory by e2e/global-setup.ts (which says why).
const cameraClip = (name: string) => ({ src: fixture(`faces/${name}`), out: path.join(tmp, name) });
export const cameraClips = [cameraClip('face-present-30fps.mjpeg'), cameraClip('two-faces-30fps.mjpeg')];
export const [faceClip, twoFacesClip] = cameraClips.map((c) => c.out);

// Chromium's fake microphone wants 48 kHz; the fixture is 16 kHz mono
// 16-bit. It is converted once per run into the temp directory, never into
// the repository.
export const speechWav = path.join(tmp, 'speech-48k.wav');
if (!fs.existsSync(speechWav)) {
  const tmpFile = `${speechWav}.${process.pid}`;
  fs.writeFileSync(tmpFile, toWav48k(fs.readFileSync(speechSource)));
  fs.renameSync(tmpFile, speechWav);
}

// Chromium flags for a fake camera playing video and, optionally, a fake
// microphone playing audio (both loop).
export function chromiumArgs(video: string, audio?: string): string[] {
  return [
    '--no-sandbox',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
    ...(audio ? [`--use-file-for-fake-audio-capture=${audio}`] : []),
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
}

export const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
