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

// Run computes dst (oh×ow×C) from src (h×w×C). A 3×3 kernel's output
// pixels whose window lies inside the image (nearly all) go to row3 a
// whole row run at a time; the rest take the general per-tap path.
func (d *Depthwise) Run(dst, src []float32, h, w int) {
	oh, pt := padOut(h, d.KH, d.Stride, d.Same)
	ow, pl := padOut(w, d.KW, d.Stride, d.Same)
	c, s := d.C, d.Stride
	// interior columns: ox*s-pl ≥ 0 and ox*s-pl+2 < w
	ox0 := (pl + s - 1) / s
	ox1 := ox0
	for ox1 < ow && ox1*s-pl+2 < w {
		ox1++
	}
	for oy := 0; oy < oh; oy++ {
		iy := oy*s - pt
		lo, hi := 0, 0 // the row3 run, empty unless the 3×3 window rows are inside
		if d.KH == 3 && d.KW == 3 && iy >= 0 && iy+2 < h && ox0 < ox1 {
			lo, hi = ox0, ox1
			d.row3(dst[(oy*ow+lo)*c:][:(hi-lo)*c], src, (iy*w+lo*s-pl)*c, w*c, s*c)
		}
		for ox := 0; ox < ow; ox++ {
			if ox == lo && lo < hi {
				ox = hi - 1
				continue
			}
			d.pixel(dst[(oy*ow+ox)*c:][:c], src, h, w, oy*s-pt, ox*s-pl)
		}
	}
}

// pixel is one output pixel whose window starts at input (iy, ix) and may
// hang over the edges, where the padding counts as zero.
func (d *Depthwise) pixel(o, src []float32, h, w, iy, ix int) {
	c := d.C
	copy(o, d.B)
	for ky := 0; ky < d.KH; ky++ {
		if iy+ky < 0 || iy+ky >= h {
			continue
		}
		for kx := 0; kx < d.KW; kx++ {
			if ix+kx < 0 || ix+kx >= w {
				continue
			}
			in := src[((iy+ky)*w+ix+kx)*c:][:len(o)]
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
