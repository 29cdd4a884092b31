package nn

// Depthwise is a depthwise 2-D convolution (depth multiplier 1) over an
// HWC image with TFLite padding and an optional fused ReLU. The kernel is
// TFLite's [1][KH][KW][C] as is: the inner loop runs over channels, which
// are contiguous in both the image and the kernel.
type Depthwise struct {
	KH, KW, C int
	Stride    int
	Same      bool
	Relu      bool
	W         []float32 // [KH][KW][C]
	B         []float32 // [C]
}

// OutSize is the output height and width for an h×w input.
func (d *Depthwise) OutSize(h, w int) (int, int) {
	oh, _ := padOut(h, d.KH, d.Stride, d.Same)
	ow, _ := padOut(w, d.KW, d.Stride, d.Same)
	return oh, ow
}

// Run computes dst (oh×ow×C) from src (h×w×C).
func (d *Depthwise) Run(dst, src []float32, h, w int) {
	oh, pt := padOut(h, d.KH, d.Stride, d.Same)
	ow, pl := padOut(w, d.KW, d.Stride, d.Same)
	c := d.C
	for oy := 0; oy < oh; oy++ {
		iy := oy*d.Stride - pt
		for ox := 0; ox < ow; ox++ {
			if ix := ox*d.Stride - pl; d.KH == 3 && d.KW == 3 && iy >= 0 && iy+2 < h && ix >= 0 && ix+2 < w {
				d.inner3(dst[(oy*ow+ox)*c:][:c], src, (iy*w+ix)*c, w*c)
				continue
			}
			o := dst[(oy*ow+ox)*c:][:c]
			copy(o, d.B)
			for ky := 0; ky < d.KH; ky++ {
				iy := oy*d.Stride + ky - pt
				if iy < 0 || iy >= h {
					continue
				}
				for kx := 0; kx < d.KW; kx++ {
					ix := ox*d.Stride + kx - pl
					if ix < 0 || ix >= w {
						continue
					}
					in := src[(iy*w+ix)*c:][:len(o)]
					wk := d.W[(ky*d.KW+kx)*c:][:len(o)]
					for j := range o {
						o[j] += in[j] * wk[j]
					}
				}
			}
			if d.Relu {
				for j, v := range o {
					if v < 0 {
						o[j] = 0
					}
				}
			}
		}
	}
}
