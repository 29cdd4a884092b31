//go:build goexperiment.simd && wasm

package nn

import "simd/archsimd"

// fft4 is fft4.go's butterfly pass on WebAssembly v128 lanes: one f32x4
// operation per four transforms, the same float32 operations in the
// same order per lane (no fused multiply-add), so both builds agree.
func fft4(re, im, cos, sin []float32) {
	n := len(re) / 4
	im = im[:len(re)]
	for size := 2; size <= n; size <<= 1 {
		half, step := size/2, n/size
		for j := 0; j < half; j++ {
			wr, wi := archsimd.BroadcastFloat32x4(cos[j*step]), archsimd.BroadcastFloat32x4(sin[j*step])
			for a := 4 * j; a < len(re); a += 4 * size {
				b := a + 4*half
				xr, xi, yr, yi := ld(re, a), ld(im, a), ld(re, b), ld(im, b)
				tr := wr.Mul(yr).Sub(wi.Mul(yi))
				ti := wr.Mul(yi).Add(wi.Mul(yr))
				st(re, b, xr.Sub(tr))
				st(im, b, xi.Sub(ti))
				st(re, a, xr.Add(tr))
				st(im, a, xi.Add(ti))
			}
		}
	}
}

// unpack4 is fft4.go's unpack4 on f32x4 lanes, with the same float32
// operations in the same order.
func unpack4(xr, xi, re, im, cos, sin []float32) {
	m := len(re) / 4
	im = im[:len(re)]
	half := archsimd.BroadcastFloat32x4(0.5)
	for k := 0; k <= m; k++ {
		a, b := 4*k, 4*(m-k)
		if k == m {
			a = 0
		}
		if k == 0 {
			b = 0
		}
		wr, wi := archsimd.BroadcastFloat32x4(cos[k]), archsimd.BroadcastFloat32x4(sin[k])
		pr, pi, qr, qi := ld(re, a), ld(im, a), ld(re, b), ld(im, b)
		er, ei := half.Mul(pr.Add(qr)), half.Mul(pi.Sub(qi))
		or, oi := half.Mul(pi.Add(qi)), half.Mul(qr.Sub(pr))
		st(xr, 4*k, er.Add(wr.Mul(or).Sub(wi.Mul(oi))))
		st(xi, 4*k, ei.Add(wr.Mul(oi).Add(wi.Mul(or))))
	}
}
