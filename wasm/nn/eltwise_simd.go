//go:build goexperiment.simd && wasm

package nn

import "simd/archsimd"

// The element-wise ops of eltwise.go on WebAssembly v128 lanes. Values are
// those of the plain loops; only a −0 may come out as +0 (vector max),
// which is equal as a float.

// Add is dst = a + b element-wise, with an optional fused ReLU (BlazeFace's
// residual joins are always followed by one).
func Add(dst, a, b []float32, relu bool) {
	n := len(dst)
	a, b = a[:n], b[:n]
	var zero archsimd.Float32x4
	i := 0
	for ; i+4 <= n; i += 4 {
		v := ld(a, i).Add(ld(b, i))
		if relu {
			v = v.Max(zero)
		}
		st(dst, i, v)
	}
	for ; i < n; i++ {
		v := a[i] + b[i]
		if relu && v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// Relu clamps negative values to zero in place.
func Relu(x []float32) {
	var zero archsimd.Float32x4
	i := 0
	for ; i+4 <= len(x); i += 4 {
		st(x, i, ld(x, i).Max(zero))
	}
	for ; i < len(x); i++ {
		if x[i] < 0 {
			x[i] = 0
		}
	}
}

// maxInto is o[j] = max(o[j], x[j]), for max-pooling.
func maxInto(o, x []float32) {
	x = x[:len(o)]
	j := 0
	for ; j+4 <= len(o); j += 4 {
		st(o, j, ld(o, j).Max(ld(x, j)))
	}
	for ; j < len(o); j++ {
		if x[j] > o[j] {
			o[j] = x[j]
		}
	}
}
