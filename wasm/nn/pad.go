package nn

// Pad is a zero padding of an HWC image: Before and After give the cells
// added on each axis (H, W, C). BlazeFace uses it to widen the residual
// path to the next block's channel count.
type Pad struct {
	Before, After [3]int
}

// OutShape is the padded shape of an h×w×c image.
func (p *Pad) OutShape(h, w, c int) (int, int, int) {
	return h + p.Before[0] + p.After[0], w + p.Before[1] + p.After[1], c + p.Before[2] + p.After[2]
}

// Run writes the padded image into dst.
func (p *Pad) Run(dst, src []float32, h, w, c int) {
	oh, ow, oc := p.OutShape(h, w, c)
	clear(dst[:oh*ow*oc])
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := ((y+p.Before[0])*ow+x+p.Before[1])*oc + p.Before[2]
			copy(dst[o:o+c], src[(y*w+x)*c:][:c])
		}
	}
}
