package speech

import (
	"math"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

// resampler converts a stream to the detector's 16 kHz. Linear interpolation
// is enough because every feature is taken below 3.4 kHz: for rates above
// 16 kHz a short windowed-sinc low-pass first removes what would fold into
// that band (content above rate−3.4 kHz relative to 16 kHz), while what folds
// into 3.4–8 kHz is never looked at.
type resampler struct {
	rate  int64
	taps  []float32 // nil: no low-pass (rate ≤ 16 kHz)
	hist  []float32 // input samples from absolute index base on
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
		taps := make([]float64, n)
		mid := float64(n-1) / 2
		var sum float64
		for i := range taps {
			t := float64(i) - mid
			v := 2 * cutoff / float64(rate)
			if t != 0 {
				v = math.Sin(2*math.Pi*cutoff/float64(rate)*t) / (math.Pi * t)
			}
			v *= 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(n-1))
			taps[i] = v
			sum += v
		}
		r.taps = make([]float32, n)
		for i, v := range taps {
			r.taps[i] = float32(v / sum)
		}
		r.half = int64(n / 2)
	}
	// Pretend silence came before the stream, so the filter starts cleanly.
	r.hist = make([]float32, r.half)
	r.base = -r.half
	return r
}

// at is the low-passed input at absolute index j.
func (r *resampler) at(j int64) float32 {
	if r.taps == nil {
		return r.hist[j-r.base]
	}
	return nn.Dot(r.taps, r.hist[j-r.half-r.base:])
}

// resample appends to out the 16 kHz samples that in makes available.
func resample[T float32 | float64](r *resampler, in []float32, out []T) []T {
	r.hist = append(r.hist, in...)
	r.inLen += int64(len(in))
	for {
		// Exact rational position of output n in input samples.
		num := r.n * r.rate
		i, frac := num/analysisRate, float32(num%analysisRate)/analysisRate
		if i+1+r.half >= r.inLen {
			break
		}
		a := r.at(i)
		if frac != 0 { // at integer ratios (48 → 16 kHz) every output falls on an input
			a += frac * (r.at(i+1) - a)
		}
		out = append(out, T(a))
		r.n++
	}
	if drop := r.n*r.rate/analysisRate - r.half - r.base; drop > 0 {
		r.hist = r.hist[:copy(r.hist, r.hist[drop:])]
		r.base += drop
	}
	return out
}

// input is a detector's stream at 16 kHz, its samples in buf: what comes
// at another rate is resampled on the way in.
type input[T float32 | float64] struct {
	rs    *resampler // nil at 16 kHz
	buf   []T
	count int64 // samples received, when not resampling
}

// push appends samples to buf, at 16 kHz.
func (in *input[T]) push(samples []float32) {
	if in.rs != nil {
		in.buf = resample(in.rs, samples, in.buf)
		return
	}
	in.count += int64(len(samples))
	for _, v := range samples {
		in.buf = append(in.buf, T(v))
	}
}

// drain ends the stream: it appends the samples the resampler's filter
// still holds back, completed with silence.
func (in *input[T]) drain() {
	if in.rs != nil {
		in.buf = resample(in.rs, make([]float32, 2*in.rs.half+2), in.buf)
	}
}

// received is the number of 16 kHz samples the input so far amounts to.
func (in *input[T]) received() int64 {
	if in.rs != nil {
		return in.rs.inLen * analysisRate / in.rs.rate
	}
	return in.count
}
