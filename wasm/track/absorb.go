package track

import (
	"math"
	"slices"
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
			if g > Reach*max(k.PeakW, k.PeakH, tr.person.w, tr.person.h) || g >= bestGap {
				continue
			}
			u := union(m.Box, d.Box)
			frag := float64(m.Area+d.Area) <= FragmentSlack*float64(k.PeakArea) &&
				u[2]-u[0]+1 <= BoxSlack*k.PeakW && u[3]-u[1]+1 <= BoxSlack*k.PeakH ||
				tr.person.fits(m.Area+d.Area, u)
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
// seen at t, by the fragment rule or the halves rule.
func (tr *Tracker) mergeFragments(t time.Duration) {
	for _, b := range tr.tracks {
		if b.LastSeen != t || b.Confirmed || b.Shared || b.part || b.MergedInto != 0 {
			continue
		}
		for _, a := range tr.tracks {
			if a.ID >= b.ID || a.LastSeen != t || a.Shared || a.part || a.MergedInto != 0 || a.PeakW == 0 || b.Box == ([4]float64{}) {
				continue
			}
			if gap(a.Box, b.Box) > Reach*max(a.PeakW, a.PeakH, tr.person.w, tr.person.h) {
				continue
			}
			u := union(a.Box, b.Box)
			frag := float64(a.Area+b.Area) <= FragmentSlack*float64(a.PeakArea) &&
				u[2]-u[0]+1 <= BoxSlack*a.PeakW && u[3]-u[1]+1 <= BoxSlack*a.PeakH
			if frag || float64(b.Area) <= Carried*float64(a.Area) || tr.halves(a, b) {
				b.MergedInto = a.ID
				break
			}
		}
	}
}

// Halves rule: a person split from the first frame (a stripe along or
// across the whole coat) is never seen whole, so the fragment rule, which
// measures against the track's own size, sees two people. The tracker
// therefore learns the size of one person at this camera: the median of
// the largest area, width and height of the last PersonSamples tracks that
// ended counted as one person (confirmed, no fragment, never sharing a
// blob). A detection beside a track's is a fragment when together they are
// not larger than that person (FragmentSlack, BoxSlack), and two tracks,
// the younger not yet confirmed, are one person when that holds and they
// move together. Two people side by side or one behind the other
// span two person widths or lengths and stay two. The first person of a
// day has nothing to be measured against.
const PersonSamples = 15

// personSize is the learned size of one person; zero until one ended.
type personSize struct {
	area, w, h float64
	areas      []float64 // the samples, oldest first
	ws, hs     []float64
	sorted     []float64 // scratch for the medians
}

func (p *personSize) add(k *Track) {
	if !k.Confirmed || k.MergedInto != 0 || k.everShared || k.PeakW == 0 {
		return
	}
	push := func(v []float64, x float64) []float64 {
		if len(v) == PersonSamples {
			v = append(v[:0], v[1:]...)
		}
		return append(v, x)
	}
	p.areas, p.ws, p.hs = push(p.areas, float64(k.PeakArea)), push(p.ws, k.PeakW), push(p.hs, k.PeakH)
	p.area, p.w, p.h = p.median(p.areas), p.median(p.ws), p.median(p.hs)
}

func (p *personSize) median(v []float64) float64 {
	p.sorted = append(p.sorted[:0], v...)
	slices.Sort(p.sorted)
	return p.sorted[len(p.sorted)/2]
}

// fits reports whether area within box u is not larger than one person,
// by the fragment rule's slack; never before a person was measured.
func (p *personSize) fits(area int, u [4]float64) bool {
	return p.area > 0 && float64(area) <= FragmentSlack*p.area && u[2]-u[0]+1 <= BoxSlack*p.w && u[3]-u[1]+1 <= BoxSlack*p.h
}

// halves reports whether tracks a and b, both seen this frame, are the
// two halves of one person by the halves rule.
func (tr *Tracker) halves(a, b *Track) bool {
	p := &tr.person
	if b.Box == ([4]float64{}) {
		return false
	}
	if !p.fits(a.Area+b.Area, union(a.Box, b.Box)) {
		return false
	}
	// Moving together: velocities differ by less than two person sizes a
	// second (a half emerging at the frame edge lags; people passing each
	// other differ by twice their walking speed).
	return math.Hypot(a.VX-b.VX, a.VY-b.VY) < 2*max(p.w, p.h)
}
