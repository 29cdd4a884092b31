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
	hypots(dst[:h], src[:h], src[h:2*h])
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
// by FFT: the same output (2·(N/2+1) channels, real then imaginary, ×
// frames, CT) in about a twentieth of the arithmetic for N = 256. Each
// real frame is one N/2-point complex FFT (even samples as the real part,
// odd as the imaginary) that unpack4 splits into the N-point spectrum.
// Frames go four at a time, interleaved so that each butterfly
// operation covers four frames. Buffers are planned once; Run allocates
// nothing.
type STFT struct {
	N, Hop, Tin, Frames int
	win                 []float32 // periodic Hann
	cos, sin            []float32 // e^(−2πik/N), k ≤ N/2, for unpack4
	hcos, hsin          []float32 // e^(−2πik/(N/2)), k < N/4, for fft4
	rev                 []int32   // bit reversal of 0..N/2−1
	re, im              []float32 // four half-size FFTs interleaved, 2N each
	xr, xi              []float32 // four spectra interleaved, 4(N/2+1) each
	zero                []float32 // N zeros, the frames past the end
}

// NewSTFT plans an n-point STFT (n a power of two) over tin samples.
func NewSTFT(n, hop, tin int) (*STFT, error) {
	if n < 2 || n&(n-1) != 0 || hop <= 0 || tin < n {
		return nil, fmt.Errorf("nn: STFT of %d points, hop %d, over %d samples", n, hop, tin)
	}
	m := n / 2
	s := &STFT{N: n, Hop: hop, Tin: tin, Frames: (tin-n)/hop + 1,
		win: make([]float32, n), cos: make([]float32, m+1), sin: make([]float32, m+1),
		hcos: make([]float32, m/2), hsin: make([]float32, m/2), rev: make([]int32, m),
		zero: make([]float32, n)}
	s.alloc()
	for i := 0; i < n; i++ {
		s.win[i] = float32(0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n)))
	}
	bits := 0
	for 1<<bits < m {
		bits++
	}
	for i := 0; i < m; i++ {
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		s.rev[i] = int32(r)
	}
	for k := 0; k <= m; k++ {
		a := 2 * math.Pi * float64(k) / float64(n)
		s.cos[k], s.sin[k] = float32(math.Cos(a)), float32(-math.Sin(a))
		if k < m/2 {
			s.hcos[k], s.hsin[k] = float32(math.Cos(2*a)), float32(-math.Sin(2*a))
		}
	}
	return s, nil
}

// alloc makes the working buffers.
func (s *STFT) alloc() {
	s.re, s.im = make([]float32, 2*s.N), make([]float32, 2*s.N)
	s.xr, s.xi = make([]float32, 4*(s.N/2+1)), make([]float32, 4*(s.N/2+1))
}

// Run writes the spectrum of src (Tin samples) to dst.
func (s *STFT) Run(dst, src []float32) {
	n, m, bins, fr := s.N, s.N/2, s.N/2+1, s.Frames
	dst = dst[:2*bins*fr]
	win, re, im, rev := s.win[:n], s.re[:4*m], s.im[:4*m], s.rev[:m]
	for t0 := 0; t0 < fr; t0 += 4 {
		// Frame t0+f, windowed, goes to lane f in bit-reversed order, even
		// samples to re and odd to im; the lanes past the last frame read
		// zeros and are never written out.
		var x [4][]float32
		for f := range x {
			x[f] = s.zero
			if t0+f < fr {
				x[f] = src[(t0+f)*s.Hop:][:n]
			}
		}
		x0, x1, x2, x3 := x[0][:n], x[1][:n], x[2][:n], x[3][:n]
		for i, r := range rev {
			e, o, ri := 2*i, 2*i+1, 4*int(r)
			we, wo := win[e], win[o]
			p, q := re[ri:ri+4:ri+4], im[ri:ri+4:ri+4]
			p[0], p[1], p[2], p[3] = x0[e]*we, x1[e]*we, x2[e]*we, x3[e]*we
			q[0], q[1], q[2], q[3] = x0[o]*wo, x1[o]*wo, x2[o]*wo, x3[o]*wo
		}
		fft4(re, im, s.hcos, s.hsin)
		unpack4(s.xr, s.xi, re, im, s.cos, s.sin)
		nf := min(4, fr-t0)
		for k := 0; k < bins; k++ {
			dr, di := dst[k*fr+t0:][:nf], dst[(bins+k)*fr+t0:][:nf]
			for f, v := range s.xr[4*k:][:nf] {
				dr[f] = v
			}
			for f, v := range s.xi[4*k:][:nf] {
				di[f] = v
			}
		}
	}
}

// Clone returns an STFT sharing s's tables with buffers of its own.
func (s *STFT) Clone() *STFT {
	c := *s
	c.alloc()
	return &c
}
