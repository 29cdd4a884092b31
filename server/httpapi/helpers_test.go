package httpapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/assets"
	"github.com/lokaal-nl/lokaal/server/sqlite"
	"github.com/lokaal-nl/lokaal/server/sqlite/sqlitetest"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const adminToken = "test-admin-token"

// t0 is a fixed clock: 2026-03-02 09:00 in Amsterdam.
var amsterdam = mustLoad("Europe/Amsterdam")
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, amsterdam)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

type env struct {
	t       testing.TB
	h       http.Handler
	dbPath  string
	now     time.Time
	raw     *sql.DB // a second connection, to count rows behind the API's back
	kioskID string
}

var testFS = fstest.MapFS{
	"index.html":       {Data: []byte(`<!doctype html><link rel="stylesheet" href="/assets/style.css"><p>lokaal</p>`)},
	"kiosk.html":       {Data: []byte(`<!doctype html><script src="/assets/kiosk.js"></script>`)},
	"admin.html":       {Data: []byte(`<!doctype html><script src="/assets/admin.js"></script>`)},
	"style.css":        {Data: bytes.Repeat([]byte("body { margin: 0; }\n"), 50)},
	"kiosk.js":         {Data: []byte(`fetch("/assets/kiosk.wasm")`)},
	"admin.js":         {Data: []byte(`console.log(1)`)},
	"build/kiosk.wasm": {Data: append([]byte("\x00asm\x01\x00\x00\x00"), make([]byte, 4096)...)},
	"exam.html":        {Data: []byte(`<!doctype html><script src="/assets/exam.js" data-face-model="/assets/face.lknn"></script>`)},
	"review.html":      {Data: []byte(`<!doctype html><script src="/assets/review.js"></script>`)},
	"sample-exam.html": {Data: []byte(`<!doctype html><p>Question 1</p>`)},
	"404.html":         {Data: []byte(`<!doctype html><link rel="stylesheet" href="/assets/style.css"><h2>Page not found</h2>`)},
	"exam.js":          {Data: []byte(`fetch("/assets/exam.wasm")`)},
	"review.js":        {Data: []byte(`console.log(2)`)},
	"build/exam.wasm":  {Data: append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte{7}, 2048)...)},
	"build/face.lknn":  {Data: append([]byte("LKNN\x01"), bytes.Repeat([]byte{9}, 512)...)},
}

// frameOrigin is the one other origin test exams may be framed from.
const frameOrigin = "https://exams.example.org"

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dbPath: filepath.Join(t.TempDir(), "data", "lokaal.db"), now: t0}
	e.h = testServer(t, slog.New(slog.NewTextHandler(io.Discard, nil)), e.deps(openDB(t, sqlitetest.Open, e.dbPath)))
	e.raw = openRaw(t, e.dbPath)
	return e
}

// deps are newEnv's settings for a server on store: the env's clock, the
// frame origin, and testBuild (no wasm is built for unit tests: their
// clients name testBuild).
func (e *env) deps(store server.Store) Deps {
	return Deps{Store: store, Now: func() time.Time { return e.now }, FrameOrigins: []string{frameOrigin},
		Builds: []string{testBuild}}
}

// testServer is the whole server as the tests run it, logging to log: the
// assets of testFS, the admin token adminToken and Amsterdam's time, with
// the store and whatever else d sets.
func testServer(t testing.TB, log *slog.Logger, d Deps) http.Handler {
	t.Helper()
	files, err := assets.Load(testFS, log)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(adminToken))
	d.Logger, d.Assets, d.AdminTokenHash, d.Location = log, files, sum[:], amsterdam
	return NewServer(d)
}

// openDB opens the test database at path with open: sqlitetest.Open, on
// the driver LOKAAL_STORE names (d1: the D1 driver), or sqlite.Open, on
// SQLite whatever it says. It is closed when the test ends.
func openDB(t testing.TB, open func(context.Context, string) (*sqlite.DB, error), path string) *sqlite.DB {
	t.Helper()
	db, err := open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// countRows counts the rows of from (a table, or a FROM clause with ?
// placeholders for args) behind the API's back.
func countRows(t testing.TB, raw *sql.DB, from string, args ...any) int {
	t.Helper()
	var n int
	if err := raw.QueryRow("SELECT count(*) FROM "+from, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openRaw opens the database at path as plain SQL, to read rows behind
// the API's back; it is closed when the test ends.
func openRaw(t testing.TB, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// do sends a request, with the admin token when admin is set.
func (e *env) do(method, path string, body any, admin bool) *httptest.ResponseRecorder {
	e.t.Helper()
	token := ""
	if admin {
		token = adminToken
	}
	return e.as(token, method, path, body)
}

// as sends a request with a bearer token ("" for none); body may be nil, a string or a value to marshal.
func (e *env) as(token, method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(js)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return serve(e.h, req)
}

func decodeJSON[T any](t testing.TB, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decoding %q: %v", w.Body.String(), err)
	}
	return v
}

func wantStatus(t testing.TB, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
}

// wantError checks a {code,message} rejection.
func wantError(t testing.TB, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	wantStatus(t, w, status)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	got := decodeJSON[map[string]string](t, w)
	if got["code"] != code || got["message"] == "" || len(got) != 2 {
		t.Errorf("error %v, want code %q and a message", got, code)
	}
}

var doorLine = wire.Line{Name: "door", A: [2]float64{0, 0.8}, B: [2]float64{1, 0.8}, Mode: wire.Immediate}
var sideLine = wire.Line{Name: "side", A: [2]float64{0.5, 0}, B: [2]float64{0.5, 1}, Mode: wire.Deferred}

type codeResponse struct {
	Kiosk struct {
		ID    string      `json:"id"`
		Lines []wire.Line `json:"lines"`
	} `json:"kiosk"`
	Code    string `json:"enrolment_code"`
	URL     string `json:"enrol_url"`
	Expires string `json:"expires"`
}

func (e *env) createKiosk(name, room string, lines ...wire.Line) codeResponse {
	e.t.Helper()
	w := e.do("POST", "/api/v1/kiosks", map[string]any{"name": name, "room": room, "lines": lines}, true)
	wantStatus(e.t, w, http.StatusCreated)
	return decodeJSON[codeResponse](e.t, w)
}

type device struct {
	id   string
	priv ed25519.PrivateKey
}

func (e *env) enrol(code string) device {
	e.t.Helper()
	pub, priv, _ := ed25519.GenerateKey(nil)
	w := e.do("POST", "/api/v1/enrol", wire.EnrolRequest{Code: code, PublicKey: base64.StdEncoding.EncodeToString(pub)}, false)
	wantStatus(e.t, w, http.StatusCreated)
	return device{id: decodeJSON[wire.EnrolResponse](e.t, w).Device, priv: priv}
}

// newDevice creates a kiosk in room "hall" with door and side lines and
// enrols a device for it.
func (e *env) newDevice() device {
	e.t.Helper()
	k := e.createKiosk("Front door", "hall", doorLine, sideLine)
	e.kioskID = k.Kiosk.ID
	return e.enrol(k.Code)
}

func (d device) batch(seq int64, start time.Time, in, out int64) wire.SignedCountBatch {
	return wire.CountBatch{Device: d.id, Seq: seq, Build: testBuild, Start: start.UnixMilli(), End: start.Add(time.Minute).UnixMilli(),
		Lines: []wire.LineCount{{Line: "door", In: in, Out: out}, {Line: "side", In: 1, Out: 0}}}.Sign(d.priv)
}

// rows counts the rows of every table that ingest writes.
func (e *env) rows() map[string]int {
	e.t.Helper()
	n := map[string]int{}
	for _, table := range []string{"batches", "batch_lines", "gaps", "devices", "kiosks", "enrolment_codes"} {
		n[table] = countRows(e.t, e.raw, table)
	}
	var seen, seq int
	if err := e.raw.QueryRow("SELECT coalesce(sum(coalesce(last_seen_ms, 0)), 0), coalesce(sum(last_seq), 0) FROM devices").Scan(&seen, &seq); err != nil {
		e.t.Fatal(err)
	}
	n["last_seen"], n["last_seq"] = seen, seq
	return n
}

func newRequest(method, path, body string) *http.Request {
	return httptest.NewRequest(method, path, strings.NewReader(body))
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}
