package httpapi

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// served is the hash of a client file in testFS, as the server serves it.
func served(t *testing.T, name string) string {
	t.Helper()
	sum := sha256.Sum256(testFS["build/"+name].Data)
	return hex.EncodeToString(sum[:])
}

// examBuild is the exam client's build in testFS: exam.wasm and the model
// exam.html names, as wire.ManifestBuild combines them.
func examBuild(t *testing.T) string {
	t.Helper()
	b, err := wire.ManifestBuild(map[string]string{"exam.wasm": served(t, "exam.wasm"), "face.lknn": served(t, "face.lknn")})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var unknownBuild = strings.Repeat("0d", 32)

// wantBuildRefused checks the refusal names the build and where the allowed
// ones are.
func wantBuildRefused(t *testing.T, w interface{ Result() *http.Response }, body string) {
	t.Helper()
	if res := w.Result(); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", res.StatusCode, body)
	}
	if !strings.Contains(body, `"code":"build_not_allowed"`) || !strings.Contains(body, unknownBuild) || !strings.Contains(body, "/transparency") {
		t.Errorf("refusal %s", body)
	}
}

func TestIngestBuildAllowList(t *testing.T) {
	e := newEnv(t)
	d := e.newDevice()
	batch := func(seq int64, build string) wire.SignedCountBatch {
		b := d.batch(seq, t0.Add(time.Duration(seq)*time.Minute), 1, 0).Batch
		b.Build = build
		return b.Sign(d.priv)
	}
	// The build the server serves, and one configured with Deps.Builds.
	wantStatus(t, e.do("POST", "/api/v1/counts", batch(1, served(t, "kiosk.wasm")), false), http.StatusCreated)
	wantStatus(t, e.do("POST", "/api/v1/counts", batch(2, testBuild), false), http.StatusCreated)

	before := e.rows()
	w := e.do("POST", "/api/v1/counts", batch(3, unknownBuild), false)
	wantBuildRefused(t, w, w.Body.String())
	if after := e.rows(); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused batch changed the store: %v → %v", before, after)
	}
	// The signature is checked first: an unknown build under a wrong key is
	// a bad signature, so the answer tells a stranger nothing about builds.
	_, other, _ := ed25519.GenerateKey(nil)
	b := batch(3, unknownBuild).Batch
	wantError(t, e.do("POST", "/api/v1/counts", b.Sign(other), false), http.StatusUnauthorized, wire.CodeBadSignature)
}

func TestExamBuildAllowList(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	links := e.importStudents(ex.ID, "s1,a@example.edu", "s2,b@example.edu")
	e.now = ex.Start

	// A session from an unknown build is never started.
	tok := links[0].token()
	wantStatus(t, e.as(tok, "POST", "/api/v1/student/choice", map[string]string{"choice": "proctored"}), http.StatusOK)
	pub, _, _ := ed25519.GenerateKey(nil)
	req := e.startRequest(pub, true)
	req.Build = unknownBuild
	before := e.examRows()
	w := e.as(tok, "POST", "/api/v1/student/sessions", req)
	wantBuildRefused(t, w, w.Body.String())
	if after := e.examRows(); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused start changed the store: %v → %v", before, after)
	}
	// exam.wasm's own hash is not the exam's build: its models are missing.
	req.Build = served(t, "exam.wasm")
	w = e.as(tok, "POST", "/api/v1/student/sessions", req)
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("a build without its models: %d %s", w.Code, w.Body)
	}
	// The served exam build, wasm and models, may start one.
	req.Build = examBuild(t)
	wantStatus(t, e.as(tok, "POST", "/api/v1/student/sessions", req), http.StatusCreated)

	// Summaries: the configured build is taken, an unknown one refused
	// without a trace.
	p := e.start(links[1].token(), true)
	s1 := p.summary(1, wire.Genesis, ex.Start)
	wantStatus(t, p.send(s1.Sign(p.priv)), http.StatusOK)
	s2 := p.summary(2, s1.Hash(), ex.Start.Add(30*time.Second))
	s2.Build = unknownBuild
	before = e.examRows()
	w = p.send(s2.Sign(p.priv))
	wantBuildRefused(t, w, w.Body.String())
	if after := e.examRows(); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused summary changed the store: %v → %v", before, after)
	}
}

func TestBuildsList(t *testing.T) {
	b := newBuilds(nil, nil, []string{testBuild})
	if b.check(testBuild) != nil || b.check(unknownBuild) == nil || len(b.served) != 0 {
		t.Errorf("builds without assets: %+v", b)
	}
}

// TestBuildsServedElsewhere: on Workers the client files are static assets,
// so their hashes come in Deps.Served; they are accepted and published as
// if the handler served them.
func TestBuildsServedElsewhere(t *testing.T) {
	kiosk, exam, model := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
	list := ServedList(map[string]string{"kiosk.wasm": kiosk, "exam.wasm": exam, "blazeface-short.lknn": model})
	if list != "blazeface-short.lknn="+model+",exam.wasm="+exam+",kiosk.wasm="+kiosk {
		t.Errorf("served list %q", list)
	}
	served, err := ParseServed(list)
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilds(nil, served, nil)
	id, _ := wire.ManifestBuild(map[string]string{"exam.wasm": exam, "blazeface-short.lknn": model})
	if b.check(kiosk) != nil || b.check(id) != nil || b.check(exam) == nil || b.check(unknownBuild) == nil || b.exam != id {
		t.Errorf("allow-list %+v, exam %s", b.allowed, b.exam)
	}
	if !reflect.DeepEqual(b.served, served) {
		t.Errorf("served %+v", b.served)
	}
	for _, bad := range []string{"exam.wasm", "exam.wasm=xyz", "=" + exam} {
		if _, err := ParseServed(bad); err == nil {
			t.Errorf("ParseServed(%q) accepted", bad)
		}
	}
}
