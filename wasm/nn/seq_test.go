package nn

import (
	"math"
	"math/rand"
	"testing"
)

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func maxDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// naiveConv1D is the textbook definition, in float64.
func naiveConv1D(w, b, x []float32, cout, cin, k, stride, pad, tin int) []float32 {
	tout := (tin+2*pad-k)/stride + 1
	out := make([]float32, cout*tout)
	for o := 0; o < cout; o++ {
		for t := 0; t < tout; t++ {
			s := float64(b[o])
			for i := 0; i < cin; i++ {
				for j := 0; j < k; j++ {
					if p := t*stride - pad + j; p >= 0 && p < tin {
						s += float64(w[(o*cin+i)*k+j]) * float64(x[i*tin+p])
					}
				}
			}
			out[o*tout+t] = float32(s)
		}
	}
	return out
}

func TestConv1DMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, c := range []struct{ cout, cin, k, stride, pad, tin int }{
		{128, 129, 3, 1, 1, 4}, {64, 128, 3, 2, 1, 4}, {64, 64, 3, 2, 1, 2}, {128, 64, 3, 1, 1, 1},
		{5, 3, 4, 3, 2, 17}, {7, 1, 256, 128, 0, 640},
	} {
		w, b, x := randVec(r, c.cout*c.cin*c.k), randVec(r, c.cout), randVec(r, c.cin*c.tin)
		conv, err := NewConv1D(w, b, c.cout, c.cin, c.k, c.stride, c.pad, c.tin)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveConv1D(w, b, x, c.cout, c.cin, c.k, c.stride, c.pad, c.tin)
		got := make([]float32, c.cout*conv.Tout)
		conv.Run(got, x, false)
		if len(want) != len(got) || maxDiff(got, want) > 1e-3 {
			t.Errorf("%+v: max difference %g", c, maxDiff(got, want))
		}
		conv.Clone().Run(got, x, true)
		for i := range want {
			want[i] = max(want[i], 0)
		}
		if maxDiff(got, want) > 1e-3 {
			t.Errorf("%+v with ReLU (clone): max difference %g", c, maxDiff(got, want))
		}
		if a := testing.AllocsPerRun(10, func() { conv.Run(got, x, true) }); a != 0 {
			t.Errorf("%+v: %v allocations per run", c, a)
		}
	}
	if _, err := NewConv1D(make([]float32, 5), nil, 2, 1, 3, 1, 0, 4); err == nil {
		t.Error("wrong weight count accepted")
	}
	if _, err := NewConv1D(make([]float32, 6), nil, 2, 1, 3, 1, 0, 2); err == nil {
		t.Error("kernel longer than the input accepted")
	}
}

func TestSTFTMatchesBasisConv(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	// 4 frames (Silero's), and 7: a last group of fft4 lanes part empty.
	for _, tin := range []int{640, 1024} {
		x := randVec(r, tin)
		s, err := NewSTFT(256, 128, tin)
		if err != nil {
			t.Fatal(err)
		}
		conv, err := NewConv1D(STFTBasis(256), nil, 258, 1, 256, 128, 0, tin)
		if err != nil {
			t.Fatal(err)
		}
		want, got := make([]float32, 258*s.Frames), make([]float32, 258*s.Frames)
		conv.Run(want, x, false)
		s.Clone().Run(got, x)
		if d := maxDiff(got, want); d > 1e-4 {
			t.Errorf("%d frames: FFT and basis conv differ by %g", s.Frames, d)
		}
		if a := testing.AllocsPerRun(10, func() { s.Run(got, x) }); a != 0 {
			t.Errorf("%d frames: %v allocations per run", s.Frames, a)
		}
	}
	s, _ := NewSTFT(256, 128, 640)
	x, got := make([]float32, 640), make([]float32, 258*4)
	// A cosine at bin 8: the Hann window puts N/4 in bin 8, N/8 in its
	// neighbours and nothing elsewhere.
	for i := range x {
		x[i] = float32(math.Cos(2 * math.Pi * 8 * float64(i) / 256))
	}
	s.Run(got, x)
	mag := make([]float32, 129*4)
	Magnitude(mag, got)
	for k := 0; k < 129; k++ {
		want := 0.0
		switch k {
		case 8:
			want = 64
		case 7, 9:
			want = 32
		}
		if v := float64(mag[k*4]); math.Abs(v-want) > 1e-3 {
			t.Errorf("bin %d magnitude %g, want %g", k, v, want)
		}
	}
	if _, err := NewSTFT(250, 128, 640); err == nil {
		t.Error("non-power-of-two size accepted")
	}
}

func TestReflectPad1D(t *testing.T) {
	dst := make([]float32, 9)
	ReflectPad1D(dst, []float32{1, 2, 3, 4}, 2, 3)
	want := []float32{3, 2, 1, 2, 3, 4, 3, 2, 1}
	if maxDiff(dst, want) != 0 {
		t.Errorf("got %v, want %v", dst, want)
	}
}

func TestLSTMCellMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	const in, hd = 6, 5
	wih, whh, bih, bhh := randVec(r, 4*hd*in), randVec(r, 4*hd*hd), randVec(r, 4*hd), randVec(r, 4*hd)
	l, err := NewLSTMCell(wih, whh, bih, bhh, in, hd)
	if err != nil {
		t.Fatal(err)
	}
	h, c := randVec(r, hd), randVec(r, hd)
	wh, wc := append([]float32(nil), h...), append([]float32(nil), c...)
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	for step := 0; step < 3; step++ {
		x := randVec(r, in)
		g := make([]float64, 4*hd)
		for i := range g {
			g[i] = float64(bih[i] + bhh[i])
			for j := 0; j < in; j++ {
				g[i] += float64(wih[i*in+j] * x[j])
			}
			for j := 0; j < hd; j++ {
				g[i] += float64(whh[i*hd+j] * wh[j])
			}
		}
		for j := 0; j < hd; j++ { // PyTorch gate order: input, forget, cell, output
			cj := sig(g[hd+j])*float64(wc[j]) + sig(g[j])*math.Tanh(g[2*hd+j])
			wc[j] = float32(cj)
			wh[j] = float32(sig(g[3*hd+j]) * math.Tanh(cj))
		}
		l.Step(x, h, c)
		if d := max(maxDiff(h, wh), maxDiff(c, wc)); d > 1e-5 {
			t.Fatalf("step %d: state differs by %g", step, d)
		}
	}
	x := randVec(r, in)
	m := l.Clone()
	if a := testing.AllocsPerRun(10, func() { m.Step(x, h, c) }); a != 0 {
		t.Errorf("%v allocations per step", a)
	}
	if _, err := NewLSTMCell(wih, whh, bih[:3], bhh, in, hd); err == nil {
		t.Error("short bias accepted")
	}
}

// TestSigmoidTanh checks the float32 activations against float64 on a
// dense grid of ±100, their saturation, and that the slice forms give
// exactly the scalar results.
func TestSigmoidTanh(t *testing.T) {
	const n = 1000001
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(-100 + 200*float64(i)/(n-1))
	}
	x = append(x, 0, 1e-8, -1e-8, 1e-30, 17, 87.5, 88.5, 89, -87.5, -88.5, -89)
	sig, tanh := make([]float32, len(x)), make([]float32, len(x))
	sigmoids(sig, x)
	tanhs(tanh, x)
	var es, et float64
	for i, v := range x {
		s, th := Sigmoid(v), Tanh(v)
		if s != s || th != th {
			t.Fatalf("NaN at %v", v)
		}
		if math.Float32bits(s) != math.Float32bits(sig[i]) || math.Float32bits(th) != math.Float32bits(tanh[i]) {
			t.Fatalf("at %v: slice forms %v, %v, scalar %v, %v", v, sig[i], tanh[i], s, th)
		}
		es = max(es, math.Abs(float64(s)-1/(1+math.Exp(-float64(v)))))
		et = max(et, math.Abs(float64(th)-math.Tanh(float64(v))))
	}
	if es > 1e-7 || et > 2e-7 {
		t.Errorf("max error %g for Sigmoid, %g for Tanh", es, et)
	}
	t.Logf("max error %g for Sigmoid, %g for Tanh", es, et)
	if Sigmoid(-100) != 0 || Sigmoid(100) != 1 || Tanh(-100) != -1 || Tanh(100) != 1 || Tanh(0) != 0 {
		t.Errorf("σ(±100) = %v, %v; tanh(±100) = %v, %v; tanh(0) = %v",
			Sigmoid(-100), Sigmoid(100), Tanh(-100), Tanh(100), Tanh(0))
	}
}

func BenchmarkConv1DEnc0(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	c, _ := NewConv1D(randVec(r, 128*129*3), randVec(r, 128), 128, 129, 3, 1, 1, 4)
	x, out := randVec(r, 129*4), make([]float32, 128*4)
	for range b.N {
		c.Run(out, x, true)
	}
}

func BenchmarkSTFT256(b *testing.B) {
	s, _ := NewSTFT(256, 128, 640)
	x, out := randVec(rand.New(rand.NewSource(1)), 640), make([]float32, 258*4)
	for range b.N {
		s.Run(out, x)
	}
}

func BenchmarkLSTMCell128(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	l, _ := NewLSTMCell(randVec(r, 512*128), randVec(r, 512*128), randVec(r, 512), randVec(r, 512), 128, 128)
	x, h, c := randVec(r, 128), make([]float32, 128), make([]float32, 128)
	for range b.N {
		l.Step(x, h, c)
	}
}
