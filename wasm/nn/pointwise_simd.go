//go:build goexperiment.simd && wasm

package nn

import "simd/archsimd"

// pointwise is pointwise.go's kernel on WebAssembly v128 lanes: four
// output channels per f32x4 multiply and add. Each lane does the same
// float32 operations in the same order as the plain loop (no fused
// multiply-add), so both builds give identical outputs.
func pointwise(dst, src []float32, n, ci, co int, w, b []float32) {
	p := 0
	for ; p+4 <= n; p += 4 {
		o0 := dst[p*co:][:co]
		o1 := dst[(p+1)*co:][:co]
		o2 := dst[(p+2)*co:][:co]
		o3 := dst[(p+3)*co:][:co]
		copy(o0, b)
		copy(o1, b)
		copy(o2, b)
		copy(o3, b)
		x0 := src[p*ci:][:ci]
		x1 := src[(p+1)*ci:][:ci]
		x2 := src[(p+2)*ci:][:ci]
		x3 := src[(p+3)*ci:][:ci]
		i := 0
		for ; i+4 <= ci; i += 4 {
			xa, xb, xc, xd := x0[i:i+4], x1[i:i+4], x2[i:i+4], x3[i:i+4]
			w0 := w[i*co:][:co]
			w1 := w[(i+1)*co:][:len(w0)]
			w2 := w[(i+2)*co:][:len(w0)]
			w3 := w[(i+3)*co:][:len(w0)]
			o0, o1, o2, o3 := o0[:len(w0)], o1[:len(w0)], o2[:len(w0)], o3[:len(w0)]
			pw4x4(o0, o1, o2, o3, w0, w1, w2, w3, xa, xb, xc, xd)
		}
		for ; i < ci; i++ {
			a0, a1, a2, a3 := x0[i], x1[i], x2[i], x3[i]
			wr := w[i*co:][:co]
			pw1(o0[:len(wr)], wr, a0)
			pw1(o1[:len(wr)], wr, a1)
			pw1(o2[:len(wr)], wr, a2)
			pw1(o3[:len(wr)], wr, a3)
		}
	}
	for ; p < n; p++ {
		o := dst[p*co:][:co]
		copy(o, b)
		for i, a := range src[p*ci:][:ci] {
			if a == 0 {
				continue
			}
			pw1(o, w[i*co:][:len(o)], a)
		}
	}
}

// pw4x4 is, for four pixels p (output rows o0…o3, input values xa…xd,
// four each), o_p[j] += x_p[0]·w0[j] + … + x_p[3]·w3[j], summed left to
// right as in the plain kernel. Each weight vector load serves the four
// pixels; the sixteen broadcast inputs stay in registers (a few spill).
// It is a function of its own so that the spills stay out of the caller.
func pw4x4(o0, o1, o2, o3, w0, w1, w2, w3, xa, xb, xc, xd []float32) {
	n := len(o0)
	o1, o2, o3 = o1[:n], o2[:n], o3[:n]
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	xa, xb, xc, xd = xa[:4], xb[:4], xc[:4], xd[:4]
	a0, a1, a2, a3 := archsimd.BroadcastFloat32x4(xa[0]), archsimd.BroadcastFloat32x4(xa[1]), archsimd.BroadcastFloat32x4(xa[2]), archsimd.BroadcastFloat32x4(xa[3])
	b0, b1, b2, b3 := archsimd.BroadcastFloat32x4(xb[0]), archsimd.BroadcastFloat32x4(xb[1]), archsimd.BroadcastFloat32x4(xb[2]), archsimd.BroadcastFloat32x4(xb[3])
	c0, c1, c2, c3 := archsimd.BroadcastFloat32x4(xc[0]), archsimd.BroadcastFloat32x4(xc[1]), archsimd.BroadcastFloat32x4(xc[2]), archsimd.BroadcastFloat32x4(xc[3])
	d0, d1, d2, d3 := archsimd.BroadcastFloat32x4(xd[0]), archsimd.BroadcastFloat32x4(xd[1]), archsimd.BroadcastFloat32x4(xd[2]), archsimd.BroadcastFloat32x4(xd[3])
	j := 0
	for ; j+4 <= n; j += 4 {
		u0, u1, u2, u3 := ld(w0, j), ld(w1, j), ld(w2, j), ld(w3, j)
		st(o0, j, ld(o0, j).Add(a0.Mul(u0).Add(a1.Mul(u1)).Add(a2.Mul(u2)).Add(a3.Mul(u3))))
		st(o1, j, ld(o1, j).Add(b0.Mul(u0).Add(b1.Mul(u1)).Add(b2.Mul(u2)).Add(b3.Mul(u3))))
		st(o2, j, ld(o2, j).Add(c0.Mul(u0).Add(c1.Mul(u1)).Add(c2.Mul(u2)).Add(c3.Mul(u3))))
		st(o3, j, ld(o3, j).Add(d0.Mul(u0).Add(d1.Mul(u1)).Add(d2.Mul(u2)).Add(d3.Mul(u3))))
	}
	for ; j < n; j++ {
		u0, u1, u2, u3 := w0[j], w1[j], w2[j], w3[j]
		o0[j] += xa[0]*u0 + xa[1]*u1 + xa[2]*u2 + xa[3]*u3
		o1[j] += xb[0]*u0 + xb[1]*u1 + xb[2]*u2 + xb[3]*u3
		o2[j] += xc[0]*u0 + xc[1]*u1 + xc[2]*u2 + xc[3]*u3
		o3[j] += xd[0]*u0 + xd[1]*u1 + xd[2]*u2 + xd[3]*u3
	}
}

// pw1 is o[j] += a·w[j].
func pw1(o, w []float32, a float32) {
	w = w[:len(o)]
	v := archsimd.BroadcastFloat32x4(a)
	j := 0
	for ; j+4 <= len(o); j += 4 {
		ld(o, j).Add(v.Mul(ld(w, j))).StoreArray((*[4]float32)(o[j : j+4 : j+4]))
	}
	for ; j < len(o); j++ {
		o[j] += a * w[j]
	}
}

// ld is the f32x4 at s[j:j+4]; the full slice expression (constant
// capacity) spares the pointer masking that s[j:] costs under wasm.
func ld(s []float32, j int) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(s[j : j+4 : j+4]))
}

// st stores v to s[j:j+4].
func st(s []float32, j int, v archsimd.Float32x4) {
	v.StoreArray((*[4]float32)(s[j : j+4 : j+4]))
}
