package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server/sqlite/sqlitetest"
)

// TestSlowBodiesHoldNoPlace: handleIngest lets GOMAXPROCS requests at a
// time decode and verify; a body still arriving must not hold a place, or
// a few stalled senders would stop every kiosk. More stalled senders than
// places, then a batch: it is stored.
func TestSlowBodiesHoldNoPlace(t *testing.T) {
	e := newEnv(t)
	d := e.newDevice()
	store := openDB(t, sqlitetest.Open, e.dbPath) // the same file, read by a handler alone
	h := handleIngest(slog.New(slog.NewTextHandler(io.Discard, nil)), store, func() time.Time { return e.now }, newBuilds(nil, nil, []string{testBuild}), newAdmission())

	var stalled sync.WaitGroup
	var pipes []*io.PipeWriter
	for range runtime.GOMAXPROCS(0) + 2 {
		pr, pw := io.Pipe()
		pipes = append(pipes, pw)
		req := httptest.NewRequest("POST", "/api/v1/counts", pr)
		req.Header.Set("Content-Type", "application/json")
		stalled.Go(func() { h.ServeHTTP(httptest.NewRecorder(), req) })
	}
	defer func() {
		for _, pw := range pipes {
			pw.CloseWithError(io.ErrUnexpectedEOF)
		}
		stalled.Wait()
	}()
	time.Sleep(50 * time.Millisecond) // the stalled requests are reading

	e.now = t0.Add(2 * time.Minute) // the batch's minute has passed
	body, _ := json.Marshal(d.batch(1, t0, 2, 1))
	req := httptest.NewRequest("POST", "/api/v1/counts", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	done := make(chan int, 1)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		done <- w.Code
	}()
	select {
	case code := <-done:
		if code != http.StatusCreated {
			t.Fatalf("status %d, want 201", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a batch waited behind senders whose bodies had not arrived")
	}
}
