// Times the exam's detectors compiled to WebAssembly in headless Chromium:
// face detection on real 640×480 frames from the shared fixtures (with a
// face, and an empty room, which also pays for the retry pass) and the voice
// activity detector on a speech recording at the browser's 48 kHz. No
// server: the page and files are served by page.route. Prints figures,
// asserts nothing; with OUT.json also writes them there for
// e2e/bench-report.mjs. LOKAAL_BENCH_FRAMES sets the frames timed (30 with a
// face, 20 without).
// Usage: node e2e/bench-exam.mjs out/exambench.wasm out/wasm_exec.js CASCADE_DIR [OUT.json]
import fs from 'node:fs';
import { openBenchPage } from './bench-page.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [wasm, wasmExec, cascades, outJSON] = process.argv.slice(2);
const frames = Number(process.env.LOKAAL_BENCH_FRAMES) || 0;
const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = process.env.LOKAAL_FIXTURES || path.resolve(here, '../../shared/fixtures');
const files = {
  '/': ['text/html', '<!doctype html><script src="/wasm_exec.js"></script>'],
  '/wasm_exec.js': ['text/javascript', fs.readFileSync(wasmExec)],
  '/exambench.wasm': ['application/wasm', fs.readFileSync(wasm)],
  '/facefinder': ['application/octet-stream', fs.readFileSync(path.join(cascades, 'facefinder'))],
  '/face.mjpeg': ['video/x-motion-jpeg', fs.readFileSync(path.join(fixtures, 'faces/face-present-30fps.mjpeg'))],
  '/empty.mjpeg': ['video/x-motion-jpeg', fs.readFileSync(path.join(fixtures, 'faces/empty-room-30fps.mjpeg'))],
  '/speech.wav': ['audio/wav', fs.readFileSync(path.join(fixtures, 'audio/speech-labelled/testset-audio-01.wav'))],
};

const { browser, page } = await openBenchPage(files);
try {
  const r = await page.evaluate(async (frames) => {
    const bytes = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
    // The first frames of a clip as RGBA, decoded by the browser as the
    // exam page's canvas would hand them over.
    const rgbaFrames = async (p, count) => {
      const b = await bytes(p);
      const starts = [];
      for (let i = 0; i + 2 < b.length && starts.length <= count; i++) {
        if (b[i] === 0xff && b[i + 1] === 0xd8 && b[i + 2] === 0xff) starts.push(i);
      }
      const out = [];
      for (let k = 0; k + 1 < starts.length; k++) {
        const img = await createImageBitmap(new Blob([b.subarray(starts[k], starts[k + 1])], { type: 'image/jpeg' }));
        const c = new OffscreenCanvas(img.width, img.height).getContext('2d');
        c.drawImage(img, 0, 0);
        out.push(c.getImageData(0, 0, img.width, img.height).data);
      }
      return out;
    };
    const go = new Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch('/exambench.wasm'), go.importObject);
    go.run(instance);
    const ff = await bytes('/facefinder');
    const face = globalThis.lokaalFaceBench(ff, await rgbaFrames('/face.mjpeg', 10), 640, 480, frames || 30);
    const empty = globalThis.lokaalFaceBench(ff, await rgbaFrames('/empty.mjpeg', 10), 640, 480, frames || 20);
    // decodeAudioData resamples to the context's rate, as a 48 kHz
    // microphone would deliver it.
    const audio = await new OfflineAudioContext(1, 1, 48000).decodeAudioData((await bytes('/speech.wav')).buffer);
    const samples = audio.getChannelData(0);
    const vad = globalThis.lokaalVADBench(samples, 48000);
    const msg = (v) => (v instanceof Error ? v.message : v);
    return { face: msg(face), empty: msg(empty), vad: msg(vad), seconds: samples.length / 48000 };
  }, frames);
  console.log(`exam detectors in Chromium ${browser.version()} (WebAssembly):`);
  const faceLine = (what, v) => console.log(typeof v === 'object'
    ? `  face detection 640x480, ${what}: ${v.ms.toFixed(1)} ms/frame (copy + gray + Detect, default parameters), ${v.faces.toFixed(2)} faces/frame, ${(1000 / v.ms).toFixed(1)} frames/s max`
    : `  face detection 640x480, ${what}: error ${v}`);
  faceLine('face-present frames', r.face);
  faceLine('empty-room frames (with the retry pass)', r.empty);
  console.log(typeof r.vad === 'number'
    ? `  VAD at 48 kHz, 128-sample blocks: ${r.vad.toFixed(2)} ms per second of audio (${r.seconds.toFixed(1)} s of speech), ${(r.vad / 10).toFixed(2)} % of one core`
    : `  VAD: error ${r.vad}`);
  if (outJSON) {
    const ms = (v) => (typeof v === 'object' ? v.ms : null);
    fs.writeFileSync(outJSON, JSON.stringify({
      chromium: browser.version(),
      face_ms_frame_wasm: ms(r.face), face_ms_frame_wasm_noface: ms(r.empty),
      vad_ms_per_audio_s_wasm: typeof r.vad === 'number' ? r.vad : null, vad_audio_s: r.seconds,
    }, null, 1) + '\n');
  }
} finally {
  await browser.close();
}
