// Times the exam's detectors compiled to WebAssembly in headless Chromium.
// No server: the page and files are served by page.route. Prints figures,
// asserts nothing; with OUT.json also writes them there for
// e2e/bench-report.mjs.
//
// The exam's own build, static/build/exam.wasm, as its detection
// worker runs it (static/detect-worker.js: globalThis.lokaalDetect, with
// the face and speech kinds and models that static/exam.html names), in a
// Web Worker of the bench page: per-frame time (median, p90) of
// lokaalDetect.frame on every frame of the faces clips (the worker's own
// ImageBitmap → OffscreenCanvas → RGBA path, drawing untimed), faces on the
// empty room and the two-faces clip, the 700 FairFace crops centred on
// grey 640×480 (detection rate per group and group × gender, Wilson
// intervals, gaps, second faces), and the speech detector fed 2048-sample
// chunks as the worklet sends them: frame F1 and MCC per labelled file and
// pooled, speech seconds on the non-speech clips, ms per audio second at
// 16 kHz and at 48 kHz. LOKAAL_EXAM_WASM (default static/build/exam.wasm)
// and LOKAAL_EXAM_HTML (default static/exam.html) say which build.
// Usage: node e2e/bench-exam.mjs out/wasm_exec.js [OUT.json]
import fs from 'node:fs';
import { openBenchPage } from './bench-page.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [wasmExec, outJSON] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = process.env.LOKAAL_FIXTURES || path.resolve(here, '../../shared/fixtures');
const root = path.resolve(here, '..');
const files = {
  '/': ['text/html', '<!doctype html><script src="/wasm_exec.js"></script>'],
  '/wasm_exec.js': ['text/javascript', fs.readFileSync(wasmExec)],
};

// ---- the exam's own build, as its detection worker runs it ---------------

// The worker: wasm_exec.js, then this. It registers nothing of its own in
// exam.wasm; it calls lokaalDetect exactly as static/detect-worker.js does
// and times only those calls.
const workerSource = `
let det;
const canvas = new OffscreenCanvas(640, 480);
const ctx = canvas.getContext('2d', { willReadFrequently: true });
const split = (b) => {
  const starts = [];
  for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xd8 && b[i + 2] === 0xff) starts.push(i);
  starts.push(b.length);
  return starts;
};
const detect = () => {
  const rgba = ctx.getImageData(0, 0, 640, 480).data;
  const t = performance.now();
  const r = det.frame(rgba, 640, 480);
  const dt = performance.now() - t;
  if (r instanceof Error) throw r;
  return [dt, JSON.parse(r)];
};
const handlers = {
  async init(m) {
    const g = new Go();
    const instance = await WebAssembly.instantiate(m.module, g.importObject);
    g.run(instance);
    det = globalThis.lokaalDetect;
    if (!det) throw new Error('this exam.wasm registers no globalThis.lokaalDetect in a worker');
    const err = det.faceModel(m.faceKind, new Uint8Array(m.faceModel));
    if (err instanceof Error) throw err;
    return {};
  },
  async clip(m) {
    const b = new Uint8Array(m.bytes);
    const st = split(b);
    const times = [], counts = [];
    for (let i = 0; i + 1 < st.length; i++) {
      const img = await createImageBitmap(new Blob([b.subarray(st[i], st[i + 1])], { type: 'image/jpeg' }));
      ctx.drawImage(img, 0, 0, 640, 480);
      img.close();
      const [dt, faces] = detect();
      times.push(dt);
      counts.push(faces.length);
    }
    return { times, counts };
  },
  async crops(m) {
    const out = [];
    for (const buf of m.crops) {
      const img = await createImageBitmap(new Blob([buf]));
      ctx.fillStyle = 'rgb(128,128,128)';
      ctx.fillRect(0, 0, 640, 480);
      const x0 = Math.floor((640 - img.width) / 2), y0 = Math.floor((480 - img.height) / 2), w = img.width, h = img.height;
      ctx.drawImage(img, x0, y0);
      img.close();
      const [, faces] = detect();
      const inCrop = faces.some((f) => f.X + f.W / 2 >= x0 && f.X + f.W / 2 < x0 + w && f.Y + f.H / 2 >= y0 && f.Y + f.H / 2 < y0 + h);
      out.push([faces.length, inCrop]);
    }
    return { cropResults: out };
  },
  // audio: the samples in the worklet's 2048-sample chunks, each timed
  // through lokaalDetect.audio; decisions become segments, each decision
  // lasting until the next one starts. A detector may hold decisions back
  // until a segment resolves, and the worker has no flush (a microphone
  // does not end), so PAD_S seconds of silence follow each file, untimed
  // and unscored, as a microphone going quiet; how late each decision came
  // (chunk end minus the frame's end) is kept.
  async audio(m) {
    const err = det.audioStart(m.kind, m.rate, new Uint8Array(m.model));
    if (err instanceof Error) throw err;
    const PAD_S = 5, CHUNK = 2048;
    const x = new Float32Array(m.samples.length + PAD_S * m.rate);
    x.set(m.samples);
    const decisions = [], late = [];
    let busy = 0;
    for (let i = 0; i < x.length; i += CHUNK) {
      const chunk = x.slice(i, Math.min(i + CHUNK, x.length));
      const end = ((i + chunk.length) / m.rate) * 1000;
      const t = performance.now();
      const r = det.audio(new Uint8Array(chunk.buffer), end);
      if (i < m.samples.length) busy += performance.now() - t;
      if (r) {
        for (let k = 0; k + 1 < r.decisions.length; k += 2) {
          decisions.push([r.decisions[k], r.decisions[k + 1]]);
          if (r.decisions[k] < (m.samples.length / m.rate) * 1000) late.push(end - r.decisions[k] - 10);
        }
      }
    }
    det.audioStop();
    const segs = [];
    for (let k = 0; k < decisions.length; k++) {
      if (!decisions[k][1]) continue;
      const a = decisions[k][0] / 1000;
      const b = k + 1 < decisions.length ? decisions[k + 1][0] / 1000 : a + 0.01;
      if (segs.length && Math.abs(segs.at(-1)[1] - a) < 1e-6) segs.at(-1)[1] = b;
      else segs.push([a, b]);
    }
    late.sort((a, b) => a - b);
    return { ms: busy, segs, decisions: decisions.length, late_ms_median: late[Math.floor(late.length / 2)] ?? null, late_ms_max: late.at(-1) ?? null };
  },
};
onmessage = async ({ data: m }) => {
  try {
    postMessage({ ok: true, ...(await handlers[m.type](m)) });
  } catch (e) {
    postMessage({ ok: false, error: String(e && e.message || e) });
  }
};
`;

async function examBuild() {
  const { faceSummary, parseLabels, parseSCV, vadSummary } = await import('./bench-score.mjs');
  const examWasm = path.resolve(root, process.env.LOKAAL_EXAM_WASM || 'static/build/exam.wasm');
  const examHTML = path.resolve(root, process.env.LOKAAL_EXAM_HTML || 'static/exam.html');
  if (!fs.existsSync(examWasm) || !fs.existsSync(examHTML)) {
    console.log(`  exam build: skipped (no ${path.relative(root, examWasm)} or ${path.relative(root, examHTML)})`);
    return;
  }
  // What the exam page tells its worker: data-face-kind, data-face-model, …
  const html = fs.readFileSync(examHTML, 'utf8');
  const attr = (name) => html.match(new RegExp(`\\sdata-${name}="([^"]*)"`))?.[1] ?? null;
  const asset = (url) => {
    if (!url) return new Uint8Array(0);
    const name = url.replace(/^\/assets\//, '');
    for (const p of [path.join(root, 'static/build', name), path.join(root, 'static', name)]) if (fs.existsSync(p)) return fs.readFileSync(p);
    throw new Error(`${url}: in neither static/build nor static`);
  };
  const cfg = { faceKind: attr('face-kind'), faceModel: attr('face-model'), speechKind: attr('speech-kind'), speechModel: attr('speech-model') };
  out.exam_build = { wasm: path.relative(root, examWasm), wasm_bytes: fs.statSync(examWasm).size, ...cfg };
  if (!cfg.faceKind) {
    console.log(`  exam build: skipped (${path.relative(root, examHTML)} names no data-face-kind: no detection worker in this tree)`);
    out.exam_build.skipped = 'no data-face-kind';
    return;
  }
  let faceModel, speechModel;
  try {
    faceModel = asset(cfg.faceModel);
    speechModel = asset(cfg.speechModel);
  } catch (e) {
    console.log(`  exam build: skipped (${e.message}; run make first)`);
    out.exam_build.skipped = e.message;
    return;
  }
  // Each call goes through page.evaluate into the worker and back.
  await page.evaluate(async ({ src, wasmExec }) => {
    const w = new Worker(URL.createObjectURL(new Blob([wasmExec, src], { type: 'text/javascript' })));
    globalThis.benchCall = (msg, transfer = []) => new Promise((ok, fail) => {
      w.onmessage = ({ data }) => (data.ok ? ok(data) : fail(new Error(data.error)));
      w.postMessage(msg, transfer);
    });
  }, { src: workerSource, wasmExec: fs.readFileSync(wasmExec, 'utf8') + '\n' });
  const call = (msg) => page.evaluate(async (msg) => {
    // Binary fields arrive as base64 strings, so that page.evaluate stays
    // JSON; they are decoded here, then transferred to the worker.
    const dec = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
    const m = { ...msg };
    for (const k of ['bytes', 'faceModel', 'model']) if (typeof m[k] === 'string') m[k] = dec(m[k]);
    if (m.crops) m.crops = m.crops.map(dec);
    if (m.moduleB64) {
      m.module = await WebAssembly.compile(dec(m.moduleB64));
      delete m.moduleB64;
    }
    if (m.audioB64) {
      // decodeAudioData resamples to the context's rate: 16 kHz keeps the
      // files as they are, 48 kHz is what a microphone delivers.
      const a = await new OfflineAudioContext(1, 1, m.rate).decodeAudioData(dec(m.audioB64));
      m.samples = a.getChannelData(0);
      m.seconds = m.samples.length / m.rate;
      delete m.audioB64;
    }
    const r = await globalThis.benchCall(m);
    return { ...r, seconds: m.seconds };
  }, msg);
  const b64 = (buf) => Buffer.from(buf).toString('base64');
  try {
    await call({ type: 'init', moduleB64: b64(fs.readFileSync(examWasm)), faceKind: cfg.faceKind, faceModel: b64(faceModel) });
  } catch (e) {
    console.log(`  exam build: the worker did not start: ${e.message}`);
    out.exam_build.error = e.message;
    return;
  }
  const perClip = [];
  for (const clip of ['face-present-30fps.mjpeg', 'face-turning-30fps.mjpeg', 'two-faces-30fps.mjpeg', 'empty-room-30fps.mjpeg']) {
    const p = path.join(fixtures, 'faces', clip);
    if (!fs.existsSync(p)) continue;
    const r = await call({ type: 'clip', bytes: b64(fs.readFileSync(p)) });
    perClip.push({ clip, times: r.times, counts: r.counts });
  }
  const fairDir = path.join(fixtures, 'fairness/fairface-val-700');
  let rows = [], cropResults = [];
  if (fs.existsSync(path.join(fairDir, 'labels.csv'))) {
    rows = parseLabels(fs.readFileSync(path.join(fairDir, 'labels.csv'), 'utf8'));
    for (let i = 0; i < rows.length; i += 50) {
      const r = await call({ type: 'crops', crops: rows.slice(i, i + 50).map((x) => b64(fs.readFileSync(path.join(fairDir, x.file)))) });
      cropResults.push(...r.cropResults);
    }
  }
  const f = faceSummary({ perClip, cropResults, rows, backend: 'exam.wasm in a Web Worker',
    config: `lokaal's exam build (${out.exam_build.wasm}) in a Web Worker, face kind "${cfg.faceKind}" (${cfg.faceModel}); timed: lokaalDetect.frame(RGBA, 640, 480), as static/detect-worker.js calls it, ImageBitmap draw and getImageData excluded` });
  out.exam_face = f;
  console.log(`exam build (${out.exam_build.wasm}, face "${cfg.faceKind}", speech "${cfg.speechKind}") in a Web Worker:`);
  console.log(`  face, ms per 640x480 frame: median ${f.ms_frame_median?.toFixed(2)}, p90 ${f.ms_frame_p90?.toFixed(2)}, mean ${f.ms_frame_mean?.toFixed(2)} over ${f.frames_timed} frames`);
  for (const c of f.clips) console.log(`    ${c.clip.padEnd(26)} ${String(c.frames).padStart(3)} frames, ${c.faces_per_frame.toFixed(2)} faces/frame, ${c.frames_with_face} with a face, ${c.frames_with_two_plus} with two or more`);
  if (f.fairface) {
    const ff = f.fairface;
    console.log(`  FairFace 700 on grey 640x480: ${ff.detected}/${ff.n} = ${(100 * ff.rate).toFixed(1)} %; gap ${(100 * ff.gap).toFixed(1)} points (${ff.lowest} lowest), group × gender ${(100 * ff.group_gender_gap).toFixed(1)} points; second face on ${ff.second_face}`);
  }
  // Speech: every labelled and non-speech file at 16 kHz, then the first
  // labelled file at 48 kHz, the microphone's rate, for the time alone.
  const speechDir = path.join(fixtures, 'audio/speech-labelled'), nonDir = path.join(fixtures, 'audio/non-speech');
  const labelled = fs.existsSync(speechDir) ? fs.readdirSync(speechDir).filter((x) => x.endsWith('.wav') && fs.existsSync(path.join(speechDir, x.replace(/\.wav$/, '.scv')))).sort() : [];
  const non = fs.existsSync(nonDir) ? fs.readdirSync(nonDir).filter((x) => x.endsWith('.wav')).sort() : [];
  if (!cfg.speechKind || !labelled.length) return;
  const truth = Object.fromEntries(labelled.map((x) => [x, parseSCV(fs.readFileSync(path.join(speechDir, x.replace(/\.wav$/, '.scv')), 'utf8'))]));
  const results = [];
  try {
    for (const [dir, name] of [...labelled.map((x) => [speechDir, x]), ...non.map((x) => [nonDir, x])]) {
      const r = await call({ type: 'audio', kind: cfg.speechKind, model: b64(speechModel), rate: 16000, audioB64: b64(fs.readFileSync(path.join(dir, name))) });
      results.push({ name, seconds: r.seconds, ms: r.ms, segs: r.segs, late_ms_median: r.late_ms_median, late_ms_max: r.late_ms_max });
    }
    const v = vadSummary(results, truth, `lokaal's exam build in a Web Worker, speech kind "${cfg.speechKind}"${cfg.speechModel ? ` (${cfg.speechModel})` : ''}, 16 kHz files in 2048-sample chunks through lokaalDetect.audio; a decision lasts until the next one starts`);
    const r48 = await call({ type: 'audio', kind: cfg.speechKind, model: b64(speechModel), rate: 48000, audioB64: b64(fs.readFileSync(path.join(speechDir, labelled[0]))) });
    v.ms_per_audio_s_48k = r48.ms / r48.seconds;
    // How late decisions reach the page: the proctor's speech events wait for them.
    v.decision_late_ms_median = results.map((x) => x.late_ms_median).filter((x) => x != null).sort((a, b) => a - b)[Math.floor(results.length / 2)] ?? null;
    v.decision_late_ms_max = Math.max(...results.map((x) => x.late_ms_max ?? -Infinity));
    v.padding = '5 s of silence after each file, not scored or timed: decisions held back until a segment resolves are released as a quiet microphone would';
    out.exam_vad = v;
    console.log(`  speech: pooled F1 ${v.pooled.f1?.toFixed(3)}, MCC ${v.pooled.mcc?.toFixed(3)}; ${v.ms_per_audio_s.toFixed(2)} ms per audio s at 16 kHz, ${v.ms_per_audio_s_48k.toFixed(2)} at 48 kHz; decisions arrive ${v.decision_late_ms_median?.toFixed(0)} ms late (median of files' medians), at most ${v.decision_late_ms_max?.toFixed(0)} ms`);
    for (const x of v.non_speech) console.log(`    non-speech ${x.file}: ${x.speech_seconds.toFixed(1)} of ${x.seconds.toFixed(1)} s flagged`);
  } catch (e) {
    console.log(`  speech: error ${e.message}`);
    out.exam_vad = { error: e.message };
  }
  // The exam's schedule: a frame every FRAME_MS (static/exam.js) and the
  // microphone all the time. Busy time inside the detectors' calls, not the
  // worker's whole CPU (drawing and copying frames are not in it).
  const frameMs = Number(fs.readFileSync(path.join(root, 'static/exam.js'), 'utf8').match(/const FRAME_MS = (\d+)/)?.[1]) || null;
  if (frameMs && f.ms_frame_mean != null) {
    const faceShare = f.ms_frame_mean / frameMs;
    const vadShare = out.exam_vad?.ms_per_audio_s_48k != null ? out.exam_vad.ms_per_audio_s_48k / 1000 : null;
    out.exam_schedule = { frame_ms: frameMs, face_core_share: faceShare, vad_core_share_48k: vadShare,
      detect_core_share: vadShare != null ? faceShare + vadShare : null,
      what: 'from the per-call times above at the exam page\'s schedule (a frame every FRAME_MS, audio at 48 kHz): an estimate, not measured in the running exam page' };
    console.log(`  at the exam's schedule (a frame every ${frameMs} ms, audio at 48 kHz): face ${(100 * faceShare).toFixed(2)} % + speech ${vadShare != null ? (100 * vadShare).toFixed(2) : '–'} % of one core (estimate from per-call times)`);
  }
}

// ---- run (last: the worker source above must be initialised) -----------
const out = {};
const { browser, page } = await openBenchPage(files);
try {
  await examBuild();
} finally {
  await browser.close();
}
if (outJSON) fs.writeFileSync(outJSON, JSON.stringify({ chromium: browser.version(), ...out }, null, 1) + '\n');
