//go:build !(goexperiment.simd && wasm)

package nn

// Dot products for the sequence ops (conv1d, LSTM), whose inner loops
// are long contiguous rows: four accumulators hide the add latency,
// and a shared weight row feeds up to four columns at once. A build with
// GOEXPERIMENT=simd for wasm uses seqdot_simd.go instead.

// seqDot is Σ a[i]·b[i] over len(a).
func seqDot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// seqDot4 is the dot of w with four vectors of its length. The loop is
// unrolled by four, with each sum still taken in index order (so the
// result is the same as the rolled loop's): under WebAssembly the loop
// and index overhead is as large as the multiply-adds.
func seqDot4(w, x0, x1, x2, x3 []float32) (s0, s1, s2, s3 float32) {
	n := len(w)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		v, a, b, c, d := w[i:i+4:i+4], x0[i:i+4:i+4], x1[i:i+4:i+4], x2[i:i+4:i+4], x3[i:i+4:i+4]
		s0 = s0 + v[0]*a[0] + v[1]*a[1] + v[2]*a[2] + v[3]*a[3]
		s1 = s1 + v[0]*b[0] + v[1]*b[1] + v[2]*b[2] + v[3]*b[3]
		s2 = s2 + v[0]*c[0] + v[1]*c[1] + v[2]*c[2] + v[3]*c[3]
		s3 = s3 + v[0]*d[0] + v[1]*d[1] + v[2]*d[2] + v[3]*d[3]
	}
	for ; i < n; i++ {
		v := w[i]
		s0 += v * x0[i]
		s1 += v * x1[i]
		s2 += v * x2[i]
		s3 += v * x3[i]
	}
	return
}

// seqDot4Rows is the dot of x with four rows of its length: x is loaded
// once per four multiply-adds, which matters most under WebAssembly.
func seqDot4Rows(x, w0, w1, w2, w3 []float32) (s0, s1, s2, s3 float32) {
	return seqDot4(x, w0, w1, w2, w3)
}
