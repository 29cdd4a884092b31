//go:build goexperiment.simd && wasm

package nn

import "simd/archsimd"

// seqdot.go's dot products on WebAssembly v128 lanes: each accumulator
// is an f32x4 of four partial sums, added together at the end. The sums
// are grouped differently from the plain loops, so results differ from
// them by float32 rounding only.

// seqDot is Σ a[i]·b[i] over len(a).
func seqDot(a, b []float32) float32 {
	b = b[:len(a)]
	var s archsimd.Float32x4
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s = s.Add(ld(a, i).Mul(ld(b, i)))
	}
	t := hsum(s)
	for ; i < len(a); i++ {
		t += a[i] * b[i]
	}
	return t
}

// seqDot4 is the dot of w with four vectors of its length.
func seqDot4(w, x0, x1, x2, x3 []float32) (s0, s1, s2, s3 float32) {
	n := len(w)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	var v0, v1, v2, v3 archsimd.Float32x4
	i := 0
	for ; i+4 <= n; i += 4 {
		u := ld(w, i)
		v0 = v0.Add(u.Mul(ld(x0, i)))
		v1 = v1.Add(u.Mul(ld(x1, i)))
		v2 = v2.Add(u.Mul(ld(x2, i)))
		v3 = v3.Add(u.Mul(ld(x3, i)))
	}
	s0, s1, s2, s3 = hsum(v0), hsum(v1), hsum(v2), hsum(v3)
	for ; i < n; i++ {
		v := w[i]
		s0 += v * x0[i]
		s1 += v * x1[i]
		s2 += v * x2[i]
		s3 += v * x3[i]
	}
	return
}

// seqDot4Rows is the dot of x with four rows of its length.
func seqDot4Rows(x, w0, w1, w2, w3 []float32) (s0, s1, s2, s3 float32) {
	return seqDot4(x, w0, w1, w2, w3)
}

// hsum is the sum of the four lanes.
func hsum(v archsimd.Float32x4) float32 {
	return (v.GetElem(0) + v.GetElem(1)) + (v.GetElem(2) + v.GetElem(3))
}
