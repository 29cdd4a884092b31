package nn

import "math"

// MaxPool2D takes the maximum over each KH×KW window of an HWC image.
// With SAME padding the padded cells are ignored, not zeros, as in TFLite.
type MaxPool2D struct {
	KH, KW, Stride int
	Same           bool
}

// OutSize is the output height and width for an h×w input.
func (p *MaxPool2D) OutSize(h, w int) (int, int) {
	oh, _ := padOut(h, p.KH, p.Stride, p.Same)
	ow, _ := padOut(w, p.KW, p.Stride, p.Same)
	return oh, ow
}

// Run computes dst (oh×ow×c) from src (h×w×c).
func (p *MaxPool2D) Run(dst, src []float32, h, w, c int) {
	oh, pt := padOut(h, p.KH, p.Stride, p.Same)
	ow, pl := padOut(w, p.KW, p.Stride, p.Same)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			o := dst[(oy*ow+ox)*c:][:c]
			for j := range o {
				o[j] = float32(math.Inf(-1))
			}
			for ky := 0; ky < p.KH; ky++ {
				iy := oy*p.Stride + ky - pt
				if iy < 0 || iy >= h {
					continue
				}
				for kx := 0; kx < p.KW; kx++ {
					ix := ox*p.Stride + kx - pl
					if ix < 0 || ix >= w {
						continue
					}
					maxInto(o, src[(iy*w+ix)*c:][:len(o)])
				}
			}
		}
	}
}
