//go:build goexperiment.simd && wasm

package nn

import "simd/archsimd"

// row3 is depthwise3.go's kernel on WebAssembly v128 lanes. The outer loop
// runs over groups of four channels, so the nine kernel vectors and the
// bias are loaded once per run rather than once per pixel; each lane sums
// the nine taps in the plain loop's order (identical values; the vector
// ReLU turns −0 into +0, equal as floats).
func (d *Depthwise) row3(o, src []float32, at, row, step int) {
	n := d.C
	k := d.W[:9*n]
	b := d.B[:n]
	m := len(o) / n
	relu := d.Relu
	var zero archsimd.Float32x4
	j := 0
	for ; j+4 <= n; j += 4 {
		bj := ld(b, j)
		k0, k1, k2 := ld(k, j), ld(k, n+j), ld(k, 2*n+j)
		k3, k4, k5 := ld(k, 3*n+j), ld(k, 4*n+j), ld(k, 5*n+j)
		k6, k7, k8 := ld(k, 6*n+j), ld(k, 7*n+j), ld(k, 8*n+j)
		if step == n {
			// Stride 1: pixel q+1's left and middle columns are pixel q's
			// middle and right ones, so each pixel loads one new column.
			p := at + j
			a0, a1, a2 := ld(src, p), ld(src, p+row), ld(src, p+2*row)
			b0, b1, b2 := ld(src, p+n), ld(src, p+n+row), ld(src, p+n+2*row)
			for q := 0; q < m; q++ {
				c := p + (q+2)*n
				c0, c1, c2 := ld(src, c), ld(src, c+row), ld(src, c+2*row)
				v := bj.Add(a0.Mul(k0)).Add(b0.Mul(k1)).Add(c0.Mul(k2)).
					Add(a1.Mul(k3)).Add(b1.Mul(k4)).Add(c1.Mul(k5)).
					Add(a2.Mul(k6)).Add(b2.Mul(k7)).Add(c2.Mul(k8))
				if relu {
					v = v.Max(zero)
				}
				st(o, q*n+j, v)
				a0, a1, a2, b0, b1, b2 = b0, b1, b2, c0, c1, c2
			}
			continue
		}
		for q := 0; q < m; q++ {
			r0 := src[at+q*step+j:][:2*n+4]
			r1 := src[at+q*step+row+j:][:2*n+4]
			r2 := src[at+q*step+2*row+j:][:2*n+4]
			v := bj.Add(ld(r0, 0).Mul(k0)).Add(ld(r0, n).Mul(k1)).Add(ld(r0, 2*n).Mul(k2)).
				Add(ld(r1, 0).Mul(k3)).Add(ld(r1, n).Mul(k4)).Add(ld(r1, 2*n).Mul(k5)).
				Add(ld(r2, 0).Mul(k6)).Add(ld(r2, n).Mul(k7)).Add(ld(r2, 2*n).Mul(k8))
			if relu {
				v = v.Max(zero)
			}
			st(o, q*n+j, v)
		}
	}
	for ; j < n; j++ {
		for q := 0; q < m; q++ {
			base := at + q*step + j
			v := b[j] +
				src[base]*k[j] + src[base+n]*k[n+j] + src[base+2*n]*k[2*n+j] +
				src[base+row]*k[3*n+j] + src[base+row+n]*k[4*n+j] + src[base+row+2*n]*k[5*n+j] +
				src[base+2*row]*k[6*n+j] + src[base+2*row+n]*k[7*n+j] + src[base+2*row+2*n]*k[8*n+j]
			if relu && v < 0 {
				v = 0
			}
			o[q*n+j] = v
		}
	}
}
