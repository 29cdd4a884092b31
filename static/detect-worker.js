// lokaal detection worker: the exam's face and speech detectors, off the
// page's thread.
//
// A module Web Worker that runs the same exam.wasm as the page (the page
// compiles it once, checked by Subresource Integrity, and posts the
// WebAssembly.Module here), with no document: its main registers
// globalThis.lokaalDetect. The page sends camera frames as transferred
// ImageBitmaps and the speech worklet sends microphone chunks straight here
// over a MessagePort; only detections go back (faces as JSON, speech
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
//     then per worklet chunk → {type: 'speech', decisions, level, ms}
//   {type: 'audioStop'}
// t and every time sent back are on the page's performance.now() clock.
let det;           // globalThis.lokaalDetect
let origin = 0;    // the page's performance.timeOrigin
let canvas, ctx;   // reused for every frame
let port = null;   // the speech worklet's chunks

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

async function audio(msg) {
  port?.close();
  const bytes = await model(msg.speech);
  const err = det.audioStart(msg.speech.kind, msg.sampleRate, bytes);
  if (err instanceof Error) throw err;
  port = msg.port;
  port.onmessage = (ev) => {
    const chunk = ev.data;
    const start = performance.now();
    const r = det.audio(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), pageNow());
    const ms = performance.now() - start;
    if (r) postMessage({ type: 'speech', decisions: r.decisions, level: r.level, ms });
  };
}

const handlers = {
  init: async (m) => { await init(m); postMessage({ type: 'ready' }); },
  frame,
  audio,
  audioStop: () => {
    port?.close();
    port = null;
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
