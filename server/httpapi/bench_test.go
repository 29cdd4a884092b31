package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

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
