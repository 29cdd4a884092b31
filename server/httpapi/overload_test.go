package httpapi

import (
	"context"
	"net/http"
	"sync"
	"testing"
)

// holdWriteLock takes the database's write lock on a connection of its
// own, as another process writing would (lokaal retention, lokaal user),
// until the test ends or release is called.
func (e *env) holdWriteLock() (release func()) {
	e.t.Helper()
	conn, err := e.raw.Conn(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		e.t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
		})
	}
	e.t.Cleanup(release)
	return release
}

// TestOverloadIs503: a write the database cannot take in time (here its
// lock stays taken past the busy timeout) is answered 503 overloaded with
// Retry-After, never 500, and stores nothing: the resend after is stored.
func TestOverloadIs503(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the busy timeout (5 s)")
	}
	e := newEnv(t)
	d := e.newDevice()
	b := d.batch(1, t0, 2, 1)
	release := e.holdWriteLock()
	w := e.do("POST", "/api/v1/counts", b, false)
	wantError(t, w, http.StatusServiceUnavailable, codeOverloaded)
	if w.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	release()
	if n := e.rows()["batches"]; n != 0 {
		t.Errorf("%d batches stored by the refused request", n)
	}
	wantStatus(t, e.do("POST", "/api/v1/counts", b, false), http.StatusCreated)
}

// TestHealthzWhileWriting: /healthz does not wait for writes: it answers
// 200 at once, several at a time, while another connection holds the write
// lock (it used to wait out the busy timeout, then answer 503).
func TestHealthzWhileWriting(t *testing.T) {
	e := newEnv(t)
	e.newDevice()
	e.holdWriteLock()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if w := serve(e.h, newRequest("GET", "/healthz", "")); w.Code != http.StatusOK {
				t.Errorf("healthz while a write is in progress: %d %s", w.Code, w.Body)
			}
		})
	}
	wg.Wait()
}
