// The figures of make bench: each step of e2e/bench.sh leaves a small JSON
// file in out/, and this script turns tool output into such files and
// merges them into out/bench.json, then prints the table. Node built-ins
// only. Asserts nothing about the figures: a figure a step did not produce
// is null.
//
//   node e2e/bench-report.mjs go IN.txt OUT.json       Go benchmark output (the standard text format) to JSON
//   node e2e/bench-report.mjs eval IN.json OUT.json    face_recall and vad_f1 from `lokaal eval --json`
//   node e2e/bench-report.mjs client URL OUT.json      bytes the exam page fetches from a running `lokaal serve`
//   node e2e/bench-report.mjs merge [OUT_DIR]          out/bench-*.json and out/peers.json into out/bench.json
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

// The keys out/bench.json always has, in table order, with what each is.
const KEYS = [
  ['counter_ms_frame_native_640', 'counter, native, ms per 640×480 frame'],
  ['counter_ms_frame_wasm_640', 'counter, Chromium WASM, ms per 640×480 frame'],
  ['counter_ms_frame_wasm_320', 'counter, Chromium WASM, ms per 320×240 frame'],
  ['face_ms_frame_native', 'face detector, native, ms per 640×480 frame with a face'],
  ['face_ms_frame_wasm', 'face detector, Chromium WASM, mean ms per 640×480 frame (the exam build in its worker over the faces clips)'],
  ['peer_face_ms_frame', 'peer face detector (human, BlazeFace), ms per frame'],
  ['face_recall', 'face detection rate, FairFace padded crops, proctor defaults'],
  ['peer_face_recall', 'peer face detection rate, same crops'],
  ['vad_ms_per_audio_s', 'VAD, Chromium WASM, ms per audio second (48 kHz; the exam build in its worker)'],
  ['peer_vad_ms_per_audio_s', 'peer VAD (Silero, vad-web), ms per audio second'],
  ['vad_f1', 'VAD frame F1, pooled .wav labelled set'],
  ['peer_vad_f1', 'peer VAD frame F1, same set'],
  ['client_bytes_gzip', 'exam page download before the first detection, gzip'],
  ['peer_client_bytes_gzip', 'peer download before the first detection, gzip'],
  ['exam_hour_bytes_sent', 'bytes sent in a synthetic exam hour, every detector on'],
  ['ingest_per_s', 'ingest, signed batches/s (fsync\'d SQLite)'],
  ['ed25519_verify_per_s', 'Ed25519 verifies/s, one core'],
  ['ingest_p99_ms', 'ingest, p99 ms per request'],
  ['export_year_heap_mb', 'counts export of a year of 300 rooms by the hour (JSON), heap peak above the start, MB (target <= 50)'],
  ['export_year_rss_mb', 'the same export, resident memory growth, MB (target <= 50)'],
  ['worker_ingest_p50_ms', 'ingest on the Worker in workerd (local D1), p50 ms per request'],
  ['worker_ingest_p99_ms', 'ingest on the Worker in workerd (local D1), p99 ms per request'],
  ['worker_ingest_per_s', 'ingest on the Worker in workerd, batches/s, 8 devices at once'],
  ['worker_page_p50_ms', 'a page on the Worker (static assets), p50 ms'],
  ['worker_page_p99_ms', 'a page on the Worker (static assets), p99 ms'],
  ['worker_bundle_gzip_bytes', 'Worker bundle, gzip (limit 3 MB free, 10 MB paid)'],
  // Issue 11: ingest over HTTP under load (internal/cmd/loadbench).
  ['ingest_http_per_s_128', 'ingest over HTTP on bin/lokaal serve, 128 concurrent senders, batches/s'],
  ['ingest_http_p99_ms_128', 'ingest over HTTP, 128 concurrent senders, p99 ms per request'],
  ['ingest_http_fsync_p99_ms_128', 'the database disk\'s fsync p99 ms while the 128 senders ran (a probe)'],
  ['ingest_http_5xx', 'ingest over HTTP, 5xx answers at all load levels together'],
  ['ingest_http_share_of_verify', 'ingest over HTTP, the best level\'s batches/s over the Ed25519 verify bound of the same run'],
  ['ingest_http_cpu_us_128', 'ingest over HTTP, 128 concurrent senders, server CPU µs per batch (steadier than batches/s on a shared machine)'],
  ['crash_acked_lost', 'acknowledged batches missing after the SIGKILL trials'],
  ['healthz_flood_p99_ms', '/healthz p99 ms during a flood of failed logins'],
  // Issue 12: every face detector in the same Chromium run, on the same inputs.
  ['face_ms_frame_wasm_median', 'face, exam build in a Web Worker, median ms per 640×480 frame'],
  ['face_ms_frame_wasm_p90', 'face, exam build in a Web Worker, p90 ms per 640×480 frame'],
  ['face_recall_wasm', 'face detection rate, exam build in Chromium, FairFace on grey 640×480'],
  ['face_gap_wasm', 'largest gap between FairFace groups, exam build in Chromium'],
  ['face_cell_gap_wasm', 'largest gap between group × gender cells, exam build in Chromium'],
  ['face_second_face_rate_wasm', 'share of single-face crops with a second face, exam build'],
  ['face_empty_room_false_frames_wasm', 'empty-room frames with a face, exam build'],
  ['peer_face_ms_frame_median', 'human, median ms per 640×480 frame'],
  ['peer_face_ms_frame_p90', 'human, p90 ms per 640×480 frame'],
  ['peer_face_gap', 'human, largest gap between groups'],
  ['peer_face_cell_gap', 'human, largest gap between group × gender cells'],
  ['peer_face_second_face_rate', 'human, share of single-face crops with a second face'],
  ['peer_face_empty_room_false_frames', 'human, empty-room frames with a face'],
  ['peer_mediapipe_face_ms_frame', 'MediaPipe face_detection (short), mean ms per frame'],
  ['peer_mediapipe_face_ms_frame_median', 'MediaPipe, median ms per frame'],
  ['peer_mediapipe_face_ms_frame_p90', 'MediaPipe, p90 ms per frame'],
  ['peer_mediapipe_face_recall', 'MediaPipe, FairFace detection rate'],
  ['peer_mediapipe_face_gap', 'MediaPipe, largest gap between groups'],
  ['peer_mediapipe_face_cell_gap', 'MediaPipe, largest gap between group × gender cells'],
  ['peer_mediapipe_face_second_face_rate', 'MediaPipe, share of single-face crops with a second face'],
  ['peer_mediapipe_face_empty_room_false_frames', 'MediaPipe, empty-room frames with a face'],
  ['vad_mcc', 'VAD frame MCC, pooled .wav labelled set (lokaal eval)'],
  ['vad_f1_wasm', 'VAD frame F1, exam build in Chromium, pooled'],
  ['vad_mcc_wasm', 'VAD frame MCC, exam build in Chromium, pooled'],
  ['peer_vad_mcc', 'vad-web NonRealTimeVAD (Silero legacy), pooled MCC'],
  ['peer_vad_v5_f1', 'vad-web Silero v5 (as MicVAD runs it), pooled F1'],
  ['peer_vad_v5_mcc', 'vad-web Silero v5, pooled MCC'],
  ['peer_vad_v5_ms_per_audio_s', 'vad-web Silero v5, ms per audio second'],
  ['peer_vad_v5_frames_f1', 'Silero v5 alone (frame probability ≥ 0.5, no hangover), pooled F1'],
  ['peer_vad_v5_frames_mcc', 'Silero v5 alone (frame probability ≥ 0.5, no hangover), pooled MCC'],
  ['exam_detect_core_share_estimate', 'exam detection CPU at its schedule, share of one core (estimate from per-call times)'],
  ['exam_page_renderer_cpu_share', 'real exam page, renderer CPU (page + worker + framed exam), share of one core'],
  ['exam_page_worker_thread_cpu_share', 'real exam page, the detection worker thread\'s CPU time (everything it does), share of one core'],
  ['exam_page_detect_core_share', 'real exam page, face and speech calls in the worker (wall time), share of one core'],
  ['exam_page_face_core_share', 'real exam page, face detection time in the worker, share of one core'],
  ['exam_page_face_ms_per_frame', 'real exam page, ms per face detection in the worker'],
  ['h2h_lokaal_face_ms_median', 'head to head in one page, lokaal exam build (readback + frame), median ms per 640×480 frame'],
  ['h2h_mediapipe_face_ms_median', 'head to head in one page, MediaPipe short, median ms per 640×480 frame'],
  ['h2h_face_ratio_median', 'head to head, lokaal / MediaPipe, median of the per-round ratios'],
];
const PEER_KEYS = KEYS.map(([k]) => k).filter((k) => k.startsWith('peer_'));

const readJSON = (p) => {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
};
const writeJSON = (p, v) => fs.writeFileSync(p, JSON.stringify(v, null, 1) + '\n');
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
// pick copies the named figures from a step's file, each as num does.
const pick = (from, keys) => Object.fromEntries(keys.map((k) => [k, num(from?.[k])]));

// parseGoBench reads `go test -bench` output in the standard benchmark
// format (golang.org/design/14313-benchmark-data): "key: value" header
// lines, and result lines "BenchmarkName-P  N  value unit  value unit …".
// Names keep their sub-benchmark path; the -P suffix goes into procs.
export function parseGoBench(text) {
  const out = { config: {}, benchmarks: [] };
  let pkg = '';
  for (const line of text.split('\n')) {
    const header = /^([a-z][^\s:A-Z]*):\s*(.*)$/.exec(line);
    if (header) {
      if (header[1] === 'pkg') pkg = header[2];
      else out.config[header[1]] = header[2];
      continue;
    }
    const m = /^Benchmark(\S+)\s+(\d+)((?:\s+[-+0-9.eE]+\s+\S+)+)\s*$/.exec(line);
    if (!m) continue;
    let name = m[1];
    let procs = null;
    const p = /^(.*)-(\d+)$/.exec(name);
    if (p) [name, procs] = [p[1], Number(p[2])];
    const metrics = {};
    const fields = m[3].trim().split(/\s+/);
    for (let i = 0; i + 1 < fields.length; i += 2) metrics[fields[i + 1]] = Number(fields[i]);
    out.benchmarks.push({ pkg, name, procs, iterations: Number(m[2]), metrics });
  }
  return out;
}

// goMetric finds a metric of the benchmark named name in a package whose
// path ends with pkgSuffix.
function goMetric(goBench, pkgSuffix, name, unit) {
  const b = goBench?.benchmarks?.find((x) => x.pkg.endsWith(pkgSuffix) && x.name === name);
  return num(b?.metrics?.[unit]);
}

// EXAM_FACE_DETECTOR is the face model static/exam.html names.
const EXAM_FACE_DETECTOR = /data-face-model="\/assets\/([a-z-]+)\.lknn"/.exec(
  fs.readFileSync(new URL('../static/exam.html', import.meta.url), 'utf8'))?.[1] ?? 'blazeface-short';

// evalFigures picks lokaal's headline accuracy out of `lokaal eval --json`:
// the detection rate over every image of the fairness sets scored with the
// exam page's face detector, and the pooled F1 of the labelled .wav set.
export function evalFigures(rep) {
  const sets = rep?.fairness ?? [];
  // The exam page's detector (its data-face-model, blazeface-short); the
  // other detectors eval scores (blazeface-full, pigo) are comparisons.
  const chosen = sets.filter((s) => s.detector === EXAM_FACE_DETECTOR);
  let n = 0;
  let detected = 0;
  for (const s of chosen) {
    for (const g of s.groups ?? []) {
      n += g.n;
      detected += g.detected;
    }
  }
  const wav = (rep?.audio_pooled ?? []).find((a) => /\.wav$/.test(a.file));
  const gaps = chosen.map((s) => num(s.gap)).filter((g) => g !== null);
  return {
    face_recall: n ? detected / n : null,
    face_recall_images: n,
    face_recall_gap: gaps.length ? Math.max(...gaps) : null,
    face_recall_cell_gap: chosen.length ? num(chosen[0].group_gender_gap) : null,
    // The first set at the proctor's defaults, as eval printed it.
    face_fairness: chosen[0] ? { dir: chosen[0].dir, variant: chosen[0].variant, groups: chosen[0].groups, group_gender: chosen[0].group_gender ?? [],
      gap: chosen[0].gap, lowest: chosen[0].lowest, highest: chosen[0].highest, group_gender_gap: chosen[0].group_gender_gap ?? null } : null,
    vad_f1: num(wav?.f1),
    vad_mcc: wav ? mcc({ tp: wav.tp, fp: wav.fp, fn: wav.fn, tn: wav.tn }) : null,
    vad_files: (rep?.audio ?? []).filter((a) => /\.wav$/.test(a.file)).map((a) => ({
      file: path.basename(a.file), frames: a.frames, tp: a.tp, fp: a.fp, fn: a.fn, tn: a.tn, precision: num(a.precision), recall: num(a.recall),
      f1: num(a.f1), mcc: mcc(a), ms_per_audio_s: num(a.ms_per_audio_s),
    })),
    vad_pooled: wav ? { tp: wav.tp, fp: wav.fp, fn: wav.fn, tn: wav.tn, precision: num(wav.precision), recall: num(wav.recall), f1: num(wav.f1),
      mcc: mcc(wav), frames: wav.frames } : null,
    vad_precision: num(wav?.precision),
    vad_recall: num(wav?.recall),
    vad_frames: wav?.frames ?? null,
  };
}

function mcc({ tp, fp, fn, tn }) {
  const den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
  return den ? (tp * tn - fp * fn) / Math.sqrt(den) : null;
}

// get fetches url with one Accept-Encoding and returns the bytes on the
// wire (Node's http does not decompress) and the encoding used.
function get(url, encoding) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'Accept-Encoding': encoding } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
        else resolve({ body: Buffer.concat(chunks), encoding: res.headers['content-encoding'] ?? 'identity' });
      });
    }).on('error', reject);
  });
}

// clientBytes adds up what a browser fetches from base for the exam page:
// the page and every /assets/ file it names (stylesheets, scripts,
// wasm_exec.js, and the exam script's data- attributes: exam.wasm, the
// models, the speech worklet). The speech model is fetched only after the
// first face result (static/exam.js startAudio), so the download before
// the first detection is the rest; with the microphone it is all of it.
export async function clientBytes(base) {
  const files = { '/exam': null };
  const page = (await get(new URL('/exam', base), 'identity')).body.toString('utf8');
  for (const m of page.matchAll(/(?:src|href|data-[a-z-]+)="(\/assets\/[^"]+)"/g)) files[m[1]] = null;
  const speech = /data-speech-model="(\/assets\/[^"]+)"/.exec(page)?.[1];
  const face = /data-face-model="(\/assets\/[^"]+)"/.exec(page)?.[1];
  let gzip = 0;
  let zstd = 0;
  let raw = 0;
  for (const p of Object.keys(files)) {
    const url = new URL(p, base);
    const [g, z, r] = [await get(url, 'gzip'), await get(url, 'zstd'), await get(url, 'identity')];
    files[p] = { raw: r.body.length, gzip: g.body.length, gzip_encoding: g.encoding, zstd: z.body.length, zstd_encoding: z.encoding };
    gzip += g.body.length;
    zstd += z.body.length;
    raw += r.body.length;
  }
  const later = face && speech ? files[speech].gzip : 0;
  return { client_bytes_gzip: gzip - later, client_bytes_all_gzip: gzip, client_bytes_zstd: zstd, client_bytes_raw: raw, client_files: files };
}

function goVersion() {
  try {
    return execFileSync(process.env.GO || 'go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

// merge reads the steps' files in dir and writes dir/bench.json.
export function merge(dir) {
  const go = readJSON(path.join(dir, 'bench-go.json'));
  const wasm = readJSON(path.join(dir, 'bench-wasm.json'));
  const exam = readJSON(path.join(dir, 'bench-exam.json'));
  const evalF = readJSON(path.join(dir, 'bench-eval.json'));
  const client = readJSON(path.join(dir, 'bench-client.json'));
  const hour = readJSON(path.join(dir, 'bench-exam-hour.json'));
  const peersRun = readJSON(path.join(dir, 'bench-peers.json'));
  const peers = peersRun?.ok ? readJSON(path.join(dir, 'peers.json')) : null;
  const fixtureReplays = readJSON(path.join(dir, 'bench-replay.json'));
  const worker = readJSON(path.join(dir, 'bench-worker.json'));
  const nonSpeech = readJSON(path.join(dir, 'bench-nonspeech.json'));
  const cpuRun = readJSON(path.join(dir, 'bench-cpu.json'));
  const load = readJSON(path.join(dir, 'bench-load.json'));
  const level128 = load?.levels?.find((l) => l.senders === 128);

  const eventKinds = {};
  for (const e of hour?.events ?? []) eventKinds[e.kind] = (eventKinds[e.kind] ?? 0) + 1;
  const ingest = goMetric(go, '/server/httpapi', 'Ingest', 'batches/s');
  const verify = goMetric(go, '/wasm/wire', 'Ed25519Verify', 'verifies/s');
  const cpus = os.cpus();
  const r = {
    counter_ms_frame_native_640: goMetric(go, '/wasm/counter', 'Counter/640x480', 'ms/frame'),
    counter_ms_frame_wasm_640: num(wasm?.counter_ms_frame_wasm_640),
    counter_ms_frame_wasm_320: num(wasm?.counter_ms_frame_wasm_320),
    // BlazeFace short, the exam's detector: ns/op of one 640×480 frame.
    face_ms_frame_native: (goMetric(go, '/wasm/face', 'BlazeFaceShort', 'ns/op') ?? NaN) / 1e6 || null,
    // The exam build in its worker (what the exam page runs).
    face_ms_frame_wasm: num(exam?.exam_face?.ms_frame_mean),
    peer_face_ms_frame: null,
    face_recall: num(evalF?.face_recall),
    peer_face_recall: null,
    vad_ms_per_audio_s: num(exam?.exam_vad?.ms_per_audio_s_48k),
    peer_vad_ms_per_audio_s: null,
    vad_f1: num(evalF?.vad_f1),
    peer_vad_f1: null,
    client_bytes_gzip: num(client?.client_bytes_gzip),
    peer_client_bytes_gzip: null,
    exam_hour_bytes_sent: num(hour?.bytes_sent),
    ingest_per_s: ingest,
    ed25519_verify_per_s: verify,
    ingest_p99_ms: goMetric(go, '/server/httpapi', 'Ingest', 'p99-ms'),
    export_year_heap_mb: goMetric(go, '/server/httpapi', 'ExportYear', 'heap-peak-MB'),
    export_year_rss_mb: goMetric(go, '/server/httpapi', 'ExportYear', 'rss-growth-MB'),
    ...pick(worker, ['worker_ingest_p50_ms', 'worker_ingest_p99_ms', 'worker_ingest_per_s', 'worker_page_p50_ms', 'worker_page_p99_ms', 'worker_bundle_gzip_bytes']),
    ingest_http_per_s_128: num(level128?.batches_per_s),
    ingest_http_p99_ms_128: num(level128?.p99_ms),
    ingest_http_cpu_us_128: num(level128?.server_cpu_us_per_batch),
    ingest_http_fsync_p99_ms_128: num(level128?.fsync_p99_ms),
    ingest_http_5xx: load?.levels ? load.levels.reduce((n, l) => n + l.status_5xx, 0) : null,
    ingest_http_share_of_verify: load?.levels?.length ? Math.max(...load.levels.map((l) => l.share_of_verify_bound)) : null,
    crash_acked_lost: num(load?.crash?.acked_lost),
    healthz_flood_p99_ms: num(load?.login_flood?.healthz_p99_ms),
  };
  // Every level, the flood and the crash trials as loadbench measured them.
  r.load = load ?? null;
  Object.assign(r, pick(peers, PEER_KEYS));
  // The speed head to head: lokaal and MediaPipe taking turns in one page.
  Object.assign(r, pick(peers, ['h2h_lokaal_face_ms_median', 'h2h_mediapipe_face_ms_median', 'h2h_face_ratio_median']));
  r.face_h2h = peers?.face_h2h ?? null;
  // Issue 12: the exam's own build in a Web Worker (e2e/bench-exam.mjs).
  const ef = exam?.exam_face, ev = exam?.exam_vad;
  Object.assign(r, {
    face_ms_frame_wasm_median: num(ef?.ms_frame_median),
    face_ms_frame_wasm_p90: num(ef?.ms_frame_p90),
    face_recall_wasm: num(ef?.fairface?.rate),
    face_gap_wasm: num(ef?.fairface?.gap),
    face_cell_gap_wasm: num(ef?.fairface?.group_gender_gap),
    face_second_face_rate_wasm: num(ef?.fairface?.second_face_rate),
    face_empty_room_false_frames_wasm: num(ef?.empty_room?.frames_with_face),
    vad_mcc: num(evalF?.vad_mcc),
    vad_f1_wasm: num(ev?.pooled?.f1),
    vad_mcc_wasm: num(ev?.pooled?.mcc),
    exam_detect_core_share_estimate: num(exam?.exam_schedule?.detect_core_share),
    ...pick(cpuRun, ['exam_page_renderer_cpu_share', 'exam_page_worker_thread_cpu_share', 'exam_page_detect_core_share', 'exam_page_face_core_share', 'exam_page_face_ms_per_frame']),
  });
  r.exam_page_cpu = cpuRun ?? null;
  // exam face figures beside every face peer, and every VAD beside each other.
  r.faces = {
    lokaal: ef ?? null,
    lokaal_native_eval: evalF?.face_fairness ?? null,
    human: peers?.faces?.human ?? null,
    mediapipe: peers?.faces?.mediapipe ?? null,
    mediapipe_full: peers?.faces?.mediapipe_full ?? null,
  };
  r.speech = {
    lokaal_native_eval: evalF?.vad_pooled ? { pooled: evalF.vad_pooled, files: evalF.vad_files, non_speech: nonSpeech?.files ?? null } : null,
    lokaal: ev && !ev.error ? ev : null,
    vad_web_legacy: peers?.vad?.legacy ?? null,
    vad_web_v5: peers?.vad?.v5 ?? null,
    silero_v5_frames: peers?.vad?.v5_frames ?? null,
  };
  r.exam_build = exam?.exam_build ?? null;
  r.exam_schedule = exam?.exam_schedule ?? null;
  Object.assign(r, {
    // Beside the required keys: context for them.
    ingest_over_verify: ingest !== null && verify ? ingest / verify : null,
    counter_ms_frame_native_320: goMetric(go, '/wasm/counter', 'Counter/320x240', 'ms/frame'),
    pigo_ms_frame_native: goMetric(go, '/wasm/face/cascade', 'Detect/default', 'ms/frame'),
    pigo_ms_frame_native_noface: goMetric(go, '/wasm/face/cascade', 'Detect/default-noface', 'ms/frame'),
    face_ms_frame_wasm_noface: num(exam?.exam_face?.clips?.find((c) => c.clip.startsWith('empty-room'))?.ms_frame_mean),
    vad_ms_per_audio_s_native: goMetric(go, '/wasm/speech', 'Detector', 'ms/audio_s'),
    face_recall_images: evalF?.face_recall_images ?? null,
    face_recall_gap: num(evalF?.face_recall_gap),
    vad_precision: num(evalF?.vad_precision),
    vad_recall: num(evalF?.vad_recall),
    client_bytes_zstd: num(client?.client_bytes_zstd),
    client_bytes_raw: num(client?.client_bytes_raw),
    client_files: client?.client_files ?? null,
    exam_hour_summaries: hour?.summaries?.length ?? null,
    exam_hour_max_body_bytes: num(hour?.max_body_bytes),
    exam_hour_seed: hour?.seed ?? null,
    exam_hour_events: hour ? eventKinds : null,
    exam_fixture_replays: fixtureReplays,
    // The same routes over HTTP on bin/lokaal serve, beside the Worker's.
    ...pick(worker, ['native_http_ingest_p50_ms', 'native_http_ingest_p99_ms', 'native_http_ingest_per_s', 'native_http_page_p50_ms', 'native_http_page_p99_ms']),
    ...pick(worker, ['worker_go_trivial_p50_ms', 'worker_go_trivial_p99_ms', 'worker_bundle_raw_bytes']),
    worker_latency_n: worker?.worker_latency_n ?? null,
    peers_status: peersRun?.status ?? 'not run',
    peers: peers ?? null,
    machine: {
      cpu: cpus[0]?.model ?? null,
      cores: cpus.length,
      gomaxprocs: go?.benchmarks?.find((b) => b.procs)?.procs ?? null,
      go_cpu: go?.config?.cpu ?? null,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      memory_gb: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    },
    date: new Date().toISOString(),
    go: goVersion(),
    client_toolchain: process.env.CLIENT_ENV || null,
    chromium: exam?.chromium ?? wasm?.chromium ?? null,
    node: process.version,
    command: process.env.LOKAAL_BENCH_COMMAND || 'make bench',
    quick: process.env.LOKAAL_BENCH_QUICK === '1',
  });
  writeJSON(path.join(dir, 'bench.json'), r);
  return r;
}

const fmt = (v) => {
  if (v === null || v === undefined) return '–';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
};

// table prints the merged figures, ours beside the peer's where there is one.
export function table(r) {
  const lines = [];
  const rows = [
    ['counter, native, 640×480', 'ms/frame', 'counter_ms_frame_native_640'],
    ['counter, Chromium WASM, 640×480', 'ms/frame', 'counter_ms_frame_wasm_640'],
    ['counter, Chromium WASM, 320×240', 'ms/frame', 'counter_ms_frame_wasm_320'],
    ['face detection, native, 640×480', 'ms/frame', 'face_ms_frame_native'],
    ['face detection, Chromium', 'ms/frame', 'face_ms_frame_wasm', 'peer_face_ms_frame'],
    ['face detection, Chromium, vs MediaPipe', 'ms/frame', 'face_ms_frame_wasm', 'peer_mediapipe_face_ms_frame'],
    ['face detection, head to head in one page vs MediaPipe (median)', 'ms/frame', 'h2h_lokaal_face_ms_median', 'h2h_mediapipe_face_ms_median'],
    ['face detection rate (FairFace crops), lokaal eval', 'rate', 'face_recall', 'peer_face_recall'],
    ['face detection rate, exam build in Chromium', 'rate', 'face_recall_wasm', 'peer_face_recall'],
    ['face detection rate, vs MediaPipe', 'rate', 'face_recall_wasm', 'peer_mediapipe_face_recall'],
    ['voice activity, Chromium (lokaal 48 kHz, peer 16 kHz)', 'ms/audio s', 'vad_ms_per_audio_s', 'peer_vad_ms_per_audio_s'],
    ['voice activity F1 (labelled .wav)', 'F1', 'vad_f1', 'peer_vad_f1'],
    ['voice activity MCC (labelled .wav)', 'MCC', 'vad_mcc', 'peer_vad_mcc'],
    ['exam page CPU, real page (renderer)', 'share of a core', 'exam_page_renderer_cpu_share'],
    ['exam page CPU, detection worker thread', 'share of a core', 'exam_page_worker_thread_cpu_share'],
    ['download before first detection', 'bytes gzip', 'client_bytes_gzip', 'peer_client_bytes_gzip'],
    ['sent in a synthetic exam hour', 'bytes', 'exam_hour_bytes_sent'],
    ['ingest (fsync\'d SQLite)', 'batches/s', 'ingest_per_s'],
    ['Ed25519 verify, one core', 'verifies/s', 'ed25519_verify_per_s'],
    ['ingest latency', 'p99 ms', 'ingest_p99_ms'],
    ['counts export, a year of 300 rooms: heap peak', 'MB', 'export_year_heap_mb'],
    ['counts export, a year of 300 rooms: RSS growth', 'MB', 'export_year_rss_mb'],
    ['ingest / verify', 'ratio', 'ingest_over_verify'],
    ['ingest, Worker in workerd', 'p50 ms', 'worker_ingest_p50_ms'],
    ['ingest, Worker in workerd', 'p99 ms', 'worker_ingest_p99_ms'],
    ['ingest, Worker in workerd (8 devices)', 'batches/s', 'worker_ingest_per_s'],
    ['ingest, bin/lokaal over HTTP', 'p50 ms', 'native_http_ingest_p50_ms'],
    ['ingest, bin/lokaal over HTTP', 'p99 ms', 'native_http_ingest_p99_ms'],
    ['ingest, bin/lokaal over HTTP (8 devices)', 'batches/s', 'native_http_ingest_per_s'],
    ['page, Worker static assets', 'p50 ms', 'worker_page_p50_ms'],
    ['page, Worker static assets', 'p99 ms', 'worker_page_p99_ms'],
    ['Worker bundle (limit 3 MB free)', 'bytes gzip', 'worker_bundle_gzip_bytes'],
    ['ingest over HTTP, 128 senders', 'batches/s', 'ingest_http_per_s_128'],
    ['ingest over HTTP, 128 senders', 'p99 ms', 'ingest_http_p99_ms_128'],
    ['ingest over HTTP, all levels', '5xx', 'ingest_http_5xx'],
    ['ingest over HTTP, best level / verify bound', 'ratio', 'ingest_http_share_of_verify'],
    ['SIGKILL trials, acknowledged lost', 'batches', 'crash_acked_lost'],
    ['/healthz during a login flood', 'p99 ms', 'healthz_flood_p99_ms'],
  ];
  lines.push('| what | unit | lokaal | peer (human, unless named) |', '|---|---|---|---|');
  for (const [what, unit, ours, peer] of rows) {
    lines.push(`| ${what} | ${unit} | ${fmt(r[ours])} | ${peer ? fmt(r[peer]) : ''} |`);
  }
  const m = r.machine;
  lines.push('', `${r.command} on ${m.cpu} (${m.cores} cores), ${r.date.slice(0, 10)}; ${r.go ?? 'Go ?'}, Chromium ${r.chromium ?? '(not run)'}; peers: ${r.peers_status}`);
  if (r.exam_hour_events) {
    const kinds = Object.entries(r.exam_hour_events).map(([k, n]) => `${n} ${k}`).join(', ');
    lines.push(`exam hour (seed ${r.exam_hour_seed}): ${r.exam_hour_summaries} summaries, largest body ${fmt(r.exam_hour_max_body_bytes)} B; events: ${kinds}`);
  }
  return lines.join('\n');
}

// compareTables prints every face detector side by side, then every voice
// activity detector: the issue 12 tables, from one run.
export function compareTables(r) {
  const L = [];
  const pc = (v, d = 1) => (v == null ? '–' : `${(100 * v).toFixed(d)} %`);
  const ms = (v) => (v == null ? '–' : v.toFixed(1));
  const ci = (x) => (x ? `${pc(x.rate)} [${(100 * x.ci95_lo).toFixed(1)}, ${(100 * x.ci95_hi).toFixed(1)}]` : '–');
  const faceCols = [['lokaal (exam build)', r.faces?.lokaal], ['human BlazeFace', r.faces?.human], ['MediaPipe short', r.faces?.mediapipe], ['MediaPipe full', r.faces?.mediapipe_full]];
  if (faceCols.some(([, f]) => f)) {
    const row = (what, fn) => L.push(`| ${what} | ${faceCols.map(([, f]) => (f ? fn(f) : '–')).join(' | ')} |`);
    const clip = (f, name) => f.clips?.find((c) => c.clip.startsWith(name));
    L.push('', '### Faces, in one Chromium run', '', `| | ${faceCols.map(([n]) => n).join(' | ')} |`, `|---|${faceCols.map(() => '---:').join('|')}|`);
    row('ms per 640×480 frame, median', (f) => ms(f.ms_frame_median));
    row('ms per 640×480 frame, p90', (f) => ms(f.ms_frame_p90));
    row('ms per 640×480 frame, mean', (f) => ms(f.ms_frame_mean));
    row('FairFace 700, detected (95 % CI)', (f) => (f.fairface ? `${f.fairface.detected}/${f.fairface.n} = ${ci(f.fairface)}` : '–'));
    const groups = [...new Set(faceCols.flatMap(([, f]) => f?.fairface?.groups?.map((g) => g.group) ?? []))];
    for (const g of groups) row(`  ${g}`, (f) => ci(f.fairface?.groups?.find((x) => x.group === g)));
    row('largest gap between groups', (f) => (f.fairface ? `${(100 * f.fairface.gap).toFixed(1)} pts (${f.fairface.lowest} lowest)` : '–'));
    const cells = [...new Set(faceCols.flatMap(([, f]) => f?.fairface?.group_gender?.map((g) => `${g.group} ${g.gender}`) ?? []))];
    for (const c of cells) row(`  ${c}`, (f) => ci(f.fairface?.group_gender?.find((x) => `${x.group} ${x.gender}` === c)));
    row('largest gap, group × gender', (f) => (f.fairface ? `${(100 * f.fairface.group_gender_gap).toFixed(1)} pts (${f.fairface.group_gender_lowest} lowest)` : '–'));
    row('second face on single-face crops', (f) => (f.fairface ? `${f.fairface.second_face}/${f.fairface.n} = ${pc(f.fairface.second_face_rate)}` : '–'));
    row('box centred in the crop', (f) => pc(f.fairface?.box_centre_in_crop));
    row('empty room: frames with a face', (f) => (f.empty_room ? `${f.empty_room.frames_with_face}/${f.empty_room.frames}` : '–'));
    row('two-faces clip: frames with ≥ 2', (f) => { const c = clip(f, 'two-faces'); return c ? `${c.frames_with_two_plus}/${c.frames}` : '–'; });
    row('face-present clip: frames with ≥ 2', (f) => { const c = clip(f, 'face-present'); return c ? `${c.frames_with_two_plus}/${c.frames}` : '–'; });
    row('face-turning clip: frames with a face', (f) => { const c = clip(f, 'face-turning'); return c ? `${c.frames_with_face}/${c.frames}` : '–'; });
    row('download before first detection, gzip', (f) => (f.download_gzip != null ? fmt(f.download_gzip) : '–'));
    const nat = r.faces?.lokaal_native_eval;
    if (nat) L.push('', `lokaal eval (native, same Go code): ${nat.groups.reduce((s, g) => s + g.detected, 0)}/${nat.groups.reduce((s, g) => s + g.n, 0)} detected; gap ${(100 * nat.gap).toFixed(1)} pts (${nat.lowest} lowest), group × gender ${nat.group_gender_gap != null ? (100 * nat.group_gender_gap).toFixed(1) : '–'} pts`);
    L.push('', 'Crops: each FairFace crop at its own size at the centre of a grey (128) 640×480 canvas, same for every detector; detected = at least one face. Intervals: 95 % Wilson.');
    if (r.faces?.lokaal?.config) L.push(`lokaal: ${r.faces.lokaal.config}`);
    for (const [n, f] of faceCols.slice(1)) if (f) L.push(`${n}: ${f.config}`);
  }
  const vadCols = [['lokaal eval (native)', r.speech?.lokaal_native_eval], ['lokaal (exam build)', r.speech?.lokaal], ['vad-web legacy', r.speech?.vad_web_legacy], ['vad-web Silero v5', r.speech?.vad_web_v5], ['Silero v5 alone, p ≥ 0.5', r.speech?.silero_v5_frames]];
  if (vadCols.some(([, v]) => v)) {
    const n3 = (v) => (v == null ? '–' : v.toFixed(3));
    const row = (what, fn) => L.push(`| ${what} | ${vadCols.map(([, v]) => (v ? fn(v) : '–')).join(' | ')} |`);
    L.push('', '### Speech, frame-level at 10 ms, labelled .wav set', '', `| | ${vadCols.map(([n]) => n).join(' | ')} |`, `|---|${vadCols.map(() => '---:').join('|')}|`);
    row('pooled F1', (v) => n3(v.pooled?.f1));
    row('pooled MCC', (v) => n3(v.pooled?.mcc));
    row('pooled precision / recall', (v) => `${n3(v.pooled?.precision)} / ${n3(v.pooled?.recall)}`);
    const files = [...new Set(vadCols.flatMap(([, v]) => v?.files?.map((x) => x.file) ?? []))].sort();
    for (const file of files) row(`  ${file.replace(/\.wav$/, '')} F1 / MCC`, (v) => { const x = v.files?.find((y) => y.file === file); return x ? `${n3(x.f1)} / ${n3(x.mcc)}` : '–'; });
    const nonNames = [...new Set(vadCols.flatMap(([, v]) => v?.non_speech?.map((x) => x.file) ?? []))].sort();
    for (const file of nonNames) row(`${file}: speech s flagged`, (v) => { const x = v.non_speech?.find((y) => y.file === file); return x ? `${x.speech_seconds.toFixed(1)} of ${x.seconds.toFixed(0)}` : '–'; });
    row('ms per audio second (16 kHz)', (v) => (v.ms_per_audio_s != null ? v.ms_per_audio_s.toFixed(2) : '–'));
    row('ms per audio second (48 kHz)', (v) => (v.ms_per_audio_s_48k != null ? v.ms_per_audio_s_48k.toFixed(2) : '–'));
    row('decision delay in the worker, median / max ms', (v) => (v.decision_late_ms_max != null ? `${v.decision_late_ms_median?.toFixed(0)} / ${v.decision_late_ms_max.toFixed(0)}` : '–'));
    L.push('', 'Always answering "speech" scores F1 0.866 and MCC 0 (undefined) on this set. lokaal eval: the native replay path; exam build: static/build/exam.wasm in a Web Worker, 2048-sample chunks; vad-web: its NonRealTimeVAD (legacy model) and Silero v5 as MicVAD runs it, both with vad-web\'s segmenting (1.4 s redemption, 0.8 s pre-speech pad); "Silero v5 alone": the same model\'s frame decisions at p ≥ 0.5 without any segmenting.');
  }
  if (r.exam_page_cpu && !r.exam_page_cpu.error) {
    const c = r.exam_page_cpu;
    L.push('', `real exam page, ${c.exam_page_cpu_window_s} s proctored (fake camera and microphone): renderer ${pc(c.exam_page_renderer_cpu_share)} of one core (page + detection worker + framed exam); face detection in the worker ${pc(c.exam_page_face_core_share, 2)} of one core, ${c.exam_page_frames_per_s?.toFixed(2)} frames/s at ${c.exam_page_face_ms_per_frame?.toFixed(1) ?? '–'} ms each (wall time inside lokaalDetect.frame); the detection worker thread's CPU time ${c.exam_page_worker_thread_cpu_share == null ? '–' : pc(c.exam_page_worker_thread_cpu_share, 2)} of one core`);
  } else if (r.exam_page_cpu?.error) {
    L.push('', `real exam page CPU: not measured (${r.exam_page_cpu.error.split('\n')[0]})`);
  }
  if (r.exam_schedule) {
    const e = r.exam_schedule;
    L.push('', `exam detection at its schedule (a frame every ${e.frame_ms} ms, audio at 48 kHz): face ${pc(e.face_core_share, 2)} + speech ${pc(e.vad_core_share_48k, 2)} = ${pc(e.detect_core_share, 2)} of one core — ${e.what}`);
  }
  return L.join('\n');
}

async function main() {
  const [cmd = 'merge', a, b] = process.argv.slice(2);
  switch (cmd) {
    case 'go':
      writeJSON(b, parseGoBench(fs.readFileSync(a, 'utf8')));
      break;
    case 'eval': {
      const rep = readJSON(a);
      if (!rep) throw new Error(`${a}: not a lokaal eval --json report`);
      writeJSON(b, evalFigures(rep));
      break;
    }
    case 'client':
      writeJSON(b, await clientBytes(a));
      break;
    case 'merge': {
      const r = merge(a || 'out');
      console.log(table(r));
      console.log(compareTables(r));
      console.log(`\nwritten to ${path.join(a || 'out', 'bench.json')}`);
      break;
    }
    default:
      throw new Error(`unknown command ${cmd}: go, eval, client or merge`);
  }
}

await main();
