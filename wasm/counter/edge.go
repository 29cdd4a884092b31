package counter

import (
	"math"

	"github.com/lokaal-nl/lokaal/wasm/track"
)

// Entry rule: a body that walks in at the edge of the picture is counted
// from that edge, not from where it was first detected. With a door line
// close to the edge, a body is already on the line or past it by the time
// enough of it is in view to be a person, the more so when a busy page
// processes only every few frames; counting from the first detection would
// miss the crossing. A track whose first detection touched exactly one
// edge of the picture starts at that detection's centroid projected onto
// the edge, but only once it has walked at least Margin away from that edge:
// someone who steps out from behind a pillar at the edge and walks along it
// did not come in across the line.
//
// The picture is the frame inside any letterbox bars: a camera picture
// fitted into another shape (a 16:9 camera in a 4:3 frame) has rows or
// columns of black around it, and people appear at the picture's edge, not
// the frame's. Bars are found on the learned background, so a dark coat
// does not move them.

// BarLuma is the brightest a letterbox bar is.
const BarLuma = 24

// viewRect returns the inclusive rectangle of mean (w×h) left after
// trimming rows and columns that are all darker than BarLuma from each side,
// or the whole frame if nothing is left.
func viewRect(mean []float32, w, h int) [4]int {
	dark := func(x0, y0, x1, y1 int) bool {
		for y := y0; y <= y1; y++ {
			for _, v := range mean[y*w+x0 : y*w+x1+1] {
				if v > BarLuma {
					return false
				}
			}
		}
		return true
	}
	r := [4]int{0, 0, w - 1, h - 1}
	for r[1] < r[3] && dark(0, r[1], w-1, r[1]) {
		r[1]++
	}
	for r[3] > r[1] && dark(0, r[3], w-1, r[3]) {
		r[3]--
	}
	for r[0] < r[2] && dark(r[0], r[1], r[0], r[3]) {
		r[0]++
	}
	for r[2] > r[0] && dark(r[2], r[1], r[2], r[3]) {
		r[2]--
	}
	if r[0] == r[2] || r[1] == r[3] {
		return [4]int{0, 0, w - 1, h - 1}
	}
	return r
}

// walkedIn reports whether k is now at least margin farther from the edge
// it was born at than it was at birth.
func walkedIn(k *track.Track, margin float64) bool {
	nx, ny := k.FirstX-k.EdgeX, k.FirstY-k.EdgeY
	d0 := math.Hypot(nx, ny)
	if d0 == 0 {
		return false
	}
	return ((k.X-k.EdgeX)*nx+(k.Y-k.EdgeY)*ny)/d0 >= d0+margin
}
