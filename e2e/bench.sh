#!/usr/bin/env bash
# make bench: speed, accuracy and size figures, lokaal beside its in-browser
# peers, in one run. Each step leaves its figures in a small JSON file in
# out/ (bench-*.json, and the peers' out/peers.json); e2e/bench-report.mjs
# merges them into out/bench.json and prints the table. Asserts nothing:
# speed depends on the machine and is never a test, and a step that fails
# leaves its figures null and says why, so the bench itself never fails on
# a figure.
#
# LOKAAL_BENCH_QUICK=1 (make bench-quick) proves the pipeline in
# about a minute: a few benchmark iterations, no Chromium, no peers, no fixture
# replays.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
fixtures=${LOKAAL_FIXTURES:-../shared/fixtures}
quick=${LOKAAL_BENCH_QUICK:-0}
export LOKAAL_BENCH_QUICK=$quick
if [ "$quick" = 1 ]; then
  export LOKAAL_BENCH_COMMAND=${LOKAAL_BENCH_COMMAND:-make bench-quick}
  benchtime=(-benchtime 10x)
else
  export LOKAAL_BENCH_COMMAND=${LOKAAL_BENCH_COMMAND:-make bench}
  benchtime=()
fi
# Figures from an earlier run must not pass for this one's.
rm -f out/bench-*.json out/bench.json out/peers.json out/bench-nonspeech.json

# step NAME CMD...: runs one step; a failure is reported, not fatal.
step() {
  local name=$1
  shift
  if ! "$@"; then
    echo "  ($name failed: its figures are null)"
  fi
}

tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== Go benchmarks (native: counter, face detection, VAD, ingest, Ed25519 verify)"
go_bench() {
  go test -run '^$' -bench . -benchmem "${benchtime[@]}" ./wasm/... ./server/... | tee out/bench-go.txt
  local rc=${PIPESTATUS[0]}
  node e2e/bench-report.mjs go out/bench-go.txt out/bench-go.json || return 1
  return "$rc"
}
step "Go benchmarks" go_bench

echo
echo "== ingest under load: bin/lokaal serve on loopback, signed batches from 1 to 512 concurrent senders, /healthz under a login flood, SIGKILL trials (internal/cmd/loadbench)"
load_step() {
  local args=()
  # bench-quick: the same pipeline, tiny: two levels, three kills.
  [ "$quick" = 1 ] && args=(-levels 1,8 -requests 400 -crash-trials 3 -flood 1s)
  go run ./internal/cmd/loadbench -bin bin/lokaal "${args[@]}" -out out/bench-load.json
}
step "load" load_step

echo
echo "== accuracy (bin/lokaal eval --json on the shared fixtures)"
eval_step() {
  local dirs=()
  [ -d "$fixtures/fairness" ] && dirs+=("$fixtures/fairness")
  [ -d "$fixtures/audio/speech-labelled" ] && dirs+=("$fixtures/audio/speech-labelled")
  if [ ${#dirs[@]} = 0 ]; then
    echo "  (skipped: no fairness or labelled audio sets under $fixtures)"
    return 0
  fi
  bin/lokaal eval --json "${dirs[@]}" >out/bench-eval-report.json || return 1
  node e2e/bench-report.mjs eval out/bench-eval-report.json out/bench-eval.json || return 1
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(`  face detection rate ${r.face_recall} over ${r.face_recall_images} crops, gap ${r.face_recall_gap}, group × gender gap ${r.face_recall_cell_gap}; VAD F1 ${r.vad_f1}, MCC ${r.vad_mcc} (pooled .wav)`)' out/bench-eval.json
  # The non-speech clips have no labels for eval: what replay's speech
  # detection (the same path) flags on them.
  local ns=() f
  for f in "$fixtures"/audio/non-speech/*.wav; do [ -f "$f" ] && ns+=("$f"); done
  if [ ${#ns[@]} -gt 0 ]; then
    for f in "${ns[@]}"; do bin/lokaal replay --audio "$f" >"$tmp/ns-$(basename "$f").json" || return 1; done
    node -e 'const fs=require("fs"), path=require("path"); const files=[];
      for (const f of process.argv.slice(2)) {
        const r=JSON.parse(fs.readFileSync(process.argv[1] + "/ns-" + path.basename(f) + ".json"));
        const b=fs.readFileSync(f), d=b.indexOf("data", 12); const seconds=b.readUInt32LE(d + 4) / b.readUInt32LE(28); // data chunk size / byte rate
        const s=r.segments.reduce((a, x) => a + x.end - x.start, 0);
        files.push({file: path.basename(f), seconds, segments: r.segments.length, speech_seconds: s});
        console.log(`  non-speech ${path.basename(f)}: ${s.toFixed(1)} of ${seconds.toFixed(1)} s flagged as speech`);
      }
      fs.writeFileSync("out/bench-nonspeech.json", JSON.stringify({files}, null, 1) + "\n")' "$tmp" "${ns[@]}"
  fi
}
step "eval" eval_step

echo
echo "== wasm sizes, and what the exam page downloads (served by bin/lokaal serve)"
for wasm in static/build/kiosk.wasm static/build/exam.wasm; do
  [ -f "$wasm" ] || { echo "  $wasm: not built"; continue; }
  printf '  %-24s raw  %8d bytes, gzip -9 %8d bytes' "$(basename "$wasm")" "$(wc -c <"$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
  if command -v zstd >/dev/null; then
    printf ', zstd -19 %8d bytes' "$(zstd -19 -q -c "$wasm" | wc -c)"
  fi
  echo
done
# start_server starts bin/lokaal serve on a free-ish loopback port with the
# bench's admin token, sets server and port, and waits (up to a minute on a
# busy machine) until it answers.
start_server() {
  port=$((20000 + RANDOM % 20000))
  LOKAAL_ADMIN_TOKEN=bench-token-0123456789abcdef0123 bin/lokaal serve --addr "127.0.0.1:$port" --db "$tmp/bench-$port.db" >"$tmp/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 600); do
    node -e 'require("http").get(process.argv[1], (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' \
      "http://127.0.0.1:$port/healthz" && return 0
    sleep 0.1
  done
  return 1
}
# stop_server stops what start_server started.
stop_server() {
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  server=
}
client_step() {
  local port
  start_server
  node e2e/bench-report.mjs client "http://127.0.0.1:$port/" out/bench-client.json
  local rc=$?
  stop_server
  [ "$rc" = 0 ] || { tail -5 "$tmp/serve.log"; return 1; }
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
    for (const [p, f] of Object.entries(r.client_files)) console.log(`  ${p.padEnd(28)} raw ${String(f.raw).padStart(8)}  gzip ${String(f.gzip).padStart(8)}  zstd ${String(f.zstd).padStart(8)}`);
    console.log(`  ${"total".padEnd(28)} raw ${String(r.client_bytes_raw).padStart(8)}  gzip ${String(r.client_bytes_all_gzip).padStart(8)}  zstd ${String(r.client_bytes_zstd).padStart(8)}`);
    console.log(`  before the first detection (the speech model follows the first face result): gzip ${r.client_bytes_gzip}`)' out/bench-client.json
}
step "client bytes" client_step

echo
echo "== the Worker in workerd beside bin/lokaal serve (server/cmd/worker/latency.mjs; make worker builds it)"
worker_step() {
  if [ ! -f server/cmd/worker/build/app.wasm ] || [ ! -d node_modules/miniflare ]; then
    echo "  (skipped: needs make worker and npm ci)"
    return 1
  fi
  local n=300
  [ "$quick" = 1 ] && n=30
  node server/cmd/worker/latency.mjs --n "$n" --native --out out/bench-worker.json >"$tmp/worker-latency.json" || return 1
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
    console.log(`  ingest p50/p99 ms: worker ${r.worker_ingest_p50_ms}/${r.worker_ingest_p99_ms}, native ${r.native_http_ingest_p50_ms}/${r.native_http_ingest_p99_ms}; batches/s: worker ${r.worker_ingest_per_s}, native ${r.native_http_ingest_per_s}`);
    console.log(`  page p50/p99 ms: worker ${r.worker_page_p50_ms}/${r.worker_page_p99_ms} (static assets), native ${r.native_http_page_p50_ms}/${r.native_http_page_p99_ms}; Go route p50 ${r.worker_go_trivial_p50_ms} ms`);
    console.log(`  bundle ${r.worker_bundle_gzip_bytes} bytes gzip (Workers limit: 3 MB free, 10 MB paid), n=${r.worker_latency_n}`)' out/bench-worker.json
}
step "Worker latency" worker_step

echo
echo "== bytes sent in a synthetic exam hour, every detector on (bin/lokaal replay --synthetic-hour)"
hour_step() {
  bin/lokaal replay --synthetic-hour --seed 1 >out/bench-exam-hour.json || return 1
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1])); const k={};
    for (const e of r.events) k[e.kind]=(k[e.kind]||0)+1;
    console.log(`  ${r.summaries.length} summaries, ${r.bytes_sent} bytes, largest body ${r.max_body_bytes} bytes; events: ${JSON.stringify(k)}`)' out/bench-exam-hour.json
}
step "synthetic exam hour" hour_step

# exam_media says whether the face clip and the speech file the exam's
# browser steps play are there, and says so when they are not.
exam_media() {
  [ -f "$fixtures/faces/face-present-30fps.mjpeg" ] && [ -f "$fixtures/audio/speech-labelled/testset-audio-01.wav" ] && return 0
  echo "  (skipped: needs $fixtures/faces and $fixtures/audio)"
  return 1
}

if [ "$quick" != 1 ]; then
  echo
  echo "== counter in the browser (Chromium WebAssembly)"
  wasm_step() {
    # The client's toolchain (the Makefile's CLIENT_ENV), as kiosk.wasm is built.
    env ${CLIENT_ENV:-} GOOS=js GOARCH=wasm go build -trimpath -buildvcs=false -ldflags=-buildid= -o out/kioskbench.wasm ./wasm/cmd/kioskbench || return 1
    cp static/build/wasm_exec.js out/wasm_exec.js || return 1
    node e2e/bench-wasm.mjs out/kioskbench.wasm out/wasm_exec.js out/bench-wasm.json
  }
  step "counter in Chromium" wasm_step

  echo
  echo "== exam detectors in the browser (Chromium WebAssembly): the exam build in a Web Worker"
  exam_step() {
    exam_media || return 0
    cp static/build/wasm_exec.js out/wasm_exec.js || return 1
    LOKAAL_FIXTURES=$fixtures node e2e/bench-exam.mjs out/wasm_exec.js out/bench-exam.json
  }
  step "exam detectors in Chromium" exam_step

  echo
  echo "== the exam page's detection CPU, in the real page (node e2e/bench-exam-cpu.mjs)"
  cpu_step() {
    exam_media || return 0
    local port rc
    start_server || { tail -5 "$tmp/serve.log"; return 1; }
    LOKAAL_FIXTURES=$fixtures node e2e/bench-exam-cpu.mjs "http://127.0.0.1:$port" bench-token-0123456789abcdef0123 out/bench-cpu.json
    rc=$?
    stop_server
    return "$rc"
  }
  step "exam page CPU" cpu_step

  echo
  echo "== in-browser peers (node e2e/peers/run.mjs)"
  peers_step() {
    local status
    if [ ! -f e2e/peers/run.mjs ]; then
      status="absent: no e2e/peers/run.mjs"
    elif [ -f e2e/peers/package-lock.json ] && ! npm ci --prefix e2e/peers --no-audit --no-fund >"$tmp/peers-npm.log" 2>&1; then
      tail -5 "$tmp/peers-npm.log"
      status="failed: npm ci --prefix e2e/peers"
    elif ! LOKAAL_FIXTURES=$fixtures timeout 1800 node e2e/peers/run.mjs; then
      status="failed: node e2e/peers/run.mjs exited non-zero"
    elif [ ! -f out/peers.json ]; then
      status="failed: e2e/peers/run.mjs wrote no out/peers.json"
    else
      status=ok
    fi
    [ "$status" = ok ] || echo "  (peer figures are null: $status)"
    STATUS=$status node -e 'require("fs").writeFileSync("out/bench-peers.json", JSON.stringify({ok: process.env.STATUS === "ok", status: process.env.STATUS}) + "\n")'
  }
  step "peers" peers_step

  echo
  echo "== bytes per exam hour on the fixture clips (bin/lokaal replay --policy)"
  replay_step() {
    if [ ! -f "$fixtures/faces/two-faces-30fps.mjpeg" ] || [ ! -f "$fixtures/audio/speech-labelled/testset-audio-01.wav" ]; then
      echo "  (skipped: needs the shared fixtures at $fixtures)"
      return 0
    fi
    local policy=$tmp/policy.json speech=$fixtures/audio/speech-labelled/testset-audio-01.wav f=$fixtures/faces
    # Every catalogue detector at its default threshold, summaries every 30 s.
    cat >"$policy" <<'EOF'
{"detectors":[{"kind":"face_absent","threshold_s":10},{"kind":"multiple_faces","threshold_s":3},
 {"kind":"looking_away","threshold_s":10},{"kind":"speech","threshold_s":5},{"kind":"focus_lost","threshold_s":0},
 {"kind":"fullscreen_exit","threshold_s":0},{"kind":"paste","threshold_s":0},{"kind":"extra_screen","threshold_s":0}],
 "interval_s":30}
EOF
    # A quiet session: one face, speech now and then; and a busier one, the
    # clips back to back (an MJPEG file is its JPEGs concatenated).
    cat "$f/face-present-30fps.mjpeg" "$f/face-present-30fps.mjpeg" "$f/two-faces-30fps.mjpeg" "$f/two-faces-30fps.mjpeg" \
      "$f/empty-room-30fps.mjpeg" "$f/empty-room-30fps.mjpeg" "$f/empty-room-30fps.mjpeg" \
      "$f/face-turning-30fps.mjpeg" "$f/face-turning-30fps.mjpeg" "$f/face-turning-30fps.mjpeg" "$f/face-turning-30fps.mjpeg" \
      "$f/face-present-30fps.mjpeg" "$f/two-faces-30fps.mjpeg" >"$tmp/mixed.mjpeg"
    bin/lokaal replay --policy "$policy" --video "$f/face-present-30fps.mjpeg" --fps 30 --audio "$speech" >"$tmp/quiet.json" || return 1
    bin/lokaal replay --policy "$policy" --video "$tmp/mixed.mjpeg" --fps 30 --audio "$speech" >"$tmp/busy.json" || return 1
    node -e 'const fs=require("fs"); const out={};
      for (const [name, p] of [["face_present", process.argv[1]], ["all_clips", process.argv[2]]]) {
        const r=JSON.parse(fs.readFileSync(p)); const k={};
        for (const e of r.events) k[e.kind]=(k[e.kind]||0)+1;
        out[name]={bytes_sent: r.bytes_sent, bytes_per_hour: r.bytes_per_hour, summaries: r.summaries.length, events: k};
        console.log(`  ${name}: ${r.summaries.length} summaries, ${r.bytes_sent} bytes, ${r.bytes_per_hour} bytes/hour; events: ${JSON.stringify(k)}`);
      }
      fs.writeFileSync("out/bench-replay.json", JSON.stringify(out, null, 1) + "\n")' "$tmp/quiet.json" "$tmp/busy.json"
  }
  step "fixture replays" replay_step
fi

echo
echo "== out/bench.json"
node e2e/bench-report.mjs merge out
