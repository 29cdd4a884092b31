// Package crossing decides when a track has crossed a counting line.
//
// A track is on a side of a line only when it is more than Margin away
// from it; inside that band its side does not change. A crossing is the
// movement from the last point clearly on one side to the first point
// clearly on the other, and it counts only if that segment intersects the
// line segment (not just its infinite extension) at a steep enough angle.
// So a person loitering on the line, or a centroid jittering around it,
// counts nothing, at any frame rate.
package crossing

import (
	"math"
	"time"
)

// Line is a counting line in work pixels. In is towards the side where
// (B-A)×(P-A) < 0 (screen-left of A→B with y pointing down).
type Line struct {
	AX, AY, BX, BY float64
	// Deferred lines count when the track ends, by its net direction, so
	// someone who crosses and turns back counts nothing. Immediate lines
	// count at the crossing, at most once per track and direction.
	Deferred bool
}

// Rules hold the thresholds, in work pixels.
type Rules struct {
	Margin   float64 // distance from the line that makes a side certain
	MinAngle float64 // smallest angle between movement and line, radians
}

// Event is a counted crossing.
type Event struct {
	Line  int
	In    bool
	Track int
	T     time.Duration
}

// Lines applies the rules to tracks at the lines it watches. (The
// counter that runs the whole pipeline is package counter's Counter.)
type Lines struct {
	lines  []Line
	rules  Rules
	tracks map[int][]state
	events []Event
}

// state is one track's standing with one line.
type state struct {
	side    int8 // -1 in side, +1 out side, 0 not yet known
	ax, ay  float64
	in, out bool // immediate: already counted
	net     int  // deferred: in minus out
}

// New returns Lines that apply r at lines.
func New(lines []Line, r Rules) *Lines {
	return &Lines{lines: lines, rules: r, tracks: map[int][]state{}}
}

// Observe feeds track id's position at t and returns the immediate
// crossings it completes. The slice is reused by the next call.
func (c *Lines) Observe(id int, x, y float64, t time.Duration) []Event {
	c.events = c.events[:0]
	st, ok := c.tracks[id]
	if !ok {
		st = make([]state, len(c.lines))
		c.tracks[id] = st
	}
	for li := range c.lines {
		c.observe(li, &st[li], id, x, y, t)
	}
	return c.events
}

func (c *Lines) observe(li int, s *state, id int, x, y float64, t time.Duration) {
	l := &c.lines[li]
	ex, ey := l.BX-l.AX, l.BY-l.AY
	length := math.Hypot(ex, ey)
	d := (ex*(y-l.AY) - ey*(x-l.AX)) / length
	side := int8(0)
	switch {
	case d < -c.rules.Margin:
		side = -1
	case d > c.rules.Margin:
		side = 1
	}
	if side == 0 {
		return
	}
	if s.side == side || s.side == 0 {
		s.side, s.ax, s.ay = side, x, y
		return
	}
	// Opposite side: was the way there a crossing of the segment?
	mx, my := x-s.ax, y-s.ay
	s.side, s.ax, s.ay = side, x, y
	den := ex*my - ey*mx
	move := math.Hypot(mx, my)
	if den == 0 || math.Abs(den)/(length*move) < math.Sin(c.rules.MinAngle) {
		return
	}
	// Position of the intersection along the line, 0 at A and 1 at B,
	// with Margin of slack at the ends for a centroid at the frame edge.
	u := ((x-mx-l.AX)*my - (y-my-l.AY)*mx) / den
	slack := c.rules.Margin / length
	if u < -slack || u > 1+slack {
		return
	}
	in := side < 0
	if l.Deferred {
		if in {
			s.net++
		} else {
			s.net--
		}
		return
	}
	if in && !s.in || !in && !s.out {
		if in {
			s.in = true
		} else {
			s.out = true
		}
		c.events = append(c.events, Event{Line: li, In: in, Track: id, T: t})
	}
}

// Has reports whether track id has been observed and not ended.
func (c *Lines) Has(id int) bool {
	_, ok := c.tracks[id]
	return ok
}

// End forgets track id at t and returns the deferred crossings it settles.
// The slice is reused by the next call.
func (c *Lines) End(id int, t time.Duration) []Event {
	c.events = c.events[:0]
	st := c.tracks[id]
	delete(c.tracks, id)
	for li, s := range st {
		if !c.lines[li].Deferred || s.net == 0 {
			continue
		}
		c.events = append(c.events, Event{Line: li, In: s.net > 0, Track: id, T: t})
	}
	return c.events
}

// Forget drops track id without settling anything: it was not a person of
// its own (a fragment of another track).
func (c *Lines) Forget(id int) { delete(c.tracks, id) }
