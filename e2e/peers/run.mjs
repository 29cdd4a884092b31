// The in-browser peers lokaal is measured against (issue 6, make bench),
// in the same headless Debian Chromium and on the same inputs as lokaal:
//   faces: @vladmandic/human, BlazeFace only, on the WASM and the WebGL
//          backend (the faster one is kept): ms/frame on the faces clips and
//          the detection rate on the 700 FairFace crops centred on a grey
//          640×480 canvas (detected = at least one face, as lokaal eval);
//   VAD:   @ricky0123/vad-web's non-real-time (file) mode, Silero's legacy
//          model through onnxruntime-web's WASM backend: frame-level F1 at
//          10 ms pooled over the labelled .wav files (frames judged at their
//          centre, as lokaal eval), ms per second of audio, and what it says
//          about the non-speech clips.
// Every file comes from node_modules through a local HTTP server on
// 127.0.0.1; every other request is aborted and reported, so a silent CDN
// fetch fails loudly. Writes out/peers.json (relative to the repo root) and
// prints a table. Prints figures, asserts nothing.
//
// Usage, from the repo root: npm ci --prefix e2e/peers && node e2e/peers/run.mjs
// Environment: LOKAAL_FIXTURES (default ../shared/fixtures from the repo
// root), CHROMIUM (default /usr/bin/chromium), PEERS_BACKENDS (default
// "wasm,webgl"), PEERS_OUT (default out/peers.json), PEERS_FACE_MESH=1 (a
// variant with human's face mesh after BlazeFace, as in its defaults).
import { chromium } from '@playwright/test';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

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
const versions = {
  '@vladmandic/human': version('@vladmandic/human'),
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
const fairRows = fs.existsSync(path.join(fairDir, 'labels.csv'))
  ? fs.readFileSync(path.join(fairDir, 'labels.csv'), 'utf8').split('\n').slice(1).filter((l) => l.trim())
    .map((l) => l.split(',')).map(([file, group, gender]) => ({ file: file.trim(), group: group.trim(), gender: (gender || '').trim() }))
  : [];
const speechDir = path.join(fixtures, 'audio/speech-labelled');
const labelled = fs.existsSync(speechDir)
  ? fs.readdirSync(speechDir).filter((f) => f.endsWith('.wav') && fs.existsSync(path.join(speechDir, f.replace(/\.wav$/, '.scv')))).sort()
  : [];
const nonSpeechDir = path.join(fixtures, 'audio/non-speech');
const nonSpeech = fs.existsSync(nonSpeechDir) ? fs.readdirSync(nonSpeechDir).filter((f) => f.endsWith('.wav')).sort() : [];

// parseSCV as server/eval/audio.go: name,start,end,label,… → speech intervals (s).
const parseSCV = (text) => {
  const f = text.trim().split(',');
  const segs = [];
  for (let i = 1; i + 2 < f.length; i += 3) {
    if (Number(f[i + 2]) === 1) segs.push([Number(f[i]), Number(f[i + 1])]);
  }
  return segs;
};

// ---- the local server -----------------------------------------------------
// Only these parts of node_modules are served: what the peer pages load.
const servable = ['@vladmandic/human/dist/', '@vladmandic/human/models/', '@tensorflow/tfjs-backend-wasm/dist/',
  '@ricky0123/vad-web/dist/', 'onnxruntime-web/dist/'];
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json',
  '.html': 'text/html', '.mjpeg': 'video/x-motion-jpeg', '.jpg': 'image/jpeg', '.wav': 'audio/wav', '.csv': 'text/csv' };
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
    if ((m.type() === 'error' || m.type() === 'warning') && !/No available adapters/.test(m.text())) console.error(`  console ${m.type()} (${label}): ${m.text().slice(0, 300)}`);
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
    let ms = 0, faces = 0, framesWithFace = 0;
    let i = 0;
    for (; i < n && !(budgetMs && ms > budgetMs && i >= 5); i++) {
      const img = await frameOf(b, st[i], st[i + 1]);
      const t = performance.now();
      const r = await human.detect(img);
      ms += performance.now() - t;
      img.close();
      faces += r.face.length;
      if (r.face.length > 0) framesWithFace++;
    }
    perClip.push({ clip: clips[k], frames: i, width: 640, height: 480, ms_frame: ms / i, faces_per_frame: faces / i,
      frames_with_face: framesWithFace });
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
  // The first detection, then an untimed warm-up pass over the labelled
  // files, so that the wasm is compiled and tiered up before the timed runs
  // below, as human's first detection is not timed either.
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
  detail: { versions, chromium: browser.version(), fixtures, blocked_requests: blocked, errors: [], notes: [] },
};
const d = result.detail;
const t0 = Date.now();
let faceBytes = null, vadBytes = null;

try {
  // Faces: a short timing run per backend, then the full run on the faster one.
  if (faceClips.length) {
    const trials = {};
    for (const backend of backends) {
      log = [];
      const { page, context } = await newPage(`human ${backend}`);
      try {
        const r = await page.evaluate(facePage, { backend, clips: faceClips.slice(0, 1), crops: [], framesPerClip: 40, budgetMs: 5000, mesh: faceMesh });
        trials[backend] = { backend_reported: r.backend, frames: r.perClip[0].frames, ms_frame: r.perClip[0].ms_frame, first_detection_ms: r.firstMs };
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
        d.face_config = faceMesh ? 'VARIANT PEERS_FACE_MESH=1: BlazeFace then face mesh (human default), rest as below. ' : '';
        d.face_config += 'BlazeFace only (face.detector blazeface.json, maxDetected 10, default minConfidence, rotation off); ' +
          'mesh, iris, emotion, description, antispoof, liveness, attention, body, hand, object, gesture, segmentation off; ' +
          'cacheSensitivity 0 and skipFrames/skipTime 0 so every frame is really run; image filter off; warmup none';
        d.face_clips = r.perClip;
        // ms/frame over every frame of the clips, as lokaal times 640×480 frames.
        const frames = r.perClip.reduce((s, c) => s + c.frames, 0);
        result.peer_face_ms_frame = r.perClip.reduce((s, c) => s + c.ms_frame * c.frames, 0) / frames;
        d.face_ms_frame_timed = 'human.detect(ImageBitmap) per 640x480 frame, JPEG decode excluded, averaged over all frames of ' +
          faceClips.join(', ');
        if (r.cropResults.length) {
          const groups = {}, cells = {};
          const add = (m, k, found) => {
            m[k] ??= { n: 0, detected: 0 };
            m[k].n++;
            if (found) m[k].detected++;
          };
          r.cropResults.forEach(([n], i) => {
            add(groups, fairRows[i].group, n > 0);
            if (fairRows[i].gender) add(cells, `${fairRows[i].group} × ${fairRows[i].gender}`, n > 0);
          });
          const withRate = (m) => Object.fromEntries(Object.entries(m).sort().map(([k, v]) => [k, { ...v, rate: v.detected / v.n, ...wilson(v.detected, v.n) }]));
          const det = r.cropResults.filter(([n]) => n > 0).length;
          result.peer_face_recall = det / r.cropResults.length;
          d.face_recall_box_centre_in_crop = r.cropResults.filter(([, c]) => c).length / r.cropResults.length;
          d.face_recall_faces_per_crop = r.cropResults.reduce((s, [n]) => s + n, 0) / r.cropResults.length;
          d.face_recall_variant = 'FairFace val 700: each 224x224 crop drawn at its own size at the centre of a grey (128,128,128) 640x480 canvas; detected = at least one face';
          d.face_recall_per_group = withRate(groups);
          d.face_recall_per_group_gender = withRate(cells);
          const rates = Object.entries(d.face_recall_per_group).map(([g, v]) => [g, v.rate]).sort((a, b) => a[1] - b[1]);
          d.face_recall_gap = { gap: rates.at(-1)[1] - rates[0][1], lowest: rates[0][0], highest: rates.at(-1)[0] };
        } else {
          d.notes.push(`no FairFace set at ${fairDir}: peer_face_recall not measured`);
        }
      } catch (e) {
        // A broken peer is reported, not fatal: the other figures still count.
        d.errors.push(`human (${backend}): ${String(e.message || e).slice(0, 500)}`);
        result.peer_face_ms_frame = result.peer_face_recall = null;
      } finally {
        await context.close();
      }
    } else {
      d.notes.push('human ran on no backend: peer face figures are null');
    }
  } else {
    d.notes.push(`no faces clips at ${fixtures}/faces: peer face figures are null`);
  }

  // VAD.
  const modelFile = path.join(modules, '@ricky0123/vad-web/dist/silero_vad_legacy.onnx');
  d.vad_model_in_package = fs.existsSync(modelFile);
  if (!d.vad_model_in_package) {
    d.notes.push('vad-web does not ship silero_vad_legacy.onnx: peer VAD figures are null');
  } else if (labelled.length) {
    log = [];
    const { page, context } = await newPage('vad-web');
    try {
      const files = [...labelled.map((f) => ({ name: f, url: '/fx/audio/speech-labelled/' + f })),
        ...nonSpeech.map((f) => ({ name: f, url: '/fx/audio/non-speech/' + f }))];
      const r = await page.evaluate(vadPage, { files, warmup: labelled.length });
      vadBytes = bytesBefore(log, 'vad-first');
      d.vad_model = 'silero_vad_legacy.onnx (the only model NonRealTimeVAD loads), onnxruntime-web wasm backend, 1 thread';
      d.vad_options = { ...vadDefaults, note: 'vad-web 0.0.31 defaults (dist/frame-processor.js); a segment starts at the first frame above positiveSpeechThreshold and ends after redemptionMs below negativeSpeechThreshold, as NonRealTimeVAD.run reports it' };
      d.versions['onnxruntime-web (as the page reports)'] = r.ort;
      const pooled = { tp: 0, fp: 0, fn: 0, tn: 0 };
      let ms = 0, secs = 0;
      d.vad_files = [];
      for (const f of r.files) {
        const scv = path.join(speechDir, f.name.replace(/\.wav$/, '.scv'));
        const speechSeconds = f.segs.reduce((s, [a, b]) => s + Math.max(0, Math.min(b, f.seconds) - a), 0);
        if (labelled.includes(f.name)) {
          const c = compareFrames(f.segs, parseSCV(fs.readFileSync(scv, 'utf8')), f.seconds);
          for (const k in pooled) pooled[k] += c[k];
          ms += f.ms;
          secs += f.seconds;
          d.vad_files.push({ file: f.name, seconds: f.seconds, segments: f.segs.length, ...c, ...prf(c), ms_per_audio_s: f.ms / f.seconds });
        } else {
          d.vad_files.push({ file: f.name, seconds: f.seconds, segments: f.segs.length, speech_seconds: speechSeconds,
            says_speech: f.segs.length > 0, ms_per_audio_s: f.ms / f.seconds });
        }
      }
      d.vad_pooled = { ...pooled, ...prf(pooled), files: labelled.length, seconds: secs };
      result.peer_vad_f1 = prf(pooled).f1;
      result.peer_vad_ms_per_audio_s = ms / secs;
      d.vad_timed = 'NonRealTimeVAD.run over the decoded 16 kHz samples (after an untimed warm-up pass over the same files; model load and decode excluded), summed over the labelled .wav files, per second of audio';
    } catch (e) {
      d.errors.push(`vad-web: ${String(e.message || e).slice(0, 500)}`);
      result.peer_vad_f1 = result.peer_vad_ms_per_audio_s = null;
    } finally {
      await context.close();
    }
  } else {
    d.notes.push(`no labelled .wav files at ${speechDir}: peer VAD figures are null`);
  }
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
console.log(`in-browser peers in Chromium ${d.chromium} (headless, offline: loopback only)`);
console.log(`  human ${versions['@vladmandic/human']} BlazeFace${faceMesh ? ' + face mesh (PEERS_FACE_MESH=1 variant)' : ''}, backend ${d.face_backend ?? 'none'}` +
  (d.face_backend_trials ? ` (trials: ${Object.entries(d.face_backend_trials).map(([b, t]) => `${b} ${t.ms_frame != null ? t.ms_frame.toFixed(1) + ' ms/frame' : 'failed'}`).join(', ')})` : ''));
console.log(`    peer_face_ms_frame      ${fmt(result.peer_face_ms_frame, 2).padStart(10)}  ms per 640x480 frame`);
for (const c of d.face_clips ?? []) console.log(`      ${c.clip.padEnd(26)} ${c.frames} frames, ${c.ms_frame.toFixed(2)} ms/frame, ${c.faces_per_frame.toFixed(2)} faces/frame`);
console.log(`    peer_face_recall        ${fmt(result.peer_face_recall, 4).padStart(10)}  FairFace 700 on grey 640x480`);
for (const [g, v] of Object.entries(d.face_recall_per_group ?? {})) {
  console.log(`      ${g.padEnd(18)} ${String(v.detected).padStart(3)}/${v.n}  ${(100 * v.rate).toFixed(1)} %  [${(100 * v.ci95_lo).toFixed(1)}, ${(100 * v.ci95_hi).toFixed(1)}]`);
}
if (d.face_recall_box_centre_in_crop != null) console.log(`      (a box centred inside the crop in ${(100 * d.face_recall_box_centre_in_crop).toFixed(1)} %; ${d.face_recall_faces_per_crop.toFixed(3)} faces per crop)`);
if (d.face_recall_gap?.gap === 0) console.log('      no gap between groups');
else if (d.face_recall_gap) console.log(`      gap ${(100 * d.face_recall_gap.gap).toFixed(1)} points (${d.face_recall_gap.lowest} lowest, ${d.face_recall_gap.highest} highest)`);
console.log(`  vad-web ${versions['@ricky0123/vad-web']} NonRealTimeVAD, Silero legacy, onnxruntime-web ${versions['onnxruntime-web']} wasm`);
console.log(`    peer_vad_f1             ${fmt(result.peer_vad_f1, 4).padStart(10)}  10 ms frames pooled over ${labelled.length} labelled .wav` +
  (d.vad_pooled ? ` (P ${fmt(d.vad_pooled.precision, 3)}, R ${fmt(d.vad_pooled.recall, 3)})` : ''));
console.log(`    peer_vad_ms_per_audio_s ${fmt(result.peer_vad_ms_per_audio_s, 2).padStart(10)}  ms per second of 16 kHz audio`);
for (const f of (d.vad_files ?? []).filter((x) => 'says_speech' in x)) {
  console.log(`      non-speech ${f.file}: ${f.says_speech ? `speech in ${f.segments} segment(s), ${f.speech_seconds.toFixed(1)} of ${f.seconds.toFixed(1)} s` : 'no speech'}`);
}
console.log(`  peer_client_bytes_gzip    ${String(result.peer_client_bytes_gzip ?? 'null').padStart(10)}  bytes before the first detection` +
  (faceBytes || vadBytes ? ` (human ${faceBytes?.gzip ?? '-'}, vad-web ${vadBytes?.gzip ?? '-'})` : ''));
for (const n of d.notes) console.log(`  note: ${n}`);
for (const e of d.errors) console.log(`  ERROR: ${e}`);
console.log(blocked.length ? `  ${blocked.length} non-loopback request(s) BLOCKED: ${blocked.slice(0, 5).join(', ')}` : '  non-loopback requests: none');
console.log(`  wrote ${path.relative(root, outFile)} in ${d.seconds.toFixed(0)} s`);

// ---- scoring, as server/eval ------------------------------------------------
function compareFrames(pred, truth, dur) {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const inSegs = (t, segs) => segs.some(([a, b]) => t >= a && t < b);
  for (let i = 0; ; i++) {
    const mid = (i + 0.5) * 0.01;
    if (mid >= dur) return c;
    const p = inSegs(mid, pred), t = inSegs(mid, truth);
    if (p && t) c.tp++;
    else if (p) c.fp++;
    else if (t) c.fn++;
    else c.tn++;
  }
}
function prf({ tp, fp, fn }) {
  const precision = tp + fp ? tp / (tp + fp) : null;
  const recall = tp + fn ? tp / (tp + fn) : null;
  const f1 = precision != null && recall != null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
  return { precision, recall, f1 };
}
function wilson(k, n) {
  if (!n) return { ci95_lo: 0, ci95_hi: 0 };
  const z = 1.959964, p = k / n, den = 1 + (z * z) / n;
  const mid = (p + (z * z) / (2 * n)) / den, half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / den;
  return { ci95_lo: Math.max(0, mid - half), ci95_hi: Math.min(1, mid + half) };
}
