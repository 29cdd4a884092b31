// Prepares the exam's fake-camera clips before any browser starts.
//
// The shared faces clips are baseline JPEGs whose three components are all
// sampled 1×2 (the counting clip is ordinary 4:2:0). Chromium decodes them
// in an <img>, but its fake camera delivers a uniform green frame instead,
// so the detectors would see no face at all. Chromium itself re-encodes
// every frame here into a 4:2:0 MJPEG in the run's temp directory; the
// fixtures are never copied into the repository.
import fs from 'node:fs';
import { reencode } from './clips.mjs';
import { cameraClips, executablePath, tmp } from './env';

export default async function globalSetup() {
  const todo = cameraClips.filter((c) => !fs.existsSync(c.out));
  if (todo.length > 0) await reencode(executablePath, todo);
  // The returned function is the global teardown: the temp directory (clips,
  // audio, database) goes unless the caller chose it.
  return () => {
    if (process.env.LOKAAL_E2E_TMP_OURS) fs.rmSync(tmp, { recursive: true, force: true });
  };
}
