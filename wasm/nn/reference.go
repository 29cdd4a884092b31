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
			_, pt := padOut(s[0], c.KH, c.Stride, c.Same)
			_, pl := padOut(s[1], c.KW, c.Stride, c.Same)
			for oy := 0; oy < o[0]; oy++ {
				for ox := 0; ox < o[1]; ox++ {
					for oc := 0; oc < c.Cout; oc++ {
						sum := float64(c.B[oc])
						for ky := 0; ky < c.KH; ky++ {
							for kx := 0; kx < c.KW; kx++ {
								iy, ix := oy*c.Stride+ky-pt, ox*c.Stride+kx-pl
								if iy < 0 || iy >= s[0] || ix < 0 || ix >= s[1] {
									continue
								}
								for ic := 0; ic < c.Cin; ic++ {
									sum += x[(iy*s[1]+ix)*s[2]+ic] * float64(c.W[((ky*c.KW+kx)*c.Cin+ic)*c.Cout+oc])
								}
							}
						}
						out[(oy*o[1]+ox)*o[2]+oc] = relu64(sum, c.Relu)
					}
				}
			}
		case opDW:
			d := op.dw
			_, pt := padOut(s[0], d.KH, d.Stride, d.Same)
			_, pl := padOut(s[1], d.KW, d.Stride, d.Same)
			for oy := 0; oy < o[0]; oy++ {
				for ox := 0; ox < o[1]; ox++ {
					for ch := 0; ch < d.C; ch++ {
						sum := float64(d.B[ch])
						for ky := 0; ky < d.KH; ky++ {
							for kx := 0; kx < d.KW; kx++ {
								iy, ix := oy*d.Stride+ky-pt, ox*d.Stride+kx-pl
								if iy >= 0 && iy < s[0] && ix >= 0 && ix < s[1] {
									sum += x[(iy*s[1]+ix)*s[2]+ch] * float64(d.W[(ky*d.KW+kx)*d.C+ch])
								}
							}
						}
						out[(oy*o[1]+ox)*o[2]+ch] = relu64(sum, d.Relu)
					}
				}
			}
		case opMaxPool:
			p := op.pool
			_, pt := padOut(s[0], p.KH, p.Stride, p.Same)
			_, pl := padOut(s[1], p.KW, p.Stride, p.Same)
			for oy := 0; oy < o[0]; oy++ {
				for ox := 0; ox < o[1]; ox++ {
					for ch := 0; ch < o[2]; ch++ {
						m := math.Inf(-1)
						for ky := 0; ky < p.KH; ky++ {
							for kx := 0; kx < p.KW; kx++ {
								iy, ix := oy*p.Stride+ky-pt, ox*p.Stride+kx-pl
								if iy >= 0 && iy < s[0] && ix >= 0 && ix < s[1] {
									m = math.Max(m, x[(iy*s[1]+ix)*s[2]+ch])
								}
							}
						}
						out[(oy*o[1]+ox)*o[2]+ch] = m
					}
				}
			}
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
