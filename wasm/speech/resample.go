package speech

import "math"

// resampler converts a stream to the detector's 16 kHz. Linear interpolation
// is enough because every feature is taken below 3.4 kHz: for rates above
// 16 kHz a short windowed-sinc low-pass first removes what would fold into
// that band (content above rate−3.4 kHz relative to 16 kHz), while what folds
// into 3.4–8 kHz is never looked at.
type resampler struct {
	rate  int64
	taps  []float64 // nil: no low-pass (rate ≤ 16 kHz)
	hist  []float64 // input samples from absolute index base on
	base  int64
	n     int64 // index of the next output sample
	half  int64
	inLen int64 // input samples received so far
}

func newResampler(rate int) *resampler {
	r := &resampler{rate: int64(rate)}
	if rate > analysisRate {
		// Hamming-windowed sinc, cutoff 6 kHz; its transition band (≈3.3·rate/N
		// wide) ends well before the first frequency that aliases into 0–3.4 kHz.
		const cutoff = 6000.0
		n := int(math.Ceil(3.3*float64(rate)/6000)) | 1
		r.taps = make([]float64, n)
		mid := float64(n-1) / 2
		var sum float64
		for i := range r.taps {
			t := float64(i) - mid
			v := 2 * cutoff / float64(rate)
			if t != 0 {
				v = math.Sin(2*math.Pi*cutoff/float64(rate)*t) / (math.Pi * t)
			}
			v *= 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(n-1))
			r.taps[i] = v
			sum += v
		}
		for i := range r.taps {
			r.taps[i] /= sum
		}
		r.half = int64(n / 2)
	}
	// Pretend silence came before the stream, so the filter starts cleanly.
	r.hist = make([]float64, r.half)
	r.base = -r.half
	return r
}

// at is the low-passed input at absolute index j.
func (r *resampler) at(j int64) float64 {
	if r.taps == nil {
		return r.hist[j-r.base]
	}
	w := r.hist[j-r.half-r.base : j+r.half+1-r.base]
	var s float64
	for i, t := range r.taps {
		s += t * w[i]
	}
	return s
}

// push appends the output samples that in makes available to out.
func (r *resampler) push(in []float32, out []float64) []float64 {
	for _, v := range in {
		r.hist = append(r.hist, float64(v))
	}
	r.inLen += int64(len(in))
	for {
		// Exact rational position of output n in input samples.
		num := r.n * r.rate
		i, frac := num/analysisRate, float64(num%analysisRate)/analysisRate
		if i+1+r.half >= r.inLen {
			break
		}
		a := r.at(i)
		if frac != 0 { // at integer ratios (48 → 16 kHz) every output falls on an input
			a += frac * (r.at(i+1) - a)
		}
		out = append(out, a)
		r.n++
	}
	if drop := r.n*r.rate/analysisRate - r.half - r.base; drop > 0 {
		r.hist = r.hist[:copy(r.hist, r.hist[drop:])]
		r.base += drop
	}
	return out
}
