package speech

import "math"

// fft is a radix-2 complex FFT of a fixed power-of-two size with its tables
// precomputed, so per-frame work allocates nothing.
type fft struct {
	n      int
	rev    []int
	cos    []float64
	sin    []float64
	re, im []float64
}

func newFFT(n int) *fft {
	f := &fft{n: n, rev: make([]int, n), cos: make([]float64, n/2), sin: make([]float64, n/2),
		re: make([]float64, n), im: make([]float64, n)}
	bits := 0
	for 1<<bits < n {
		bits++
	}
	for i := range f.rev {
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		f.rev[i] = r
	}
	for i := range f.cos {
		a := -2 * math.Pi * float64(i) / float64(n)
		f.cos[i], f.sin[i] = math.Cos(a), math.Sin(a)
	}
	return f
}

// power transforms the real signal x (len n) and writes |X[k]|² for
// k = 0..n/2 into p.
func (f *fft) power(x []float64, p []float64) {
	re, im := f.re, f.im
	for i, r := range f.rev {
		re[r], im[r] = x[i], 0
	}
	for size := 2; size <= f.n; size <<= 1 {
		half, step := size/2, f.n/size
		for start := 0; start < f.n; start += size {
			for j := 0; j < half; j++ {
				c, s := f.cos[j*step], f.sin[j*step]
				a, b := start+j, start+j+half
				tr := re[b]*c - im[b]*s
				ti := re[b]*s + im[b]*c
				re[b], im[b] = re[a]-tr, im[a]-ti
				re[a], im[a] = re[a]+tr, im[a]+ti
			}
		}
	}
	for k := 0; k <= f.n/2; k++ {
		p[k] = re[k]*re[k] + im[k]*im[k]
	}
}
