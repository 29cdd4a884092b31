// Settings shared by playwright.config.ts and the specs. The runner and each
// worker load this file separately, so what must agree between them (port,
// database, converted audio) is decided once and passed down in the
// environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

// toWav48k reads a mono 16-bit PCM WAV and returns it resampled to 48 kHz by
// linear interpolation, which is plenty for a voice detector that works
// below 4 kHz.
export function toWav48k(src: Buffer): Buffer {
  let rate = 0, pcm: Buffer | undefined;
  for (let off = 12; off + 8 <= src.length;) {
    const id = src.toString('latin1', off, off + 4), size = src.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      const [format, channels, bits] = [src.readUInt16LE(off + 8), src.readUInt16LE(off + 10), src.readUInt16LE(off + 22)];
      if (format !== 1 || channels !== 1 || bits !== 16) throw new Error('want mono 16-bit PCM');
      rate = src.readUInt32LE(off + 12);
    }
    if (id === 'data') pcm = src.subarray(off + 8, off + 8 + size);
    off += 8 + size + (size & 1);
  }
  if (!rate || !pcm) throw new Error('not a PCM WAV');
  const n = pcm.length >> 1, m = Math.floor((n - 1) * 48000 / rate) + 1;
  const out = Buffer.alloc(44 + 2 * m);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + 2 * m, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(48000, 24);
  out.writeUInt32LE(96000, 28); // bytes per second
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(2 * m, 40);
  for (let j = 0; j < m; j++) {
    const x = j * rate / 48000, i = Math.floor(x), f = x - i;
    const a = pcm.readInt16LE(2 * i), b = pcm.readInt16LE(2 * Math.min(i + 1, n - 1));
    out.writeInt16LE(Math.round(a + f * (b - a)), 44 + 2 * j);
  }
  return out;
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
