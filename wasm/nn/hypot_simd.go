//go:build goexperiment.simd && wasm

package nn

import "math"

// hypots is dst[i] = √(re[i]² + im[i]²), four at a time on WebAssembly
// v128 lanes, with the same results as hypot.go.
func hypots(dst, re, im []float32) {
	re, im = re[:len(dst)], im[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		a, b := ld(re, i), ld(im, i)
		st(dst, i, a.Mul(a).Add(b.Mul(b)).Sqrt())
	}
	for ; i < len(dst); i++ {
		dst[i] = float32(math.Sqrt(float64(re[i]*re[i] + im[i]*im[i])))
	}
}
