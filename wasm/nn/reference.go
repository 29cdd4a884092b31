package nn

import "math"

// RunReference executes the graph on in with plain float64 loops written
// straight from the op definitions: no transposed kernels, no blocking, no
// buffer reuse. It is slow and allocates; tests call it to check the fast
// kernels layer by layer (f receives each op's output, indexed like Trace).
func (g *Graph) RunReference(in []float32, f func(op int, out []float64)) {
	acts := make([][]float64, len(g.shapes))
	acts[0] = make([]float64, len(in))
	for i, v := range in {
		acts[0][i] = float64(v)
	}
	for i, op := range g.ops {
		var x []float64
		if len(op.in) > 0 {
			x = acts[op.in[0]]
		}
		s := [3]int{}
		if len(op.in) > 0 {
			s = g.shapes[op.in[0]]
		}
		o := g.shapes[op.out]
		out := make([]float64, size(o))
		switch op.code {
		case opConv:
			c := op.conv
			eachWindow(s, o, c.KH, c.KW, c.Stride, c.Same, func(oy, ox int, taps func(func(iy, ix, k int))) {
				for oc := 0; oc < c.Cout; oc++ {
					sum := float64(c.B[oc])
					taps(func(iy, ix, k int) {
						for ic := 0; ic < c.Cin; ic++ {
							sum += x[(iy*s[1]+ix)*s[2]+ic] * float64(c.W[(k*c.Cin+ic)*c.Cout+oc])
						}
					})
					out[(oy*o[1]+ox)*o[2]+oc] = relu64(sum, c.Relu)
				}
			})
		case opDW:
			d := op.dw
			eachWindow(s, o, d.KH, d.KW, d.Stride, d.Same, func(oy, ox int, taps func(func(iy, ix, k int))) {
				for ch := 0; ch < d.C; ch++ {
					sum := float64(d.B[ch])
					taps(func(iy, ix, k int) { sum += x[(iy*s[1]+ix)*s[2]+ch] * float64(d.W[k*d.C+ch]) })
					out[(oy*o[1]+ox)*o[2]+ch] = relu64(sum, d.Relu)
				}
			})
		case opMaxPool:
			p := op.pool
			eachWindow(s, o, p.KH, p.KW, p.Stride, p.Same, func(oy, ox int, taps func(func(iy, ix, k int))) {
				for ch := 0; ch < o[2]; ch++ {
					m := math.Inf(-1)
					taps(func(iy, ix, _ int) { m = math.Max(m, x[(iy*s[1]+ix)*s[2]+ch]) })
					out[(oy*o[1]+ox)*o[2]+ch] = m
				}
			})
		case opAdd:
			y := acts[op.in[1]]
			for j := range out {
				out[j] = relu64(x[j]+y[j], op.relu)
			}
		case opRelu, -1:
			for j := range out {
				out[j] = relu64(x[j], true)
			}
		case opReshape:
			copy(out, x)
		case opPad:
			p := op.pad
			for y := 0; y < s[0]; y++ {
				for xx := 0; xx < s[1]; xx++ {
					for ch := 0; ch < s[2]; ch++ {
						out[((y+p.Before[0])*o[1]+xx+p.Before[1])*o[2]+ch+p.Before[2]] = x[(y*s[1]+xx)*s[2]+ch]
					}
				}
			}
		case opResize:
			r := op.rs
			src := func(i, in, n int) float64 {
				scale := float64(in) / float64(n)
				if r.AlignCorners && n > 1 {
					scale = float64(in-1) / float64(n-1)
				}
				if r.HalfPixelCtr {
					return math.Max(0, (float64(i)+0.5)*scale-0.5)
				}
				return float64(i) * scale
			}
			at := func(y, xx, ch int) float64 {
				return x[(min(y, s[0]-1)*s[1]+min(xx, s[1]-1))*s[2]+ch]
			}
			for oy := 0; oy < o[0]; oy++ {
				sy := src(oy, s[0], o[0])
				y0, fy := int(sy), sy-math.Floor(sy)
				for ox := 0; ox < o[1]; ox++ {
					sx := src(ox, s[1], o[1])
					x0, fx := int(sx), sx-math.Floor(sx)
					for ch := 0; ch < o[2]; ch++ {
						top := at(y0, x0, ch)*(1-fx) + at(y0, x0+1, ch)*fx
						bot := at(y0+1, x0, ch)*(1-fx) + at(y0+1, x0+1, ch)*fx
						out[(oy*o[1]+ox)*o[2]+ch] = top*(1-fy) + bot*fy
					}
				}
			}
		case opConcat:
			out = out[:0]
			for _, a := range op.in {
				out = append(out, acts[a]...)
			}
		}
		acts[op.out] = out
		if f != nil {
			f(i, out)
		}
	}
}

func relu64(v float64, on bool) float64 {
	if on && v < 0 {
		return 0
	}
	return v
}

// eachWindow calls f for every output pixel (oy, ox) of a kh×kw window op
// from input shape s to output shape o, with its taps: each input pixel
// (iy, ix) the window covers there and the window's index k = ky·kw+kx,
// in that order, the padding left out. Conv, depthwise and max-pool differ
// only in what they do with a tap.
func eachWindow(s, o [3]int, kh, kw, stride int, same bool, f func(oy, ox int, taps func(func(iy, ix, k int)))) {
	_, pt := padOut(s[0], kh, stride, same)
	_, pl := padOut(s[1], kw, stride, same)
	for oy := 0; oy < o[0]; oy++ {
		for ox := 0; ox < o[1]; ox++ {
			f(oy, ox, func(tap func(iy, ix, k int)) {
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						iy, ix := oy*stride+ky-pt, ox*stride+kx-pl
						if iy >= 0 && iy < s[0] && ix >= 0 && ix < s[1] {
							tap(iy, ix, ky*kw+kx)
						}
					}
				}
			})
		}
	}
}
