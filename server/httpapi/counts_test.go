package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
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

// BenchmarkIngest posts signed batches one after another through the whole
// handler (decode, Ed25519 verify, store) into the SQLite store, each
// committed with synchronous=FULL. It reports the throughput and the 99th
// percentile of one request's latency.
func BenchmarkIngest(b *testing.B) {
	e := newEnv(b)
	d := e.newDevice()
	e.now = t0.Add(time.Duration(b.N+1) * time.Minute) // every batch's minute has passed
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i], _ = json.Marshal(d.batch(int64(i+1), t0.Add(time.Duration(i)*time.Minute), 1, 1))
	}
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		req := httptest.NewRequest("POST", "/api/v1/counts", bytes.NewReader(bodies[i]))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		t := time.Now()
		e.h.ServeHTTP(w, req)
		took[i] = time.Since(t)
		if w.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(took)
	// The nearest-rank percentile: at least 99 % of requests took no longer.
	p99 := took[(len(took)*99+99)/100-1]
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "batches/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}

// BenchmarkIngestConcurrent is BenchmarkIngest from 64 devices at once,
// each posting its batches one after another: the writer commits what is
// waiting in one transaction (group commit), so the fsyncs are shared.
func BenchmarkIngestConcurrent(b *testing.B) {
	const senders = 64
	e := newEnv(b)
	devs := make([]device, senders)
	for i := range devs {
		if i == 0 {
			devs[i] = e.newDevice()
			continue
		}
		w := e.do("POST", "/api/v1/kiosks/"+e.kioskID+"/enrolment-code", nil, true)
		devs[i] = e.enrol(decodeJSON[codeResponse](b, w).Code)
	}
	each := max(1, b.N/senders)
	e.now = t0.Add(time.Duration(each+1) * time.Minute) // every batch's minute has passed
	bodies := make([][][]byte, senders)
	for i, d := range devs {
		for seq := range each {
			js, _ := json.Marshal(d.batch(int64(seq+1), t0.Add(time.Duration(seq)*time.Minute), 1, 1))
			bodies[i] = append(bodies[i], js)
		}
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range devs {
		wg.Go(func() {
			for _, body := range bodies[i] {
				req := httptest.NewRequest("POST", "/api/v1/counts", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				e.h.ServeHTTP(w, req)
				if w.Code != http.StatusCreated {
					b.Errorf("status %d: %s", w.Code, w.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(each*senders)/time.Since(start).Seconds(), "batches/s")
}
