package nn

import "math"

// The LSTM's gate activations, in float32: math.Exp and math.Tanh are
// float64 and slow under WebAssembly. seqact_plain.go and seqact_simd.go
// apply them to slices, with identical results.

// Sigmoid is 1/(1+e^-x), within an absolute 1e-7 of the true value; it
// saturates to exactly 0 and 1.
func Sigmoid(x float32) float32 {
	return 1 / (1 + expf(-x))
}

// Tanh is the hyperbolic tangent, as 2σ(2x) − 1: exactly ±1 for large
// |x|, within an absolute 2e-7 of the true value everywhere (near 0 the
// relative error is large).
func Tanh(x float32) float32 {
	return 2/(1+expf(-2*x)) - 1
}

// Cephes' expf: e^x = 2^n · e^r with n = round(x·log₂e) and |r| ≤ ln2/2,
// e^r by a degree-6 polynomial, r reduced in two steps (ln2 = c1 + c2,
// c1 exact in 9 bits so n·c1 is exact), 2^n built as float32 bits.
const (
	expLo, expHi = -88.37626, 88.73 // 2^n is 0 at n = −127, +Inf at 128
	log2e        = 1.44269504088896341
	expC1        = 0.693359375
	expC2        = -2.12194440e-4
	expP0        = 1.9875691500e-4
	expP1        = 1.3981999507e-3
	expP2        = 8.3334519073e-3
	expP3        = 4.1665795894e-2
	expP4        = 1.6666665459e-1
	expP5        = 5.0000001201e-1
)

// expf is e^x to a few ulp, 0 below −87.7 (few subnormals) and +Inf from
// 88.38 (a little before e^x overflows at 88.72). Every step is a float32
// operation that the f32x4 version in seqact_simd.go repeats exactly.
func expf(x float32) float32 {
	x = min(max(x, expLo), expHi)
	n := float32(math.RoundToEven(float64(x * log2e)))
	r := x - n*expC1
	r = r - n*expC2
	p := ((((expP0*r+expP1)*r+expP2)*r+expP3)*r+expP4)*r + expP5
	y := p*(r*r) + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}
