package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkIngest posts signed batches through the whole handler into the
// SQLite store, each committed with synchronous=FULL.
func BenchmarkIngest(b *testing.B) {
	e := newEnv(b)
	d := e.newDevice()
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i], _ = json.Marshal(d.batch(int64(i+1), t0.Add(time.Duration(i)*time.Minute), 1, 1))
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		req := httptest.NewRequest("POST", "/api/v1/counts", bytes.NewReader(bodies[i]))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if w.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "batches/s")
}
