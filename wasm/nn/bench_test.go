package nn

import "testing"

// BenchmarkPointwise is BlazeFace's largest 1×1 conv shape class (16×16,
// 80→88 channels) and its widest (64×64, 24→28).
func BenchmarkPointwise(b *testing.B) {
	for _, c := range []struct{ hw, ci, co int }{{16 * 16, 80, 88}, {64 * 64, 24, 28}} {
		src := make([]float32, c.hw*c.ci)
		for i := range src {
			src[i] = float32(i%7) - 3
		}
		w := make([]float32, c.ci*c.co)
		bias := make([]float32, c.co)
		dst := make([]float32, c.hw*c.co)
		b.Run("", func(b *testing.B) {
			for b.Loop() {
				pointwise(dst, src, c.hw, c.ci, c.co, w, bias)
			}
			b.ReportMetric(float64(c.hw*c.ci*c.co)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}

// BenchmarkDepthwise is a 3×3 depthwise conv at 64×64×24.
func BenchmarkDepthwise(b *testing.B) {
	d := &Depthwise{KH: 3, KW: 3, C: 24, Stride: 1, Same: true, W: make([]float32, 9*24), B: make([]float32, 24)}
	src := make([]float32, 64*64*24)
	dst := make([]float32, 64*64*24)
	for b.Loop() {
		d.Run(dst, src, 64, 64)
	}
}
