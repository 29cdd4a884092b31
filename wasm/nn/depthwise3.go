//go:build !(goexperiment.simd && wasm)

package nn

// inner3 is one output pixel of a 3×3 kernel whose window lies inside the
// image (nearly every pixel): all nine taps summed per channel with one
// store, instead of nine read-modify-write passes over the output. A build
// with GOEXPERIMENT=simd for wasm uses depthwise3_simd.go instead.
func (d *Depthwise) inner3(o, src []float32, at, row int) {
	n := len(o)
	r0, r1, r2 := src[at:][:3*n], src[at+row:][:3*n], src[at+2*row:][:3*n]
	k := d.W[:9*n]
	b := d.B[:n]
	for j := range o {
		v := b[j] +
			r0[j]*k[j] + r0[n+j]*k[n+j] + r0[2*n+j]*k[2*n+j] +
			r1[j]*k[3*n+j] + r1[n+j]*k[4*n+j] + r1[2*n+j]*k[5*n+j] +
			r2[j]*k[6*n+j] + r2[n+j]*k[7*n+j] + r2[2*n+j]*k[8*n+j]
		if d.Relu && v < 0 {
			v = 0
		}
		o[j] = v
	}
}
