package httpapi

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

func TestEnrol(t *testing.T) {
	e := newEnv(t)
	k := e.createKiosk("Front door", "hall", doorLine)
	if k.URL != "/kiosk#enrol="+k.Code || len(k.Code) < 8 || !strings.HasPrefix(k.Kiosk.ID, "k-") {
		t.Fatalf("enrolment %+v", k)
	}
	if exp, err := time.Parse(time.RFC3339, k.Expires); err != nil || !exp.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("expires %q, want 24 h from now", k.Expires)
	}
	key := func() string {
		pub, _, _ := ed25519.GenerateKey(nil)
		return base64.StdEncoding.EncodeToString(pub)
	}

	// A bad key does not burn the code.
	w := e.do("POST", "/api/v1/enrol", wire.EnrolRequest{Code: k.Code, PublicKey: base64.StdEncoding.EncodeToString(make([]byte, 31))}, false)
	wantError(t, w, http.StatusBadRequest, wire.CodeInvalid)

	w = e.do("POST", "/api/v1/enrol", wire.EnrolRequest{Code: k.Code, PublicKey: key()}, false)
	wantStatus(t, w, http.StatusCreated)
	resp := decodeJSON[wire.EnrolResponse](t, w)
	if !wire.ValidID(resp.Device) || len(resp.Device) != 18 || !strings.HasPrefix(resp.Device, "d-") {
		t.Errorf("device id %q, want d- and 16 hex", resp.Device)
	}
	// A line without a side is the room's door: the room on its left.
	want := wire.KioskConfig{Kiosk: k.Kiosk.ID, Name: "Front door", Room: "hall", IntervalS: 60, Lines: server.WithSides([]wire.Line{doorLine})}
	if want.Lines[0].Inside != wire.Left {
		t.Fatalf("default side %q", want.Lines[0].Inside)
	}
	if !reflect.DeepEqual(resp.Config, want) {
		t.Errorf("config %+v, want %+v", resp.Config, want)
	}

	// One-time: the code is burnt.
	w = e.do("POST", "/api/v1/enrol", wire.EnrolRequest{Code: k.Code, PublicKey: key()}, false)
	wantError(t, w, http.StatusForbidden, wire.CodeBadCode)

	// The device can read its config; an unknown one cannot.
	w = e.do("GET", "/api/v1/devices/"+resp.Device+"/config", nil, false)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[wire.KioskConfig](t, w); !reflect.DeepEqual(got, want) {
		t.Errorf("config %+v", got)
	}
	wantError(t, e.do("GET", "/api/v1/devices/d-0000000000000000/config", nil, false), http.StatusUnauthorized, wire.CodeUnknownDevice)

	// A new code replaces the pending one and expires after 24 h.
	w = e.do("POST", "/api/v1/kiosks/"+k.Kiosk.ID+"/enrolment-code", nil, true)
	wantStatus(t, w, http.StatusCreated)
	first := decodeJSON[codeResponse](t, w).Code
	w = e.do("POST", "/api/v1/kiosks/"+k.Kiosk.ID+"/enrolment-code", nil, true)
	second := decodeJSON[codeResponse](t, w).Code
	wantError(t, e.do("POST", "/api/v1/enrol", wire.EnrolRequest{Code: first, PublicKey: key()}, false), http.StatusForbidden, wire.CodeBadCode)
	e.now = t0.Add(24 * time.Hour)
	wantError(t, e.do("POST", "/api/v1/enrol", wire.EnrolRequest{Code: second, PublicKey: key()}, false), http.StatusForbidden, wire.CodeBadCode)
	e.now = t0.Add(24*time.Hour - time.Second)
	wantStatus(t, e.do("POST", "/api/v1/enrol", wire.EnrolRequest{Code: second, PublicKey: key()}, false), http.StatusCreated)

	wantError(t, e.do("POST", "/api/v1/kiosks/k-nope/enrolment-code", nil, true), http.StatusNotFound, "not_found")
}

func TestCreateKioskValidation(t *testing.T) {
	e := newEnv(t)
	for name, body := range map[string]any{
		"no lines":        map[string]any{"name": "a", "room": "b", "lines": []wire.Line{}},
		"interval":        map[string]any{"name": "a", "room": "b", "interval_s": 1, "lines": []wire.Line{doorLine}},
		"formula":         map[string]any{"name": "=cmd()", "room": "b", "lines": []wire.Line{doorLine}},
		"empty room":      map[string]any{"name": "a", "room": "", "lines": []wire.Line{doorLine}},
		"duplicate lines": map[string]any{"name": "a", "room": "b", "lines": []wire.Line{doorLine, doorLine}},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, e.do("POST", "/api/v1/kiosks", body, true), http.StatusBadRequest, wire.CodeInvalid)
		})
	}
	wantError(t, e.do("POST", "/api/v1/kiosks", `{"name":"a","room":"b","lines":[],"secret":1}`, true), http.StatusBadRequest, wire.CodeMalformed)
}

func TestSetLines(t *testing.T) {
	e := newEnv(t)
	k := e.createKiosk("Front door", "hall", doorLine)
	moved := doorLine
	moved.A, moved.B = [2]float64{0.1, 0.5}, [2]float64{0.9, 0.5}
	w := e.do("PUT", "/api/v1/kiosks/"+k.Kiosk.ID+"/lines", map[string]any{"lines": []wire.Line{moved, sideLine}}, true)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[server.Kiosk](t, w); !reflect.DeepEqual(got.Lines, server.WithSides([]wire.Line{moved, sideLine})) {
		t.Errorf("lines %+v", got.Lines)
	}
	// Sides given are kept; an unknown side is refused.
	moved.Inside = wire.Right
	sideLine := sideLine
	sideLine.Inside = wire.Left
	w = e.do("PUT", "/api/v1/kiosks/"+k.Kiosk.ID+"/lines", map[string]any{"lines": []wire.Line{moved, sideLine}}, true)
	if got := decodeJSON[server.Kiosk](t, w); !reflect.DeepEqual(got.Lines, []wire.Line{moved, sideLine}) {
		t.Errorf("lines with sides %+v", got.Lines)
	}
	sideLine.Inside = "inside"
	wantError(t, e.do("PUT", "/api/v1/kiosks/"+k.Kiosk.ID+"/lines", map[string]any{"lines": []wire.Line{sideLine}}, true), http.StatusBadRequest, wire.CodeInvalid)
	bad := doorLine
	bad.A[0] = 2
	wantError(t, e.do("PUT", "/api/v1/kiosks/"+k.Kiosk.ID+"/lines", map[string]any{"lines": []wire.Line{bad}}, true), http.StatusBadRequest, wire.CodeInvalid)
	wantError(t, e.do("PUT", "/api/v1/kiosks/k-nope/lines", map[string]any{"lines": []wire.Line{doorLine}}, true), http.StatusNotFound, "not_found")
}

type ingestResponse struct {
	Status string `json:"status"`
	Seq    int64  `json:"seq"`
}

func TestIngestExactlyOnce(t *testing.T) {
	e := newEnv(t)
	d := e.newDevice()
	b := d.batch(1, t0, 3, 1)

	w := e.do("POST", "/api/v1/counts", b, false)
	wantStatus(t, w, http.StatusCreated)
	if got := decodeJSON[ingestResponse](t, w); got != (ingestResponse{"stored", 1}) {
		t.Errorf("response %+v", got)
	}
	before := e.rows()
	if before["batches"] != 1 || before["batch_lines"] != 2 {
		t.Fatalf("rows %v", before)
	}

	// A resend (the ack was lost) is acknowledged again and stored once.
	w = e.do("POST", "/api/v1/counts", b, false)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[ingestResponse](t, w); got != (ingestResponse{"duplicate", 1}) {
		t.Errorf("response %+v", got)
	}
	if after := e.rows(); !reflect.DeepEqual(after, before) {
		t.Errorf("rows %v after a duplicate, want %v", after, before)
	}

	// The same seq with other counts is a conflict, properly signed or not.
	wantError(t, e.do("POST", "/api/v1/counts", d.batch(1, t0, 4, 1), false), http.StatusConflict, wire.CodeConflict)
	if after := e.rows(); !reflect.DeepEqual(after, before) {
		t.Errorf("rows %v after a conflict, want %v", after, before)
	}

	// last_seen is the time of the last accepted batch.
	e.now = t0.Add(time.Hour)
	wantStatus(t, e.do("POST", "/api/v1/counts", b, false), http.StatusOK)
	ks := e.kiosks()
	if dev := ks[0].Devices[0]; dev.LastSeen == nil || !dev.LastSeen.Equal(e.now) || dev.LastSeq != 1 {
		t.Errorf("device %+v", dev)
	}
}

type kioskStatus struct {
	server.Kiosk
	Devices []server.Device `json:"devices"`
}

func (e *env) kiosks() []kioskStatus {
	e.t.Helper()
	w := e.do("GET", "/api/v1/kiosks", nil, true)
	wantStatus(e.t, w, http.StatusOK)
	return decodeJSON[struct{ Kiosks []kioskStatus }](e.t, w).Kiosks
}

func TestIngestGaps(t *testing.T) {
	e := newEnv(t)
	d := e.newDevice()
	e.now = t0.Add(time.Hour) // the batches' minutes have passed
	gaps := func() []server.Gap { return e.kiosks()[0].Devices[0].Gaps }
	post := func(seq int64) {
		t.Helper()
		wantStatus(t, e.do("POST", "/api/v1/counts", d.batch(seq, t0.Add(time.Duration(seq)*time.Minute), 1, 0), false), http.StatusCreated)
	}
	post(1)
	post(7) // 2..6 are still queued on the device
	if got := gaps(); !reflect.DeepEqual(got, []server.Gap{{From: 2, To: 6}}) {
		t.Fatalf("gaps %v", got)
	}
	post(4) // late: splits the gap
	if got := gaps(); !reflect.DeepEqual(got, []server.Gap{{From: 2, To: 3}, {From: 5, To: 6}}) {
		t.Fatalf("gaps %v", got)
	}
	post(2)
	post(6)
	if got := gaps(); !reflect.DeepEqual(got, []server.Gap{{From: 3, To: 3}, {From: 5, To: 5}}) {
		t.Fatalf("gaps %v", got)
	}
	post(3)
	post(5)
	post(8)
	if got := gaps(); len(got) != 0 {
		t.Fatalf("gaps %v, want none", got)
	}
	if dev := e.kiosks()[0].Devices[0]; dev.LastSeq != 8 {
		t.Errorf("last_seq %d", dev.LastSeq)
	}
}

// TestIngestClock: batches from the server's future (past the clock skew)
// or from before their device was enrolled are refused and store nothing;
// a kiosk's clock a little off either way, and old batches from a kiosk
// that was offline for months, are taken.
func TestIngestClock(t *testing.T) {
	e := newEnv(t)
	enrolled := t0
	d := e.newDevice()
	at := func(seq int64, start, end time.Time) wire.SignedCountBatch {
		return wire.CountBatch{Device: d.id, Seq: seq, Build: testBuild, Start: start.UnixMilli(), End: end.UnixMilli(),
			Lines: []wire.LineCount{{Line: "door", In: 1, Out: 0}}}.Sign(d.priv)
	}
	e.now = t0.Add(time.Hour)
	before := e.rows()
	for name, b := range map[string]wire.SignedCountBatch{
		"dated 2099":                    at(1, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2099, 1, 1, 0, 1, 0, 0, time.UTC)),
		"ending 5 min 1 ms ahead":       at(1, e.now, e.now.Add(5*time.Minute+time.Millisecond)),
		"dated 2020":                    at(1, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 1, 0, 1, 0, 0, time.UTC)),
		"starting 5 min 1 ms before it": at(1, enrolled.Add(-5*time.Minute-time.Millisecond), enrolled),
	} {
		wantError(t, e.do("POST", "/api/v1/counts", b, false), http.StatusUnprocessableEntity, wire.CodeOutsideWindow)
		if after := e.rows(); !reflect.DeepEqual(after, before) {
			t.Errorf("%s: rows changed: %v, want %v", name, after, before)
		}
	}
	// The kiosk's clock 5 minutes slow at enrolment, then 5 minutes fast.
	wantStatus(t, e.do("POST", "/api/v1/counts", at(1, enrolled.Add(-5*time.Minute), enrolled.Add(-4*time.Minute)), false), http.StatusCreated)
	wantStatus(t, e.do("POST", "/api/v1/counts", at(2, e.now.Add(4*time.Minute), e.now.Add(5*time.Minute)), false), http.StatusCreated)
	// Offline for 300 days: what it counted then is still taken, in order
	// or late into its gap.
	e.now = t0.Add(300 * 24 * time.Hour)
	wantStatus(t, e.do("POST", "/api/v1/counts", at(4, t0.Add(2*time.Hour), t0.Add(2*time.Hour+time.Minute)), false), http.StatusCreated)
	wantStatus(t, e.do("POST", "/api/v1/counts", at(3, t0.Add(90*time.Minute), t0.Add(91*time.Minute)), false), http.StatusCreated)
	// A resend is still acknowledged as one.
	wantStatus(t, e.do("POST", "/api/v1/counts", at(2, t0.Add(time.Hour+4*time.Minute), t0.Add(time.Hour+5*time.Minute)), false), http.StatusOK)
}

func TestIngestRejects(t *testing.T) {
	e := newEnv(t)
	d := e.newDevice()
	wantStatus(t, e.do("POST", "/api/v1/counts", d.batch(1, t0, 1, 0), false), http.StatusCreated)
	e.now = t0.Add(time.Hour) // a wrongly accepted batch would move last_seen
	before := e.rows()

	signed := func(mut func(*wire.CountBatch)) string {
		b := d.batch(2, t0, 1, 1).Batch
		mut(&b)
		js, _ := json.Marshal(b.Sign(d.priv))
		return string(js)
	}
	valid := signed(func(*wire.CountBatch) {})
	_, otherKey, _ := ed25519.GenerateKey(nil)
	image := "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(make([]byte, 600))
	hugeImage := "iVBORw0KGgo" + strings.Repeat("A", 5000)

	tests := []struct {
		name        string
		body        string
		contentType string
		status      int
		code        string
	}{
		{"wrong signature", func() string {
			b := d.batch(2, t0, 1, 1)
			b.Batch.Lines[0].In = 9 // counts changed after signing
			js, _ := json.Marshal(b)
			return string(js)
		}(), "application/json", 401, wire.CodeBadSignature},
		{"other key", func() string {
			js, _ := json.Marshal(d.batch(2, t0, 1, 1).Batch.Sign(otherKey))
			return string(js)
		}(), "application/json", 401, wire.CodeBadSignature},
		{"garbage signature", strings.Replace(valid, `"sig":"`, `"sig":"!!`, 1), "application/json", 401, wire.CodeBadSignature},
		{"unknown device", signed(func(b *wire.CountBatch) { b.Device = "d-0000000000000000" }), "application/json", 401, wire.CodeUnknownDevice},
		{"replayed seq, other content", signed(func(b *wire.CountBatch) { b.Seq = 1 }), "application/json", 409, wire.CodeConflict},
		{"unknown line", signed(func(b *wire.CountBatch) { b.Lines[1].Line = "window" }), "application/json", 400, wire.CodeInvalid},
		{"oversized body", strings.Replace(valid, `{`, `{"pad":"`+strings.Repeat("x", wire.MaxBodyBytes)+`",`, 1), "application/json", 413, wire.CodeTooLarge},
		{"unknown field", strings.Replace(valid, `"sig":`, `"frame":"AAAA","sig":`, 1), "application/json", 400, wire.CodeMalformed},
		{"unknown batch field", strings.Replace(valid, `"seq":`, `"image":"AAAA","seq":`, 1), "application/json", 400, wire.CodeMalformed},
		{"image in device", signed(func(b *wire.CountBatch) { b.Device = image }), "application/json", 400, wire.CodeInvalid},
		{"image in line", signed(func(b *wire.CountBatch) { b.Lines[0].Line = image }), "application/json", 400, wire.CodeInvalid},
		{"huge image in line", signed(func(b *wire.CountBatch) { b.Lines[0].Line = hugeImage }), "application/json", 413, wire.CodeTooLarge},
		{"negative count", signed(func(b *wire.CountBatch) { b.Lines[0].In = -1 }), "application/json", 400, wire.CodeInvalid},
		{"end before start", signed(func(b *wire.CountBatch) { b.End = b.Start }), "application/json", 400, wire.CodeInvalid},
		{"seq zero", signed(func(b *wire.CountBatch) { b.Seq = 0 }), "application/json", 400, wire.CodeInvalid},
		{"trailing data", valid + `{}`, "application/json", 400, wire.CodeMalformed},
		{"not JSON", `seq=2`, "application/json", 400, wire.CodeMalformed},
		{"count as string", strings.Replace(valid, `"in":1`, `"in":"1"`, 1), "application/json", 400, wire.CodeMalformed},
		{"wrong content type", valid, "text/plain", 415, wire.CodeMalformed},
		{"form content type", valid, "application/x-www-form-urlencoded", 415, wire.CodeMalformed},
		{"no content type", valid, "", 415, wire.CodeMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest("POST", "/api/v1/counts", tt.body)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			w := serve(e.h, req)
			wantError(t, w, tt.status, tt.code)
			if after := e.rows(); !reflect.DeepEqual(after, before) {
				t.Errorf("rows changed: %v, want %v", after, before)
			}
		})
	}
	// The valid batch is still accepted after all that.
	req := newRequest("POST", "/api/v1/counts", valid)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	wantStatus(t, serve(e.h, req), http.StatusCreated)
}

func TestAdminAuth(t *testing.T) {
	e := newEnv(t)
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/kiosks"},
		{"GET", "/api/v1/kiosks"},
		{"POST", "/api/v1/kiosks/k-1/enrolment-code"},
		{"PUT", "/api/v1/kiosks/k-1/lines"},
		{"GET", "/api/v1/counts"},
		{"GET", "/api/v1/rooms"},
	}
	for _, rt := range routes {
		for name, auth := range map[string]string{
			"none":     "",
			"wrong":    "Bearer wrong",
			"prefix":   "Bearer " + adminToken[:5],
			"basic":    "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminToken)),
			"no space": "Bearer" + adminToken,
		} {
			req := newRequest(rt.method, rt.path, `{}`)
			req.Header.Set("Content-Type", "application/json")
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			w := serve(e.h, req)
			if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %s auth: %d", rt.method, rt.path, name, w.Code)
			}
		}
	}
	wantStatus(t, e.do("GET", "/api/v1/rooms", nil, true), http.StatusOK)
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	w := e.do("GET", "/healthz", nil, false)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[map[string]string](t, w); got["status"] != "ok" {
		t.Errorf("healthz %v", got)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/", "/kiosk", "/admin", "/assets/style.css", "/healthz", "/api/v1/rooms", "/nope"} {
		w := e.do("GET", path, nil, false)
		h := w.Header()
		if h.Get("Content-Security-Policy") != "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'" {
			t.Errorf("%s: CSP %q", path, h.Get("Content-Security-Policy"))
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s %q", path, k, h.Get(k))
			}
		}
		camera := strings.Contains(h.Get("Permissions-Policy"), "camera=(self)")
		if camera != (path == "/kiosk") || !strings.Contains(h.Get("Permissions-Policy"), "microphone=()") {
			t.Errorf("%s: Permissions-Policy %q", path, h.Get("Permissions-Policy"))
		}
	}
}

func TestPages(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/", "/kiosk", "/admin"} {
		w := e.do("GET", path, nil, false)
		wantStatus(t, w, http.StatusOK)
		if w.Header().Get("Content-Type") != "text/html; charset=utf-8" || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: headers %v", path, w.Header())
		}
	}
	if body := e.do("GET", "/", nil, false).Body.String(); strings.Contains(body, "/assets/style.css") || !strings.Contains(body, "/assets/style.") {
		t.Errorf("index not rewritten: %s", body)
	}
	wantStatus(t, e.do("GET", "/index.html", nil, false), http.StatusNotFound)
}

// Each section of the administration has its own address, serving the
// same page as /admin (whose script shows the section); any other
// address under /admin is not found.
func TestAdminSections(t *testing.T) {
	e := newEnv(t)
	page := e.do("GET", "/admin", nil, false).Body.String()
	for _, s := range AdminSections {
		w := e.do("GET", "/admin/"+s, nil, false)
		wantStatus(t, w, http.StatusOK)
		if w.Body.String() != page || w.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("/admin/%s is not the admin page with its headers", s)
		}
	}
	for _, bad := range []string{"/admin/nope", "/admin/Kiosks", "/admin/kiosks/x", "/admin/..%2fkiosk"} {
		wantStatus(t, e.do("GET", bad, nil, false), http.StatusNotFound)
	}
	// static/admin.js names the same sections, in the same order.
	js, err := os.ReadFile("../../static/admin.js")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range regexp.MustCompile(`import (\w+) from './admin-([a-z-]+)\.js'`).FindAllSubmatch(js, -1) {
		ids = append(ids, string(f[2]))
	}
	if !slices.Equal(ids, AdminSections) {
		t.Errorf("admin.js imports sections %v, the server serves %v", ids, AdminSections)
	}
}

// TestIngestConcurrent has several kiosks report at once: write transactions
// queue on the lock instead of failing with SQLITE_BUSY.
func TestIngestConcurrent(t *testing.T) {
	e := newEnv(t)
	devices := make([]device, 4)
	for i := range devices {
		devices[i] = e.newDevice()
	}
	e.now = t0.Add(time.Hour) // the batches' minutes have passed
	errs := make(chan string, 100)
	var wg sync.WaitGroup
	for _, d := range devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := int64(1); seq <= 20; seq++ {
				js, _ := json.Marshal(d.batch(seq, t0.Add(time.Duration(seq)*time.Minute), 1, 0))
				req := newRequest("POST", "/api/v1/counts", string(js))
				req.Header.Set("Content-Type", "application/json")
				if w := serve(e.h, req); w.Code != http.StatusCreated {
					errs <- w.Body.String()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.rows()["batches"]; n != 80 {
		t.Errorf("%d batches stored, want 80", n)
	}
}
