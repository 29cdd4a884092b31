//go:build !(goexperiment.simd && wasm)

package nn

// fft4 is the radix-2 butterfly pass of four n-point FFTs at once, on
// lane-interleaved data: point i of transform f is re[4i+f], im[4i+f],
// already in bit-reversed order, with n = len(re)/4. cos and sin hold
// the twiddles e^(−2πik/n), k < n/2. Interleaving makes every operation
// act on four consecutive floats, which fft4_simd.go (GOEXPERIMENT=simd
// for wasm) does as one f32x4 operation: both do the same float32
// operations in the same order per lane, so they agree bit for bit.
func fft4(re, im, cos, sin []float32) {
	n := len(re) / 4
	im = im[:len(re)]
	for size := 2; size <= n; size <<= 1 {
		half, step := size/2, n/size
		for j := 0; j < half; j++ {
			wr, wi := cos[j*step], sin[j*step]
			for a := 4 * j; a < len(re); a += 4 * size {
				b := a + 4*half
				ra, ia, rb, ib := re[a:a+4:a+4], im[a:a+4:a+4], re[b:b+4:b+4], im[b:b+4:b+4]
				for l := range 4 {
					// in locals: the compiler reloads slice elements after each store
					xr, xi, yr, yi := ra[l], ia[l], rb[l], ib[l]
					tr := wr*yr - wi*yi
					ti := wr*yi + wi*yr
					rb[l], ib[l] = xr-tr, xi-ti
					ra[l], ia[l] = xr+tr, xi+ti
				}
			}
		}
	}
}

// unpack4 turns four interleaved m-point FFTs Z of real frames packed as
// z = even samples + i·odd samples (m = len(re)/4) into their 2m-point
// spectra X, bins 0…m, interleaved the same way in xr, xi:
//
//	X[k] = E + W^k·O,  E = (Z[k] + Z̄[m−k])/2,  O = (Z[k] − Z̄[m−k])/2i
//
// with Z[m] = Z[0] and cos, sin the twiddles W^k = e^(−πik/m), k ≤ m.
func unpack4(xr, xi, re, im, cos, sin []float32) {
	m := len(re) / 4
	im = im[:len(re)]
	for k := 0; k <= m; k++ {
		a, b := 4*k, 4*(m-k)
		if k == m {
			a = 0
		}
		if k == 0 {
			b = 0
		}
		wr, wi := cos[k], sin[k]
		pr, pi, qr, qi := re[a:a+4:a+4], im[a:a+4:a+4], re[b:b+4:b+4], im[b:b+4:b+4]
		dr, di := xr[4*k:4*k+4:4*k+4], xi[4*k:4*k+4:4*k+4]
		for l := range 4 {
			er, ei := 0.5*(pr[l]+qr[l]), 0.5*(pi[l]-qi[l])
			or, oi := 0.5*(pi[l]+qi[l]), 0.5*(qr[l]-pr[l])
			dr[l] = er + (wr*or - wi*oi)
			di[l] = ei + (wr*oi + wi*or)
		}
	}
}
