//go:build !(goexperiment.simd && wasm)

package nn

// row3 is a run of output pixels o (len(o)/C of them) of a 3×3 kernel
// whose windows lie inside the image; the first window's top-left input
// is src[at:], an image row is row values and the next window starts
// step values on. All nine taps are summed per channel with one store,
// instead of nine read-modify-write passes over the output. A build with
// GOEXPERIMENT=simd for wasm uses depthwise3_simd.go instead.
func (d *Depthwise) row3(o, src []float32, at, row, step int) {
	n := d.C
	k := d.W[:9*n]
	b := d.B[:n]
	for q := 0; q < len(o)/n; q++ {
		p := o[q*n:][:n]
		base := at + q*step
		r0, r1, r2 := src[base:][:3*n], src[base+row:][:3*n], src[base+2*row:][:3*n]
		for j := range p {
			v := b[j] +
				r0[j]*k[j] + r0[n+j]*k[n+j] + r0[2*n+j]*k[2*n+j] +
				r1[j]*k[3*n+j] + r1[n+j]*k[4*n+j] + r1[2*n+j]*k[5*n+j] +
				r2[j]*k[6*n+j] + r2[n+j]*k[7*n+j] + r2[2*n+j]*k[8*n+j]
			if d.Relu && v < 0 {
				v = 0
			}
			p[j] = v
		}
	}
}
