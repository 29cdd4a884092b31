// lokaal detection worker: the exam's face and speech detectors, off the
// page's thread.
//
// A module Web Worker that runs the same exam.wasm as the page (the page
// compiles it once, checked by Subresource Integrity, and posts the
// WebAssembly.Module here), with no document: its main registers
// globalThis.lokaalDetect. The page sends camera frames as transferred
// ImageBitmaps, and the microphone's samples come straight here (the
// track's AudioData stream, or the speech worklet's chunks over a
// MessagePort); only detections go back (faces as JSON, speech
// decisions). Nothing here stores or sends a frame or a sample, and the only
// requests made are the model fetches, with the integrity the page names.
//
// Messages from the page:
//   {type: 'init', module, wasmExec, origin, face: {kind, url, integrity} | null}
//     → {type: 'ready'} or {type: 'error', message}
//   {type: 'frame', bitmap, w, h, t}  (bitmap transferred)
//     → {type: 'faces', faces, t, ms} or {type: 'error', what, message, t}
// ms is the time spent in the detector's call.
//   {type: 'audio', port, sampleRate, speech: {kind, url, integrity}}
//   or {type: 'audio', readable, speech} (readable transferred: AudioData)
//     then per worklet chunk → {type: 'speech', decisions, level, ms}
//   {type: 'audioStop'}
// t and every time sent back are on the page's performance.now() clock.
let det;           // globalThis.lokaalDetect
let origin = 0;    // the page's performance.timeOrigin
let canvas, ctx;   // reused for every frame
let port = null;   // the microphone stream: the worklet's port, or a stream reader's closer
let plane = null;  // reused: one AudioData frame's first channel
const CHUNK = 2048; // samples per detector call: speech-worklet.js's chunk

// pageNow is performance.now() as the page reads it at this moment: the
// worker's clock starts later than the page's.
const pageNow = () => performance.timeOrigin + performance.now() - origin;

async function model(m) {
  if (!m.url) return new Uint8Array(0);
  if (!m.integrity) throw new Error(`the page names no integrity for ${m.url}`);
  const res = await fetch(m.url, { integrity: m.integrity });
  if (!res.ok) throw new Error(`${m.url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function init(msg) {
  origin = msg.origin;
  // Go's glue, from the URL the page loaded it from: the same file, from
  // the cache (it is a classic script that only sets globalThis.Go).
  await import(msg.wasmExec);
  const g = new Go();
  const instance = await WebAssembly.instantiate(msg.module, g.importObject);
  g.run(instance); // main registers globalThis.lokaalDetect before it blocks
  det = globalThis.lokaalDetect;
  if (msg.face) {
    const err = det.faceModel(msg.face.kind, await model(msg.face));
    if (err instanceof Error) throw err;
  }
}

function frame(msg) {
  const { bitmap, w, h, t } = msg;
  if (!canvas || canvas.width !== w || canvas.height !== h) {
    canvas = new OffscreenCanvas(w, h);
    ctx = canvas.getContext('2d', { willReadFrequently: true });
  }
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const start = performance.now();
  const faces = det.frame(rgba, w, h);
  const ms = performance.now() - start;
  if (faces instanceof Error) throw faces;
  postMessage({ type: 'faces', faces, t, ms });
}

// audio starts a voice-activity detector on a microphone stream: chunks
// from the speech worklet over msg.port, or the track's AudioData frames
// from msg.readable (a MediaStreamTrackProcessor's), gathered into chunks
// of the worklet's size. Each chunk goes to the detector as it completes.
async function audio(msg) {
  stopAudio();
  const bytes = await model(msg.speech);
  const speech = (chunk) => {
    const start = performance.now();
    const r = det.audio(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), pageNow());
    const ms = performance.now() - start;
    if (r) postMessage({ type: 'speech', decisions: r.decisions, level: r.level, ms });
  };
  const begin = (rate) => {
    const err = det.audioStart(msg.speech.kind, rate, bytes);
    if (err instanceof Error) throw err;
  };
  if (msg.port) {
    begin(msg.sampleRate);
    port = msg.port;
    port.onmessage = (ev) => speech(ev.data);
    return;
  }
  const reader = msg.readable.getReader();
  port = { close: () => reader.cancel().catch(() => {}) };
  const chunk = new Float32Array(CHUNK);
  let n = 0, rate = 0;
  for (;;) {
    const { value: data, done } = await reader.read();
    if (done) return;
    try {
      if (!rate) begin(rate = data.sampleRate);
      if (data.sampleRate !== rate) throw new Error(`the microphone changed its rate from ${rate} to ${data.sampleRate} Hz`);
      const frames = data.numberOfFrames;
      if (!plane || plane.length < frames) plane = new Float32Array(frames);
      data.copyTo(plane, { planeIndex: 0, format: 'f32-planar' }); // the first channel, as the worklet takes
      for (let i = 0; i < frames;) {
        const take = Math.min(frames - i, CHUNK - n);
        chunk.set(plane.subarray(i, i + take), n);
        n += take;
        i += take;
        if (n === CHUNK) { speech(chunk); n = 0; }
      }
    } catch (e) {
      reader.cancel().catch(() => {});
      throw e;
    } finally {
      data.close();
    }
  }
}

// stopAudio ends the microphone stream, whichever way it comes.
function stopAudio() {
  port?.close();
  port = null;
}

const handlers = {
  init: async (m) => { await init(m); postMessage({ type: 'ready' }); },
  frame,
  audio,
  audioStop: () => {
    stopAudio();
    det?.audioStop();
  },
};

onmessage = (ev) => {
  const m = ev.data;
  Promise.resolve()
    .then(() => handlers[m.type](m))
    .catch((e) => {
      m.bitmap?.close();
      postMessage({ type: 'error', what: m.type, message: e.message, t: m.t });
    });
};
