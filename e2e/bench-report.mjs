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
  ['face_ms_frame_wasm', 'face detector, Chromium WASM, ms per 640×480 frame with a face'],
  ['peer_face_ms_frame', 'peer face detector (human, BlazeFace), ms per frame'],
  ['face_recall', 'face detection rate, FairFace padded crops, proctor defaults'],
  ['peer_face_recall', 'peer face detection rate, same crops'],
  ['vad_ms_per_audio_s', 'VAD, Chromium WASM, ms per audio second (48 kHz)'],
  ['peer_vad_ms_per_audio_s', 'peer VAD (Silero, vad-web), ms per audio second'],
  ['vad_f1', 'VAD frame F1, pooled .wav labelled set'],
  ['peer_vad_f1', 'peer VAD frame F1, same set'],
  ['client_bytes_gzip', 'exam page download before the first detection, gzip'],
  ['peer_client_bytes_gzip', 'peer download before the first detection, gzip'],
  ['exam_hour_bytes_sent', 'bytes sent in a synthetic exam hour, every detector on'],
  ['ingest_per_s', 'ingest, signed batches/s (fsync\'d SQLite)'],
  ['ed25519_verify_per_s', 'Ed25519 verifies/s, one core'],
  ['ingest_p99_ms', 'ingest, p99 ms per request'],
  ['worker_ingest_p50_ms', 'ingest on the Worker in workerd (local D1), p50 ms per request'],
  ['worker_ingest_p99_ms', 'ingest on the Worker in workerd (local D1), p99 ms per request'],
  ['worker_ingest_per_s', 'ingest on the Worker in workerd, batches/s, 8 devices at once'],
  ['worker_page_p50_ms', 'a page on the Worker (static assets), p50 ms'],
  ['worker_page_p99_ms', 'a page on the Worker (static assets), p99 ms'],
  ['worker_bundle_gzip_bytes', 'Worker bundle, gzip (limit 3 MB free, 10 MB paid)'],
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

// evalFigures picks lokaal's headline accuracy out of `lokaal eval --json`:
// the detection rate over every image of the fairness sets scored at the
// proctor's default parameters, and the pooled F1 of the labelled .wav set.
export function evalFigures(rep) {
  const sets = rep?.fairness ?? [];
  // One entry per set at the proctor's defaults; other variants (if any)
  // say what they change.
  const chosen = sets.filter((s) => /default/i.test(s.variant ?? '')).length
    ? sets.filter((s) => /default/i.test(s.variant ?? ''))
    : sets.slice(0, 1);
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
    vad_f1: num(wav?.f1),
    vad_precision: num(wav?.precision),
    vad_recall: num(wav?.recall),
    vad_frames: wav?.frames ?? null,
  };
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

// clientBytes adds up what a browser fetches from base before the exam
// page's first detection: the page and every /assets/ file it names
// (stylesheets, scripts, wasm_exec.js, and the exam script's data-
// attributes: exam.wasm, the cascades, the speech worklet).
export async function clientBytes(base) {
  const files = { '/exam': null };
  const page = (await get(new URL('/exam', base), 'identity')).body.toString('utf8');
  for (const m of page.matchAll(/(?:src|href|data-[a-z-]+)="(\/assets\/[^"]+)"/g)) files[m[1]] = null;
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
  return { client_bytes_gzip: gzip, client_bytes_zstd: zstd, client_bytes_raw: raw, client_files: files };
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

  const eventKinds = {};
  for (const e of hour?.events ?? []) eventKinds[e.kind] = (eventKinds[e.kind] ?? 0) + 1;
  const ingest = goMetric(go, '/server/httpapi', 'Ingest', 'batches/s');
  const verify = goMetric(go, '/wasm/wire', 'Ed25519Verify', 'verifies/s');
  const cpus = os.cpus();
  const r = {
    counter_ms_frame_native_640: goMetric(go, '/wasm/counter', 'Counter/640x480', 'ms/frame'),
    counter_ms_frame_wasm_640: num(wasm?.counter_ms_frame_wasm_640),
    counter_ms_frame_wasm_320: num(wasm?.counter_ms_frame_wasm_320),
    face_ms_frame_native: goMetric(go, '/wasm/face', 'Detect/default', 'ms/frame'),
    face_ms_frame_wasm: num(exam?.face_ms_frame_wasm),
    peer_face_ms_frame: null,
    face_recall: num(evalF?.face_recall),
    peer_face_recall: null,
    vad_ms_per_audio_s: num(exam?.vad_ms_per_audio_s_wasm),
    peer_vad_ms_per_audio_s: null,
    vad_f1: num(evalF?.vad_f1),
    peer_vad_f1: null,
    client_bytes_gzip: num(client?.client_bytes_gzip),
    peer_client_bytes_gzip: null,
    exam_hour_bytes_sent: num(hour?.bytes_sent),
    ingest_per_s: ingest,
    ed25519_verify_per_s: verify,
    ingest_p99_ms: goMetric(go, '/server/httpapi', 'Ingest', 'p99-ms'),
    worker_ingest_p50_ms: num(worker?.worker_ingest_p50_ms),
    worker_ingest_p99_ms: num(worker?.worker_ingest_p99_ms),
    worker_ingest_per_s: num(worker?.worker_ingest_per_s),
    worker_page_p50_ms: num(worker?.worker_page_p50_ms),
    worker_page_p99_ms: num(worker?.worker_page_p99_ms),
    worker_bundle_gzip_bytes: num(worker?.worker_bundle_gzip_bytes),
  };
  for (const k of PEER_KEYS) r[k] = num(peers?.[k]);
  Object.assign(r, {
    // Beside the required keys: context for them.
    ingest_over_verify: ingest !== null && verify ? ingest / verify : null,
    counter_ms_frame_native_320: goMetric(go, '/wasm/counter', 'Counter/320x240', 'ms/frame'),
    face_ms_frame_native_noface: goMetric(go, '/wasm/face', 'Detect/default-noface', 'ms/frame'),
    face_ms_frame_wasm_noface: num(exam?.face_ms_frame_wasm_noface),
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
    native_http_ingest_p50_ms: num(worker?.native_http_ingest_p50_ms),
    native_http_ingest_p99_ms: num(worker?.native_http_ingest_p99_ms),
    native_http_ingest_per_s: num(worker?.native_http_ingest_per_s),
    native_http_page_p50_ms: num(worker?.native_http_page_p50_ms),
    native_http_page_p99_ms: num(worker?.native_http_page_p99_ms),
    worker_go_trivial_p50_ms: num(worker?.worker_go_trivial_p50_ms),
    worker_go_trivial_p99_ms: num(worker?.worker_go_trivial_p99_ms),
    worker_bundle_raw_bytes: num(worker?.worker_bundle_raw_bytes),
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
    ['face detection rate (FairFace crops)', 'rate', 'face_recall', 'peer_face_recall'],
    ['voice activity, Chromium', 'ms/audio s', 'vad_ms_per_audio_s', 'peer_vad_ms_per_audio_s'],
    ['voice activity F1 (labelled .wav)', 'F1', 'vad_f1', 'peer_vad_f1'],
    ['download before first detection', 'bytes gzip', 'client_bytes_gzip', 'peer_client_bytes_gzip'],
    ['sent in a synthetic exam hour', 'bytes', 'exam_hour_bytes_sent'],
    ['ingest (fsync\'d SQLite)', 'batches/s', 'ingest_per_s'],
    ['Ed25519 verify, one core', 'verifies/s', 'ed25519_verify_per_s'],
    ['ingest latency', 'p99 ms', 'ingest_p99_ms'],
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
  ];
  lines.push('| what | unit | lokaal | peer |', '|---|---|---|---|');
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
      console.log(`\nwritten to ${path.join(a || 'out', 'bench.json')}`);
      break;
    }
    default:
      throw new Error(`unknown command ${cmd}: go, eval, client or merge`);
  }
}

await main();
