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
// the same blocked matrix multiply as a pointwise conv. The patch buffer
// is made on the first frame of a size and kept.
func (c *Conv2D) general(dst, src []float32, h, w int) {
	oh, pt := padOut(h, c.KH, c.Stride, c.Same)
	ow, pl := padOut(w, c.KW, c.Stride, c.Same)
	ci, k := c.Cin, c.KH*c.KW*c.Cin
	if len(c.col) != oh*ow*k {
		c.col = make([]float32, oh*ow*k)
	}
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			p := c.col[(oy*ow+ox)*k:][:k]
			for ky := 0; ky < c.KH; ky++ {
				iy := oy*c.Stride + ky - pt
				row := p[ky*c.KW*ci:][:c.KW*ci]
				if iy < 0 || iy >= h {
					clear(row)
					continue
				}
				for kx := 0; kx < c.KW; kx++ {
					ix := ox*c.Stride + kx - pl
					cell := row[kx*ci:][:ci]
					if ix < 0 || ix >= w {
						clear(cell)
						continue
					}
					copy(cell, src[(iy*w+ix)*ci:][:ci])
				}
			}
		}
	}
	pointwise(dst, c.col, oh*ow, k, c.Cout, c.W, c.B)
}

// pointwise is dst[p][:] = b + Σ_i src[p][i]·w[i][:], four pixels and
// four input channels at a time, so each load and store of an output value
// serves four multiply-adds and each weight load four.
func pointwise(dst, src []float32, n, ci, co int, w, b []float32) {
	p := 0
	for ; p+4 <= n; p += 4 {
		o0 := dst[p*co:][:co]
		o1 := dst[(p+1)*co:][:co]
		o2 := dst[(p+2)*co:][:co]
		o3 := dst[(p+3)*co:][:co]
		copy(o0, b)
		copy(o1, b)
		copy(o2, b)
		copy(o3, b)
		x0 := src[p*ci:][:ci]
		x1 := src[(p+1)*ci:][:ci]
		x2 := src[(p+2)*ci:][:ci]
		x3 := src[(p+3)*ci:][:ci]
		i := 0
		for ; i+4 <= ci; i += 4 {
			xa, xb, xc, xd := x0[i:i+4], x1[i:i+4], x2[i:i+4], x3[i:i+4]
			// in locals: the compiler reloads slice elements after each store
			a0, a1, a2, a3 := xa[0], xa[1], xa[2], xa[3]
			b0, b1, b2, b3 := xb[0], xb[1], xb[2], xb[3]
			c0, c1, c2, c3 := xc[0], xc[1], xc[2], xc[3]
			d0, d1, d2, d3 := xd[0], xd[1], xd[2], xd[3]
			w0 := w[i*co:][:co]
			w1 := w[(i+1)*co:][:len(w0)]
			w2 := w[(i+2)*co:][:len(w0)]
			w3 := w[(i+3)*co:][:len(w0)]
			o0, o1, o2, o3 := o0[:len(w0)], o1[:len(w0)], o2[:len(w0)], o3[:len(w0)]
			for j, u0 := range w0 {
				u1, u2, u3 := w1[j], w2[j], w3[j]
				o0[j] += a0*u0 + a1*u1 + a2*u2 + a3*u3
				o1[j] += b0*u0 + b1*u1 + b2*u2 + b3*u3
				o2[j] += c0*u0 + c1*u1 + c2*u2 + c3*u3
				o3[j] += d0*u0 + d1*u1 + d2*u2 + d3*u3
			}
		}
		for ; i < ci; i++ {
			a0, a1, a2, a3 := x0[i], x1[i], x2[i], x3[i]
			wr := w[i*co:][:co]
			o0, o1, o2, o3 := o0[:len(wr)], o1[:len(wr)], o2[:len(wr)], o3[:len(wr)]
			for j, wv := range wr {
				o0[j] += a0 * wv
				o1[j] += a1 * wv
				o2[j] += a2 * wv
				o3[j] += a3 * wv
			}
		}
	}
	for ; p < n; p++ {
		o := dst[p*co:][:co]
		copy(o, b)
		for i, a := range src[p*ci:][:ci] {
			if a == 0 {
				continue
			}
			wr := w[i*co:][:len(o)]
			for j := range o {
				o[j] += a * wr[j]
			}
		}
	}
}
