package track

import (
	"math"
	"time"
)

// Fragment rule: one person's silhouette can fall apart into several blobs:
// a jacket stripe as light as the floor, a bag held away from the body, a
// stripe smeared into the floor by motion blur. The tracker then saw the
// person whole before, so it knows their size. A detection no track claimed
// is taken into a track that claimed one this frame when it lies within
// Reach of that detection's box (Reach times the person's larger side), and
//   - together they are not larger than the person seen whole
//     (FragmentSlack times the largest area of a single detection, BoxSlack
//     times its width and height, which a track that walked in at the frame
//     edge has seen fewer times): a fragment, which moves the track to the
//     centroid of both;
//   - or it has at most Carried of the body's area: something carried, which
//     does not move the track.
//
// A detection the labeler cut from a wider blob as one of several people
// (Point.Part) is never taken in, so two people who walked in as one blob
// stay two. Absorbed detections start no track, so a fragment cannot cross
// a line on its own; a fragment that got a track before its parent was
// seen whole (a frame dropped, a gate missed) is ended as MergedInto the
// parent as soon as the same rule holds between the two tracks, and its
// crossings are dropped, not settled.
const (
	Reach         = 0.5
	FragmentSlack = 1.25
	BoxSlack      = 1.4
	Carried       = 0.5
)

// absorb fills tr.merged for the tracks hit this frame: the detection each
// was paired with, grown by the fragments and carried things near it, which
// it marks used.
func (tr *Tracker) absorb(dets []Point) {
	if cap(tr.merged) < len(tr.tracks) {
		tr.merged = make([]Point, len(tr.tracks))
	}
	tr.merged = tr.merged[:len(tr.tracks)]
	for ti := range tr.tracks {
		if tr.hit[ti] {
			tr.merged[ti] = dets[tr.assigned[ti]]
		}
	}
	for di, d := range dets {
		if tr.used[di] || d.Part || !d.hasBox() {
			continue
		}
		best, bestGap := -1, math.Inf(1)
		fragment := false
		for ti, k := range tr.tracks {
			m := &tr.merged[ti]
			if !tr.hit[ti] || !m.hasBox() || k.PeakW == 0 {
				continue
			}
			g := gap(m.Box, d.Box)
			if g > Reach*max(k.PeakW, k.PeakH) || g >= bestGap {
				continue
			}
			u := union(m.Box, d.Box)
			frag := float64(m.Area+d.Area) <= FragmentSlack*float64(k.PeakArea) &&
				u[2]-u[0]+1 <= BoxSlack*k.PeakW && u[3]-u[1]+1 <= BoxSlack*k.PeakH
			if !frag && float64(d.Area) > Carried*float64(m.Area) {
				continue
			}
			best, bestGap, fragment = ti, g, frag
		}
		if best < 0 {
			continue
		}
		tr.used[di] = true
		m := &tr.merged[best]
		m.absorbed = true
		if !fragment {
			continue // carried: the body stays where it is
		}
		n := float64(m.Area + d.Area)
		m.X = (m.X*float64(m.Area) + d.X*float64(d.Area)) / n
		m.Y = (m.Y*float64(m.Area) + d.Y*float64(d.Area)) / n
		m.Area += d.Area
		m.Box = union(m.Box, d.Box)
		m.Border = m.Border || d.Border
	}
}

// gap is the distance between two boxes, 0 if they touch or overlap.
func gap(a, b [4]float64) float64 {
	dx := max(a[0]-b[2], b[0]-a[2], 0)
	dy := max(a[1]-b[3], b[1]-a[3], 0)
	return math.Hypot(dx, dy)
}

func union(a, b [4]float64) [4]float64 {
	return [4]float64{min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])}
}

// mergeFragments ends tracks seen at t that are fragments of an older track
// seen at t, by the fragment rule.
func (tr *Tracker) mergeFragments(t time.Duration) {
	for _, b := range tr.tracks {
		if b.LastSeen != t || b.Confirmed || b.Shared || b.part || b.MergedInto != 0 {
			continue
		}
		for _, a := range tr.tracks {
			if a.ID >= b.ID || a.LastSeen != t || a.Shared || a.part || a.MergedInto != 0 || a.PeakW == 0 || b.Box == ([4]float64{}) {
				continue
			}
			if gap(a.Box, b.Box) > Reach*max(a.PeakW, a.PeakH) {
				continue
			}
			u := union(a.Box, b.Box)
			frag := float64(a.Area+b.Area) <= FragmentSlack*float64(a.PeakArea) &&
				u[2]-u[0]+1 <= BoxSlack*a.PeakW && u[3]-u[1]+1 <= BoxSlack*a.PeakH
			if frag || float64(b.Area) <= Carried*float64(a.Area) {
				b.MergedInto = a.ID
				break
			}
		}
	}
}
