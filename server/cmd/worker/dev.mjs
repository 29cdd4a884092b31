// Runs the Worker locally in workerd, offline on 127.0.0.1: applies the D1
// migrations with `wrangler d1 migrations apply DB --local` (as a deploy
// does with --remote), then serves build/ through the Miniflare API with
// the bindings, assets and cron of wrangler.toml.
//
//   make worker && node server/cmd/worker/dev.mjs [--port 8787] [--state out/worker] [--fresh] [--quiet] [--control PORT]
//
// --control PORT listens on 127.0.0.1:PORT for POST /scheduled?cron=..., which
// runs the Worker's cron handler (as Cloudflare's trigger does) and answers
// its outcome as JSON: the contract suite's way into the cron path. And for
// POST /enrolled?device=ID&ms=N, which sets the device's enrolment time in
// the local D1: the suite's one fixture no API makes (a device enrolled
// more than the count period ago, whose old batches retention rolls up;
// ingest refuses batches from before a device's enrolment). It is a local
// harness port, never part of a deployed Worker.
// It prints "worker ready on http://127.0.0.1:PORT/" once /healthz answers.
// Other scripts import start() from here. Nothing is fetched: no Cloudflare
// account, no telemetry, no request.cf download (cf: false).
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { Miniflare } from "miniflare";

process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_API_TOKEN = "";
delete process.env.CLOUDFLARE_API_TOKEN;

const here = dirname(fileURLToPath(import.meta.url));
// The settings server/cmd/worker/config reads, passed from the environment.
const passed = ["LOKAAL_ADMIN_TOKEN", "LOKAAL_RECEIPT_KEY", "LOKAAL_AUDIT_KEY", "LOKAAL_ADMIN_PASSWORD", "LOKAAL_ALLOW_BUILDS",
  "LOKAAL_FRAME_ORIGINS", "LOKAAL_OBJECTION_CONTACT", "LOKAAL_REVISION"];
const require = createRequire(import.meta.url);

// start applies the migrations and serves the worker; it resolves once the
// worker answers /healthz. assets: false serves no pages. buildDir holds worker.mjs and app.wasm (another
// build dir serves another Go worker, e.g. the D1 checks).
export async function start({
  port = 8787,
  state = join(here, "..", "..", "..", "out", "worker"),
  fresh = false,
  quiet = false,
  buildDir = join(here, "build"),
  bindings = {},
  assets = true,
} = {}) {
  const { unstable_getMiniflareWorkerOptions, unstable_readConfig } = await import("wrangler");
  const config = join(here, "wrangler.toml");
  if (!existsSync(join(buildDir, "app.wasm"))) {
    throw new Error(`${buildDir}/app.wasm is missing: run make worker`);
  }
  state = resolve(state); // wrangler runs in this directory, Miniflare in the caller's
  if (fresh) rmSync(state, { recursive: true, force: true });

  const wrangler = require.resolve("wrangler/bin/wrangler.js");
  const mig = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local",
    "--persist-to", state, "-c", config], { cwd: here, stdio: quiet ? "pipe" : "inherit", input: "" });
  if (mig.status !== 0) {
    throw new Error(`wrangler d1 migrations apply failed (${mig.status}): ${mig.stderr ?? ""}${mig.stdout ?? ""}`);
  }

  const cfg = unstable_readConfig({ config });
  if (!assets) cfg.assets = undefined; // a worker without pages, e.g. the D1 checks
  const { workerOptions } = unstable_getMiniflareWorkerOptions(cfg);
  // Secrets and [vars] from this process's environment, as `wrangler
  // secret put` and wrangler.toml give them to a deployed Worker.
  const fromEnv = Object.fromEntries(passed.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
  const mf = new Miniflare({
    ...workerOptions,
    name: "lokaal",
    modules: true,
    modulesRoot: buildDir,
    scriptPath: join(buildDir, "worker.mjs"),
    bindings: { ...workerOptions.bindings, ...fromEnv, ...bindings },
    d1Persist: join(state, "v3", "d1"),
    host: "127.0.0.1",
    port,
    cf: false,
    unsafeTriggerHandlers: true, // /cdn-cgi/handler/scheduled runs the cron handler
    ...(quiet ? { handleRuntimeStdio: (out, err) => { out.resume(); err.resume(); } } : {}),
  });
  const url = await mf.ready;
  const res = await fetch(new URL("/healthz", url));
  if (res.status !== 200) {
    await mf.dispose();
    throw new Error(`/healthz answered ${res.status}: ${await res.text()}`);
  }
  // The worker's D1 is the one wrangler migrated (same persist directory).
  const d1 = await mf.getD1Database("DB");
  const { n } = await d1.prepare("SELECT count(*) AS n FROM d1_migrations").first();
  return { url: url.toString(), migrations: n, mf, dispose: () => mf.dispose() };
}

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

if (resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  const w = await start({
    port: Number(arg("--port", process.env.PORT ?? 8787)),
    state: arg("--state", undefined),
    fresh: process.argv.includes("--fresh"),
    quiet: process.argv.includes("--quiet"),
    buildDir: arg("--build", undefined),
  });
  console.log(`worker ready on ${w.url} (D1: ${w.migrations} migrations applied)`);
  const control = arg("--control", undefined);
  if (control) {
    const worker = await w.mf.getWorker();
    createServer(async (req, res) => {
      const u = new URL(req.url, "http://x");
      if (req.method === "POST" && u.pathname === "/enrolled") {
        const d1 = await w.mf.getD1Database("DB");
        const r = await d1.prepare("UPDATE devices SET enrolled_ms = ?1 WHERE id = ?2")
          .bind(Number(u.searchParams.get("ms")), u.searchParams.get("device") ?? "").run();
        res.writeHead(r.meta.changes === 1 ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify({ changes: r.meta.changes }));
        return;
      }
      if (req.method !== "POST" || u.pathname !== "/scheduled") { res.writeHead(404).end(); return; }
      try {
        const r = await worker.scheduled({ cron: u.searchParams.get("cron") ?? "17 3 * * *", scheduledTime: new Date() });
        res.writeHead(r.outcome === "ok" ? 200 : 500, { "content-type": "application/json" }).end(JSON.stringify(r));
      } catch (e) {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: String(e) }));
      }
    }).listen(Number(control), "127.0.0.1");
  }
  const stop = async () => { await w.dispose(); process.exit(0); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
