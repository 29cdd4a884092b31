//go:build !(goexperiment.simd && wasm)

package nn

// sigmoids is dst[i] = Sigmoid(x[i]); seqact_simd.go does it on f32x4
// lanes for GOEXPERIMENT=simd under wasm.
func sigmoids(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = Sigmoid(v)
	}
}

// tanhs is dst[i] = Tanh(x[i]).
func tanhs(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = Tanh(v)
	}
}
