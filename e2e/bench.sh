#!/usr/bin/env bash
# make bench: speed and size figures. Prints, asserts nothing: speed depends
# on the machine and is never a test.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
fixtures=${LOKAAL_FIXTURES:-../shared/fixtures}

echo "== Go benchmarks (native: counter, ingest, face detection, VAD)"
go test -run '^$' -bench . -benchmem ./wasm/... ./server/... | tee out/bench-go.txt

echo
echo "== wasm sizes"
for wasm in static/build/kiosk.wasm static/build/exam.wasm; do
  [ -f "$wasm" ] || { echo "  $wasm: not built"; continue; }
  printf '  %-24s raw  %8d bytes, gzip -9 %8d bytes' "$(basename "$wasm")" "$(wc -c <"$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
  if command -v zstd >/dev/null; then
    printf ', zstd -19 %8d bytes' "$(zstd -19 -q -c "$wasm" | wc -c)"
  fi
  echo
done
# What a browser actually downloads: the server's precompressed responses.
if ! command -v curl >/dev/null; then
  echo "  (install curl to measure the served sizes)"
else
  port=$((20000 + RANDOM % 20000))
  db=$(mktemp -d)
  LOKAAL_ADMIN_TOKEN=bench-token-0123456789abcdef0123 bin/lokaal serve --addr "127.0.0.1:$port" --db "$db/bench.db" >/dev/null 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null; rm -rf "$db"' EXIT
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  for name in kiosk.wasm exam.wasm; do
    for enc in gzip zstd; do
      if size=$(curl -fs -H "Accept-Encoding: $enc" "http://127.0.0.1:$port/assets/$name" | wc -c) && [ "$size" -gt 0 ]; then
        printf '  served %-10s with Accept-Encoding: %-4s %8d bytes\n' "$name" "$enc" "$size"
      fi
    done
  done
fi

echo
echo "== counter in the browser (WebAssembly)"
GOOS=js GOARCH=wasm go build -trimpath -buildvcs=false -ldflags=-buildid= -o out/kioskbench.wasm ./wasm/cmd/kioskbench
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" out/wasm_exec.js
node e2e/bench-wasm.mjs out/kioskbench.wasm out/wasm_exec.js

echo
echo "== exam detectors"
echo "native (from the Go benchmarks above; face frames 640x480 from the fixtures):"
grep -E '^Benchmark(Detect/|Detector)' out/bench-go.txt | sed 's/^/  /' || echo "  (no face/VAD benchmark ran: are the shared fixtures at $fixtures?)"
cascades=${LOKAAL_PIGO_CASCADES:-$(go env GOMODCACHE)/github.com/esimov/pigo@v1.4.6/cascade}
if [ -f "$fixtures/faces/face-present-30fps.mjpeg" ] && [ -f "$cascades/facefinder" ]; then
  GOOS=js GOARCH=wasm go build -trimpath -buildvcs=false -ldflags=-buildid= -o out/exambench.wasm ./wasm/cmd/exambench
  LOKAAL_FIXTURES=$fixtures node e2e/bench-exam.mjs out/exambench.wasm out/wasm_exec.js "$cascades"
else
  echo "  (skipped the browser figures: need $fixtures/faces and pigo's cascades in $cascades)"
fi

echo
echo "== bytes sent per exam hour, every detector on (lokaal replay --policy)"
if ! grep -q -- '-policy' <<<"$(bin/lokaal replay --help 2>&1 || true)"; then
  echo "  (this lokaal has no replay --policy yet)"
elif [ ! -f "$fixtures/faces/two-faces-30fps.mjpeg" ]; then
  echo "  (skipped: needs the shared fixtures at $fixtures)"
else
  policy=out/bench-policy.json
  # Every catalogue detector at its default threshold, summaries every 30 s.
  cat >"$policy" <<'EOF'
{"detectors":[{"kind":"face_absent","threshold_s":10},{"kind":"multiple_faces","threshold_s":3},
 {"kind":"looking_away","threshold_s":10},{"kind":"speech","threshold_s":5},{"kind":"focus_lost","threshold_s":0},
 {"kind":"fullscreen_exit","threshold_s":0},{"kind":"paste","threshold_s":0},{"kind":"extra_screen","threshold_s":0}],
 "interval_s":30}
EOF
  speech=$fixtures/audio/speech-labelled/testset-audio-01.wav
  # A quiet session: one face, speech now and then.
  if out=$(bin/lokaal replay --policy "$policy" --video "$fixtures/faces/face-present-30fps.mjpeg" --fps 30 --audio "$speech" 2>&1); then
    printf '  %-13s + speech: %s\n' "face-present" "$(grep -o '"bytes_sent":[0-9]*,"bytes_per_hour":[0-9]*' <<<"$out")"
  else
    echo "  face-present: replay failed: ${out:0:300}"
  fi
  # A busier session: the clips back to back (an MJPEG file is its JPEGs
  # concatenated), so the summaries carry several kinds of event.
  mixed=$(mktemp -d)
  f=$fixtures/faces
  cat "$f/face-present-30fps.mjpeg" "$f/face-present-30fps.mjpeg" "$f/two-faces-30fps.mjpeg" "$f/two-faces-30fps.mjpeg" \
    "$f/empty-room-30fps.mjpeg" "$f/empty-room-30fps.mjpeg" "$f/empty-room-30fps.mjpeg" \
    "$f/face-turning-30fps.mjpeg" "$f/face-turning-30fps.mjpeg" "$f/face-turning-30fps.mjpeg" "$f/face-turning-30fps.mjpeg" \
    "$f/face-present-30fps.mjpeg" "$f/two-faces-30fps.mjpeg" >"$mixed/mixed.mjpeg"
  if out=$(bin/lokaal replay --policy "$policy" --video "$mixed/mixed.mjpeg" --fps 30 --audio "$speech" 2>&1); then
    printf '  %-13s + speech: %s; events:%s\n' "all clips" "$(grep -o '"bytes_sent":[0-9]*,"bytes_per_hour":[0-9]*' <<<"$out")" \
      "$(grep -o '^{"precheck":{[^}]*},"events":\[[^]]*\]' <<<"$out" | grep -o '"kind":"[a-z_]*"' | cut -d'"' -f4 | sort | uniq -c | tr -s ' \n' ' ')"
  else
    echo "  all clips: replay failed: ${out:0:300}"
  fi
  rm -rf "$mixed"
fi
