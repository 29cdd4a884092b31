#!/usr/bin/env bash
# make bench: speed and size figures. Prints, asserts nothing: speed depends
# on the machine and is never a test.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out

echo "== Go benchmarks (native counter, ingest)"
go test -run '^$' -bench . -benchmem ./wasm/... ./server/...

echo
echo "== kiosk.wasm size"
wasm=static/build/kiosk.wasm
printf '  raw   %8d bytes\n' "$(wc -c <"$wasm")"
printf '  gzip  %8d bytes (gzip -9)\n' "$(gzip -9 -c "$wasm" | wc -c)"
if command -v zstd >/dev/null; then
  printf '  zstd  %8d bytes (zstd -19)\n' "$(zstd -19 -q -c "$wasm" | wc -c)"
fi
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
  for enc in gzip zstd; do
    printf '  served with Accept-Encoding: %-4s %8d bytes\n' "$enc" \
      "$(curl -fs -H "Accept-Encoding: $enc" "http://127.0.0.1:$port/assets/kiosk.wasm" | wc -c)"
  done
fi

echo
echo "== counter in the browser (WebAssembly)"
GOOS=js GOARCH=wasm go build -trimpath -buildvcs=false -ldflags=-buildid= -o out/kioskbench.wasm ./wasm/cmd/kioskbench
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" out/wasm_exec.js
node e2e/bench-wasm.mjs out/kioskbench.wasm out/wasm_exec.js
