package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// The image kernels against their definitions on shapes that reach every
// path: channel counts that are and are not multiples of the four SIMD
// lanes, both strides, SAME and VALID, images small enough that most
// windows touch an edge and large enough that whole interior runs occur.

// window visits the in-image taps of output pixel (oy, ox).
func window(h, w, kh, kw, s, pt, pl, oy, ox int, f func(ky, kx, iy, ix int)) {
	for ky := 0; ky < kh; ky++ {
		for kx := 0; kx < kw; kx++ {
			iy, ix := oy*s+ky-pt, ox*s+kx-pl
			if iy >= 0 && iy < h && ix >= 0 && ix < w {
				f(ky, kx, iy, ix)
			}
		}
	}
}

// near checks got against want within float32 rounding of a sum whose
// terms' magnitudes add up to scale[i] (nil: |want[i]|).
func near(t *testing.T, what string, got []float32, want, scale []float64) {
	t.Helper()
	for i, v := range want {
		m := math.Abs(v)
		if scale != nil {
			m = scale[i]
		}
		if math.Abs(float64(got[i])-v) > 1e-6*math.Max(1, m) {
			t.Fatalf("%s [%d]: %g, want %g", what, i, got[i], v)
		}
	}
}

func TestImageKernels(t *testing.T) {
	r := rand.New(rand.NewSource(34))
	for _, sz := range [][2]int{{5, 4}, {9, 13}, {16, 16}} {
		h, w := sz[0], sz[1]
		for _, c := range []int{3, 4, 5, 8, 13} {
			for _, s := range []int{1, 2} {
				for _, same := range []bool{true, false} {
					name := fmt.Sprintf("%dx%dx%d s%d same=%v", h, w, c, s, same)
					src := randVec(r, h*w*c)

					d := &Depthwise{KH: 3, KW: 3, C: c, Stride: s, Same: same, Relu: c%2 == 1,
						W: randVec(r, 9*c), B: randVec(r, c)}
					oh, pt := padOut(h, 3, s, same)
					ow, pl := padOut(w, 3, s, same)
					got := randVec(r, oh*ow*c) // stale values must be overwritten
					d.Run(got, src, h, w)
					want, scale := make([]float64, oh*ow*c), make([]float64, oh*ow*c)
					for oy := 0; oy < oh; oy++ {
						for ox := 0; ox < ow; ox++ {
							for j := 0; j < c; j++ {
								v, m := float64(d.B[j]), math.Abs(float64(d.B[j]))
								window(h, w, 3, 3, s, pt, pl, oy, ox, func(ky, kx, iy, ix int) {
									x := float64(src[(iy*w+ix)*c+j]) * float64(d.W[(ky*3+kx)*c+j])
									v, m = v+x, m+math.Abs(x)
								})
								want[(oy*ow+ox)*c+j], scale[(oy*ow+ox)*c+j] = relu64(v, d.Relu), m
							}
						}
					}
					near(t, "depthwise "+name, got, want, scale)

					p := &MaxPool2D{KH: 2, KW: 2, Stride: s, Same: same}
					oh, pt = padOut(h, 2, s, same)
					ow, pl = padOut(w, 2, s, same)
					got = randVec(r, oh*ow*c)
					p.Run(got, src, h, w, c)
					want = make([]float64, oh*ow*c)
					for oy := 0; oy < oh; oy++ {
						for ox := 0; ox < ow; ox++ {
							for j := 0; j < c; j++ {
								v := math.Inf(-1)
								window(h, w, 2, 2, s, pt, pl, oy, ox, func(_, _, iy, ix int) {
									v = math.Max(v, float64(src[(iy*w+ix)*c+j]))
								})
								want[(oy*ow+ox)*c+j] = v
							}
						}
					}
					near(t, "maxpool "+name, got, want, nil)

					co := c + 2
					cv := NewConv2D(randVec(r, co*5*5*c), randVec(r, co), co, 5, 5, c, s, same, c%2 == 0)
					oh, pt = padOut(h, 5, s, same)
					ow, pl = padOut(w, 5, s, same)
					if oh <= 0 || ow <= 0 {
						continue
					}
					got = randVec(r, oh*ow*co)
					cv.Run(got, src, h, w)
					want, scale = make([]float64, oh*ow*co), make([]float64, oh*ow*co)
					for oy := 0; oy < oh; oy++ {
						for ox := 0; ox < ow; ox++ {
							for o := 0; o < co; o++ {
								v, m := float64(cv.B[o]), math.Abs(float64(cv.B[o]))
								window(h, w, 5, 5, s, pt, pl, oy, ox, func(ky, kx, iy, ix int) {
									for i := 0; i < c; i++ {
										x := float64(src[(iy*w+ix)*c+i]) * float64(cv.W[((ky*5+kx)*c+i)*co+o])
										v, m = v+x, m+math.Abs(x)
									}
								})
								want[(oy*ow+ox)*co+o], scale[(oy*ow+ox)*co+o] = relu64(v, cv.Relu), m
							}
						}
					}
					near(t, "conv5x5 "+name, got, want, scale)
				}
			}
		}
	}
	for _, n := range []int{1, 3, 4, 7, 64, 67} {
		a, b := randVec(r, n), randVec(r, n)
		for _, relu := range []bool{false, true} {
			got := randVec(r, n)
			Add(got, a, b, relu)
			want := make([]float64, n)
			for i := range want {
				want[i] = relu64(float64(a[i])+float64(b[i]), relu)
			}
			near(t, fmt.Sprintf("add %d relu=%v", n, relu), got, want, nil)
		}
		x := randVec(r, n)
		Relu(x)
		for i, v := range x {
			if v < 0 {
				t.Fatalf("relu %d [%d] = %g", n, i, v)
			}
		}
	}
}
