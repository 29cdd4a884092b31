//go:build !(goexperiment.simd && wasm)

package nn

// pointwise is dst[p][:] = b + Σ_i src[p][i]·w[i][:], four pixels and
// four input channels at a time, so each load and store of an output value
// serves four multiply-adds and each weight load four. A build with
// GOEXPERIMENT=simd for wasm uses pointwise_simd.go instead.
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
			// in locals: the compiler reloads slice elements after each store
			a0, a1, a2, a3 := xa[0], xa[1], xa[2], xa[3]
			b0, b1, b2, b3 := xb[0], xb[1], xb[2], xb[3]
			c0, c1, c2, c3 := xc[0], xc[1], xc[2], xc[3]
			d0, d1, d2, d3 := xd[0], xd[1], xd[2], xd[3]
			w0 := w[i*co:][:co]
			w1 := w[(i+1)*co:][:len(w0)]
			w2 := w[(i+2)*co:][:len(w0)]
			w3 := w[(i+3)*co:][:len(w0)]
			o0, o1, o2, o3 := o0[:len(w0)], o1[:len(w0)], o2[:len(w0)], o3[:len(w0)]
			for j, u0 := range w0 {
				u1, u2, u3 := w1[j], w2[j], w3[j]
				o0[j] += a0*u0 + a1*u1 + a2*u2 + a3*u3
				o1[j] += b0*u0 + b1*u1 + b2*u2 + b3*u3
				o2[j] += c0*u0 + c1*u1 + c2*u2 + c3*u3
				o3[j] += d0*u0 + d1*u1 + d2*u2 + d3*u3
			}
		}
		for ; i < ci; i++ {
			a0, a1, a2, a3 := x0[i], x1[i], x2[i], x3[i]
			wr := w[i*co:][:co]
			o0, o1, o2, o3 := o0[:len(wr)], o1[:len(wr)], o2[:len(wr)], o3[:len(wr)]
			for j, wv := range wr {
				o0[j] += a0 * wv
				o1[j] += a1 * wv
				o2[j] += a2 * wv
				o3[j] += a3 * wv
			}
		}
	}
	for ; p < n; p++ {
		o := dst[p*co:][:co]
		copy(o, b)
		for i, a := range src[p*ci:][:ci] {
			if a == 0 {
				continue
			}
			wr := w[i*co:][:len(o)]
			for j := range o {
				o[j] += a * wr[j]
			}
		}
	}
}
