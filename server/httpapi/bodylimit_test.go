package httpapi

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
)

// endless is a request body of n bytes that counts how many were read.
type endless struct{ n, read int64 }

func (b *endless) Read(p []byte) (int, error) {
	if b.read >= b.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), b.n-b.read)
	for i := range k {
		p[i] = ' '
	}
	b.read += k
	return int(k), nil
}

// allRows counts the rows of every table.
func (e *env) allRows() map[string]int {
	e.t.Helper()
	rows, err := e.raw.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		e.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			e.t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	n := map[string]int{}
	for _, table := range tables {
		n[table] = countRows(e.t, e.raw, `"`+table+`"`)
	}
	return n
}

// routeLimits are the body limits routes.go declares, by pattern; every
// route has one.
type routeLimits map[string]int64

func (l routeLimits) Handle(pattern string, h http.Handler) {
	b, ok := h.(bodyLimit)
	if !ok {
		panic(pattern + " has no body limit")
	}
	l[pattern] = b.limit
}

// TestBodyLimitsEveryRoute sends 20 MB to every operation in openapi.json
// that changes something (POST, PUT, PATCH, DELETE), with the admin token,
// its length declared and chunked: each answers 413 having read no more
// than its route's limit, never 2xx, and nothing is stored.
func TestBodyLimitsEveryRoute(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	e.importStudents(ex.ID, "s1,a@example.edu")
	e.newDevice()
	before := e.allRows()
	limits := routeLimits{}
	addRoutes(limits, Deps{})
	const size = 20 << 20
	n := 0
	for _, op := range e.apiRoutes() {
		switch op.method {
		case "POST", "PUT", "PATCH", "DELETE":
		default:
			continue
		}
		n++
		limit, ok := limits[op.method+" "+op.path]
		if !ok {
			t.Errorf("%s %s: no route", op.method, op.path)
		}
		for _, chunked := range []bool{false, true} {
			body := &endless{n: size}
			req := httptest.NewRequest(op.method, concrete(op.path), body)
			req.ContentLength = size
			if chunked {
				req.ContentLength = -1
			}
			req.Header.Set("Content-Type", "application/json")
			if op.path == "/api/v1/exams/{id}/students" {
				req.Header.Set("Content-Type", "text/csv")
			}
			req.Header.Set("Authorization", "Bearer "+adminToken)
			w := serve(e.h, req)
			name := op.method + " " + op.path
			if chunked {
				name += " (chunked)"
			}
			switch {
			case w.Code == http.StatusRequestEntityTooLarge:
				if got := decodeJSON[map[string]string](t, w); got["code"] != "body_too_large" {
					t.Errorf("%s: %v", name, got)
				}
			case w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden:
			default:
				t.Errorf("%s: %d, want 413: %.200s", name, w.Code, w.Body.String())
			}
			if body.read > limit+1 {
				t.Errorf("%s: read %d bytes of a body over the limit of %d", name, body.read, limit)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d operations change something", n)
	}
	if after := e.allRows(); !maps.Equal(before, after) {
		t.Errorf("rows changed: %v -> %v", before, after)
	}
}

// TestBodyLimitsPerRoute: the CSV import takes more than a browser's
// message, a staff form more than that, and just under each limit passes
// the limit (and reaches the handler).
func TestBodyLimitsPerRoute(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	for _, c := range []struct {
		method, path, ct string
		limit            int64
	}{
		{"POST", "/api/v1/exams/" + ex.ID + "/students", "text/csv", maxStudentsCSV},
		{"POST", "/api/v1/summaries", "application/json", 4096},
		{"POST", "/api/v1/counts", "application/json", 4096},
		{"POST", "/api/v1/review/sessions/x/notes", "application/json", 64 << 10},
	} {
		for _, size := range []int64{c.limit, c.limit + 1} {
			req := httptest.NewRequest(c.method, c.path, &endless{n: size})
			req.ContentLength = size
			req.Header.Set("Content-Type", c.ct)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			w := serve(e.h, req)
			if tooLarge := w.Code == http.StatusRequestEntityTooLarge; tooLarge != (size > c.limit) {
				t.Errorf("%s %s with %d bytes: %d %.200s", c.method, c.path, size, w.Code, w.Body.String())
			}
		}
	}
	if maxStudentsCSV <= defaultBodyBytes || defaultBodyBytes <= 4096 {
		t.Errorf("limits: CSV %d, default %d", maxStudentsCSV, defaultBodyBytes)
	}
}

// TestBodyLimitsDrainSmallBodies: a body a little over its limit, with its
// length declared, is read to its end before the 413, and the connection
// stays open. Unread bytes at close make the kernel reset the connection,
// which loses the 413 (the Worker's ECONNRESET in the contract suite).
// Larger bodies are not read and the connection closes.
func TestBodyLimitsDrainSmallBodies(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		size      int64
		chunked   bool
		wantRead  int64
		wantClose bool
	}{
		{size: 4096 + 4096, wantRead: 4096 + 4096},
		{size: drainBytes, wantRead: drainBytes},
		{size: drainBytes + 1, wantRead: 0, wantClose: true},
		{size: 8192, chunked: true, wantRead: 4097, wantClose: true},
	} {
		body := &endless{n: c.size}
		req := httptest.NewRequest("POST", "/api/v1/counts", body)
		req.ContentLength = c.size
		if c.chunked {
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", "application/json")
		w := serve(e.h, req)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%+v: %d, want 413", c, w.Code)
		}
		if body.read != c.wantRead {
			t.Errorf("%+v: read %d bytes, want %d", c, body.read, c.wantRead)
		}
		if got := w.Header().Get("Connection") == "close"; got != c.wantClose {
			t.Errorf("%+v: Connection: close is %v, want %v", c, got, c.wantClose)
		}
	}
}

// TestBodyLimitsUnmatched: what no route matches has the default limit
// too, and its small body is drained after the 404 or 405, as a route's
// is after a refusal.
func TestBodyLimitsUnmatched(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		method, path string
		size         int64
		status       int
	}{
		{"POST", "/api/v1/nope", defaultBodyBytes + 1, http.StatusRequestEntityTooLarge},
		{"POST", "/healthz", defaultBodyBytes + 1, http.StatusRequestEntityTooLarge},
		{"POST", "/api/v1/nope", 100, http.StatusNotFound},
		{"POST", "/healthz", 100, http.StatusMethodNotAllowed},
	} {
		body := &endless{n: c.size}
		req := httptest.NewRequest(c.method, c.path, body)
		req.ContentLength = c.size
		w := serve(e.h, req)
		if w.Code != c.status {
			t.Errorf("%s %s with %d bytes: %d, want %d", c.method, c.path, c.size, w.Code, c.status)
		}
		if body.read != c.size {
			t.Errorf("%s %s with %d bytes: read %d", c.method, c.path, c.size, body.read)
		}
		if c.status == http.StatusRequestEntityTooLarge && (w.Header().Get("Allow") != "" || w.Header().Get("Content-Type") != "application/json") {
			t.Errorf("%s %s: the 413 has the mux's headers: %v", c.method, c.path, w.Header())
		}
	}
}
