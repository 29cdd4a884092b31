package crossing

import (
	"testing"
	"time"
)

// A line across a 100×100 frame at y = 50 from x = 10 to x = 90; moving
// up (towards smaller y) is "in".
var (
	horiz = Line{AX: 10, AY: 50, BX: 90, BY: 50}
	rules = Rules{Margin: 4, MinAngle: 0.35}
)

type pt struct{ x, y float64 }

// feed plays one track through a counter and returns immediate plus
// settled (end-of-track) events.
func feed(l Line, path []pt) []Event {
	c := New([]Line{l}, rules)
	var all []Event
	for i, p := range path {
		all = append(all, c.Observe(1, p.x, p.y, time.Duration(i)*time.Second)...)
	}
	return append(all, c.End(1, time.Duration(len(path))*time.Second)...)
}

func line(x0, y0, x1, y1 float64, n int) []pt {
	var p []pt
	for i := range n {
		f := float64(i) / float64(n-1)
		p = append(p, pt{x0 + f*(x1-x0), y0 + f*(y1-y0)})
	}
	return p
}

func counts(evs []Event) (in, out int) {
	for _, e := range evs {
		if e.In {
			in++
		} else {
			out++
		}
	}
	return
}

func TestCrossing(t *testing.T) {
	deferred := horiz
	deferred.Deferred = true
	zigzag := append(append(line(50, 80, 50, 20, 10), line(50, 20, 50, 80, 10)...), line(50, 80, 50, 20, 10)...)
	var jitter []pt
	for i := range 40 {
		jitter = append(jitter, pt{30 + float64(i), 50 + 3.5*float64(i%2*2-1)})
	}
	for _, tc := range []struct {
		name    string
		l       Line
		path    []pt
		in, out int
	}{
		{"up is in", horiz, line(50, 80, 50, 20, 8), 1, 0},
		{"down is out", horiz, line(50, 20, 50, 80, 8), 0, 1},
		{"one big step", horiz, []pt{{50, 70}, {52, 30}}, 1, 0},
		{"jitter on the line", horiz, jitter, 0, 0},
		{"past the end of the segment", horiz, line(95, 80, 95, 20, 8), 0, 0},
		{"along the line", horiz, line(10, 56, 90, 44, 20), 0, 0},
		{"once per direction", horiz, zigzag, 1, 1},
		{"deferred: net in", deferred, line(50, 80, 50, 20, 8), 1, 0},
		{"deferred: U-turn cancels", deferred, append(line(50, 80, 50, 20, 8), line(50, 20, 50, 80, 8)...), 0, 0},
		{"deferred: zigzag nets in", deferred, zigzag, 1, 0},
		{"reversed line", Line{AX: 90, AY: 50, BX: 10, BY: 50}, line(50, 80, 50, 20, 8), 0, 1},
		{"vertical line, moving left is in", Line{AX: 50, AY: 90, BX: 50, BY: 10}, line(80, 40, 20, 45, 8), 1, 0},
	} {
		in, out := counts(feed(tc.l, tc.path))
		if in != tc.in || out != tc.out {
			t.Errorf("%s: in=%d out=%d, want %d and %d", tc.name, in, out, tc.in, tc.out)
		}
	}
}

func TestDeferredCountsAtEnd(t *testing.T) {
	c := New([]Line{{AX: 10, AY: 50, BX: 90, BY: 50, Deferred: true}}, rules)
	for i, p := range line(50, 80, 50, 20, 8) {
		if evs := c.Observe(7, p.x, p.y, time.Duration(i)*time.Second); len(evs) != 0 {
			t.Fatalf("deferred line counted before the track ended: %v", evs)
		}
	}
	if !c.Has(7) {
		t.Fatal("track 7 unknown")
	}
	evs := c.End(7, 42*time.Second)
	if len(evs) != 1 || !evs[0].In || evs[0].Track != 7 || evs[0].T != 42*time.Second {
		t.Fatalf("End = %+v, want one in event for track 7 at 42s", evs)
	}
	if c.Has(7) {
		t.Fatal("track 7 still known after End")
	}
}
