package httpapi

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// from sends a request from the client address addr, with a bearer token
// ("" for none) and a JSON body (nil for none).
func (e *env) from(addr, token, method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var js []byte
	if body != nil {
		var err error
		if js, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(js))
	req.RemoteAddr = addr
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return serve(e.h, req)
}

// wantLimited checks a 429 with its code and a Retry-After of whole seconds,
// and returns that wait.
func wantLimited(t *testing.T, w *httptest.ResponseRecorder) time.Duration {
	t.Helper()
	wantError(t, w, http.StatusTooManyRequests, codeRateLimited)
	s, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || s < 1 {
		t.Fatalf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	return time.Duration(s) * time.Second
}

// stub answers status to every request, as a handler behind a limit.
func stub(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })
}

func batchFrom(addr, device string) *http.Request {
	js, _ := json.Marshal(wire.SignedCountBatch{Batch: wire.CountBatch{Device: device, Seq: 1}})
	req := httptest.NewRequest("POST", "/api/v1/counts", bytes.NewReader(js))
	req.RemoteAddr = addr
	return req
}

// TestKioskDrainsItsQueue: a kiosk back from a week offline (one batch a
// minute: 10,080) sends them back to back and is never refused, nor are
// five kiosks doing so behind one address; a runaway device is, and a kiosk
// at the shortest interval (2 s) is never starved after that.
func TestKioskDrainsItsQueue(t *testing.T) {
	now := t0
	const week = 7 * 24 * 60
	h := newLimits(func() time.Time { return now }).counts(stub(http.StatusCreated))
	for k := range 5 {
		device := "d-000000000000000" + strconv.Itoa(k)
		for i := range week {
			if w := serve(h, batchFrom("198.51.100.7:1", device)); w.Code != http.StatusCreated {
				t.Fatalf("kiosk %d, batch %d of a week: %d %s", k, i+1, w.Code, w.Body)
			}
		}
	}

	// One device alone may not go on at that pace.
	h = newLimits(func() time.Time { return now }).counts(stub(http.StatusCreated))
	n := 0
	for ; n <= 30_000; n++ {
		if w := serve(h, batchFrom("198.51.100.8:1", "d-runaway00000000")); w.Code != http.StatusCreated {
			wait := wantLimited(t, w)
			if wait > time.Second {
				t.Errorf("Retry-After %v, want 1 s at 120 a minute", wait)
			}
			break
		}
	}
	if n != 20_000 {
		t.Errorf("a device was refused after %d batches, want 20,000", n)
	}
	// Producing one batch every 2 s, it is taken every time.
	for i := range 1000 {
		now = now.Add(2 * time.Second)
		if w := serve(h, batchFrom("198.51.100.8:1", "d-runaway00000000")); w.Code != http.StatusCreated {
			t.Fatalf("batch %d at the 2 s interval: %d", i, w.Code)
		}
	}
}

// TestForgerCannotSpendADevicesBudget: requests naming a device that fail
// (a bad signature, 401) do not cost the device anything, but cost their
// address.
func TestForgerCannotSpendADevicesBudget(t *testing.T) {
	now := t0
	lim := newLimits(func() time.Time { return now })
	forged, real := lim.counts(stub(http.StatusUnauthorized)), lim.counts(stub(http.StatusCreated))
	for i := range 60_000 {
		if w := serve(forged, batchFrom("203.0.113.9:1", "d-victim000000000")); w.Code != http.StatusUnauthorized {
			t.Fatalf("forgery %d: %d", i, w.Code)
		}
	}
	wantLimited(t, serve(forged, batchFrom("203.0.113.9:1", "d-victim000000000")))
	for i := range 20_000 {
		if w := serve(real, batchFrom("192.0.2.44:1", "d-victim000000000")); w.Code != http.StatusCreated {
			t.Fatalf("the real device, batch %d: %d", i, w.Code)
		}
	}
}

// TestIngestLimitsWired drives the limits through the whole server:
// summaries and finish per session, refusals per address for summaries,
// finishes, enrolment codes and student tokens. A thousand failures from
// an address turn its further failures into 429, but a request from that
// address that proves itself (a signed summary of a real session, a valid
// code, a valid token) still succeeds: an exam hall behind one NAT address
// is not locked out by one student's script. Refused requests store
// nothing.
func TestIngestLimitsWired(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	links := e.importStudents(ex.ID, "s1,a@example.edu")
	p := e.start(links[0].token(), true)
	s1 := p.summary(1, wire.Genesis, t0)
	hall := "[2001:db8:1:2::99]:443"

	// Forged summaries and finishes (an unknown session, a bad signature):
	// 600 refusals per address, any address of its /64, then 429.
	unknown := p.summary(1, wire.Genesis, t0)
	unknown.Session = "s-0000000000000000"
	limited := 0
	for i := range 1000 {
		body := any(unknown.Sign(p.priv))
		path := "/api/v1/summaries"
		if i%2 == 1 {
			body = wire.Finish{Session: p.policy.Session, Seq: 0, Head: wire.Genesis, At: e.now.UnixMilli()}.Sign(e.otherKey())
			path = "/api/v1/sessions/" + p.policy.Session + "/finish"
		}
		switch w := e.from(hall, "", "POST", path, body); {
		case i < 600 && (w.Code == http.StatusNotFound || w.Code == http.StatusUnauthorized):
		case i >= 600 && w.Code == http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("forgery %d: %d %s", i, w.Code, w.Body)
		}
	}
	before := e.examRows()
	wantLimited(t, e.from("[2001:db8:1:2::1]:443", "", "POST", "/api/v1/summaries", unknown.Sign(p.priv)))
	if after := e.examRows(); after["summaries"] != before["summaries"] {
		t.Errorf("a refused summary was stored: %v", after)
	}
	// The honest session behind the same address: stored, and finished.
	wantStatus(t, e.from("[2001:db8:1:2::1]:443", "", "POST", "/api/v1/summaries", s1.Sign(p.priv)), http.StatusOK)
	finish := func() *httptest.ResponseRecorder {
		return e.from(hall, "", "POST", "/api/v1/sessions/"+p.policy.Session+"/finish",
			wire.Finish{Session: p.policy.Session, Seq: 1, Head: s1.Hash(), At: e.now.UnixMilli()}.Sign(p.priv))
	}
	for range 20 { // finishing again answers the same receipt
		wantStatus(t, finish(), http.StatusOK)
	}
	// The session's own finish budget: 20 at once, then 429.
	wait := wantLimited(t, finish())
	e.now = e.now.Add(wait)
	wantStatus(t, finish(), http.StatusOK)

	// Enrolment: successes are free; ten refused codes, then refusals are
	// 429, and a valid code from the same address still enrols.
	pub := func() string {
		k, _, _ := ed25519.GenerateKey(nil)
		return base64.StdEncoding.EncodeToString(k)
	}
	for i := range 30 {
		k := e.createKiosk("Door "+strconv.Itoa(i), "hall", doorLine)
		wantStatus(t, e.from(hall, "", "POST", "/api/v1/enrol", wire.EnrolRequest{Code: k.Code, PublicKey: pub()}), http.StatusCreated)
	}
	bad := wire.EnrolRequest{Code: "0123456789abcdef0123456789abcdef", PublicKey: pub()}
	for range 10 {
		wantError(t, e.from(hall, "", "POST", "/api/v1/enrol", bad), http.StatusForbidden, wire.CodeBadCode)
	}
	for range 990 {
		wantLimited(t, e.from(hall, "", "POST", "/api/v1/enrol", bad))
	}
	wait = wantLimited(t, e.from(hall, "", "POST", "/api/v1/enrol", bad))
	if wait != 30*time.Second {
		t.Errorf("Retry-After %v, want 30 s at 2 a minute", wait)
	}
	k := e.createKiosk("Last door", "hall", doorLine)
	wantStatus(t, e.from(hall, "", "POST", "/api/v1/enrol", wire.EnrolRequest{Code: k.Code, PublicKey: pub()}), http.StatusCreated)

	// Student links: valid tokens are free; sixty refused ones, then
	// refusals are 429, and a valid token from the same address works.
	for range 100 {
		wantStatus(t, e.from(hall, links[0].token(), "GET", "/api/v1/student", nil), http.StatusOK)
	}
	for i := range 1000 {
		w := e.from(hall, "guess-"+strconv.Itoa(i), "GET", "/api/v1/student", nil)
		if want := map[bool]int{true: http.StatusUnauthorized, false: http.StatusTooManyRequests}[i < 60]; w.Code != want {
			t.Fatalf("guess %d: %d, want %d", i, w.Code, want)
		}
		if i >= 60 && w.Header().Get("WWW-Authenticate") != "" {
			t.Fatalf("guess %d: the 429 carries the refusal's headers", i)
		}
	}
	wantStatus(t, e.from(hall, links[0].token(), "GET", "/api/v1/student", nil), http.StatusOK)
	if limited != 400 {
		t.Errorf("%d forgeries limited, want 400", limited)
	}
}

// Staff bearer tokens: a refused token charges its address, past 60 the
// refusal is 429, and the admin token from the same address still works.
func TestStaffTokenFailuresLimited(t *testing.T) {
	e := newEnv(t)
	addr := "198.51.100.77:1"
	for i := range 100 {
		w := e.from(addr, "not-the-admin-token-"+strconv.Itoa(i), "GET", "/api/v1/exams", nil)
		if want := map[bool]int{true: http.StatusUnauthorized, false: http.StatusTooManyRequests}[i < 60]; w.Code != want {
			t.Fatalf("attempt %d: %d, want %d", i, w.Code, want)
		}
	}
	wantStatus(t, e.from(addr, adminToken, "GET", "/api/v1/exams", nil), http.StatusOK)
	wantStatus(t, e.from("198.51.100.78:1", "wrong", "GET", "/api/v1/exams", nil), http.StatusUnauthorized)
}

func (e *env) otherKey() ed25519.PrivateKey {
	_, priv, _ := ed25519.GenerateKey(nil)
	return priv
}

// TestCountsLimitWired: the counts route is limited per address through the
// whole server (60,000 at once, here spent on malformed batches).
func TestCountsLimitWired(t *testing.T) {
	if testing.Short() {
		t.Skip("60,000 requests")
	}
	e := newEnv(t)
	d := e.newDevice()
	bad := wire.SignedCountBatch{Batch: wire.CountBatch{Device: d.id}} // seq 0: invalid
	for i := range 60_000 {
		if w := e.from("198.51.100.20:1", "", "POST", "/api/v1/counts", bad); w.Code != http.StatusBadRequest {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
	}
	before := e.rows()
	wantLimited(t, e.from("198.51.100.20:1", "", "POST", "/api/v1/counts", d.batch(1, t0, 1, 1)))
	if after := e.rows(); after["batches"] != before["batches"] {
		t.Error("a refused batch was stored")
	}
	// The device is not refused: its budget paid for nothing stored.
	wantStatus(t, e.from("198.51.100.21:1", "", "POST", "/api/v1/counts", d.batch(1, t0, 1, 1)), http.StatusCreated)
}

func TestClientIP(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1:1234":             "192.0.2.1",
		"[::ffff:192.0.2.1]:1234":    "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:443":      "2001:db8:1:3::/64",
		"not an address":             "not an address",
	} {
		if got := clientIP(&http.Request{RemoteAddr: addr}); got != want {
			t.Errorf("clientIP(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestDeviceKeyWrittenAnyWay: the device limit finds the device however a
// valid body writes it, so an escape in its key or id (which the strict
// decoder accepts) does not slip past it.
func TestDeviceKeyWrittenAnyWay(t *testing.T) {
	for _, write := range []func(js []byte) []byte{
		func(js []byte) []byte { return js },
		func(js []byte) []byte { return bytes.Replace(js, []byte(`"device"`), []byte(`"dev\u0069ce"`), 1) },
		func(js []byte) []byte { return bytes.Replace(js, []byte(`d-runaway`), []byte(`d\u002drunaway`), 1) },
	} {
		now := t0
		h := newLimits(func() time.Time { return now }).counts(stub(http.StatusCreated))
		n := 0
		for ; n <= 20_001; n++ {
			req := batchFrom("198.51.100.8:1", "d-runaway00000000")
			js, _ := io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(write(js)))
			if w := serve(h, req); w.Code != http.StatusCreated {
				wantLimited(t, w)
				break
			}
		}
		if n != 20_000 {
			t.Errorf("%s: refused after %d batches, want 20,000", write([]byte(`"device":"d-runaway"`)), n)
		}
	}
}
