package nn

import (
	"fmt"
	"math"
)

// The pieces of an STFT written as a convolution (Silero's front end):
// reflect-pad the signal, convolve it with a fixed basis of windowed
// cosines and sines (a Conv1D with stride = hop), then take the magnitude
// of each real/imaginary pair.

// ReflectPad1D writes src into dst with left and right samples mirrored
// about the ends (ONNX Pad mode "reflect": the edge sample itself is not
// repeated). dst must hold left+len(src)+right; each pad must be shorter
// than src.
func ReflectPad1D(dst, src []float32, left, right int) {
	n := len(src)
	dst = dst[:left+n+right]
	copy(dst[left:], src)
	for i := 0; i < left; i++ {
		dst[left-1-i] = src[i+1]
	}
	for i := 0; i < right; i++ {
		dst[left+n+i] = src[n-2-i]
	}
}

// Magnitude is dst[i] = √(re[i]² + im[i]²), where src holds the real part
// in its first half and the imaginary part in its second, as the STFT
// basis conv lays out its output channels.
func Magnitude(dst, src []float32) {
	h := len(src) / 2
	re, im := src[:h], src[h:2*h]
	dst = dst[:h]
	for i := range dst {
		dst[i] = float32(math.Sqrt(float64(re[i]*re[i] + im[i]*im[i])))
	}
}

// STFTBasis is the kernel of an n-point STFT as a Conv1D (OIK, out
// channels n/2+1 real then n/2+1 imaginary, 1 input channel, n taps):
// cos and −sin of each bin times a periodic Hann window, as torch.stft
// and Silero's forward_basis_buffer use. A model's basis is generated
// rather than shipped; the converter checks it matches.
func STFTBasis(n int) []float32 {
	bins := n/2 + 1
	b := make([]float32, 2*bins*n)
	for k := 0; k < bins; k++ {
		for i := 0; i < n; i++ {
			w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
			// k·i mod n keeps the angle small, so the table is exact to float32.
			a := 2 * math.Pi * float64(k*i%n) / float64(n)
			b[k*n+i] = float32(w * math.Cos(a))
			b[(bins+k)*n+i] = float32(-w * math.Sin(a))
		}
	}
	return b
}

// STFT computes what a Conv1D with STFTBasis(N) and stride Hop computes,
// by a radix-2 FFT per frame: the same output (2·(N/2+1) channels, real
// then imaginary, × frames, CT), in a sixth of the multiply-adds for
// N = 256. Buffers are planned once; Run allocates nothing.
type STFT struct {
	N, Hop, Tin, Frames int
	win                 []float32 // periodic Hann
	cos, sin            []float32 // twiddles e^(−2πik/N), k < N/2
	rev                 []int32   // bit reversal of 0..N−1
	re, im              []float32
}

// NewSTFT plans an n-point STFT (n a power of two) over tin samples.
func NewSTFT(n, hop, tin int) (*STFT, error) {
	if n < 2 || n&(n-1) != 0 || hop <= 0 || tin < n {
		return nil, fmt.Errorf("nn: STFT of %d points, hop %d, over %d samples", n, hop, tin)
	}
	s := &STFT{N: n, Hop: hop, Tin: tin, Frames: (tin-n)/hop + 1,
		win: make([]float32, n), cos: make([]float32, n/2), sin: make([]float32, n/2),
		rev: make([]int32, n), re: make([]float32, n), im: make([]float32, n)}
	bits := 0
	for 1<<bits < n {
		bits++
	}
	for i := 0; i < n; i++ {
		s.win[i] = float32(0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n)))
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		s.rev[i] = int32(r)
	}
	for k := 0; k < n/2; k++ {
		a := 2 * math.Pi * float64(k) / float64(n)
		s.cos[k], s.sin[k] = float32(math.Cos(a)), float32(-math.Sin(a))
	}
	return s, nil
}

// Run writes the spectrum of src (Tin samples) to dst.
func (s *STFT) Run(dst, src []float32) {
	n, bins, fr := s.N, s.N/2+1, s.Frames
	dst = dst[:2*bins*fr]
	for t := 0; t < fr; t++ {
		x := src[t*s.Hop : t*s.Hop+n]
		for i, r := range s.rev {
			s.re[r], s.im[r] = x[i]*s.win[i], 0
		}
		for size := 2; size <= n; size <<= 1 {
			half, step := size/2, n/size
			for start := 0; start < n; start += size {
				for j := 0; j < half; j++ {
					wr, wi := s.cos[j*step], s.sin[j*step]
					a, b := start+j, start+j+half
					tr := wr*s.re[b] - wi*s.im[b]
					ti := wr*s.im[b] + wi*s.re[b]
					s.re[b], s.im[b] = s.re[a]-tr, s.im[a]-ti
					s.re[a], s.im[a] = s.re[a]+tr, s.im[a]+ti
				}
			}
		}
		for k := 0; k < bins; k++ {
			dst[k*fr+t] = s.re[k]
			dst[(bins+k)*fr+t] = s.im[k]
		}
	}
}

// Clone returns an STFT sharing s's tables with buffers of its own.
func (s *STFT) Clone() *STFT {
	c := *s
	c.re, c.im = make([]float32, s.N), make([]float32, s.N)
	return &c
}
