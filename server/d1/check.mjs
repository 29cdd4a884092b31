// Checks the d1 driver and D1's batch semantics in workerd, offline, and
// measures a transaction's read + commit. Builds server/d1/check into
// server/d1/check/build, serves it with server/cmd/worker/dev.mjs's start()
// on a fresh local D1, prints JSON, and exits 1 if a check fails.
//
//   node server/d1/check.mjs [--rounds 20] [--n 200]
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../cmd/worker/dev.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const build = join(here, "check", "build");
const argn = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };

function sh(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}
sh("go", ["run", "github.com/syumai/workers/cmd/workers-assets-gen", "-mode=go", "-o", build]);
sh("go", ["build", "-trimpath", "-o", join(build, "app.wasm"), "./server/d1/check"], { GOOS: "js", GOARCH: "wasm" });

const w = await start({ port: 0, buildDir: build, state: join(build, "state"), fresh: true, quiet: true, assets: false });
const url = (p) => new URL(p, w.url);
const post = async (p) => { const r = await fetch(url(p), { method: "POST" }); return r.json(); };
const get = async (p) => (await fetch(url(p))).json();
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]; };

const out = { checks: {}, latency: {} };
let failed = false;
const check = (name, ok, detail) => { out.checks[name] = { ok, ...detail }; if (!ok) failed = true; };
try {
  await post("/setup");
  // a: cold, no clock row yet (the guard's INSERT fails), then warm (the
  // guard's UPDATE fails its CHECK).
  const cold = await post("/guard");
  check("a_failed_guard_rolls_back_batch_cold", cold.conflict === true && cold.leaked_rows === 0, cold);
  const warm = await post("/guard?warm=1");
  check("a_failed_guard_rolls_back_batch", warm.conflict === true && warm.err.includes("tx_conflict") && warm.leaked_rows === 0, warm);
  const p = await post("/plain");
  check("plain_write_reports_its_result", p.last_insert_id === 7 && p.rows_affected === 1 && p.deleted === 1, p);
  const c = await post("/changes");
  check("b_changes_inside_batch", c.hit_err === "" && c.miss_err.includes("CHECK") &&
    c.after_hit === c.before + 1 && c.after_miss === c.after_hit, c);

  const k = await post("/keys");
  check("d_many_keys_and_json_each", k.commit_err === "" && k.expanded === 1 && k.params_101_err !== "", k);

  // c: two transactions on the same row, both read before either commits.
  await post("/setup");
  const rounds = argn("--rounds", 20);
  let exactlyOne = 0;
  const tally = [];
  for (let i = 0; i < rounds; i++) {
    const rs = await Promise.all([post("/inc?hold=30"), post("/inc?hold=30")]);
    const committed = rs.filter((r) => r.committed).length;
    const conflicts = rs.filter((r) => r.conflict).length;
    tally.push([committed, conflicts]);
    if (committed === 1 && conflicts === 1) exactlyOne++;
  }
  const n = await get("/n");
  check("c_concurrent_exactly_one_commits", exactlyOne === rounds && n === rounds, { rounds, exactlyOne, counter: n, tally: tally.slice(0, 5) });

  // Latency: a transaction that reads (begin + SELECT) and commits one
  // write as a batch, sequentially, inside the Worker and end to end.
  const N = argn("--n", 200);
  const read = [], commit = [], e2e = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const r = await post("/inc?hold=0");
    e2e.push(performance.now() - t);
    read.push(r.begin_read_ms);
    commit.push(r.commit_ms);
  }
  const summary = (xs) => ({ p50: +pct(xs, 50).toFixed(2), p99: +pct(xs, 99).toFixed(2) });
  out.latency = { requests: N, begin_read_ms: summary(read), commit_batch_ms: summary(commit), request_ms: summary(e2e) };
} finally {
  await w.dispose();
}
console.log(JSON.stringify(out, null, 1));
process.exit(failed ? 1 : 0);
