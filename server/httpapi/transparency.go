package httpapi

import (
	"crypto/ed25519"
	"encoding/base64"
	"log/slog"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strconv"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/lang"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// text is one text in both languages of the pages.
type text struct {
	EN string `json:"en"`
	NL string `json:"nl"`
}

func both(f func(lang.Lang) string) text { return text{EN: f(lang.EN), NL: f(lang.NL)} }

// transparencyDetector is one catalogue entry as /transparency shows it:
// the wording is the exam page's (wasm/lang), the example the wire format's,
// so the page cannot say anything the client does not do.
type transparencyDetector struct {
	Kind       wire.Kind `json:"kind"`
	DefaultS   float64   `json:"default_s"`
	Camera     bool      `json:"camera"`
	Microphone bool      `json:"microphone"`
	// Integrity kinds describe the proctor, not the student, and are always on.
	Integrity bool       `json:"integrity"`
	Name      text       `json:"name"`
	Meaning   text       `json:"meaning"` // thresholds filled with the default
	Sends     wire.Event `json:"sends"`   // exactly what one such event looks like
}

type transparencyBuilds struct {
	// Served maps each client file (the wasm and the exam's models) to the
	// hex SHA-256 of the bytes served.
	Served map[string]string `json:"served"`
	// Exam is the exam client's build, what its summaries carry: the
	// SHA-256 of Manifest, which lists exam.wasm and every model the exam
	// page loads with their SHA-256 (wire.ManifestBuild). The kiosk's build
	// is the SHA-256 of kiosk.wasm.
	Exam     string `json:"exam,omitempty"`
	Manifest string `json:"manifest,omitempty"`
	// Models names each model the exam page loads: its file, where the
	// weights come from, their licence and the SHA-256 served.
	Models []transparencyModel `json:"models"`
	// Allowed is every build whose counts and summaries are accepted: the
	// served ones and those configured with --allow-build.
	Allowed []string `json:"allowed"`
}

type transparencyModel struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	ModelSource
}

type transparency struct {
	Revision   string                 `json:"revision"`
	GoVersion  string                 `json:"go_version"`
	ClientGo   string                 `json:"client_toolchain"`
	Builds     transparencyBuilds     `json:"builds"`
	ReceiptKey string                 `json:"receipt_key"` // base64 raw Ed25519 public key
	Retention  server.RetentionPolicy `json:"retention"`   // in force now
	Detectors  []transparencyDetector `json:"detectors"`
	// Summary and CountBatch are examples of the two messages clients send,
	// as the wire format encodes them: nothing else leaves a browser.
	Summary    wire.SignedSummary    `json:"summary"`
	CountBatch wire.SignedCountBatch `json:"count_batch"`
}

// ClientToolchain is how the Makefile builds the client (its CLIENT_ENV):
// a pinned Go release and its experiments, on which the wasm's bytes
// depend. The server itself may run on another Go (GoVersion).
const ClientToolchain = "GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd,nojsonv2"

// exampleMS is the examples' clock: 2026-01-01 09:00 UTC.
const exampleMS = 1767258000000

const exampleSig = "(the Ed25519 signature, 88 characters of base64)"

// handleTransparency answers what a student, a works council or an auditor
// needs to check this server: what the clients detect and send, how long
// data is kept, the receipt key, and which client builds run and are
// accepted, with the revision and toolchain to rebuild them from.
func handleTransparency(log *slog.Logger, store server.Store, allowed *builds, revision string) http.Handler {
	detectors := catalogue()
	if revision == "" {
		revision = "unknown"
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		policy, err := store.RetentionPolicy(ctx)
		if err != nil {
			return err
		}
		key, err := store.ReceiptKey(ctx)
		if err != nil {
			return err
		}
		served := allowed.served
		kiosk := served["kiosk.wasm"]
		exam := allowed.exam
		tb := transparencyBuilds{Served: served, Allowed: allowed.list(), Exam: exam, Models: []transparencyModel{}}
		if exam != "" {
			tb.Manifest = wire.Manifest(allowed.examFiles())
		}
		for _, name := range slices.Sorted(maps.Keys(served)) {
			if IsModel(name) {
				tb.Models = append(tb.Models, transparencyModel{File: name, SHA256: served[name], ModelSource: Models[name]})
			}
		}
		encode(w, http.StatusOK, transparency{
			Revision:   revision,
			GoVersion:  runtime.Version(),
			ClientGo:   ClientToolchain,
			Builds:     tb,
			ReceiptKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
			Retention:  policy,
			Detectors:  detectors,
			Summary:    exampleSummary(detectors, exam),
			CountBatch: exampleBatch(kiosk),
		})
		return nil
	})
}

// catalogue lists wire.Catalogue and then wire.Integrity.
func catalogue() []transparencyDetector {
	var out []transparencyDetector
	add := func(k wire.Kind, d wire.Detector, integrity bool) {
		t := d.DefaultS
		if k == wire.DetectorStalled {
			t = wire.StallS
		}
		ts := strconv.FormatFloat(t, 'f', -1, 64)
		start := int64(exampleMS + 4000)
		end := start + int64(max(t, 2)*1000)
		peak := 1.0
		switch k {
		case wire.MultipleFaces:
			peak = 2 // the most faces seen
		case wire.LookingAway:
			peak = 0.42 // the lowest frontal ratio
		case wire.Paste:
			end = start // a count, at one moment
		}
		out = append(out, transparencyDetector{
			Kind: k, DefaultS: d.DefaultS, Camera: d.Camera, Microphone: d.Microphone, Integrity: integrity,
			Name:    both(func(l lang.Lang) string { return l.Kind(k) }),
			Meaning: both(func(l lang.Lang) string { return l.Meaning(k, ts) }),
			Sends:   wire.Event{Kind: k, Start: start, End: end, Peak: peak},
		})
	}
	for _, d := range wire.Catalogue {
		add(d.Kind, d, false)
	}
	for _, k := range wire.Integrity {
		add(k, wire.Detector{Kind: k, Camera: k == wire.CameraLost || k == wire.DetectorStalled}, true)
	}
	return out
}

func exampleSummary(ds []transparencyDetector, build string) wire.SignedSummary {
	if build == "" {
		build = wire.Genesis
	}
	s := wire.Summary{Session: "s-example", Seq: 1, Prev: wire.Genesis, Build: build,
		Window: wire.Window{From: exampleMS, To: exampleMS + 30_000}, Health: wire.Health{Frames: 150, FPS: 5}}
	for _, d := range ds[:2] { // two events; every kind's event is shown with its detector
		s.Events = append(s.Events, d.Sends)
	}
	return wire.SignedSummary{Summary: s, Sig: exampleSig}
}

func exampleBatch(build string) wire.SignedCountBatch {
	if build == "" {
		build = wire.Genesis
	}
	b := wire.CountBatch{Device: "d-example", Seq: 1, Build: build, Start: exampleMS, End: exampleMS + 60_000,
		Lines: []wire.LineCount{{Line: "door", In: 4, Out: 1}}}
	return wire.SignedCountBatch{Batch: b, Sig: exampleSig}
}
