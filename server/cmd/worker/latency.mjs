// Per-request latency of the Worker in workerd (local, offline), where Go
// starts a fresh wasm instance for every request: a trivial Go route, a Go
// route that reads D1, and a page (Workers static assets, no Go). With
// --native it measures bin/lokaal serve on the same routes beside it.
//
//   make worker && node server/cmd/worker/latency.mjs [--n 300] [--native] [--build DIR]
// Prints JSON: per target and route, p50/p99/mean in ms over n sequential
// requests after 10 warm-up requests.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "./dev.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const argi = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };
const n = argi("--n", 300);
const routes = {
  "go_trivial (GET /api/openapi.json)": "/api/openapi.json",
  "go_d1_read (GET /healthz)": "/healthz",
  "page (GET /kiosk)": "/kiosk",
};

async function measure(base) {
  const out = {};
  for (const [name, path] of Object.entries(routes)) {
    const url = new URL(path, base);
    for (let i = 0; i < 10; i++) await (await fetch(url)).arrayBuffer();
    const ms = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      ms.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    }
    ms.sort((a, b) => a - b);
    const q = (p) => +ms[Math.min(ms.length - 1, Math.floor(p / 100 * ms.length))].toFixed(2);
    out[name] = { n, p50: q(50), p99: q(99), mean: +(ms.reduce((a, b) => a + b, 0) / n).toFixed(2) };
  }
  return out;
}

const result = {};
const b = process.argv.indexOf("--build");
const w = await start({ port: 0, fresh: true, quiet: true, state: join(root, "out", "worker-latency"),
  ...(b > 0 ? { buildDir: process.argv[b + 1] } : {}) });
try {
  result.worker = await measure(w.url);
} finally {
  await w.dispose();
}
if (process.argv.includes("--native")) {
  const dir = mkdtempSync(join(tmpdir(), "lokaal-lat-"));
  const port = 18990;
  const p = spawn(join(root, "bin", "lokaal"), ["serve", "--addr", `127.0.0.1:${port}`, "--db", join(dir, "l.db")],
    { stdio: "ignore", env: { ...process.env, LOKAAL_ADMIN_TOKEN: "latency" } });
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
