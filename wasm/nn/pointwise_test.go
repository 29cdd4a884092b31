package nn

import (
	"math"
	"testing"
)

// TestPointwise checks the 1×1 kernel (plain or SIMD, whichever this
// build has) against a float64 sum, on sizes that leave remainders in
// every blocked loop: pixels, input and output channels not multiples
// of four.
func TestPointwise(t *testing.T) {
	for _, c := range []struct{ n, ci, co int }{{1, 1, 1}, {7, 5, 3}, {9, 8, 42}, {16, 24, 28}, {13, 81, 90}} {
		src := make([]float32, c.n*c.ci)
		for i := range src {
			src[i] = float32((i*37)%19-9) / 8
		}
		w := make([]float32, c.ci*c.co)
		for i := range w {
			w[i] = float32((i*53)%23-11) / 16
		}
		b := make([]float32, c.co)
		for i := range b {
			b[i] = float32(i%5) - 2
		}
		dst := make([]float32, c.n*c.co)
		pointwise(dst, src, c.n, c.ci, c.co, w, b)
		for p := 0; p < c.n; p++ {
			for o := 0; o < c.co; o++ {
				want, mag := float64(b[o]), math.Abs(float64(b[o]))
				for i := 0; i < c.ci; i++ {
					v := float64(src[p*c.ci+i]) * float64(w[i*c.co+o])
					want += v
					mag += math.Abs(v)
				}
				if got := float64(dst[p*c.co+o]); math.Abs(got-want) > 1e-6*mag+1e-7 {
					t.Fatalf("%+v: pixel %d channel %d = %g, want %g", c, p, o, got, want)
				}
			}
		}
	}
}
