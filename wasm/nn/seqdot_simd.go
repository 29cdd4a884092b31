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
	for ; i+16 <= n; i += 16 {
		// One bounds check per slice per sixteen values.
		u, a, b, c, d := blk(w, i), blk(x0, i), blk(x1, i), blk(x2, i), blk(x3, i)
		u0, u1, u2, u3 := ldb(u, 0), ldb(u, 4), ldb(u, 8), ldb(u, 12)
		v0 = v0.Add(u0.Mul(ldb(a, 0))).Add(u1.Mul(ldb(a, 4))).Add(u2.Mul(ldb(a, 8))).Add(u3.Mul(ldb(a, 12)))
		v1 = v1.Add(u0.Mul(ldb(b, 0))).Add(u1.Mul(ldb(b, 4))).Add(u2.Mul(ldb(b, 8))).Add(u3.Mul(ldb(b, 12)))
		v2 = v2.Add(u0.Mul(ldb(c, 0))).Add(u1.Mul(ldb(c, 4))).Add(u2.Mul(ldb(c, 8))).Add(u3.Mul(ldb(c, 12)))
		v3 = v3.Add(u0.Mul(ldb(d, 0))).Add(u1.Mul(ldb(d, 4))).Add(u2.Mul(ldb(d, 8))).Add(u3.Mul(ldb(d, 12)))
	}
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

// blk is s[j:j+16] as an array, whose f32x4 loads need no bounds checks.
func blk(s []float32, j int) *[16]float32 {
	return (*[16]float32)(s[j : j+16 : j+16])
}

// ldb is the f32x4 at b[k:k+4], k constant.
func ldb(b *[16]float32, k int) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(b[k : k+4 : k+4]))
}
