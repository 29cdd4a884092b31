// The in-browser peers lokaal is measured against (issues 6 and 12, make
// bench), in the same headless Debian Chromium and on the same inputs as
// lokaal:
//   faces: @vladmandic/human, BlazeFace only, on the WASM and the WebGL
//          backend (the faster one is kept), and Google's own
//          @mediapipe/face_detection solution (its WASM, short-range model;
//          the full-range model as a variant). For each: ms per 640×480
//          frame (mean, median, p90) on the faces clips, false faces on the
//          empty room, faces on the two-faces clip, and on the 700 FairFace
//          crops centred on a grey 640×480 canvas the detection rate
//          (detected = at least one face, as lokaal eval) per group and per
//          group × gender with 95 % Wilson intervals, the gaps, and the share
//          of these single-face crops with a second face;
//   VAD:   @ricky0123/vad-web: its non-real-time (file) mode, which runs
//          Silero's legacy model, and Silero v5 as its MicVAD runs it
//          (vad-web's FrameProcessor and defaults, 512-sample frames with 64
//          samples of context), both through onnxruntime-web's WASM backend:
//          frame-level F1 and MCC at 10 ms per file and pooled over the
//          labelled .wav files (frames judged at their centre, as lokaal
//          eval), ms per second of audio, and the speech seconds flagged on
//          the non-speech clips.
//   speed head to head: lokaal's exam build (exam.wasm in a Web Worker, as
//          static/detect-worker.js runs it) and MediaPipe's short-range
//          solution in one page, taking turns in rounds of the same frames,
//          so a load that comes and goes on a shared machine falls on both:
//          medians per engine and the median of the per-round ratios.
// Every file comes from node_modules through a local HTTP server on
// 127.0.0.1; every other request is aborted and reported, so a silent CDN
// fetch fails loudly. Writes out/peers.json (relative to the repo root) and
// prints a table. Prints figures, asserts nothing.
//
// Usage, from the repo root: npm ci --prefix e2e/peers && node e2e/peers/run.mjs
// Environment: LOKAAL_FIXTURES (default ../shared/fixtures from the repo
// root), CHROMIUM (default /usr/bin/chromium), PEERS_BACKENDS (default
// "wasm,webgl"), PEERS_OUT (default out/peers.json), PEERS_FACE_MESH=1 (a
// variant with human's face mesh after BlazeFace, as in its defaults),
// PEERS_MEDIAPIPE_FULL=0 (skip the full-range variant), PEERS_ONLY (a
// comma list of human, mediapipe, vad, h2h: run only those),
// LOKAAL_EXAM_WASM (default static/build/exam.wasm) and PEERS_H2H_ROUNDS
// (default 8) for the head to head.
import { chromium } from '@playwright/test';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { faceSummary as summarize, mean, parseLabels, parseSCV, quantile, vadSummary as score } from '../bench-score.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const modules = path.join(here, 'node_modules');
const fixtures = path.resolve(root, process.env.LOKAAL_FIXTURES || '../shared/fixtures');
const outFile = path.resolve(root, process.env.PEERS_OUT || 'out/peers.json');
// PEERS_FACE_MESH=1 adds human's face mesh after BlazeFace, as in human's
// default configuration (a face whose mesh fails is dropped): a variant, not
// the figure make bench reports.
const faceMesh = process.env.PEERS_FACE_MESH === '1';
const backends = (process.env.PEERS_BACKENDS || 'wasm,webgl').split(',').map((s) => s.trim()).filter(Boolean);
const version = (pkg) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(modules, pkg, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
};
const only = process.env.PEERS_ONLY ? new Set(process.env.PEERS_ONLY.split(',').map((x) => x.trim())) : null;
const runs = (what) => !only || only.has(what);
const mediapipeFull = process.env.PEERS_MEDIAPIPE_FULL !== '0';
const versions = {
  '@vladmandic/human': version('@vladmandic/human'),
  '@mediapipe/face_detection': version('@mediapipe/face_detection'),
  '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
  '@ricky0123/vad-web': version('@ricky0123/vad-web'),
  'onnxruntime-web': version('onnxruntime-web'),
  '@playwright/test': version('@playwright/test'),
};
for (const [k, v] of Object.entries(versions)) {
  if (!v) {
    console.error(`e2e/peers: ${k} is not installed; run: npm ci --prefix e2e/peers`);
    process.exit(1);
  }
}

// ---- inputs, as lokaal eval finds them -----------------------------------
const faceClips = ['face-present-30fps.mjpeg', 'face-turning-30fps.mjpeg', 'two-faces-30fps.mjpeg', 'empty-room-30fps.mjpeg']
  .filter((f) => fs.existsSync(path.join(fixtures, 'faces', f)));
const fairDir = path.join(fixtures, 'fairness/fairface-val-700');
const fairRows = fs.existsSync(path.join(fairDir, 'labels.csv')) ? parseLabels(fs.readFileSync(path.join(fairDir, 'labels.csv'), 'utf8')) : [];
const speechDir = path.join(fixtures, 'audio/speech-labelled');
const labelled = fs.existsSync(speechDir)
  ? fs.readdirSync(speechDir).filter((f) => f.endsWith('.wav') && fs.existsSync(path.join(speechDir, f.replace(/\.wav$/, '.scv')))).sort()
  : [];
const nonSpeechDir = path.join(fixtures, 'audio/non-speech');
const nonSpeech = fs.existsSync(nonSpeechDir) ? fs.readdirSync(nonSpeechDir).filter((f) => f.endsWith('.wav')).sort() : [];


// ---- the local server -----------------------------------------------------
// Only these parts of node_modules are served: what the peer pages load.
const servable = ['@vladmandic/human/dist/', '@vladmandic/human/models/', '@tensorflow/tfjs-backend-wasm/dist/',
  '@ricky0123/vad-web/dist/', 'onnxruntime-web/dist/', '@mediapipe/face_detection/'];
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json',
  '.html': 'text/html', '.data': 'application/octet-stream', '.tflite': 'application/octet-stream', '.mjpeg': 'video/x-motion-jpeg', '.jpg': 'image/jpeg', '.wav': 'audio/wav', '.csv': 'text/csv' };
// lokaal's exam build for the head to head: the wasm, Go's glue and the
// face model the exam page names.
const examWasm = path.resolve(root, process.env.LOKAAL_EXAM_WASM || 'static/build/exam.wasm');
const examHTML = fs.readFileSync(path.join(root, 'static/exam.html'), 'utf8');
const examFace = (examHTML.match(/\sdata-face-model="\/assets\/([^"]*)"/) || [])[1];
const examFaceKind = (examHTML.match(/\sdata-face-kind="([^"]*)"/) || [])[1];
const lokaalFiles = { 'exam.wasm': examWasm, 'wasm_exec.js': path.join(root, 'static/build/wasm_exec.js'),
  'face.lknn': examFace ? path.join(root, 'static/build', examFace) : '' };
const h2hRounds = Number(process.env.PEERS_H2H_ROUNDS) || 8;
const gzipSizes = new Map();
const gzipSize = (file, buf) => {
  if (!gzipSizes.has(file)) gzipSizes.set(file, zlib.gzipSync(buf, { level: 9 }).length);
  return gzipSizes.get(file);
};
let log = []; // peer assets served, in order: {url, raw, gzip} or {mark}
const pageHTML = '<!doctype html><meta charset="utf-8"><title>peers</title><body>';

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = decodeURIComponent(url.pathname);
  const send = (status, type, body, extra = {}) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
    res.end(body);
  };
  if (p === '/') return send(200, 'text/html', pageHTML);
  if (p === '/mark') {
    log.push({ mark: url.searchParams.get('m') });
    return send(204, 'text/plain', '');
  }
  let file;
  if (p.startsWith('/m/')) {
    const rel = p.slice(3);
    if (!servable.some((s) => rel.startsWith(s)) || rel.includes('..')) return send(404, 'text/plain', 'not served');
    file = path.join(modules, rel);
  } else if (p.startsWith('/lk/')) {
    file = lokaalFiles[p.slice(4)];
    if (!file) return send(404, 'text/plain', 'not served');
  } else if (p.startsWith('/fx/')) {
    const rel = p.slice(4);
    if (rel.includes('..')) return send(404, 'text/plain', 'no');
    file = path.join(fixtures, rel);
  } else {
    return send(404, 'text/plain', 'not found');
  }
  fs.readFile(file, (err, buf) => {
    if (err) {
      if (p.startsWith('/m/')) log.push({ url: p, missing: true });
      return send(404, 'text/plain', 'not found');
    }
    if (p.startsWith('/m/')) log.push({ url: p, raw: buf.length, gzip: gzipSize(file, buf) });
    send(200, types[path.extname(file)] || 'application/octet-stream', buf);
  });
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// Bytes of the peer assets fetched before the page's mark `m`.
const bytesBefore = (entries, m) => {
  const out = { raw: 0, gzip: 0, files: {} };
  for (const e of entries) {
    if (e.mark === m) return out;
    if (e.mark || e.missing || out.files[e.url]) continue; // count each file once
    out.files[e.url] = e.gzip;
    out.raw += e.raw;
    out.gzip += e.gzip;
  }
  return null; // the mark never came: no detection
};

// ---- the browser ----------------------------------------------------------
const blocked = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run',
    // A second wall behind the route below: nothing but loopback resolves.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
});
const newPage = async (label) => {
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
    blocked.push(`${label}: ${route.request().url()}`);
    console.error(`  BLOCKED non-loopback request (${label}): ${route.request().url()}`);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('requestfailed', (r) => {
    if (!new URL(r.url()).hostname.startsWith('127.0.0.1')) return; // reported above
    console.error(`  request failed (${label}): ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('pageerror', (e) => console.error(`  page error (${label}): ${e.message}`));
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !/No available adapters|^[IW]\d{4} |^INFO: Created TensorFlow Lite|GL Driver Message/.test(m.text())) console.error(`  console ${m.type()} (${label}): ${m.text().slice(0, 300)}`);
  });
  await page.goto(origin + '/');
  return { page, context };
};

// ---- faces: human with BlazeFace only -------------------------------------
// Run in the page. Loads human, marks the first detection, then times
// human.detect on the clip frames (decoding excluded) and, if asked, runs the
// fairness crops centred on grey.
const facePage = async ({ backend, clips, crops, framesPerClip, budgetMs, mesh }) => {
  const { Human } = await import('/m/@vladmandic/human/dist/human.esm.js');
  const human = new Human({
    backend,
    wasmPath: '/m/@tensorflow/tfjs-backend-wasm/dist/',
    modelBasePath: '/m/@vladmandic/human/models/',
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: 0, // no result caching between similar frames: every frame is run
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { modelPath: 'blazeface.json', rotation: false, maxDetected: 10, skipFrames: 0, skipTime: 0, return: false },
      mesh: { enabled: mesh }, iris: { enabled: false }, emotion: { enabled: false }, description: { enabled: false },
      antispoof: { enabled: false }, liveness: { enabled: false }, attention: { enabled: false },
    },
    body: { enabled: false }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  const t0 = performance.now();
  await human.load();
  const frameOf = (b, s, e) => createImageBitmap(new Blob([b.subarray(s, e)], { type: 'image/jpeg' }));
  const split = (b) => {
    const starts = [];
    for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xd8 && b[i + 2] === 0xff) starts.push(i);
    starts.push(b.length);
    return starts;
  };
  const clipBytes = [];
  for (const c of clips) clipBytes.push(new Uint8Array(await (await fetch('/fx/faces/' + c)).arrayBuffer()));
  // The first detection, on the first frame of the first clip.
  {
    const st = split(clipBytes[0]);
    const img = await frameOf(clipBytes[0], st[0], st[1]);
    const r = await human.detect(img);
    img.close();
    if (r.error) throw new Error(r.error);
    await fetch('/mark?m=face-first');
  }
  const firstMs = performance.now() - t0;
  const backendUsed = human.tf.getBackend();
  const perClip = [];
  for (let k = 0; k < clips.length; k++) {
    const b = clipBytes[k];
    const st = split(b);
    const n = Math.min(st.length - 1, framesPerClip);
    let ms = 0;
    const times = [], counts = [];
    let i = 0;
    for (; i < n && !(budgetMs && ms > budgetMs && i >= 5); i++) {
      const img = await frameOf(b, st[i], st[i + 1]);
      const t = performance.now();
      const r = await human.detect(img);
      const dt = performance.now() - t;
      ms += dt;
      img.close();
      times.push(dt);
      counts.push(r.face.length);
    }
    perClip.push({ clip: clips[k], width: 640, height: 480, times, counts });
  }
  const cropResults = [];
  if (crops.length) {
    const canvas = new OffscreenCanvas(640, 480);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    for (const file of crops) {
      const img = await createImageBitmap(await (await fetch('/fx/fairness/fairface-val-700/' + file)).blob());
      ctx.fillStyle = 'rgb(128,128,128)';
      ctx.fillRect(0, 0, 640, 480);
      const x0 = Math.floor((640 - img.width) / 2), y0 = Math.floor((480 - img.height) / 2), w = img.width, h = img.height;
      ctx.drawImage(img, x0, y0);
      img.close();
      const r = await human.detect(ctx.getImageData(0, 0, 640, 480));
      // A sanity check on the score: is a box centred on the crop?
      const inCrop = r.face.some(({ box: [x, y, bw, bh] }) => x + bw / 2 >= x0 && x + bw / 2 < x0 + w && y + bh / 2 >= y0 && y + bh / 2 < y0 + h);
      cropResults.push([r.face.length, inCrop]);
    }
  }
  return { backend: backendUsed, firstMs, perClip, cropResults, tfjs: human.tf.version_core, human: human.version };
};

// ---- faces: Google's @mediapipe/face_detection solution --------------------
// Run in the page. The solution takes an HTMLCanvasElement; each frame is
// drawn on a 640×480 canvas (untimed) and FaceDetection.send is timed, which
// resolves once onResults has had the frame's detections. Its defaults:
// minDetectionConfidence 0.5, selfieMode off.
const mediapipePage = async ({ model, cpu, clips, crops, framesPerClip }) => {
  await new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = '/m/@mediapipe/face_detection/face_detection.js';
    s.onload = ok;
    s.onerror = () => fail(new Error('cannot load face_detection.js'));
    document.head.appendChild(s);
  });
  const t0 = performance.now();
  const fd = new window.FaceDetection({ locateFile: (file) => `/m/@mediapipe/face_detection/${file}` });
  // Only the model is set: setting minDetectionConfidence rewrites the
  // TensorsToDetectionsCalculator's options without num_classes, and the
  // graph aborts (RET_CHECK options_.has_num_classes()); the graph's own
  // min_score_thresh (0.5, the documented default) stays.
  fd.setOptions({ model, useCpuInference: cpu });
  let last = null;
  fd.onResults((r) => {
    last = (r.detections ?? []).map((d) => d.boundingBox);
  });
  await fd.initialize();
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 480;
  const ctx = canvas.getContext('2d');
  const detect = async () => {
    last = null;
    const t = performance.now();
    await fd.send({ image: canvas });
    const dt = performance.now() - t;
    if (last === null) throw new Error('send resolved before onResults');
    return [dt, last];
  };
  const split = (b) => {
    const starts = [];
    for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xd8 && b[i + 2] === 0xff) starts.push(i);
    starts.push(b.length);
    return starts;
  };
  const draw = async (blob) => {
    const img = await createImageBitmap(blob);
    ctx.drawImage(img, 0, 0, 640, 480);
    img.close();
  };
  const clipBytes = [];
  for (const c of clips) clipBytes.push(new Uint8Array(await (await fetch('/fx/faces/' + c)).arrayBuffer()));
  {
    const st = split(clipBytes[0]);
    await draw(new Blob([clipBytes[0].subarray(st[0], st[1])], { type: 'image/jpeg' }));
    await detect();
    await fetch('/mark?m=mediapipe-' + model + '-first');
  }
  const firstMs = performance.now() - t0;
  const perClip = [];
  for (let k = 0; k < clips.length; k++) {
    const b = clipBytes[k];
    const st = split(b);
    const n = Math.min(st.length - 1, framesPerClip);
    const times = [], counts = [];
    for (let i = 0; i < n; i++) {
      await draw(new Blob([b.subarray(st[i], st[i + 1])], { type: 'image/jpeg' }));
      const [dt, boxes] = await detect();
      times.push(dt);
      counts.push(boxes.length);
    }
    perClip.push({ clip: clips[k], width: 640, height: 480, times, counts });
  }
  const cropResults = [];
  for (const file of crops) {
    const img = await createImageBitmap(await (await fetch('/fx/fairness/fairface-val-700/' + file)).blob());
    ctx.fillStyle = 'rgb(128,128,128)';
    ctx.fillRect(0, 0, 640, 480);
    const x0 = Math.floor((640 - img.width) / 2), y0 = Math.floor((480 - img.height) / 2), w = img.width, h = img.height;
    ctx.drawImage(img, x0, y0);
    img.close();
    const [, boxes] = await detect();
    const inCrop = boxes.some(({ xCenter, yCenter }) => xCenter * 640 >= x0 && xCenter * 640 < x0 + w && yCenter * 480 >= y0 && yCenter * 480 < y0 + h);
    cropResults.push([boxes.length, inCrop]);
  }
  await fd.close();
  return { backend: cpu ? 'mediapipe wasm, CPU inference' : 'mediapipe wasm, WebGL inference', firstMs, perClip, cropResults, version: window.FaceDetection.VERSION ?? null };
};

// ---- speed head to head: lokaal and MediaPipe taking turns ---------------
// Run in the page. lokaal runs as the exam runs it: exam.wasm in a Web
// Worker, each frame an ImageBitmap transferred to it and drawn on an
// OffscreenCanvas (untimed), then read back and lokaalDetect.frame, timed
// together: MediaPipe's time includes taking the pixels from its canvas, so
// lokaal's includes the readback (lokaalDetect.frame alone is kept too).
// MediaPipe runs as its solution does, on the page's thread: the frame drawn
// on a canvas (untimed), FaceDetection.send timed until onResults. Each round
// both engines take the same frames, the first engine alternating.
const headToHeadPage = async ({ cpu, clip, rounds, perRound, faceKind }) => {
  const workerSource = `
    importScripts(location.origin + '/lk/wasm_exec.js');
    let det;
    const canvas = new OffscreenCanvas(640, 480);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    onmessage = async ({ data: m }) => {
      try {
        if (m.type === 'init') {
          const g = new Go();
          const { instance } = await WebAssembly.instantiateStreaming(fetch(location.origin + '/lk/exam.wasm'), g.importObject);
          g.run(instance);
          det = globalThis.lokaalDetect;
          const err = det.faceModel(m.faceKind, new Uint8Array(await (await fetch(location.origin + '/lk/face.lknn')).arrayBuffer()));
          if (err instanceof Error) throw err;
          postMessage({ ok: true });
          return;
        }
        ctx.drawImage(m.bitmap, 0, 0, 640, 480);
        m.bitmap.close();
        const t0 = performance.now();
        const rgba = ctx.getImageData(0, 0, 640, 480).data;
        const t = performance.now();
        const r = det.frame(rgba, 640, 480);
        const t1 = performance.now();
        if (r instanceof Error) throw r;
        postMessage({ ok: true, ms: t1 - t0, detectMs: t1 - t, faces: JSON.parse(r).length });
      } catch (e) {
        postMessage({ ok: false, error: String(e && e.message || e) });
      }
    };`;
  const w = new Worker(URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' })));
  const call = (msg, transfer = []) => new Promise((ok, fail) => {
    w.onmessage = ({ data }) => (data.ok ? ok(data) : fail(new Error(data.error)));
    w.postMessage(msg, transfer);
  });
  await call({ type: 'init', faceKind });
  await new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = '/m/@mediapipe/face_detection/face_detection.js';
    s.onload = ok;
    s.onerror = () => fail(new Error('cannot load face_detection.js'));
    document.head.appendChild(s);
  });
  const fd = new window.FaceDetection({ locateFile: (file) => `/m/@mediapipe/face_detection/${file}` });
  fd.setOptions({ model: 'short', useCpuInference: cpu });
  let last = null;
  fd.onResults((r) => { last = r.detections ?? []; });
  await fd.initialize();
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 480;
  const ctx = canvas.getContext('2d');
  const b = new Uint8Array(await (await fetch('/fx/faces/' + clip)).arrayBuffer());
  const starts = [];
  for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xd8 && b[i + 2] === 0xff) starts.push(i);
  starts.push(b.length);
  const frame = (i) => new Blob([b.subarray(starts[i], starts[i + 1])], { type: 'image/jpeg' });
  const n = starts.length - 1;
  const engines = {
    lokaal: async (i) => {
      const bitmap = await createImageBitmap(frame(i));
      const r = await call({ type: 'frame', bitmap }, [bitmap]);
      return [r.ms, r.faces, r.detectMs];
    },
    mediapipe: async (i) => {
      const img = await createImageBitmap(frame(i));
      ctx.drawImage(img, 0, 0, 640, 480);
      img.close();
      last = null;
      const t = performance.now();
      await fd.send({ image: canvas });
      const ms = performance.now() - t;
      if (last === null) throw new Error('send resolved before onResults');
      return [ms, last.length];
    },
  };
  // one untimed frame each, then the rounds
  await engines.lokaal(0);
  await engines.mediapipe(0);
  const out = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? ['mediapipe', 'lokaal'] : ['lokaal', 'mediapipe'];
    const round = { first: order[0] };
    for (const name of order) {
      const times = [], faces = [], detect = [];
      for (let k = 0; k < perRound; k++) {
        const [ms, f, dm] = await engines[name]((r * perRound + k) % n);
        times.push(ms);
        faces.push(f);
        if (dm != null) detect.push(dm);
      }
      round[name] = { times, faces, detect };
    }
    out.push(round);
  }
  await fd.close();
  w.terminate();
  return out;
};

// ---- VAD: vad-web's NonRealTimeVAD ---------------------------------------
const vadPage = async ({ files, warmup }) => {
  const loadScript = (src) => new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = ok;
    s.onerror = () => fail(new Error('cannot load ' + src));
    document.head.appendChild(s);
  });
  const t0 = performance.now();
  // bundle.min.js takes onnxruntime-web from the global `ort`, as its README's
  // script-tag setup does (there from a CDN, here from node_modules).
  await loadScript('/m/onnxruntime-web/dist/ort.wasm.min.js');
  await loadScript('/m/@ricky0123/vad-web/dist/bundle.min.js');
  const options = {
    modelURL: '/m/@ricky0123/vad-web/dist/silero_vad_legacy.onnx',
    ortConfig: (ort) => {
      ort.env.wasm.wasmPaths = '/m/onnxruntime-web/dist/';
      ort.env.wasm.numThreads = 1;
      ort.env.logLevel = 'error';
    },
  };
  const decode = async (url) => {
    const buf = await (await fetch(url)).arrayBuffer();
    // The files are 16 kHz; a 16 kHz context keeps them as they are.
    const a = await new OfflineAudioContext(1, 1, 16000).decodeAudioData(buf);
    return a.getChannelData(0);
  };
  const out = [];
  let ortSeen;
  // The first detection, on the first file, is an untimed warm-up, so that
  // the wasm is compiled and tiered up before the timed runs below, as
  // human's first detection is not timed either.
  for (let k = 0; k < warmup; k++) {
    const vad = await window.vad.NonRealTimeVAD.new({ ...options, ortConfig: (ort) => { ortSeen = ort.env.versions; options.ortConfig(ort); } });
    for await (const seg of vad.run(await decode(files[k].url), 16000)) void seg;
    if (k === 0) await fetch('/mark?m=vad-first');
  }
  for (const f of files) {
    const samples = await decode(f.url);
    const vad = await window.vad.NonRealTimeVAD.new(options);
    const segs = [];
    const t = performance.now();
    for await (const { start, end } of vad.run(samples, 16000)) segs.push([start / 1000, end / 1000]);
    const ms = performance.now() - t;
    out.push({ name: f.name, seconds: samples.length / 16000, ms, segs });
  }
  return { files: out, firstMs: performance.now() - t0, ort: ortSeen };
};

// ---- VAD: Silero v5 as vad-web's MicVAD runs it -----------------------------
// NonRealTimeVAD only loads the legacy model; vad-web's real-time MicVAD
// runs v5 (model: "v5") with its Silero class: 512-sample frames at 16 kHz,
// each preceded by the last 64 samples of the one before, state carried
// over. Its Silero class is not exported from the bundle, so the few lines
// of models/silero.js are repeated here, feeding vad-web's own exported
// FrameProcessor at its defaults; segments are timed as NonRealTimeVAD.run
// times them, in 512-sample frames.
const vadV5Page = async ({ files }) => {
  const loadScript = (src) => new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = ok;
    s.onerror = () => fail(new Error('cannot load ' + src));
    document.head.appendChild(s);
  });
  await loadScript('/m/onnxruntime-web/dist/ort.wasm.min.js');
  await loadScript('/m/@ricky0123/vad-web/dist/bundle.min.js');
  const ort = window.ort;
  ort.env.wasm.wasmPaths = '/m/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(await (await fetch('/m/@ricky0123/vad-web/dist/silero_vad_v5.onnx')).arrayBuffer());
  const sr = new ort.Tensor('int64', [16000n]);
  const CONTEXT = 64, FRAME = 512;
  let state, context;
  const reset = () => {
    state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
    context = new Float32Array(CONTEXT);
  };
  const processFrame = async (frame) => {
    const x = new Float32Array(CONTEXT + frame.length);
    x.set(context, 0);
    x.set(frame, CONTEXT);
    context = frame.slice(-CONTEXT);
    const out = await session.run({ input: new ort.Tensor('float32', x, [1, x.length]), state, sr });
    state = out.stateN;
    const isSpeech = out.output.data[0];
    return { isSpeech, notSpeech: 1 - isSpeech };
  };
  const decode = async (url) => {
    const buf = await (await fetch(url)).arrayBuffer();
    return (await new OfflineAudioContext(1, 1, 16000).decodeAudioData(buf)).getChannelData(0);
  };
  const runFile = async (samples) => {
    reset();
    const fp = new window.vad.FrameProcessor(processFrame, reset, {
      positiveSpeechThreshold: 0.3, negativeSpeechThreshold: 0.25, redemptionMs: 1400, preSpeechPadMs: 800, minSpeechMs: 400,
      submitUserSpeechOnPause: false,
    }, FRAME / 16);
    fp.resume();
    const segs = [];
    let start = 0, k = 0;
    const handle = (last) => (ev) => {
      if (ev.msg === 'SPEECH_START') start = (k * FRAME) / 16;
      else if (ev.msg === 'SPEECH_END') segs.push([start / 1000, (last ? k * FRAME : (k + 1) * FRAME) / 16000]);
    };
    for (; (k + 1) * FRAME <= samples.length; k++) await fp.process(samples.subarray(k * FRAME, (k + 1) * FRAME), handle(false));
    fp.endSegment(handle(true));
    return segs;
  };
  // Untimed warm-up on the first file, then every file timed.
  await runFile(await decode(files[0].url));
  await fetch('/mark?m=vad-v5-first');
  // The model alone: every 512-sample frame whose speech probability is at
  // least 0.5 (silero-vad's own default threshold) is speech, state carried
  // through the whole file, no hangover: the model's frame accuracy, before
  // vad-web's segmenting.
  const rawFile = async (samples) => {
    reset();
    const segs = [];
    for (let k = 0; (k + 1) * FRAME <= samples.length; k++) {
      const { isSpeech } = await processFrame(samples.subarray(k * FRAME, (k + 1) * FRAME));
      if (isSpeech < 0.5) continue;
      const a = (k * FRAME) / 16000, b = ((k + 1) * FRAME) / 16000;
      if (segs.length && segs.at(-1)[1] === a) segs.at(-1)[1] = b;
      else segs.push([a, b]);
    }
    return segs;
  };
  const out = [], raw = [];
  for (const f of files) {
    const samples = await decode(f.url);
    let t = performance.now();
    const segs = await runFile(samples);
    out.push({ name: f.name, seconds: samples.length / 16000, ms: performance.now() - t, segs });
    t = performance.now();
    const rs = await rawFile(samples);
    raw.push({ name: f.name, seconds: samples.length / 16000, ms: performance.now() - t, segs: rs });
  }
  return { files: out, raw };
};

// NonRealTimeVAD's defaults, as read from the package (run with them).
const vadDefaults = (() => {
  try {
    const src = fs.readFileSync(path.join(modules, '@ricky0123/vad-web/dist/frame-processor.js'), 'utf8');
    const m = src.match(/defaultFrameProcessorOptions = (\{[^}]*\})/);
    return Object.fromEntries([...m[1].matchAll(/(\w+):\s*([\w.]+)/g)].map(([, k, v]) => [k, v === 'false' ? false : v === 'true' ? true : Number(v)]));
  } catch {
    return {};
  }
})();

// ---- run --------------------------------------------------------------------
const result = {
  peer_face_ms_frame: null, peer_face_recall: null, peer_vad_ms_per_audio_s: null, peer_vad_f1: null, peer_client_bytes_gzip: null,
  faces: {}, vad: {},
  detail: { versions, chromium: browser.version(), fixtures, blocked_requests: blocked, errors: [], notes: [] },
};
const d = result.detail;
const t0 = Date.now();
let faceBytes = null, vadBytes = null;

try {
  // Faces: human, a short timing run per backend, then the full run on the faster one.
  if (faceClips.length && runs('human')) {
    const trials = {};
    for (const backend of backends) {
      log = [];
      const { page, context } = await newPage(`human ${backend}`);
      try {
        const r = await page.evaluate(facePage, { backend, clips: faceClips.slice(0, 1), crops: [], framesPerClip: 40, budgetMs: 5000, mesh: faceMesh });
        const t = r.perClip[0].times;
        trials[backend] = { backend_reported: r.backend, frames: t.length, ms_frame: mean(t), first_detection_ms: r.firstMs };
        if (r.backend !== backend) trials[backend].note = `asked for ${backend}, human used ${r.backend}`;
      } catch (e) {
        trials[backend] = { error: String(e.message || e).slice(0, 300) };
      } finally {
        await context.close();
      }
    }
    d.face_backend_trials = trials;
    const ok = Object.entries(trials).filter(([, t]) => t.ms_frame != null && !t.note);
    if (ok.length) {
      const [backend] = ok.sort((a, b) => a[1].ms_frame - b[1].ms_frame)[0];
      log = [];
      const { page, context } = await newPage(`human ${backend}`);
      try {
        const r = await page.evaluate(facePage, { backend, clips: faceClips, crops: fairRows.map((x) => x.file), framesPerClip: 1e9, mesh: faceMesh });
        faceBytes = bytesBefore(log, 'face-first');
        d.face_backend = r.backend;
        d.versions['tfjs (bundled in human)'] = r.tfjs;
        let config = faceMesh ? 'VARIANT PEERS_FACE_MESH=1: BlazeFace then face mesh (human default), rest as below. ' : '';
        config += `human ${versions['@vladmandic/human']}, tfjs ${r.tfjs} ${r.backend} backend: BlazeFace only (face.detector blazeface.json, maxDetected 10, default minConfidence, rotation off); ` +
          'mesh, iris, emotion, description, antispoof, liveness, attention, body, hand, object, gesture, segmentation off; ' +
          'cacheSensitivity 0 and skipFrames/skipTime 0 so every frame is really run; image filter off; warmup none; ' +
          'timed: human.detect(ImageBitmap) per 640x480 frame, JPEG decode excluded';
        result.faces.human = faceSummary(r, config);
        result.faces.human.download_gzip = faceBytes?.gzip ?? null;
      } catch (e) {
        // A broken peer is reported, not fatal: the other figures still count.
        d.errors.push(`human (${backend}): ${String(e.message || e).slice(0, 500)}`);
      } finally {
        await context.close();
      }
    } else {
      d.notes.push('human ran on no backend: its face figures are null');
    }
  } else if (!faceClips.length) {
    d.notes.push(`no faces clips at ${fixtures}/faces: peer face figures are null`);
  }

  // Faces: Google's MediaPipe solution, the short-range model, then the
  // full-range one (the issue asks which suits a second, farther face).
  if (faceClips.length && runs('mediapipe')) {
    // Inference on the CPU (its WASM, XNNPACK) or on WebGL, as human's
    // backends: a short timing run of each, then the faster one for both models.
    const trials = {};
    for (const cpu of [true, false]) {
      const name = cpu ? 'cpu (wasm)' : 'gpu (webgl)';
      const { page, context } = await newPage(`mediapipe ${name}`);
      try {
        const r = await page.evaluate(mediapipePage, { model: 'short', cpu, clips: faceClips.slice(0, 1), crops: [], framesPerClip: 40 });
        trials[name] = { cpu, frames: r.perClip[0].times.length, ms_frame: mean(r.perClip[0].times), first_detection_ms: r.firstMs };
      } catch (e) {
        trials[name] = { cpu, error: String(e.message || e).slice(0, 300) };
      } finally {
        await context.close();
      }
    }
    d.mediapipe_inference_trials = trials;
    const okMP = Object.values(trials).filter((t) => t.ms_frame != null).sort((a, b) => a.ms_frame - b.ms_frame);
    if (!okMP.length) d.errors.push(`mediapipe ran on neither inference path: ${JSON.stringify(trials)}`);
    for (const model of !okMP.length ? [] : mediapipeFull ? ['short', 'full'] : ['short']) {
      const cpu = okMP[0].cpu;
      const key = model === 'short' ? 'mediapipe' : 'mediapipe_full';
      log = [];
      const { page, context } = await newPage(`mediapipe ${model}`);
      try {
        const r = await page.evaluate(mediapipePage, { model, cpu, clips: faceClips, crops: fairRows.map((x) => x.file), framesPerClip: 1e9 });
        const bytes = bytesBefore(log, `mediapipe-${model}-first`);
        result.faces[key] = faceSummary(r, `@mediapipe/face_detection ${versions['@mediapipe/face_detection']} (FaceDetection solution, its SIMD WASM build; ` +
          `model "${model}" = ${model === 'short' ? 'face_detection_short_range.tflite' : 'face_detection_full_range_sparse.tflite'}, inference ${cpu ? 'on the CPU (useCpuInference: its WASM)' : 'on WebGL'}, the graph's min_score_thresh 0.5, selfieMode off); ` +
          'timed: FaceDetection.send({image: canvas}) per 640x480 frame until onResults, JPEG decode and canvas draw excluded');
        result.faces[key].download_gzip = bytes?.gzip ?? null;
        result.faces[key].files_fetched = bytes ? Object.keys(bytes.files) : null;
      } catch (e) {
        d.errors.push(`mediapipe (${model}): ${String(e.message || e).slice(0, 500)}`);
      } finally {
        await context.close();
      }
    }
  }
  // Speed head to head: lokaal's exam build and MediaPipe short, taking
  // turns in one page, on MediaPipe's faster inference path.
  if (faceClips.includes('face-present-30fps.mjpeg') && runs('h2h')) {
    const cpu = d.mediapipe_inference_trials
      ? Object.values(d.mediapipe_inference_trials).filter((t) => t.ms_frame != null).sort((a, b) => a.ms_frame - b.ms_frame)[0]?.cpu ?? true
      : true;
    if (!fs.existsSync(examWasm) || !lokaalFiles['face.lknn'] || !fs.existsSync(lokaalFiles['face.lknn'])) {
      d.notes.push(`head to head skipped: no ${path.relative(root, examWasm)} or face model (run make first)`);
    } else {
      const { page, context } = await newPage('head to head');
      try {
        const rounds = await page.evaluate(headToHeadPage, { cpu, clip: 'face-present-30fps.mjpeg', rounds: h2hRounds, perRound: 25, faceKind: examFaceKind });
        const all = (name) => rounds.flatMap((r) => r[name].times);
        const ratios = rounds.map((r) => quantile(r.lokaal.times, 0.5) / quantile(r.mediapipe.times, 0.5));
        result.face_h2h = {
          what: `lokaal's exam build (${path.relative(root, examWasm)}, face kind ${examFaceKind} with ${examFace}, in a Web Worker, getImageData + lokaalDetect.frame timed) and ` +
            `@mediapipe/face_detection ${versions['@mediapipe/face_detection']} short (FaceDetection.send timed, inference ${cpu ? 'on the CPU' : 'on WebGL'}) ` +
            `in one page, taking turns: ${rounds.length} rounds of 25 face-present frames each, the same frames for both, the first engine alternating`,
          rounds: rounds.length,
          lokaal_detect_only_ms_median: quantile(rounds.flatMap((r) => r.lokaal.detect), 0.5),
          lokaal_ms_median: quantile(all('lokaal'), 0.5), lokaal_ms_p90: quantile(all('lokaal'), 0.9), lokaal_ms_mean: mean(all('lokaal')),
          mediapipe_ms_median: quantile(all('mediapipe'), 0.5), mediapipe_ms_p90: quantile(all('mediapipe'), 0.9), mediapipe_ms_mean: mean(all('mediapipe')),
          ratio_per_round: ratios,
          ratio_median: quantile(ratios, 0.5),
          rounds_lokaal_faster: ratios.filter((x) => x < 1).length,
          frames_with_a_face: { lokaal: rounds.flatMap((r) => r.lokaal.faces).filter((f) => f > 0).length, mediapipe: rounds.flatMap((r) => r.mediapipe.faces).filter((f) => f > 0).length, of: all('lokaal').length },
        };
      } catch (e) {
        d.errors.push(`head to head: ${String(e.message || e).slice(0, 500)}`);
      } finally {
        await context.close();
      }
    }
  }
  const x = result.face_h2h;
  Object.assign(result, {
    h2h_lokaal_face_ms_median: x?.lokaal_ms_median ?? null,
    h2h_mediapipe_face_ms_median: x?.mediapipe_ms_median ?? null,
    h2h_face_ratio_median: x?.ratio_median ?? null,
  });

  const h = result.faces.human, mp = result.faces.mediapipe;
  result.peer_face_ms_frame = h?.ms_frame_mean ?? null;
  result.peer_face_recall = h?.fairface?.rate ?? null;
  Object.assign(result, {
    peer_face_ms_frame_median: h?.ms_frame_median ?? null,
    peer_face_ms_frame_p90: h?.ms_frame_p90 ?? null,
    peer_face_gap: h?.fairface?.gap ?? null,
    peer_face_cell_gap: h?.fairface?.group_gender_gap ?? null,
    peer_face_second_face_rate: h?.fairface?.second_face_rate ?? null,
    peer_face_empty_room_false_frames: h?.empty_room?.frames_with_face ?? null,
    peer_mediapipe_face_ms_frame: mp?.ms_frame_mean ?? null,
    peer_mediapipe_face_ms_frame_median: mp?.ms_frame_median ?? null,
    peer_mediapipe_face_ms_frame_p90: mp?.ms_frame_p90 ?? null,
    peer_mediapipe_face_recall: mp?.fairface?.rate ?? null,
    peer_mediapipe_face_gap: mp?.fairface?.gap ?? null,
    peer_mediapipe_face_cell_gap: mp?.fairface?.group_gender_gap ?? null,
    peer_mediapipe_face_second_face_rate: mp?.fairface?.second_face_rate ?? null,
    peer_mediapipe_face_empty_room_false_frames: mp?.empty_room?.frames_with_face ?? null,
  });

  // VAD: vad-web's NonRealTimeVAD (legacy model), then Silero v5 as MicVAD runs it.
  const files = [...labelled.map((f) => ({ name: f, url: '/fx/audio/speech-labelled/' + f })),
    ...nonSpeech.map((f) => ({ name: f, url: '/fx/audio/non-speech/' + f }))];
  if (!labelled.length) {
    d.notes.push(`no labelled .wav files at ${speechDir}: peer VAD figures are null`);
  } else if (runs('vad')) {
    for (const [key, model, fn, mark] of [['legacy', 'silero_vad_legacy.onnx', vadPage, 'vad-first'], ['v5', 'silero_vad_v5.onnx', vadV5Page, 'vad-v5-first']]) {
      if (!fs.existsSync(path.join(modules, '@ricky0123/vad-web/dist', model))) {
        d.notes.push(`vad-web does not ship ${model}: its figures are null`);
        continue;
      }
      log = [];
      const { page, context } = await newPage(`vad-web ${key}`);
      try {
        const r = await page.evaluate(fn, { files, warmup: 1 });
        const bytes = bytesBefore(log, mark);
        if (key === 'legacy') {
          vadBytes = bytes;
          d.versions['onnxruntime-web (as the page reports)'] = r.ort;
        }
        result.vad[key] = vadSummary(r.files, key === 'legacy'
          ? `vad-web ${versions['@ricky0123/vad-web']} NonRealTimeVAD (it loads only silero_vad_legacy.onnx, 1536-sample frames), onnxruntime-web ${versions['onnxruntime-web']} wasm, 1 thread; timed: NonRealTimeVAD.run over decoded 16 kHz samples after an untimed warm-up on the first file`
          : `silero_vad_v5.onnx from vad-web ${versions['@ricky0123/vad-web']}, run as its MicVAD model "v5" (models/silero.js: 512-sample frames + 64 samples of context, state carried) through vad-web's FrameProcessor at its defaults, onnxruntime-web ${versions['onnxruntime-web']} wasm, 1 thread; timed after an untimed warm-up on the first file`);
        result.vad[key].download_gzip = bytes?.gzip ?? null;
        if (r.raw) {
          result.vad.v5_frames = vadSummary(r.raw, `silero_vad_v5.onnx from vad-web ${versions['@ricky0123/vad-web']}, the model alone: each 512-sample frame speech when its probability is ≥ 0.5 (silero-vad's default threshold), state carried through the file, no hangover or padding`);
        }
      } catch (e) {
        d.errors.push(`vad-web ${key}: ${String(e.message || e).slice(0, 500)}`);
      } finally {
        await context.close();
      }
    }
    d.vad_options = { ...vadDefaults, note: 'vad-web 0.0.31 defaults (dist/frame-processor.js); a segment starts at the first frame above positiveSpeechThreshold and ends after redemptionMs below negativeSpeechThreshold' };
  }
  const L = result.vad.legacy, V = result.vad.v5;
  result.peer_vad_f1 = L?.pooled?.f1 ?? null;
  result.peer_vad_ms_per_audio_s = L?.ms_per_audio_s ?? null;
  Object.assign(result, {
    peer_vad_mcc: L?.pooled?.mcc ?? null,
    peer_vad_v5_f1: V?.pooled?.f1 ?? null,
    peer_vad_v5_mcc: V?.pooled?.mcc ?? null,
    peer_vad_v5_ms_per_audio_s: V?.ms_per_audio_s ?? null,
    peer_vad_v5_frames_f1: result.vad.v5_frames?.pooled?.f1 ?? null,
    peer_vad_v5_frames_mcc: result.vad.v5_frames?.pooled?.mcc ?? null,
  });
} finally {
  await browser.close();
  server.close();
}

if (faceBytes || vadBytes) {
  result.peer_client_bytes_gzip = (faceBytes?.gzip ?? 0) + (vadBytes?.gzip ?? 0);
  d.client_bytes = {
    what: 'gzip -9 size of each peer file the page fetched before its first detection (JS, wasm, models); human + vad-web, as lokaal\'s exam page carries both detectors',
    human: faceBytes, vad_web: vadBytes,
  };
  if (!faceBytes || !vadBytes) d.notes.push('peer_client_bytes_gzip covers only the peer that ran');
}
d.seconds = (Date.now() - t0) / 1000;
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');

// ---- the table --------------------------------------------------------------
const fmt = (v, digits) => (v == null ? 'null' : v.toFixed(digits));
const pct = (v) => (v == null ? '–' : `${(100 * v).toFixed(1)} %`);
console.log(`in-browser peers in Chromium ${d.chromium} (headless, offline: loopback only)`);
if (d.face_backend_trials) {
  console.log(`  human backend trials: ${Object.entries(d.face_backend_trials).map(([b, t]) => `${b} ${t.ms_frame != null ? t.ms_frame.toFixed(1) + ' ms/frame' : 'failed'}`).join(', ')}`);
}
for (const [name, f] of Object.entries(result.faces)) {
  console.log(`  ${name}: ${f.config.slice(0, 110)}…`);
  console.log(`    ms per 640x480 frame: mean ${fmt(f.ms_frame_mean, 2)}, median ${fmt(f.ms_frame_median, 2)}, p90 ${fmt(f.ms_frame_p90, 2)} over ${f.frames_timed} frames; first detection after ${fmt(f.first_detection_ms, 0)} ms`);
  for (const c of f.clips) console.log(`      ${c.clip.padEnd(26)} ${String(c.frames).padStart(3)} frames, median ${c.ms_frame_median.toFixed(2)} ms, ${c.faces_per_frame.toFixed(2)} faces/frame, ${c.frames_with_face} with a face, ${c.frames_with_two_plus} with two or more`);
  const ff = f.fairface;
  if (ff) {
    console.log(`    FairFace 700 on grey 640x480: ${ff.detected}/${ff.n} = ${pct(ff.rate)}; gap ${(100 * ff.gap).toFixed(1)} points (${ff.lowest} lowest), group × gender gap ${(100 * ff.group_gender_gap).toFixed(1)} points (${ff.group_gender_lowest} lowest); second face on ${ff.second_face}/${ff.n} = ${pct(ff.second_face_rate)}`);
  }
}
if (result.face_h2h) {
  const x = result.face_h2h;
  console.log(`  head to head, ${x.rounds} rounds of 25 face-present frames taking turns in one page: lokaal median ${fmt(x.lokaal_ms_median, 2)} ms with the readback (p90 ${fmt(x.lokaal_ms_p90, 2)}; lokaalDetect.frame alone ${fmt(x.lokaal_detect_only_ms_median, 2)}), ` +
    `MediaPipe short ${fmt(x.mediapipe_ms_median, 2)} ms (p90 ${fmt(x.mediapipe_ms_p90, 2)}); lokaal/MediaPipe per round ${x.ratio_per_round.map((r) => r.toFixed(2)).join(' ')}, ` +
    `median ${fmt(x.ratio_median, 2)}; lokaal faster in ${x.rounds_lokaal_faster} of ${x.rounds}; frames with a face ${x.frames_with_a_face.lokaal} / ${x.frames_with_a_face.mediapipe} of ${x.frames_with_a_face.of}`);
}
for (const [name, v] of Object.entries(result.vad)) {
  const p = v.pooled;
  console.log(`  vad-web ${name}: pooled F1 ${fmt(p.f1, 3)}, MCC ${fmt(p.mcc, 3)} (P ${fmt(p.precision, 3)}, R ${fmt(p.recall, 3)}), ${fmt(v.ms_per_audio_s, 2)} ms per audio s`);
  for (const f of v.non_speech) console.log(`      non-speech ${f.file}: ${f.speech_seconds.toFixed(1)} of ${f.seconds.toFixed(1)} s flagged as speech (${f.segments} segments)`);
}
console.log(`  peer_client_bytes_gzip    ${String(result.peer_client_bytes_gzip ?? 'null').padStart(10)}  bytes before the first detection` +
  (faceBytes || vadBytes ? ` (human ${faceBytes?.gzip ?? '-'}, vad-web ${vadBytes?.gzip ?? '-'})` : ''));
for (const n of d.notes) console.log(`  note: ${n}`);
for (const e of d.errors) console.log(`  ERROR: ${e}`);
console.log(blocked.length ? `  ${blocked.length} non-loopback request(s) BLOCKED: ${blocked.slice(0, 5).join(', ')}` : '  non-loopback requests: none');
console.log(`  wrote ${path.relative(root, outFile)} in ${d.seconds.toFixed(0)} s`);

// ---- summaries --------------------------------------------------------------
function faceSummary(r, config) {
  if (!r.cropResults.length) d.notes.push(`no FairFace set at ${fairDir}: face detection rates not measured`);
  return summarize({ perClip: r.perClip, cropResults: r.cropResults, rows: fairRows, config, backend: r.backend, firstMs: r.firstMs });
}
function vadSummary(files, config) {
  const truth = Object.fromEntries(labelled.map((f) => [f, parseSCV(fs.readFileSync(path.join(speechDir, f.replace(/\.wav$/, '.scv')), 'utf8'))]));
  return score(files, truth, config);
}
