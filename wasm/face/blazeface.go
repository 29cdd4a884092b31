package face

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

// BlazeFace is MediaPipe's BlazeFace face detector (the short-range or the
// full-range model of @mediapipe/face_detection) run on the nn core: the
// frame is letterboxed into the model's square input, the network scores
// one box and six keypoints per SSD anchor, and overlapping detections are
// merged by MediaPipe's weighted non-max suppression. Which model a
// weights file holds is read from its input size (128 short, 192 full).
//
// All buffers are made at NewBlazeFace or on the first frame of a new size;
// Detect allocates nothing after that. Not safe for concurrent use.
type BlazeFace struct {
	g      *nn.Graph
	size   int // input side
	reg    []float32
	cls    []float32
	anchor [][2]float32 // anchor centres, in input fractions
	// MinScore is the smallest sigmoid score kept; IoU the overlap above
	// which detections merge. See DefaultBlazeFaceMinScore.
	MinScore float32
	IoU      float32

	fw, fh int      // frame size the sampling tables are for
	xs, ys []span   // source spans of each input column / row
	sums   []uint32 // one input row's pixel sums, RGB
	cands  []cand2
	merged []cand2
	faces  []Face
	used   []bool
}

// DefaultBlazeFaceMinScore and DefaultBlazeFaceFullMinScore are MediaPipe's own thresholds for the short and full range models.
const (
	DefaultBlazeFaceMinScore     = 0.5
	DefaultBlazeFaceFullMinScore = 0.6
)

type span struct{ lo, hi int } // [lo, hi) in source pixels; lo == hi is padding

// cand2 is one decoded detection in input fractions: centre, size and
// keypoints.
type cand2 struct {
	score      float32
	x, y, w, h float32
	kp         [6][2]float32
}

// NewBlazeFace loads an LKNN file written by modelgen blazeface-short or
// blazeface-full.
func NewBlazeFace(weights []byte) (*BlazeFace, error) {
	w, err := nn.Decode(weights)
	if err != nil {
		return nil, err
	}
	g, err := nn.LoadGraph(w, true)
	if err != nil {
		return nil, err
	}
	in := g.GraphInput()
	d := &BlazeFace{g: g, size: in[0], MinScore: DefaultBlazeFaceMinScore, IoU: 0.3}
	if in[0] != in[1] || in[2] != 3 || g.NumOutputs() != 2 {
		return nil, fmt.Errorf("face: model input %v with %d outputs is not BlazeFace", in, g.NumOutputs())
	}
	for i := 0; i < 2; i++ {
		o := g.Output(i)
		switch {
		case len(o)%16 == 0 && len(o) > 16 && d.reg == nil:
			d.reg = o
		default:
			d.cls = o
		}
	}
	switch in[0] {
	case 128:
		// MediaPipe face_detection_short_range: 4 layers, strides 8, 16,
		// 16, 16, aspect ratio 1 plus an interpolated one: 2 anchors per
		// 16×16 cell, 6 per 8×8 cell.
		d.anchor = ssdAnchors(128, []int{8, 16, 16, 16}, 2)
	case 192:
		// face_detection_full_range: one layer of stride 4, no
		// interpolated ratio: 1 anchor per 48×48 cell.
		d.anchor = ssdAnchors(192, []int{4}, 1)
	default:
		return nil, fmt.Errorf("face: BlazeFace input %d×%d is neither short (128) nor full range (192)", in[0], in[1])
	}
	if d.reg == nil || len(d.cls) != len(d.anchor) || len(d.reg) != 16*len(d.anchor) {
		return nil, fmt.Errorf("face: model outputs do not fit %d anchors", len(d.anchor))
	}
	d.sums = make([]uint32, 3*d.size)
	d.used = make([]bool, 0, 64)
	return d, nil
}

// ssdAnchors is MediaPipe's SsdAnchorsCalculator with fixed_anchor_size:
// consecutive layers of the same stride share one grid, each adding per
// cell perLayer anchors, all centred on the cell (offset 0.5).
func ssdAnchors(size int, strides []int, perLayer int) [][2]float32 {
	var out [][2]float32
	for i := 0; i < len(strides); {
		j := i
		for j < len(strides) && strides[j] == strides[i] {
			j++
		}
		n := (size + strides[i] - 1) / strides[i]
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				for k := 0; k < (j-i)*perLayer; k++ {
					out = append(out, [2]float32{(float32(x) + 0.5) / float32(n), (float32(y) + 0.5) / float32(n)})
				}
			}
		}
		i = j
	}
	return out
}

// InputSize is the model's input side: 128 short range, 192 full range.
func (d *BlazeFace) InputSize() int { return d.size }

// Detect finds faces in an RGBA frame (w*h*4 bytes), best first. The
// returned slice is reused by the next call.
func (d *BlazeFace) Detect(rgba []byte, w, h int) ([]Face, error) {
	if w <= 0 || h <= 0 || w > 1<<14 || h > 1<<14 || len(rgba) != w*h*4 {
		return nil, errors.New("face: frame is not w*h RGBA")
	}
	d.letterbox(rgba, w, h)
	d.g.Run()
	d.decode()
	d.nms()
	// back from the letterboxed square to frame pixels
	s := float32(max(w, h))
	ox, oy := (s-float32(w))/2, (s-float32(h))/2
	px := func(v, o float32) int { return int(math.Round(float64(v*s - o))) }
	d.faces = d.faces[:0]
	for _, c := range d.merged {
		f := Face{
			X: px(c.x-c.w/2, ox), Y: px(c.y-c.h/2, oy),
			Score: c.score,
		}
		f.W = px(c.x+c.w/2, ox) - f.X
		f.H = px(c.y+c.h/2, oy) - f.Y
		for k := range c.kp {
			f.Keypoints[k] = [2]int{px(c.kp[k][0], ox), px(c.kp[k][1], oy)}
		}
		d.faces = append(d.faces, f)
	}
	return d.faces, nil
}

// letterbox fits the frame into the square input keeping its aspect ratio,
// centred, padding with black (-1 after normalisation, as MediaPipe's
// zero border), each input pixel the mean of the source pixels it covers:
// an area filter, since a 640-wide frame shrinks 5× and point sampling
// would alias. Values are scaled from [0, 255] to [-1, 1].
func (d *BlazeFace) letterbox(rgba []byte, w, h int) {
	if d.fw != w || d.fh != h {
		d.fw, d.fh = w, h
		d.xs = spans(d.xs[:0], d.size, w, max(w, h))
		d.ys = spans(d.ys[:0], d.size, h, max(w, h))
	}
	in := d.g.Input()
	S := d.size
	for iy, ys := range d.ys {
		out := in[iy*S*3:][:S*3]
		if ys.lo == ys.hi {
			for i := range out {
				out[i] = -1
			}
			continue
		}
		sums := d.sums[:3*len(d.xs)]
		clear(sums)
		// Sum the source rows of this input row, column span by span, in
		// integers: exact, so the result does not depend on the order.
		for y := ys.lo; y < ys.hi; y++ {
			src := rgba[y*w*4:][:w*4]
			for ix, xs := range d.xs {
				px := src[4*xs.lo : 4*xs.hi]
				var r, g, b uint32
				for len(px) >= 4 {
					r += uint32(px[0])
					g += uint32(px[1])
					b += uint32(px[2])
					px = px[4:]
				}
				s := sums[3*ix:][:3]
				s[0] += r
				s[1] += g
				s[2] += b
			}
		}
		for ix, xs := range d.xs {
			n := (xs.hi - xs.lo) * (ys.hi - ys.lo)
			o, s := out[3*ix:][:3], sums[3*ix:][:3]
			if n == 0 {
				o[0], o[1], o[2] = -1, -1, -1
				continue
			}
			k := 1 / (127.5 * float32(n))
			o[0] = float32(s[0])*k - 1
			o[1] = float32(s[1])*k - 1
			o[2] = float32(s[2])*k - 1
		}
	}
}

// spans maps each of the S input cells on one axis to the source pixels
// it covers, for a source of n pixels centred in a square of side m.
func spans(dst []span, S, n, m int) []span {
	off := float64(m-n) / 2
	scale := float64(m) / float64(S)
	for i := 0; i < S; i++ {
		lo := int(math.Round(float64(i)*scale - off))
		hi := int(math.Round(float64(i+1)*scale - off))
		lo, hi = max(lo, 0), min(hi, n)
		if hi <= lo {
			lo, hi = 0, 0
		}
		dst = append(dst, span{lo, hi})
	}
	return dst
}

// decode is MediaPipe's TensorsToDetectionsCalculator for BlazeFace:
// sigmoid scores (logits clipped to ±100), box centre and size and the
// keypoints as offsets in input pixels from the anchor centre
// (fixed-size anchors, so the scale is the input side).
func (d *BlazeFace) decode() {
	d.cands = d.cands[:0]
	S := float32(d.size)
	// logit threshold: sigmoid(l) >= MinScore
	for i, a := range d.anchor {
		l := min(max(d.cls[i], -100), 100)
		sc := float32(1 / (1 + math.Exp(-float64(l))))
		if sc < d.MinScore {
			continue
		}
		r := d.reg[16*i:][:16]
		c := cand2{score: sc, x: r[0]/S + a[0], y: r[1]/S + a[1], w: r[2] / S, h: r[3] / S}
		for k := 0; k < 6; k++ {
			c.kp[k] = [2]float32{r[4+2*k]/S + a[0], r[5+2*k]/S + a[1]}
		}
		if c.w <= 0 || c.h <= 0 {
			continue
		}
		d.cands = append(d.cands, c)
	}
}

// nms is MediaPipe's weighted non-max suppression: take the best
// remaining detection, gather every remaining one overlapping it by more
// than IoU, and replace them with their score-weighted mean box and
// keypoints, keeping the best score.
func (d *BlazeFace) nms() {
	slices.SortFunc(d.cands, func(a, b cand2) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	d.used = d.used[:0]
	for range d.cands {
		d.used = append(d.used, false)
	}
	d.merged = d.merged[:0]
	for i, c := range d.cands {
		if d.used[i] {
			continue
		}
		var m cand2
		var tw float32
		for j := i; j < len(d.cands); j++ {
			o := d.cands[j]
			if d.used[j] || (j != i && boxIoU(c, o) <= d.IoU) {
				continue
			}
			d.used[j] = true
			tw += o.score
			m.x += o.score * o.x
			m.y += o.score * o.y
			m.w += o.score * o.w
			m.h += o.score * o.h
			for k := range m.kp {
				m.kp[k][0] += o.score * o.kp[k][0]
				m.kp[k][1] += o.score * o.kp[k][1]
			}
		}
		m.x, m.y, m.w, m.h = m.x/tw, m.y/tw, m.w/tw, m.h/tw
		for k := range m.kp {
			m.kp[k][0] /= tw
			m.kp[k][1] /= tw
		}
		m.score = c.score
		d.merged = append(d.merged, m)
	}
}

func boxIoU(a, b cand2) float32 {
	ix := min(a.x+a.w/2, b.x+b.w/2) - max(a.x-a.w/2, b.x-b.w/2)
	iy := min(a.y+a.h/2, b.y+b.h/2) - max(a.y-a.h/2, b.y-b.h/2)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	in := ix * iy
	return in / (a.w*a.h + b.w*b.h - in)
}

// Yaw estimates how far the head is turned from BlazeFace's keypoints:
// the nose tip's horizontal offset from the eye midpoint, in eye
// distances. About 0 facing the camera; its magnitude grows as the head
// turns (sign: positive when the nose is image-right of the eyes). 0 when
// the face has no keypoints.
func (f Face) Yaw() float32 {
	re, le, nose := f.Keypoints[0], f.Keypoints[1], f.Keypoints[2]
	dx, dy := float64(le[0]-re[0]), float64(le[1]-re[1])
	eye := math.Hypot(dx, dy)
	if eye < 1 {
		return 0
	}
	mx, my := float64(re[0]+le[0])/2, float64(re[1]+le[1])/2
	// project the nose offset onto the eye axis, so head roll does not read as yaw
	return float32(((float64(nose[0])-mx)*dx + (float64(nose[1])-my)*dy) / (eye * eye))
}
