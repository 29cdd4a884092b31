package nn

import "math"

// Sigmoid is 1/(1+e^-x), computed in float64 so it saturates cleanly at
// both ends.
func Sigmoid(x float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(x))))
}

// Tanh is the hyperbolic tangent.
func Tanh(x float32) float32 {
	return float32(math.Tanh(float64(x)))
}
