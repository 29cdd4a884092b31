package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/sqlite"
	"github.com/lokaal-nl/lokaal/wasm/lang"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

type transparencyJSON struct {
	Revision   string `json:"revision"`
	GoVersion  string `json:"go_version"`
	ClientGo   string `json:"client_toolchain"`
	Builds     transparencyBuilds
	ReceiptKey string                 `json:"receipt_key"`
	Retention  server.RetentionPolicy `json:"retention"`
	Detectors  []transparencyDetector `json:"detectors"`
	Summary    wire.SignedSummary     `json:"summary"`
	CountBatch wire.SignedCountBatch  `json:"count_batch"`
}

func TestTransparency(t *testing.T) {
	e := newEnv(t)
	w := e.do("GET", "/api/v1/transparency", nil, false)
	wantStatus(t, w, http.StatusOK)
	got := decodeJSON[transparencyJSON](t, w)

	kiosk, wasm, model, exam := served(t, "kiosk.wasm"), served(t, "exam.wasm"), served(t, "face.lknn"), examBuild(t)
	if !reflect.DeepEqual(got.Builds.Served, map[string]string{"kiosk.wasm": kiosk, "exam.wasm": wasm, "face.lknn": model}) {
		t.Errorf("served builds %v", got.Builds.Served)
	}
	// The exam's build is the SHA-256 of the manifest it publishes.
	if m := "exam.wasm " + wasm + "\nface.lknn " + model + "\n"; got.Builds.Exam != exam || got.Builds.Manifest != m {
		t.Errorf("exam build %s manifest %q, want %s %q", got.Builds.Exam, got.Builds.Manifest, exam, m)
	}
	if len(got.Builds.Models) != 1 || got.Builds.Models[0].File != "face.lknn" || got.Builds.Models[0].SHA256 != model {
		t.Errorf("models %+v", got.Builds.Models)
	}
	want := []string{kiosk, exam, testBuild}
	slices.Sort(want)
	if !reflect.DeepEqual(got.Builds.Allowed, want) {
		t.Errorf("allowed %v, want %v", got.Builds.Allowed, want)
	}
	if got.Revision != "unknown" || got.GoVersion != runtime.Version() || got.ClientGo != ClientToolchain {
		t.Errorf("revision %q, go %q, client %q", got.Revision, got.GoVersion, got.ClientGo)
	}
	key := decodeJSON[map[string]string](t, e.do("GET", "/api/v1/receipt-key", nil, false))["key"]
	if got.ReceiptKey == "" || got.ReceiptKey != key {
		t.Errorf("receipt key %q, /api/v1/receipt-key says %q", got.ReceiptKey, key)
	}
	if got.Retention != server.DefaultRetention {
		t.Errorf("retention %+v", got.Retention)
	}

	// Every catalogue kind, then every integrity kind, in the exam page's
	// words, each with an example that the server would accept in a summary.
	var kinds []wire.Kind
	for _, d := range wire.Catalogue {
		kinds = append(kinds, d.Kind)
	}
	kinds = append(kinds, wire.Integrity...)
	if len(got.Detectors) != len(kinds) {
		t.Fatalf("%d detectors, want %d", len(got.Detectors), len(kinds))
	}
	for i, d := range got.Detectors {
		if d.Kind != kinds[i] || d.Integrity != wire.IsIntegrity(d.Kind) || d.Sends.Kind != d.Kind {
			t.Errorf("detector %d: %+v, want kind %s", i, d, kinds[i])
		}
		if d.Name.EN != lang.EN.Kind(d.Kind) || d.Name.NL != lang.NL.Kind(d.Kind) || d.Name.NL == d.Name.EN ||
			strings.Contains(d.Meaning.EN+d.Meaning.NL, "{") || d.Meaning.NL == "" {
			t.Errorf("%s: name %+v meaning %+v", d.Kind, d.Name, d.Meaning)
		}
		if c, ok := wire.CatalogueEntry(d.Kind); ok && (c.Camera != d.Camera || c.Microphone != d.Microphone || c.DefaultS != d.DefaultS) {
			t.Errorf("%s differs from the catalogue: %+v", d.Kind, d)
		}
		s := got.Summary.Summary
		s.Events = []wire.Event{d.Sends}
		if err := s.Validate(); err != nil {
			t.Errorf("%s example: %v", d.Kind, err)
		}
	}
	if err := got.Summary.Summary.Validate(); err != nil || got.Summary.Summary.Build != exam {
		t.Errorf("summary example: %v, build %s", err, got.Summary.Summary.Build)
	}
	if b := got.CountBatch.Batch; b.Validate() != nil || b.Build != kiosk {
		t.Errorf("count batch example %+v: %v", b, b.Validate())
	}
}

// TestTransparencyRevision checks the revision the Makefile stamps reaches
// the JSON, and that only configured builds are listed without a client.
func TestTransparencyRevision(t *testing.T) {
	db := openDB(t, sqlite.Open, filepath.Join(t.TempDir(), "t.db"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := handleTransparency(log, db, newBuilds(nil, nil, []string{testBuild}), "0123abc-dirty")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/transparency", nil))
	var got transparencyJSON
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got.Revision != "0123abc-dirty" || len(got.Builds.Served) != 0 || !reflect.DeepEqual(got.Builds.Allowed, []string{testBuild}) {
		t.Errorf("%+v", got)
	}
}

// TestClientToolchainIsTheMakefiles: /transparency names the toolchain the
// Makefile really builds the client with.
func TestClientToolchainIsTheMakefiles(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "CLIENT_ENV"); ok {
			_, v, _ = strings.Cut(v, ":=")
			if got := strings.TrimSpace(v); got != ClientToolchain {
				t.Errorf("Makefile's CLIENT_ENV %q, ClientToolchain %q", got, ClientToolchain)
			}
			return
		}
	}
	t.Error("the Makefile sets no CLIENT_ENV")
}
