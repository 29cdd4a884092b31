package speech

import (
	"math"
	"math/rand"
	"testing"
)

// TestResampleDefinition compares the streaming resampler, fed in odd
// blocks, with its definition computed in float64 over the whole signal:
// the windowed-sinc low-pass (above 16 kHz), then linear interpolation at
// each output's exact position, silence before the first sample.
func TestResampleDefinition(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, rate := range []int{8000, 11025, 16000, 22050, 44100, 48000, 96000} {
		x := make([]float32, rate/2)
		for i := range x {
			x[i] = float32(2*rng.Float64() - 1)
		}
		r := newResampler(rate)
		var got []float32
		for i := 0; i < len(x); {
			n := min(1+rng.Intn(700), len(x)-i)
			got = resample(r, x[i:i+n], got)
			i += n
		}
		y := func(j int) float64 { // the low-passed input
			if r.taps == nil {
				return float64(x[j])
			}
			var s float64
			for k, tap := range r.taps {
				if i := j - int(r.half) + k; i >= 0 && i < len(x) {
					s += float64(tap) * float64(x[i])
				}
			}
			return s
		}
		if want := (len(x)-int(r.half)-1)*analysisRate/rate + 1; len(got) < want-1 || len(got) > want+1 {
			t.Errorf("%d Hz: %d outputs for %d inputs, want about %d", rate, len(got), len(x), want)
		}
		worst := 0.0
		for n, v := range got {
			pos := float64(n) * float64(rate) / analysisRate
			i := int(pos)
			w := y(i)
			if f := pos - float64(i); f != 0 {
				w += f * (y(i+1) - w)
			}
			worst = max(worst, math.Abs(float64(v)-w))
		}
		if worst > 1e-5 {
			t.Errorf("%d Hz: output differs from the definition by %.2g", rate, worst)
		}
	}
}

// TestResampleAntiAlias: from 48 kHz a 1 kHz tone passes and a 13 kHz
// tone, which would fold onto 3 kHz at 16 kHz, is removed.
func TestResampleAntiAlias(t *testing.T) {
	rms := func(f float64) float64 {
		x := make([]float32, 48000)
		for i := range x {
			x[i] = float32(math.Sin(2 * math.Pi * f * float64(i) / 48000))
		}
		y := resample(newResampler(48000), x, []float64(nil))
		var s float64
		for _, v := range y[1000:] {
			s += v * v
		}
		return math.Sqrt(s / float64(len(y)-1000))
	}
	if p := rms(1000); math.Abs(p-math.Sqrt(0.5)) > 0.02 {
		t.Errorf("1 kHz tone comes out at RMS %.3f, want %.3f", p, math.Sqrt(0.5))
	}
	if a := rms(13000); 20*math.Log10(a/math.Sqrt(0.5)) > -30 {
		t.Errorf("13 kHz tone attenuated by only %.1f dB", -20*math.Log10(a/math.Sqrt(0.5)))
	}
}
