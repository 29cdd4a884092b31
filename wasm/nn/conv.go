package nn

// Conv2D is a 2-D convolution over an HWC image with TFLite's SAME/VALID
// padding, stride and an optional fused ReLU. The kernel is kept as
// [KH][KW][Cin][Cout] (transposed once from TFLite's OHWI at load) so the
// innermost loop runs over output channels on contiguous memory: one input
// value times one weight row, which the compiler keeps free of bounds
// checks. 1×1 stride-1 kernels (BlazeFace's pointwise convs, most of its
// work) take a blocked matrix-multiply path.
type Conv2D struct {
	KH, KW, Cin, Cout int
	Stride            int
	Same              bool // TFLite SAME padding (else VALID)
	Relu              bool
	W                 []float32 // [KH][KW][Cin][Cout]
	B                 []float32 // [Cout]
	col               []float32 // patch rows of the last frame size
	wk                []float32 // W with zero rows up to a multiple of 4 (general)
}

// NewConv2D takes TFLite's OHWI kernel and bias.
func NewConv2D(ohwi, bias []float32, cout, kh, kw, cin, stride int, same, relu bool) *Conv2D {
	c := &Conv2D{KH: kh, KW: kw, Cin: cin, Cout: cout, Stride: stride, Same: same, Relu: relu,
		W: make([]float32, len(ohwi)), B: append([]float32(nil), bias...)}
	for o := 0; o < cout; o++ {
		for y := 0; y < kh; y++ {
			for x := 0; x < kw; x++ {
				for i := 0; i < cin; i++ {
					c.W[((y*kw+x)*cin+i)*cout+o] = ohwi[((o*kh+y)*kw+x)*cin+i]
				}
			}
		}
	}
	return c
}

// padOut is TFLite's output size and leading padding for one axis.
func padOut(in, k, s int, same bool) (out, before int) {
	if !same {
		return (in-k)/s + 1, 0
	}
	out = (in + s - 1) / s
	total := (out-1)*s + k - in
	if total < 0 {
		total = 0
	}
	return out, total / 2
}

// OutSize is the output height and width for an h×w input.
func (c *Conv2D) OutSize(h, w int) (int, int) {
	oh, _ := padOut(h, c.KH, c.Stride, c.Same)
	ow, _ := padOut(w, c.KW, c.Stride, c.Same)
	return oh, ow
}

// Run computes dst (oh×ow×Cout) from src (h×w×Cin).
func (c *Conv2D) Run(dst, src []float32, h, w int) {
	if c.KH == 1 && c.KW == 1 && c.Stride == 1 {
		pointwise(dst, src, h*w, c.Cin, c.Cout, c.W, c.B)
	} else {
		c.general(dst, src, h, w)
	}
	if c.Relu {
		Relu(dst)
	}
}

// general gathers each output pixel's KH×KW×Cin input patch into one row
// (zeros where the window hangs over the edge), so the convolution becomes
// the same blocked matrix multiply as a pointwise conv. Each kernel row of
// a patch is one contiguous run of the input unless the window hangs over
// the left or right edge, so it is one copy, not KW. Patch rows are padded
// with zeros to a multiple of four values (75 → 76 for BlazeFace's first
// 5×5×3 kernel), as are W's rows, so the multiply never takes its slow
// one-input path. The patch buffer is made on the first frame of a size
// and kept.
func (c *Conv2D) general(dst, src []float32, h, w int) {
	oh, pt := padOut(h, c.KH, c.Stride, c.Same)
	ow, pl := padOut(w, c.KW, c.Stride, c.Same)
	ci, k := c.Cin, c.KH*c.KW*c.Cin
	kp := (k + 3) &^ 3
	if c.wk == nil {
		c.wk = make([]float32, kp*c.Cout)
		copy(c.wk, c.W)
	}
	if len(c.col) != oh*ow*kp {
		c.col = make([]float32, oh*ow*kp) // the padding stays zero
	}
	span := c.KW * ci // one kernel row of a patch: contiguous in src too
	for oy := 0; oy < oh; oy++ {
		for ky := 0; ky < c.KH; ky++ {
			iy := oy*c.Stride + ky - pt
			for ox := 0; ox < ow; ox++ {
				row := c.col[(oy*ow+ox)*kp+ky*span:][:span]
				ix := ox*c.Stride - pl
				switch {
				case iy < 0 || iy >= h:
					clear(row)
				case ix >= 0 && ix+c.KW <= w: // the window row lies inside: one copy
					copy(row, src[(iy*w+ix)*ci:][:span])
				default:
					for kx := 0; kx < c.KW; kx++ {
						cell := row[kx*ci:][:ci]
						if ix+kx < 0 || ix+kx >= w {
							clear(cell)
						} else {
							copy(cell, src[(iy*w+ix+kx)*ci:][:ci])
						}
					}
				}
			}
		}
	}
	pointwise(dst, c.col, oh*ow, kp, c.Cout, c.wk, c.B)
}
