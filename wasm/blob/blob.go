// Package blob turns a raw foreground mask into person-sized blobs: it
// removes cast shadows, cleans the mask with morphology, labels connected
// components and splits components that hold several people side by side.
//
// Masks are []uint8 of w*h with 1 for foreground, 0 for background.
package blob

// Shadow rule: a shadow darkens the floor by a roughly constant factor and
// keeps its texture, so the ratio frame/background is in a band and hardly
// varies between neighbours. A person's clothes replace the texture. Where
// the background has no texture (a white wall) the test proves nothing and
// would eat a grey shirt, so such pixels are never taken for shadow.
const (
	ShadowMinTexture = 6    // background gray-level step to a neighbour that counts as texture
	ShadowMinRatio   = 0.45 // darker than this is an object, not a shadow
	ShadowMaxRatio   = 0.92 // lighter than this is not changed enough to be a shadow
	ShadowFlatness   = 0.07 // largest ratio difference between neighbours
)

// SuppressShadows clears mask pixels that look like a cast shadow on the
// background mean.
func SuppressShadows(mask, gray []uint8, mean []float32, w, h int) {
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			if mask[i] == 0 {
				continue
			}
			r := ratio(gray, mean, i)
			if r < ShadowMinRatio || r > ShadowMaxRatio {
				continue
			}
			m := mean[i]
			if max(abs(mean[i-1]-m), abs(mean[i+1]-m), abs(mean[i-w]-m), abs(mean[i+w]-m)) < ShadowMinTexture {
				continue
			}
			if flat(r, ratio(gray, mean, i-1)) && flat(r, ratio(gray, mean, i+1)) &&
				flat(r, ratio(gray, mean, i-w)) && flat(r, ratio(gray, mean, i+w)) {
				mask[i] = 0
			}
		}
	}
}

func ratio(gray []uint8, mean []float32, i int) float32 {
	return (float32(gray[i]) + 1) / (mean[i] + 1)
}

func flat(a, b float32) bool { return a-b < ShadowFlatness && b-a < ShadowFlatness }

// Morphology holds scratch space for binary erosion and dilation with a
// square structuring element, done as two separable 1-D passes with
// running counts, so the cost does not grow with the radius.
type Morphology struct {
	w, h int
	tmp  []uint8
	cnt  []int32
}

// NewMorphology returns scratch space for w×h masks.
func NewMorphology(w, h int) *Morphology {
	return &Morphology{w: w, h: h, tmp: make([]uint8, w*h), cnt: make([]int32, w)}
}

// Open removes specks smaller than a (2r+1)² square.
func (m *Morphology) Open(mask []uint8, r int) {
	m.filter(mask, r, false)
	m.filter(mask, r, true)
}

// Close fills holes and gaps narrower than a (2r+1)² square.
func (m *Morphology) Close(mask []uint8, r int) {
	m.filter(mask, r, true)
	m.filter(mask, r, false)
}

// Dilate grows the set pixels by r.
func (m *Morphology) Dilate(mask []uint8, r int) { m.filter(mask, r, true) }

// filter dilates (max) or erodes (min) mask in place. Pixels outside the
// frame count as background for dilation and foreground for erosion, so a
// person cut by the frame edge is not eaten away.
func (m *Morphology) filter(mask []uint8, r int, dilate bool) {
	w, h := m.w, m.h
	out := int32(1)
	if dilate {
		out = 0
	}
	size := int32(2*r + 1)
	// Horizontal pass: mask rows into tmp rows.
	for y := range h {
		src, dst := mask[y*w:y*w+w], m.tmp[y*w:y*w+w]
		set := out * int32(r) // the r pixels left of the row
		for x := 0; x < r; x++ {
			set += at(src, x, out)
		}
		for x := range dst {
			set += at(src, x+r, out)
			dst[x] = hit(set, size, dilate)
			set -= at(src, x-r, out)
		}
	}
	// Vertical pass: a running count per column, a whole row at a time.
	cnt := m.cnt
	for x := range cnt {
		cnt[x] = out * int32(r)
	}
	for y := 0; y < r; y++ {
		addRow(cnt, m.tmp, w, h, y, out, 1)
	}
	for y := range h {
		addRow(cnt, m.tmp, w, h, y+r, out, 1)
		dst := mask[y*w : y*w+w]
		for x, c := range cnt {
			dst[x] = hit(c, size, dilate)
		}
		addRow(cnt, m.tmp, w, h, y-r, out, -1)
	}
}

// at is src[x], or out beyond either end.
func at(src []uint8, x int, out int32) int32 {
	if x < 0 || x >= len(src) {
		return out
	}
	return int32(src[x])
}

// addRow adds sign times row y of src (or out, outside the frame) to cnt.
func addRow(cnt []int32, src []uint8, w, h, y int, out, sign int32) {
	if y < 0 || y >= h {
		for x := range cnt {
			cnt[x] += sign * out
		}
		return
	}
	row := src[y*w : y*w+w]
	for x, v := range row {
		cnt[x] += sign * int32(v)
	}
}

// hit is the filter's output for a window holding set of size pixels.
func hit(set, size int32, dilate bool) uint8 {
	if dilate && set > 0 || !dilate && set == size {
		return 1
	}
	return 0
}

func abs(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
