package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// seedCounts gives each of rooms rooms one kiosk (lines door and side) with
// an hourly total per line for days days from start: what the retention
// engine leaves of a kiosk's batches. Written straight into the tables, as
// a year of signed batches would take an hour to post.
func (e *env) seedCounts(rooms, days int, start time.Time) {
	e.t.Helper()
	lines, _ := json.Marshal([]wire.Line{doorLine, sideLine})
	tx, err := e.raw.Begin()
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Rollback()
	for i := range rooms {
		if _, err := tx.Exec("INSERT INTO kiosks (id, name, room, interval_s, lines, created_ms) VALUES (?, ?, ?, 60, ?, 0)",
			fmt.Sprintf("k-seed-%04d", i), fmt.Sprintf("Kiosk %d", i), fmt.Sprintf("room %04d", i), string(lines)); err != nil {
			e.t.Fatal(err)
		}
	}
	if _, err := tx.Exec(`WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i + 1 < ?2)
		INSERT INTO count_hours (kiosk_id, line, hour_ms, n_in, n_out, batches)
		SELECT k.id, l.name, ?1 + h.i * 3600000, (h.i * 7 + length(k.id)) % 13, (h.i * 5) % 11, 60
		FROM kiosks k, h, (SELECT 'door' AS name UNION ALL SELECT 'side') l
		WHERE k.id LIKE 'k-seed-%'`, start.Truncate(time.Hour).UnixMilli(), days*24); err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

// discard is a ResponseWriter that keeps nothing of the body, unlike
// httptest's recorder: what the handler itself holds is what is measured.
type discard struct {
	header http.Header
	status int
	n      int64
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

// Write, as net/http's, implies status 200 when none was set.
func (d *discard) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	d.n += int64(len(p))
	return len(p), nil
}

// peakHeap runs fn while sampling the bytes of heap objects (live or not
// yet collected) every millisecond, and returns how far the peak rose
// above the heap after a collection before fn.
func peakHeap(fn func()) (growth uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	peak := base
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				peak = max(peak, read())
			}
		}
	})
	fn()
	peak = max(peak, read())
	close(done)
	wg.Wait()
	return peak - base
}

// exportAll asks for the counts of every room by the hour over the seeded
// days, as JSON or CSV, into a discarding writer.
func (e *env) exportAll(start time.Time, days int, format string) *discard {
	from := start.Truncate(time.Hour)
	q := "/api/v1/counts?bucket=1h&from=" + strconv.FormatInt(from.UnixMilli(), 10) +
		"&to=" + strconv.FormatInt(from.Add(time.Duration(days)*24*time.Hour).UnixMilli(), 10) + "&format=" + format
	req := httptest.NewRequest("GET", q, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	w := &discard{header: http.Header{}}
	e.h.ServeHTTP(w, req)
	if w.status != http.StatusOK {
		e.t.Fatalf("export: status %d", w.status)
	}
	return w
}

// TestExportMemoryBounded: an export of ten times the rows does not hold
// ten times the memory. With a low GOGC the sampled heap follows what is
// live; the rows themselves (here 2 x 2 x 24 x 60 and ten times that, plus
// the occupancy rows) would be megabytes if the export held them.
func TestExportMemoryBounded(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	const days = 60
	growth := map[string][2]uint64{}
	for i, rooms := range []int{2, 20} {
		e := newEnv(t)
		e.seedCounts(rooms, days, start)
		for _, format := range []string{"json", "csv"} {
			var w *discard
			g := growth[format]
			g[i] = peakHeap(func() { w = e.exportAll(start, days, format) })
			growth[format] = g
			t.Logf("%s, %d rooms: %d bytes written, heap peak +%.1f MB", format, rooms, w.n, float64(g[i])/1e6)
		}
	}
	for format, g := range growth {
		// The tenfold export writes ~25 MB of JSON; held, its rows alone
		// would be more than that. Streamed, what it holds is a page of
		// rows and a bucket, alike at both sizes.
		if g[1] > 2*g[0]+4<<20 {
			t.Errorf("%s: heap peak +%.1f MB for 10x the rows, +%.1f MB for 1x: memory grows with the export", format, float64(g[1])/1e6, float64(g[0])/1e6)
		}
	}
}

// BenchmarkExportYear exports a year of 300 rooms by the hour, JSON (5.3
// million hourly rows in, as many rows and 2.6 million occupancy rows
// out), and reports how far the heap and the process's resident memory
// rose above where they were before the export (the target is 50 MB), and
// the bytes written. LOKAAL_BENCH_QUICK=1 exports 30 rooms for 30 days.
func BenchmarkExportYear(b *testing.B) {
	rooms, days := 300, 365
	if os.Getenv("LOKAAL_BENCH_QUICK") == "1" {
		rooms, days = 30, 30
	}
	e := newEnv(b)
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	e.seedCounts(rooms, days, start)
	var heap, rss uint64
	var written int64
	b.ResetTimer()
	for range b.N {
		rss0 := residentBytes()
		var w *discard
		heap = max(heap, peakHeap(func() { w = e.exportAll(start, days, "json") }))
		if p := peakRSS(); p > rss0 {
			rss = max(rss, p-rss0)
		}
		written = w.n
	}
	b.StopTimer()
	b.ReportMetric(float64(heap)/1e6, "heap-peak-MB")
	b.ReportMetric(float64(rss)/1e6, "rss-growth-MB")
	b.ReportMetric(float64(written)/1e6, "MB-written")
	b.ReportMetric(float64(rooms), "rooms")
	b.ReportMetric(float64(days), "days")
}

// residentBytes is the process's resident memory now, and peakRSS its peak
// since peak was last reset (Linux; 0 elsewhere). residentBytes resets it.
func residentBytes() uint64 {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM to the current VmRSS
	return procStatus("VmRSS:")
}

func peakRSS() uint64 { return procStatus("VmHWM:") }

func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
