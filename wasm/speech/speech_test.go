package speech

import (
	"math"
	"math/rand"
	"testing"
	"time"
)

// voiced synthesises vowel-like speech at rate: a glottal-like harmonic
// series with a drifting 100–140 Hz pitch, shaped by three formants, in
// 220 ms syllables separated by 60 ms gaps, over a quiet noise bed. The first
// lead seconds are the noise bed alone.
func voiced(rate int, lead, dur float64, seed int64) []float32 {
	rng := rand.New(rand.NewSource(seed))
	n := int((lead + dur) * float64(rate))
	out := make([]float32, n)
	formant := func(f float64) float64 {
		g := 0.0
		for _, c := range [][2]float64{{600, 100}, {1400, 150}, {2500, 200}} {
			g += 1 / (1 + math.Pow((f-c[0])/c[1], 2))
		}
		return g
	}
	var phase float64
	for i := range out {
		t := float64(i) / float64(rate)
		v := 0.001 * rng.NormFloat64()
		if t >= lead {
			st := t - lead
			f0 := 120 + 20*math.Sin(2*math.Pi*0.7*st)
			phase += 2 * math.Pi * f0 / float64(rate)
			s := math.Mod(st, 0.28)
			env := 0.0
			if s < 0.22 {
				env = math.Sin(math.Pi * s / 0.22)
			}
			var h float64
			for k := 1; float64(k)*f0 < 3800; k++ {
				h += formant(float64(k)*f0) / float64(k) * math.Sin(float64(k)*phase)
			}
			v += 0.1 * env * h
		}
		out[i] = float32(v)
	}
	return out
}

func decide(t *testing.T, rate int, x []float32, block int) []FrameDecision {
	t.Helper()
	d, err := New(rate, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	var all []FrameDecision
	for i := 0; i < len(x); i += block {
		all = append(all, d.Process(x[i:min(i+block, len(x))])...)
	}
	return append(all, d.Flush()...)
}

// speechShare is the share of frames in [from, to) s judged speech.
func speechShare(fs []FrameDecision, from, to float64) float64 {
	n, s := 0, 0
	for _, f := range fs {
		if t := f.Start().Seconds(); t >= from && t < to {
			n++
			if f.Speech {
				s++
			}
		}
	}
	return float64(s) / float64(max(n, 1))
}

func TestSilenceIsNotSpeech(t *testing.T) {
	fs := decide(t, 16000, make([]float32, 3*16000), 128)
	if len(fs) != 300 {
		t.Fatalf("%d frames for 3 s, want 300", len(fs))
	}
	if s := speechShare(fs, 0, 3); s != 0 {
		t.Errorf("digital silence: %.2f of frames speech", s)
	}
}

func TestVoicedIsSpeech(t *testing.T) {
	for _, rate := range []int{16000, 44100, 48000, 8000} {
		fs := decide(t, rate, voiced(rate, 1, 3, 1), 128)
		if len(fs) != 400 {
			t.Errorf("%d Hz: %d frames for 4 s, want 400", rate, len(fs))
		}
		pre, in := speechShare(fs, 0, 0.8), speechShare(fs, 1, 4)
		t.Logf("%d Hz: speech share %.2f before, %.2f during", rate, pre, in)
		if pre != 0 || in < 0.9 {
			t.Errorf("%d Hz: speech share %.2f in the noise lead, %.2f in the voiced part", rate, pre, in)
		}
		// The lookahead backdates the onset by up to 0.2 s.
		if segs := Segments(fs, time.Second, 0); len(segs) != 1 || segs[0].Start < 0.75 || segs[0].Start > 1.05 {
			t.Errorf("%d Hz: segments %v, want one from ≈1 s", rate, segs)
		}
	}
}

func TestNoiseAndTapsAreNotSpeech(t *testing.T) {
	const rate = 16000
	rng := rand.New(rand.NewSource(2))
	white := make([]float32, 5*rate)
	for i := range white {
		white[i] = float32(0.1 * rng.NormFloat64())
	}
	// A dripping tap: a decaying broadband click 8 times a second over a
	// quiet bed; periodic, but far below pitch rates.
	taps := make([]float32, 5*rate)
	for i := range taps {
		taps[i] = float32(0.001 * rng.NormFloat64())
		if k := i % (rate / 8); k < 160 {
			taps[i] += float32(0.5 * math.Exp(-float64(k)/30) * rng.NormFloat64())
		}
	}
	// A ringing glass: one 2.2 kHz tone with a 1 kHz partial, struck every 0.7 s.
	glass := make([]float32, 5*rate)
	for i := range glass {
		t := float64(i%(rate*7/10)) / rate
		glass[i] = float32(0.001*rng.NormFloat64() + 0.3*math.Exp(-t/0.15)*(math.Sin(2*math.Pi*2200*t)+0.5*math.Sin(2*math.Pi*1000*t)))
	}
	for name, x := range map[string][]float32{"white noise": white, "taps": taps, "glass": glass} {
		fs := decide(t, rate, x, 128)
		if s := speechShare(fs, 0, 5); s > 0.02 {
			t.Errorf("%s: %.2f of frames speech", name, s)
		}
	}
}

func TestBlockSizeDoesNotMatter(t *testing.T) {
	x := voiced(48000, 0.5, 1.5, 3)
	a, b := decide(t, 48000, x, 128), decide(t, 48000, x, len(x))
	if len(a) != len(b) {
		t.Fatalf("%d vs %d frames", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("frame %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(4000, DefaultParams()); err == nil {
		t.Error("4 kHz accepted")
	}
	p := DefaultParams()
	p.OnsetFrames = p.OnsetWindow + 1
	if _, err := New(16000, p); err == nil {
		t.Error("OnsetFrames > OnsetWindow accepted")
	}
}

func TestSegments(t *testing.T) {
	// Speech in frames 10–59, 70–79 and 300–309.
	var fs []FrameDecision
	for i := 0; i < 400; i++ {
		fs = append(fs, FrameDecision{Index: i, Speech: (i >= 10 && i < 60) || (i >= 70 && i < 80) || (i >= 300 && i < 310)})
	}
	got := Segments(fs, 0, 0)
	want := []Segment{{0.1, 0.6}, {0.7, 0.8}, {3, 3.1}}
	if !segsEqual(got, want) {
		t.Errorf("no merging: %v, want %v", got, want)
	}
	got = Segments(fs, 300*time.Millisecond, 200*time.Millisecond)
	want = []Segment{{0.1, 0.8}}
	if !segsEqual(got, want) {
		t.Errorf("merged, min 0.3 s: %v, want %v", got, want)
	}
}

func segsEqual(a, b []Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i].Start-b[i].Start) > 1e-9 || math.Abs(a[i].End-b[i].End) > 1e-9 {
			return false
		}
	}
	return true
}

// BenchmarkDetector reports the detector's cost per second of 48 kHz audio
// (the browser's rate, so resampling included), fed in AudioWorklet blocks.
func BenchmarkDetector(b *testing.B) {
	x := voiced(48000, 1, 9, 4)
	d, err := New(48000, DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for i := 0; i < len(x); i += 128 {
			d.Process(x[i:min(i+128, len(x))])
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N)/10, "ms/audio_s")
}
