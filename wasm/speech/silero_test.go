package speech

import (
	"encoding/json"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/modelconv"
	"github.com/lokaal-nl/lokaal/wasm/nn"
)

// testdata/silero_ref.json holds onnxruntime-web's outputs for
// silero_vad_v5.onnx on refSignal; testdata/silero_ref.mjs writes it.

type refSample struct {
	Len int       `json:"len"`
	Sum float64   `json:"sum"`
	Abs float64   `json:"abs"`
	Idx []int     `json:"idx"`
	Val []float64 `json:"val"`
}

type sileroRef struct {
	Chunk   int                             `json:"chunk"`
	Context int                             `json:"context"`
	Probs   []float64                       `json:"probs"`
	ProbsB  []float64                       `json:"probsB"`
	Layers  map[string]map[string]refSample `json:"layers"`
}

func loadRef(t testing.TB) sileroRef {
	b, err := os.ReadFile("testdata/silero_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var r sileroRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	sileroOnce    sync.Once
	sileroF16     []byte
	sileroF32     []byte
	sileroConvErr error
)

// sileroWeights converts the model from node_modules as modelgen does
// (float16), and also at float32 to separate port errors from rounding.
func sileroWeights(t testing.TB, half bool) []byte {
	sileroOnce.Do(func() {
		var src []byte
		src, sileroConvErr = modelconv.SileroONNX()
		if sileroConvErr != nil {
			return
		}
		var m *modelconv.OnnxModel
		if m, sileroConvErr = modelconv.ReadONNX(src); sileroConvErr != nil {
			return
		}
		var ts []nn.Tensor
		if ts, sileroConvErr = modelconv.ConvertSilero(m); sileroConvErr != nil {
			return
		}
		if sileroF16, sileroConvErr = modelconv.EncodeSilero(src); sileroConvErr != nil {
			return
		}
		sileroF32, sileroConvErr = nn.Encode(ts, false)
	})
	if sileroConvErr != nil {
		t.Fatalf("Silero weights: %v (run `npm ci` at the repository root)", sileroConvErr)
	}
	if half {
		return sileroF16
	}
	return sileroF32
}

// refSignal is the synthetic input of silero_ref.mjs (keep in step):
// seeded LCG noise, a chirp at 0.5–1.5 s, a modulated harmonic tone with
// a wobbling pitch at 2–3.5 s.
func refSignal(n int) []float32 {
	x := make([]float32, n)
	s := uint32(12345)
	rnd := func() float64 { s = s*1103515245 + 12345; return float64(s)/4294967296 - 0.5 }
	for i := range x {
		t := float64(i) / 16000
		v := 0.02 * rnd()
		if t >= 0.5 && t < 1.5 {
			v += 0.3 * math.Sin(2*math.Pi*(200*t+400*t*t))
		}
		if t >= 2 && t < 3.5 {
			f0 := 120 + 20*math.Sin(2*math.Pi*3*t)
			for k := 1.0; k <= 12; k++ {
				v += (0.25 / k) * math.Sin(2*math.Pi*f0*k*t) * (1 + math.Sin(2*math.Pi*4*t)) * 0.5
			}
		}
		x[i] = float32(v)
	}
	return x
}

// layerErr is the largest difference between a layer and its reference
// samples, relative to the layer's mean magnitude (so layers of any
// scale compare alike), and the relative error of its sum of magnitudes.
func layerErr(got []float32, r refSample) (maxAbs, rel float64) {
	if len(got) != r.Len {
		return math.Inf(1), math.Inf(1)
	}
	for j, i := range r.Idx {
		maxAbs = max(maxAbs, math.Abs(float64(got[i])-r.Val[j]))
	}
	var abs float64
	for _, v := range got {
		abs += math.Abs(float64(v))
	}
	scale := max(r.Abs/float64(r.Len), 1e-6)
	return maxAbs / scale, math.Abs(abs-r.Abs) / max(r.Abs, 1e-6)
}

func TestSileroMatchesONNXRuntime(t *testing.T) {
	ref := loadRef(t)
	x := refSignal(ref.Chunk * len(ref.Probs))
	for _, tc := range []struct {
		name       string
		half       bool
		layer, out float64 // tolerances: layer error per mean magnitude; probability
	}{
		{"float32", false, 1e-3, 1e-4},
		{"float16", true, 0.05, 0.01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := newSileroNet(sileroWeights(t, tc.half))
			if err != nil {
				t.Fatal(err)
			}
			in := make([]float32, sileroIn)
			var worstP float64
			worst := map[string]float64{}
			for k := range ref.Probs {
				clear(in)
				if k > 0 {
					copy(in, x[k*sileroChunk-sileroContext:k*sileroChunk])
				}
				copy(in[sileroContext:], x[k*sileroChunk:(k+1)*sileroChunk])
				p := n.infer(in)
				worstP = max(worstP, math.Abs(float64(p)-ref.Probs[k]))
				layers, ok := ref.Layers[itoa(k)]
				if !ok {
					continue
				}
				state := append(append([]float32(nil), n.h...), n.c...)
				for name, got := range map[string][]float32{
					"pad": n.padded, "stft": n.spec, "mag": n.mag, "enc0": n.e0, "enc1": n.e1,
					"enc2": n.e2, "enc3": n.e3, "logit": {n.logit}, "state": state,
				} {
					r, ok := layers[name]
					if !ok {
						t.Fatalf("reference lacks layer %s", name)
					}
					e, rel := layerErr(got, r)
					worst[name] = max(worst[name], e, rel)
				}
			}
			for _, name := range []string{"pad", "stft", "mag", "enc0", "enc1", "enc2", "enc3", "state", "logit"} {
				t.Logf("%-5s max error %.2e of mean |value|", name, worst[name])
				if !(worst[name] <= tc.layer) {
					t.Errorf("%s: error %.3g above %.3g", name, worst[name], tc.layer)
				}
			}
			t.Logf("probability max abs error %.2e over %d chunks", worstP, len(ref.Probs))
			if !(worstP <= tc.out) {
				t.Errorf("probability error %.3g above %.3g", worstP, tc.out)
			}
		})
	}
}

func itoa(k int) string {
	b, _ := json.Marshal(k)
	return string(b)
}

// TestSileroStreamMatchesReference feeds the reference signal through the
// streaming detector in odd-sized blocks: the context samples and LSTM
// states it carries must give the runtime's per-chunk probabilities, each
// 16 ms verdict the mean of stream a's chunk and stream b's (the signal
// 256 samples later).
func TestSileroStreamMatchesReference(t *testing.T) {
	ref := loadRef(t)
	x := refSignal(ref.Chunk * len(ref.Probs))
	d, err := NewSilero(sileroWeights(t, true), analysisRate)
	if err != nil {
		t.Fatal(err)
	}
	var fs []FrameDecision
	for i := 0; i < len(x); i += 333 {
		fs = append(fs, d.Process(x[i:min(i+333, len(x))])...)
	}
	fs = append(fs, d.Flush()...)
	if want := len(x) / hop; len(fs) != want {
		t.Fatalf("%d frames for %d samples, want %d", len(fs), len(x), want)
	}
	var worst float64
	checked := 0
	for i, f := range fs {
		if f.Index != i {
			t.Fatalf("frame %d has index %d", i, f.Index)
		}
		h := (i*hop + hop/2 + d.lag) / sileroHalf
		if h/2 >= len(ref.Probs) || (h+1)/2 >= len(ref.ProbsB) {
			continue // past the reference: the detector's own silence padding
		}
		want := (ref.Probs[h/2] + ref.ProbsB[(h+1)/2]) / 2
		worst = max(worst, math.Abs(float64(f.Prob)-want))
		checked++
	}
	t.Logf("streamed probability max abs error %.2e over %d frames", worst, checked)
	if worst > 0.01 || checked < len(fs)-10 {
		t.Errorf("streamed probabilities differ from the runtime's by %.3g (%d frames checked)", worst, checked)
	}
}

// TestSileroBlockSizeDoesNotMatter: decisions depend on the samples, not
// on how they are cut, at 16 and 48 kHz.
func TestSileroBlockSizeDoesNotMatter(t *testing.T) {
	w := sileroWeights(t, true)
	for _, rate := range []int{16000, 48000} {
		x := voiced(rate, 0.7, 1.5, 3)
		x = append(x, make([]float32, rate)...)
		var got [][]FrameDecision
		for _, block := range []int{128, 1000, len(x)} {
			d, err := NewSilero(w, rate)
			if err != nil {
				t.Fatal(err)
			}
			var fs []FrameDecision
			for i := 0; i < len(x); i += block {
				fs = append(fs, d.Process(x[i:min(i+block, len(x))])...)
			}
			got = append(got, append(fs, d.Flush()...))
		}
		for i := 1; i < len(got); i++ {
			if len(got[i]) != len(got[0]) {
				t.Fatalf("%d Hz: %d vs %d frames", rate, len(got[i]), len(got[0]))
			}
			for j := range got[0] {
				if got[i][j] != got[0][j] {
					t.Fatalf("%d Hz: frame %d differs: %+v vs %+v", rate, j, got[i][j], got[0][j])
				}
			}
		}
	}
}

// TestSileroSilenceIsNotSpeech: digital silence at 48 kHz gives one
// non-speech decision per 10 ms.
func TestSileroSilenceIsNotSpeech(t *testing.T) {
	d, err := NewSilero(sileroWeights(t, true), 48000)
	if err != nil {
		t.Fatal(err)
	}
	fs := runVAD(d, audio.Clip{Rate: 48000, Samples: make([]float32, 3*48000)})
	if n, _ := speechFrames(fs); n != 0 || len(fs) != 300 {
		t.Errorf("silence: %d speech frames of %d", n, len(fs))
	}
}

func TestNewSileroRejects(t *testing.T) {
	w := sileroWeights(t, true)
	if _, err := NewSilero(w, 4000); err == nil {
		t.Error("4 kHz accepted")
	}
	if _, err := NewSilero(w[:len(w)/2], 16000); err == nil {
		t.Error("truncated weights accepted")
	}
	if _, err := NewSileroParams(w, 16000, SileroParams{Threshold: 0.3, NegThreshold: 0.5}); err == nil {
		t.Error("negative threshold above the positive one accepted")
	}
}

// TestSileroAllocatesNothing: once warm, the per-chunk path makes no
// garbage, at 16 kHz and through the 48 kHz resampler.
func TestSileroAllocatesNothing(t *testing.T) {
	w := sileroWeights(t, true)
	for _, rate := range []int{16000, 48000} {
		d, err := NewSilero(w, rate)
		if err != nil {
			t.Fatal(err)
		}
		x := voiced(rate, 0.2, 2, 5)
		pos := 0
		next := func() []float32 {
			if pos+128 > len(x) {
				pos = 0
			}
			pos += 128
			return x[pos-128 : pos]
		}
		for range 2000 {
			d.Process(next())
		}
		if a := testing.AllocsPerRun(2000, func() { d.Process(next()) }); a != 0 {
			t.Errorf("%d Hz: %.2f allocations per 128-sample block", rate, a)
		}
	}
}

// BenchmarkSilero reports the detector's cost per second of audio, fed in
// AudioWorklet blocks (at 48 kHz, resampling included).
func BenchmarkSilero(b *testing.B) {
	w := sileroWeights(b, true)
	for _, c := range []struct {
		name          string
		rate, streams int
	}{{"16k", 16000, 2}, {"48k", 48000, 2}, {"48k-1stream", 48000, 1}} {
		rate := c.rate
		b.Run(c.name, func(b *testing.B) {
			p := DefaultSileroParams()
			if c.streams == 1 {
				p = SingleStreamSileroParams()
			}
			d, err := NewSileroParams(w, rate, p)
			if err != nil {
				b.Fatal(err)
			}
			x := voiced(rate, 0.2, 2, 5)[:rate]
			b.ResetTimer()
			cpu := cpuTime()
			for range b.N {
				for i := 0; i < len(x); i += 128 {
					d.Process(x[i:min(i+128, len(x))])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/audio-s")
			if c := cpuTime() - cpu; c > 0 {
				b.ReportMetric(c*1000/float64(b.N), "cpu-ms/audio-s")
			}
		})
	}
}

// BenchmarkSileroChunk is one 32 ms network evaluation.
func BenchmarkSileroChunk(b *testing.B) {
	n, err := newSileroNet(sileroWeights(b, true))
	if err != nil {
		b.Fatal(err)
	}
	x := refSignal(sileroIn)
	for range b.N {
		n.infer(x)
	}
}
