//go:build goexperiment.simd && wasm

package nn

import "simd/archsimd"

// seqact.go's activations on WebAssembly v128 lanes, four at a time.

// sigmoids is dst[i] = Sigmoid(x[i]).
func sigmoids(dst, x []float32) { logistic(dst, x, -1, 1, 0) }

// tanhs is dst[i] = Tanh(x[i]).
func tanhs(dst, x []float32) { logistic(dst, x, -2, 2, 1) }

// logistic is dst[i] = p/(1+e^(m·x[i])) − q with expf inlined (a call
// costs more than the arithmetic under wasm). For (m, p, q) = (−1, 1, 0)
// and (−2, 2, 1) each lane does Sigmoid's and Tanh's float32 operations
// in their order (×−1 and −0 change no bits), so the results equal the
// scalar functions' exactly.
func logistic(dst, x []float32, m, p, q float32) {
	x = x[:len(dst)]
	vm, vp, vq, one := archsimd.BroadcastFloat32x4(m), archsimd.BroadcastFloat32x4(p), archsimd.BroadcastFloat32x4(q), archsimd.BroadcastFloat32x4(1)
	lo, hi, l2e := archsimd.BroadcastFloat32x4(expLo), archsimd.BroadcastFloat32x4(expHi), archsimd.BroadcastFloat32x4(log2e)
	c1, c2 := archsimd.BroadcastFloat32x4(expC1), archsimd.BroadcastFloat32x4(expC2)
	p0, p1, p2 := archsimd.BroadcastFloat32x4(expP0), archsimd.BroadcastFloat32x4(expP1), archsimd.BroadcastFloat32x4(expP2)
	p3, p4, p5 := archsimd.BroadcastFloat32x4(expP3), archsimd.BroadcastFloat32x4(expP4), archsimd.BroadcastFloat32x4(expP5)
	bias := archsimd.BroadcastInt32x4(127)
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		v := vm.Mul(ld(x, i)).Max(lo).Min(hi)
		n := v.Mul(l2e).Round()
		r := v.Sub(n.Mul(c1))
		r = r.Sub(n.Mul(c2))
		y := p0.Mul(r).Add(p1).Mul(r).Add(p2).Mul(r).Add(p3).Mul(r).Add(p4).Mul(r).Add(p5)
		y = y.Mul(r.Mul(r)).Add(r).Add(one)
		e := n.ConvertToInt32().Add(bias).ShiftAllLeft(23).ToBits().BitsToFloat32()
		st(dst, i, vp.Div(one.Add(y.Mul(e))).Sub(vq))
	}
	for ; i < len(dst); i++ {
		dst[i] = p/(1+expf(m*x[i])) - q
	}
}
