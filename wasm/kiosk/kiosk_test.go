package kiosk

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/counter"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const t0 = int64(1_800_000_000_000)

var build = strings.Repeat("5e", 32)

var lines = []wire.Line{
	{Name: "entry", A: [2]float64{0, 0.725}, B: [2]float64{1, 0.725}, Mode: wire.Immediate},
	{Name: "exit", A: [2]float64{0.78, 0.875}, B: [2]float64{0.78, 0.125}, Mode: wire.Deferred},
}

func TestTallySealsAndRestarts(t *testing.T) {
	tl := NewTally(lines, t0)
	tl.Add(counter.Crossing{Line: 0, Dir: counter.In}, t0+100)
	tl.Add(counter.Crossing{Line: 0, Dir: counter.In}, t0+200)
	tl.Add(counter.Crossing{Line: 1, Dir: counter.Out}, t0+300)
	if tl.Due(t0+1999, 2) || !tl.Due(t0+2000, 2) {
		t.Fatal("Due must turn true exactly at interval end")
	}
	b := tl.Seal("d-0123456789abcdef", build, t0+2000)
	b.Seq = 1
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []wire.LineCount{{Line: "entry", In: 2}, {Line: "exit", Out: 1}}
	if b.Start != t0 || b.End != t0+2000 || b.Build != build || !slices.Equal(b.Lines, want) {
		t.Fatalf("batch %+v, want start %d end %d lines %v", b, t0, t0+2000, want)
	}
	if tl.Start != t0+2000 || !tl.Empty() {
		t.Fatalf("next interval must start empty at the seal: %+v", tl)
	}
	// The sealed batch must not share memory with the running tally.
	tl.Add(counter.Crossing{Line: 0, Dir: counter.Out}, t0+2100)
	if b.Lines[0].Out != 0 {
		t.Fatal("sealed batch changed after Seal")
	}
}

func TestSealClampsLongAndBackwardIntervals(t *testing.T) {
	tl := NewTally(lines, t0)
	b := tl.Seal("d-1", build, t0+10*wire.MaxBatchSpanMS)
	if b.End-b.Start != wire.MaxBatchSpanMS || tl.Start != t0+10*wire.MaxBatchSpanMS {
		t.Fatalf("slept laptop: batch %d..%d, next start %d", b.Start, b.End, tl.Start)
	}
	start := tl.Start
	b = tl.Seal("d-1", build, start-5000) // clock stepped back
	if b.End != start+1 || tl.Start != start+1 {
		t.Fatalf("clock step back: batch %d..%d, next start %d", b.Start, b.End, tl.Start)
	}
}

func TestRestoreTally(t *testing.T) {
	tl := NewTally(lines, t0)
	tl.Add(counter.Crossing{Line: 1, Dir: counter.In}, t0+700)
	data, _ := json.Marshal(tl)
	got, err := RestoreTally(data)
	if err != nil {
		t.Fatal(err)
	}
	b := got.Seal("d-1", build, got.Updated)
	if b.End != t0+700 || b.Lines[1].In != 1 {
		t.Fatalf("restored batch %+v", b)
	}
	for _, bad := range []string{`{}`, `{"start":1,"updated":2,"lines":[{"line":"a"}]}`, `{"start":1800000000000,"updated":1,"lines":[{"line":"a"}]}`, `nope`} {
		if _, err := RestoreTally([]byte(bad)); err == nil {
			t.Errorf("RestoreTally(%s) accepted", bad)
		}
	}
}

func TestNumber(t *testing.T) {
	tl := NewTally(lines, t0)
	tl.Add(counter.Crossing{Line: 1, Dir: counter.In}, t0+700)
	sealed, _ := json.Marshal(tl.Seal("d-1", build, t0+2000))
	got, err := Number(sealed, 3)
	if err != nil {
		t.Fatal(err)
	}
	var b wire.CountBatch
	if err := json.Unmarshal(got, &b); err != nil || b.Validate() != nil || b.Seq != 3 || b.Lines[1].In != 1 {
		t.Fatalf("numbered %s: %+v", got, b)
	}
	for _, seq := range []int64{0, -1, wire.MaxSeq + 1} {
		if _, err := Number(sealed, seq); err == nil {
			t.Errorf("Number(seq %d) accepted", seq)
		}
	}
	if _, err := Number([]byte(`{"device":"d-1","image":"x"}`), 1); err == nil {
		t.Error("Number took an unknown field")
	}
}

func TestEnvelopeVerifies(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	sealed := `{"seq":7,"device":"d-0123456789abcdef","build":"` + build + `","start":1800000000000,"end":1800000002000,"lines":[{"line":"entry","in":1,"out":0}]}`
	// Queued by a release that did not record builds: the running one signs for it.
	legacy := strings.Replace(sealed, `"build":"`+build+`",`, ``, 1)
	running := strings.Repeat("0f", 32)
	for batch, want := range map[string]string{sealed: build, legacy: running} {
		e, err := Envelope([]byte(batch), running)
		if err != nil {
			t.Fatal(err)
		}
		body := e.Head + base64.StdEncoding.EncodeToString(ed25519.Sign(priv, e.Msg)) + e.Tail
		s, err := wire.DecodeSignedCountBatch(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(pub); err != nil || s.Batch.Seq != 7 || s.Batch.Build != want {
			t.Fatalf("verify: %v, seq %d, build %q, want %q", err, s.Batch.Seq, s.Batch.Build, want)
		}
	}
	for _, bad := range []string{
		`{"device":"d-1","seq":0,"start":1800000000000,"end":1800000002000,"lines":[{"line":"a","in":1,"out":0}]}`,
		`{"device":"d-1","seq":1,"start":1800000000000,"end":1800000002000,"lines":[],"image":"x"}`,
	} {
		bad = strings.Replace(bad, `"seq"`, `"build":"`+build+`","seq"`, 1)
		if _, err := Envelope([]byte(bad), build); err == nil {
			t.Errorf("Envelope(%s) accepted", bad)
		}
	}
}

func TestWindowPercentiles(t *testing.T) {
	w := NewRecent(100)
	if w.Percentile(50) != 0 {
		t.Fatal("empty window must report 0")
	}
	for i := 1; i <= 300; i++ { // only the last 100 (201..300) count
		w.Add(float64(i))
	}
	if w.Len() != 100 || w.Percentile(50) != 250 || w.Percentile(99) != 299 || w.Percentile(100) != 300 {
		t.Fatalf("len %d p50 %v p99 %v p100 %v", w.Len(), w.Percentile(50), w.Percentile(99), w.Percentile(100))
	}
}

func TestRate(t *testing.T) {
	var r Rate
	var got float64
	for i := 0; i < 90; i++ { // 3 s at 30 fps
		got = r.Tick(float64(i) * 1000 / 30)
	}
	if math.Abs(got-30) > 1e-9 {
		t.Fatalf("rate %v, want 30", got)
	}
}

func TestBudget(t *testing.T) {
	taken := func(camera float64, jitter float64, seconds float64) int {
		var b Budget
		n := 0
		for i := 0; float64(i)/camera < seconds; i++ {
			// Alternate early and late frames by jitter ms.
			now := 1000*float64(i)/camera + jitter*float64(i%2*2-1)
			if b.Take(now) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		camera, jitter float64
		want           int
	}{
		{30, 0, 150}, // every other frame
		{30, 4, 150}, // jitter does not halve the rate
		{60, 0, 150}, // every 4th frame
		{60, 4, 150},
		{25, 0, 150}, // every 2nd or 1st frame, 15 a second on average
		{15, 0, 150}, // all of them
		{15, 4, 150},
		{10, 0, 100}, // a slower camera: all of them
	} {
		if got := taken(tc.camera, tc.jitter, 10); got < tc.want-1 || got > tc.want+1 {
			t.Errorf("%v fps camera, jitter %v ms: took %d frames in 10 s, want %d", tc.camera, tc.jitter, got, tc.want)
		}
	}
	// A clock that steps back (a new stream) does not stall counting.
	var b Budget
	if !b.Take(5000) || !b.Take(10) || b.Take(20) {
		t.Error("after the clock stepped back, want the next frame taken and pacing resumed")
	}
}
