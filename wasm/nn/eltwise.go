//go:build !(goexperiment.simd && wasm)

package nn

// Add is dst = a + b element-wise, with an optional fused ReLU (BlazeFace's
// residual joins are always followed by one).
func Add(dst, a, b []float32, relu bool) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	if relu {
		for i := range dst {
			v := a[i] + b[i]
			if v < 0 {
				v = 0
			}
			dst[i] = v
		}
		return
	}
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Relu clamps negative values to zero in place.
func Relu(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// maxInto is o[j] = max(o[j], x[j]), for max-pooling.
func maxInto(o, x []float32) {
	x = x[:len(o)]
	for j, v := range x {
		if v > o[j] {
			o[j] = v
		}
	}
}
