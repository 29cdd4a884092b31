//go:build !(goexperiment.simd && wasm)

package nn

import "math"

// hypots is dst[i] = √(re[i]² + im[i]²). The square root of the float32
// sum, taken in float64 and rounded, is the correctly rounded float32
// root, as hypot_simd.go's f32x4 square root gives: both builds agree.
func hypots(dst, re, im []float32) {
	re, im = re[:len(dst)], im[:len(dst)]
	for i := range dst {
		dst[i] = float32(math.Sqrt(float64(re[i]*re[i] + im[i]*im[i])))
	}
}
