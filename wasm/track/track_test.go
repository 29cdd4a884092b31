package track

import (
	"testing"
	"time"
)

func TestCoastAndConfirm(t *testing.T) {
	tr := New(DefaultParams(160, 120))
	dt := 100 * time.Millisecond
	var id int
	for i := range 20 {
		ts := time.Duration(i) * dt
		var dets []Point
		// Walks right at 40 px/s, hidden behind a pillar for 0.6 s.
		if i < 8 || i > 13 {
			dets = []Point{{X: 10 + 4*float64(i), Y: 60, Area: 300}}
		}
		if ended := tr.Update(dets, ts); len(ended) != 0 {
			t.Fatalf("frame %d: track ended during a short occlusion", i)
		}
		ks := tr.Tracks()
		if len(ks) != 1 {
			t.Fatalf("frame %d: %d tracks, want 1", i, len(ks))
		}
		if i == 0 {
			id = ks[0].ID
		}
		if ks[0].ID != id {
			t.Fatalf("frame %d: track %d replaced track %d", i, ks[0].ID, id)
		}
		if want := i >= 4; ks[0].Confirmed != want {
			t.Fatalf("frame %d: confirmed=%v, want %v (after 3 hits and 400 ms)", i, ks[0].Confirmed, want)
		}
	}
	// Gone for longer than MaxCoast: the track ends.
	var ended []Track
	for i := 20; i < 40 && len(ended) == 0; i++ {
		ended = tr.Update(nil, time.Duration(i)*dt)
	}
	if len(ended) != 1 || ended[0].ID != id || len(tr.Tracks()) != 0 {
		t.Fatalf("ended %+v, %d live, want track %d ended", ended, len(tr.Tracks()), id)
	}
}

func TestTwoWalkersKeepTheirTracks(t *testing.T) {
	tr := New(DefaultParams(160, 120))
	ids := map[int]float64{}
	for i := range 15 {
		// Side by side, 20 px apart, walking up; listed in either order.
		a := Point{X: 60, Y: 110 - 6*float64(i), Area: 250}
		b := Point{X: 80, Y: 112 - 6*float64(i), Area: 260}
		dets := []Point{a, b}
		if i%2 == 1 {
			dets = []Point{b, a}
		}
		tr.Update(dets, time.Duration(i)*100*time.Millisecond)
		for _, k := range tr.Tracks() {
			if x, ok := ids[k.ID]; ok && x != k.X {
				t.Fatalf("frame %d: track %d jumped from x=%v to x=%v", i, k.ID, x, k.X)
			}
			ids[k.ID] = k.X
		}
	}
	if len(ids) != 2 {
		t.Errorf("%d tracks for two walkers", len(ids))
	}
}

func TestPartial(t *testing.T) {
	tr := New(DefaultParams(160, 120))
	areas := []int{400, 420, 410, 300, 150}
	for i, a := range areas {
		tr.Update([]Point{{X: 140 + 3*float64(i), Y: 60, Area: a, Border: i >= 3}}, time.Duration(i)*100*time.Millisecond)
	}
	if k := tr.Tracks()[0]; !k.Partial {
		t.Errorf("a track down to %d of %d pixels at the border is not partial", k.Area, k.PeakArea)
	}
}

// TestHalves: once one whole person (20×20 px) has passed, two half-size
// detections moving together are one person, while two whole people side
// by side stay two.
func TestHalves(t *testing.T) {
	dt := 100 * time.Millisecond
	box := func(x, y, w, h float64) Point {
		return Point{X: x + w/2, Y: y + h/2, Area: int(w * h * 0.8), Box: [4]float64{x, y, x + w - 1, y + h - 1}}
	}
	walk := func(tr *Tracker, t0 time.Duration, frames int, dets func(i int) []Point) map[int]bool {
		ids := map[int]bool{}
		for i := range frames {
			tr.Update(dets(i), t0+time.Duration(i)*dt)
			for _, k := range tr.Tracks() {
				if k.Confirmed {
					ids[k.ID] = true
				}
			}
		}
		return ids
	}
	whole := func(i int) []Point { return []Point{box(40, 100-5*float64(i), 20, 20)} }
	halves := func(i int) []Point {
		y := 100 - 5*float64(i)
		return []Point{box(40, y, 8, 20), box(52, y, 8, 20)}
	}
	pair := func(i int) []Point {
		y := 100 - 5*float64(i)
		return []Point{box(30, y, 20, 20), box(54, y, 20, 20)}
	}
	gone := func(int) []Point { return nil }

	if n := len(walk(New(DefaultParams(160, 120)), 0, 15, halves)); n != 2 {
		t.Errorf("halves with no person measured: %d confirmed tracks, want 2 (nothing to measure against)", n)
	}
	tr := New(DefaultParams(160, 120))
	walk(tr, 0, 15, whole)
	walk(tr, 1500*time.Millisecond, 20, gone)
	if n := len(walk(tr, 3500*time.Millisecond, 15, halves)); n != 1 {
		t.Errorf("halves after a whole person: %d confirmed tracks, want 1", n)
	}
	walk(tr, 5000*time.Millisecond, 20, gone)
	if n := len(walk(tr, 7000*time.Millisecond, 15, pair)); n != 2 {
		t.Errorf("two people side by side: %d confirmed tracks, want 2", n)
	}
}
