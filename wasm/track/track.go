// Package track follows blob centroids from frame to frame: constant
// velocity prediction, gating, greedy nearest-first assignment, coasting
// through short occlusions and confirmation after a few hits. A track
// remembers the size it was seen at, so the fragments of one person join
// their track (absorb.go) and two people in one blob both stay seen
// (share.go). Times are stream times, so it works at any frame rate.
package track

import (
	"math"
	"slices"
	"time"
)

// Point is a detection: a blob's centroid in work pixels, its area and
// whether it touches the edge of the picture (the frame, or the letterbox
// bars inside it), so that part of it may be outside.
type Point struct {
	X, Y   float64
	Area   int
	Border bool
	// Box is the inclusive bounding box (MinX, MinY, MaxX, MaxY); all zero
	// when unknown, which turns off Absorb and Share for this point.
	Box [4]float64
	// Part: the labeler cut this point from a wider blob as one of the
	// people in it, so it is never absorbed back into a neighbour.
	Part bool
	// FromEdge: the detection touches exactly one edge of the view, and
	// EdgeX, EdgeY is its centroid projected onto that edge.
	FromEdge     bool
	EdgeX, EdgeY float64

	absorbed bool // holds fragments: not the size of one whole detection
}

func (p Point) hasBox() bool { return p.Box[2] > p.Box[0] || p.Box[3] > p.Box[1] }

// PartialArea: a border-touching detection with less than this fraction of
// the track's largest area is mostly outside the frame, and its centroid
// is not where the body is (a trailing foot, the last shoulder).
const PartialArea = 0.5

// Track is one followed object.
type Track struct {
	ID     int
	X, Y   float64 // last estimated position
	VX, VY float64 // pixels per second
	FirstX float64 // where the track was born: crossings before
	FirstY float64 // confirmation still count
	Born   time.Duration
	// FromEdge: the first detection touched one edge of the view at
	// EdgeX, EdgeY, so the body came into view there (see Point).
	FromEdge     bool
	EdgeX, EdgeY float64
	LastSeen     time.Duration
	Hits         int
	Confirmed    bool
	Area         int  // area of the last detection
	PeakArea     int  // largest area seen
	Partial      bool // the last detection is mostly outside the frame, see PartialArea
	// Box is the last detection's box with what it absorbed, PeakW and
	// PeakH the largest width and height of a detection it was paired with
	// (absorbed fragments do not count): the size of the whole person, which
	// the fragments of a split silhouette add up to.
	Box          [4]float64
	PeakW, PeakH float64
	Shared       bool // the last detection also held another track, see Share
	// MergedInto is set on an ended track that was a fragment of that
	// track: its crossings are not to be counted (see the fragment rule).
	MergedInto int
	part       bool // the last detection was a Point.Part
	everShared bool // shared a detection at some point: not one person's size

	// before the last correction, for Share
	prevX, prevY, prevVX, prevVY float64
	prevArea                     int
	prevSeen                     time.Duration
}

// Params tune the tracker in work pixels and stream time.
type Params struct {
	Gate       float64       // largest distance from the prediction to a detection
	GateSpeed  float64       // plus this many pixels per second of frame interval: low frame rates move further
	MaxSpeed   float64       // velocity cap, pixels per second, against wild predictions
	MaxCoast   time.Duration // how long a confirmed track survives unseen
	ConfirmHit int           // hits needed before a track counts
	ConfirmAge time.Duration // and how long it must have lived: fragments flicker
	// ConfirmTravel: or how far from where it was born it must be. A
	// flickering fragment stays where it is; a runner may be in view for
	// less than ConfirmAge.
	ConfirmTravel float64
}

// DefaultParams scales the defaults to a work frame of w×h pixels.
func DefaultParams(w, h int) Params {
	diag := math.Hypot(float64(w), float64(h))
	return Params{
		Gate:          0.12 * diag,
		GateSpeed:     0.3 * diag,
		MaxSpeed:      1.5 * diag,
		MaxCoast:      1200 * time.Millisecond,
		ConfirmHit:    3,
		ConfirmAge:    400 * time.Millisecond,
		ConfirmTravel: 0.25 * diag,
	}
}

// Tracker holds the live tracks.
type Tracker struct {
	p      Params
	tracks []*Track
	nextID int
	last   time.Duration // time of the previous Update
	pairs  []pair
	used   []bool
	hit    []bool
	ended  []Track
	person personSize // see the halves rule
	// scratch of absorb and share
	assigned []int   // per track: the detection it was paired with, if hit
	merged   []Point // per track: that detection with the fragments it absorbed
}

type pair struct {
	cost  float64
	t, dt int
}

// New returns an empty tracker.
func New(p Params) *Tracker { return &Tracker{p: p, nextID: 1} }

// Tracks are the live tracks after the last Update (read only).
func (tr *Tracker) Tracks() []*Track { return tr.tracks }

// Update assigns the detections at stream time t and returns the tracks that
// ended (unseen longer than MaxCoast, or tentative and missed). The returned
// slice is reused by the next call.
func (tr *Tracker) Update(dets []Point, t time.Duration) []Track {
	tr.pairs = tr.pairs[:0]
	// The gate grows with the frame interval, not with the time a track
	// has been unseen: a track coasting for a second must not reach across
	// the room for the next person.
	gate := tr.p.Gate + tr.p.GateSpeed*min(t-tr.last, 500*time.Millisecond).Seconds()
	tr.last = t
	for ti, k := range tr.tracks {
		dt := (t - k.LastSeen).Seconds()
		px, py := k.X+k.VX*dt, k.Y+k.VY*dt
		for di, d := range dets {
			dx, dy := d.X-px, d.Y-py
			if d2 := dx*dx + dy*dy; d2 <= gate*gate {
				// A person does not change size much between frames;
				// preferring the blob of similar size keeps a fast walker
				// from being swapped for a fragment left at their old spot.
				size := math.Abs(math.Log(float64(max(d.Area, 1)) / float64(max(k.Area, 1))))
				tr.pairs = append(tr.pairs, pair{d2 * (1 + size), ti, di})
			}
		}
	}
	slices.SortFunc(tr.pairs, func(a, b pair) int {
		if a.cost < b.cost {
			return -1
		}
		if a.cost > b.cost {
			return 1
		}
		return 0
	})
	tr.used = resize(tr.used, len(dets))
	tr.hit = resize(tr.hit, len(tr.tracks))
	tr.assigned = resizeInt(tr.assigned, len(tr.tracks))
	for _, p := range tr.pairs {
		if tr.used[p.dt] || tr.hit[p.t] {
			continue
		}
		tr.used[p.dt], tr.hit[p.t] = true, true
		tr.assigned[p.t] = p.dt
	}
	tr.absorb(dets)
	for ti, k := range tr.tracks {
		if tr.hit[ti] {
			k.Shared = false
			tr.correct(k, tr.merged[ti], t)
		}
	}
	tr.share(dets, t)
	tr.mergeFragments(t)
	tr.ended = tr.ended[:0]
	live := tr.tracks[:0]
	for ti, k := range tr.tracks {
		if k.MergedInto != 0 || !tr.hit[ti] && (!k.Confirmed || t-k.LastSeen > tr.p.MaxCoast) {
			tr.person.add(k)
			tr.ended = append(tr.ended, *k)
			continue
		}
		live = append(live, k)
	}
	clear(tr.tracks[len(live):])
	tr.tracks = live
	for di, d := range dets {
		if !tr.used[di] {
			tr.tracks = append(tr.tracks, &Track{ID: tr.nextID, X: d.X, Y: d.Y, FirstX: d.X, FirstY: d.Y, Born: t, FromEdge: d.FromEdge, EdgeX: d.EdgeX, EdgeY: d.EdgeY, LastSeen: t, Hits: 1, Area: d.Area, PeakArea: d.Area})
			tr.nextID++
		}
	}
	return tr.ended
}

// EndAll ends every live track, as at the end of a stream.
func (tr *Tracker) EndAll() []Track {
	tr.ended = tr.ended[:0]
	for _, k := range tr.tracks {
		tr.ended = append(tr.ended, *k)
	}
	clear(tr.tracks)
	tr.tracks = tr.tracks[:0]
	return tr.ended
}

// correct moves k to detection d seen at t and updates its velocity.
func (tr *Tracker) correct(k *Track, d Point, t time.Duration) {
	k.prevX, k.prevY, k.prevVX, k.prevVY, k.prevArea, k.prevSeen = k.X, k.Y, k.VX, k.VY, k.Area, k.LastSeen
	if dt := (t - k.LastSeen).Seconds(); dt > 0 {
		// Smoothed so that a blob's centroid wobbling as legs swing does
		// not become speed.
		vx, vy := (d.X-k.X)/dt, (d.Y-k.Y)/dt
		if k.Hits == 1 {
			k.VX, k.VY = vx, vy
		} else {
			k.VX, k.VY = 0.5*k.VX+0.5*vx, 0.5*k.VY+0.5*vy
		}
		if s := math.Hypot(k.VX, k.VY); s > tr.p.MaxSpeed {
			k.VX, k.VY = k.VX*tr.p.MaxSpeed/s, k.VY*tr.p.MaxSpeed/s
		}
	}
	k.X, k.Y = d.X, d.Y
	k.Area = d.Area
	k.Box = d.Box
	k.part = d.Part
	if !d.absorbed {
		k.PeakArea = max(k.PeakArea, d.Area)
	}
	if d.hasBox() && !d.absorbed {
		k.PeakW, k.PeakH = max(k.PeakW, d.Box[2]-d.Box[0]+1), max(k.PeakH, d.Box[3]-d.Box[1]+1)
	}
	k.Partial = d.Border && float64(d.Area) < PartialArea*float64(k.PeakArea)
	k.LastSeen = t
	k.Hits++
	if k.Hits >= tr.p.ConfirmHit && (t-k.Born >= tr.p.ConfirmAge || tr.p.ConfirmTravel > 0 && math.Hypot(k.X-k.FirstX, k.Y-k.FirstY) >= tr.p.ConfirmTravel) {
		k.Confirmed = true
	}
}

func resizeInt(b []int, n int) []int {
	if cap(b) < n {
		return make([]int, n)
	}
	return b[:n]
}

func resize(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}
