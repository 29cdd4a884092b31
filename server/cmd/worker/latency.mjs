// Per-request latency of the Worker in workerd (local, offline), where Go
// starts a fresh wasm instance for every request, beside bin/lokaal serve:
// ingest (POST /api/v1/counts, a fresh signed batch each time: verify,
// then a D1 transaction), a page (Workers static assets, no Go; natively
// the Go handler), a trivial Go route and a Go route that reads D1; and
// ingest throughput with several devices posting at once.
//
//   make worker && node server/cmd/worker/latency.mjs [--n 300] [--native] [--build DIR] [--out FILE]
//
// Prints JSON: per target and route p50/p99/mean in ms over n sequential
// requests after 10 warm-up requests, and batches/s. --out also writes the
// flat figures make bench merges (worker_ingest_p50_ms, ...).
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { start } from "./dev.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const argv = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : d; };
const n = Number(argv("--n", 300));
const buildDir = argv("--build", join(here, "build"));
const out = argv("--out", undefined);
const token = "latency-admin-token";
// The build the synthetic device signs with, allow-listed on both targets.
const build = crypto.createHash("sha256").update("lokaal latency bench").digest("hex");
const admin = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
const routes = {
  "go_trivial (GET /api/openapi.json)": "/api/openapi.json",
  "go_d1_read (GET /healthz)": "/healthz",
  "page (GET /kiosk)": "/kiosk",
};

const stats = (ms) => {
  ms = [...ms].sort((a, b) => a - b);
  const q = (p) => +ms[Math.min(ms.length - 1, Math.floor(p / 100 * ms.length))].toFixed(2);
  return { n: ms.length, p50: q(50), p99: q(99), mean: +(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2) };
};

async function timed(fn, count) {
  const ms = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return ms;
}

// device enrols a new kiosk device on base and returns a function posting
// its next fresh batch.
async function device(base) {
  let res = await fetch(new URL("/api/v1/kiosks", base), { method: "POST", headers: admin,
    body: JSON.stringify({ name: "bench", room: `bench-${crypto.randomUUID().slice(0, 8)}`, interval_s: 60,
      lines: [{ name: "entry", a: [0, 0.5], b: [1, 0.5], mode: "immediate" }] }) });
  if (res.status !== 201) throw new Error(`create kiosk: ${res.status} ${await res.text()}`);
  const { enrolment_code: code } = await res.json();
  const keys = crypto.generateKeyPairSync("ed25519");
  const der = keys.publicKey.export({ format: "der", type: "spki" });
  res = await fetch(new URL("/api/v1/enrol", base), { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code, public_key: der.subarray(der.length - 32).toString("base64") }) });
  if (res.status !== 201) throw new Error(`enrol: ${res.status} ${await res.text()}`);
  const { device: id } = await res.json();
  let seq = 0;
  // Windows of 100 ms from now: ingest takes no batch from before the
  // device's enrolment, nor one ending over 5 minutes ahead of the clock.
  const t0 = Date.now();
  return async () => {
    seq++;
    const batch = { device: id, seq, build, start: t0 + seq * 100, end: t0 + seq * 100 + 100, lines: [{ line: "entry", in: seq % 7, out: seq % 3 }] };
    const sig = crypto.sign(null, Buffer.from("lokaal/count-batch/v1\n" + JSON.stringify(batch)), keys.privateKey).toString("base64");
    const r = await fetch(new URL("/api/v1/counts", base), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ batch, sig }) });
    const text = await r.text();
    if (r.status !== 201) throw new Error(`ingest seq ${seq}: ${r.status} ${text}`);
  };
}

async function measure(base) {
  const result = {};
  for (const [name, path] of Object.entries(routes)) {
    const url = new URL(path, base);
    const get = async () => {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    };
    await timed(get, 10);
    result[name] = stats(await timed(get, n));
  }
  const post = await device(base);
  await timed(post, 10);
  result["ingest (POST /api/v1/counts)"] = stats(await timed(post, n));
  // Throughput: 8 devices, each posting its batches one after another.
  const devices = await Promise.all(Array.from({ length: 8 }, () => device(base)));
  const each = Math.max(10, Math.floor(n / 4));
  const t = performance.now();
  await Promise.all(devices.map(async (p) => { for (let i = 0; i < each; i++) await p(); }));
  result.ingest_per_s = +(devices.length * each / ((performance.now() - t) / 1000)).toFixed(1);
  result.ingest_concurrency = devices.length;
  return result;
}

// bundleGzip is what wrangler uploads, each module gzip-compressed: the
// figure the Workers size limit (3 MB free, 10 MB paid) is about.
function bundleGzip() {
  let raw = 0, gz = 0;
  for (const f of ["app.wasm", "worker.mjs", "runtime.mjs", "wasm_exec.js"]) {
    const b = readFileSync(join(buildDir, f));
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
  }
  return { raw, gzip: gz };
}

const result = { bundle: bundleGzip() };
const w = await start({ port: 0, fresh: true, quiet: !process.argv.includes("--verbose"), state: join(root, "out", "worker-latency"), buildDir,
  bindings: { LOKAAL_ADMIN_TOKEN: token, LOKAAL_ALLOW_BUILDS: build } });
try {
  result.worker = await measure(w.url);
} finally {
  await w.dispose();
}
if (process.argv.includes("--native")) {
  const dir = mkdtempSync(join(tmpdir(), "lokaal-lat-"));
  const port = 18990;
  const p = spawn(join(root, "bin", "lokaal"), ["serve", "--addr", `127.0.0.1:${port}`, "--db", join(dir, "l.db"), "--allow-build", build],
    { stdio: "ignore", env: { ...process.env, LOKAAL_ADMIN_TOKEN: token } });
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch {}
      if (i > 100) throw new Error("bin/lokaal did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    result.native = await measure(`http://127.0.0.1:${port}/`);
  } finally {
    p.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(result, null, 1));
if (out) {
  const f = (t, route, k) => result[t]?.[route]?.[k] ?? null;
  const flat = {
    worker_ingest_p50_ms: f("worker", "ingest (POST /api/v1/counts)", "p50"),
    worker_ingest_p99_ms: f("worker", "ingest (POST /api/v1/counts)", "p99"),
    worker_ingest_per_s: result.worker?.ingest_per_s ?? null,
    worker_page_p50_ms: f("worker", "page (GET /kiosk)", "p50"),
    worker_page_p99_ms: f("worker", "page (GET /kiosk)", "p99"),
    worker_go_trivial_p50_ms: f("worker", "go_trivial (GET /api/openapi.json)", "p50"),
    worker_go_trivial_p99_ms: f("worker", "go_trivial (GET /api/openapi.json)", "p99"),
    worker_bundle_gzip_bytes: result.bundle.gzip,
    worker_bundle_raw_bytes: result.bundle.raw,
    native_http_ingest_p50_ms: f("native", "ingest (POST /api/v1/counts)", "p50"),
    native_http_ingest_p99_ms: f("native", "ingest (POST /api/v1/counts)", "p99"),
    native_http_ingest_per_s: result.native?.ingest_per_s ?? null,
    native_http_page_p50_ms: f("native", "page (GET /kiosk)", "p50"),
    native_http_page_p99_ms: f("native", "page (GET /kiosk)", "p99"),
    worker_latency_n: n,
  };
  writeFileSync(out, JSON.stringify(flat, null, 1) + "\n");
}
