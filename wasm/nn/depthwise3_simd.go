//go:build goexperiment.simd && wasm

package nn

import "simd/archsimd"

// inner3 is depthwise3.go's kernel on WebAssembly v128 lanes, four
// channels at a time, each lane summing the nine taps in the plain loop's
// order (identical values; the vector ReLU turns −0 into +0, equal as
// floats).
func (d *Depthwise) inner3(o, src []float32, at, row int) {
	n := len(o)
	r0, r1, r2 := src[at:][:3*n], src[at+row:][:3*n], src[at+2*row:][:3*n]
	k := d.W[:9*n]
	b := d.B[:n]
	relu := d.Relu
	var zero archsimd.Float32x4
	j := 0
	for ; j+4 <= n; j += 4 {
		v := ld(b, j).
			Add(ld(r0, j).Mul(ld(k, j))).Add(ld(r0, n+j).Mul(ld(k, n+j))).Add(ld(r0, 2*n+j).Mul(ld(k, 2*n+j))).
			Add(ld(r1, j).Mul(ld(k, 3*n+j))).Add(ld(r1, n+j).Mul(ld(k, 4*n+j))).Add(ld(r1, 2*n+j).Mul(ld(k, 5*n+j))).
			Add(ld(r2, j).Mul(ld(k, 6*n+j))).Add(ld(r2, n+j).Mul(ld(k, 7*n+j))).Add(ld(r2, 2*n+j).Mul(ld(k, 8*n+j)))
		if relu {
			v = v.Max(zero)
		}
		v.StoreArray((*[4]float32)(o[j : j+4 : j+4]))
	}
	for ; j < n; j++ {
		v := b[j] +
			r0[j]*k[j] + r0[n+j]*k[n+j] + r0[2*n+j]*k[2*n+j] +
			r1[j]*k[3*n+j] + r1[n+j]*k[4*n+j] + r1[2*n+j]*k[5*n+j] +
			r2[j]*k[6*n+j] + r2[n+j]*k[7*n+j] + r2[2*n+j]*k[8*n+j]
		if relu && v < 0 {
			v = 0
		}
		o[j] = v
	}
}
