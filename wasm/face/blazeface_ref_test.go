package face

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

// refInput regenerates the synthetic inputs of testdata/blazeface-ref.mjs.
func refInput(name string) []float32 {
	v := make([]float32, 128*128*3)
	x := uint32(2463534242)
	for i := range v {
		switch name {
		case "sine":
			v[i] = float32(math.Sin(float64(i)*0.37) * 0.9)
		case "noise":
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			v[i] = float32(float64(x)/4294967296*2 - 1)
		case "disc":
			p := i / 3
			y, xx := float64(p/128), float64(p%128)
			f := -0.1
			if math.Hypot(xx-64, y-64) < 30 {
				f = 0.6
			}
			if math.Hypot(xx-52, y-56) < 5 || math.Hypot(xx-76, y-56) < 5 {
				f = -0.8
			}
			if math.Abs(xx-64) < 10 && math.Abs(y-80) < 3 {
				f = -0.5
			}
			v[i] = float32(f)
		}
	}
	return v
}

func readF32(t *testing.T, path string) []float32 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// TestBlazeFaceMatchesONNX runs the short-range model converted from the
// .tflite in node_modules on the reference inputs and compares its raw
// outputs (896×16 regressors, 896 logits) with onnxruntime's on the
// independent ONNX conversion (testdata/blazeface-ref.mjs). Both hold the
// same float16-derived weights, so the only difference left is float32
// summation order: the tolerance is 1e-3 relative to the output's scale.
func TestBlazeFaceMatchesONNX(t *testing.T) {
	d := blazeFace(t, "blazeface-short")
	for _, name := range []string{"sine", "noise", "disc"} {
		ref := readF32(t, filepath.Join("testdata", "blazeface-short-"+name+".f32"))
		if len(ref) != 896*17 {
			t.Fatalf("%s: %d reference values", name, len(ref))
		}
		copy(d.g.Input(), refInput(name))
		d.g.Run()
		for _, o := range []struct {
			what      string
			got, want []float32
		}{{"regressors", d.reg, ref[:896*16]}, {"logits", d.cls, ref[896*16:]}} {
			var maxErr, scale float64
			for i, w := range o.want {
				maxErr = math.Max(maxErr, math.Abs(float64(o.got[i]-w)))
				scale = math.Max(scale, math.Abs(float64(w)))
			}
			t.Logf("%s %s: max |error| %.3g, max |value| %.3g", name, o.what, maxErr, scale)
			if maxErr > 1e-3*math.Max(1, scale) {
				t.Errorf("%s %s: max error %g at scale %g", name, o.what, maxErr, scale)
			}
		}
	}
}

// TestBlazeFaceLayers checks every layer of both models, unfused, against
// nn's float64 reference interpreter, and the fused graph's outputs
// against the unfused ones.
func TestBlazeFaceLayers(t *testing.T) {
	for _, kind := range []string{"blazeface-short", "blazeface-full"} {
		w, err := nn.Decode(bfWeights(t, kind))
		if err != nil {
			t.Fatal(err)
		}
		g, err := nn.LoadGraph(w, false)
		if err != nil {
			t.Fatal(err)
		}
		fused, err := nn.LoadGraph(w, true)
		if err != nil {
			t.Fatal(err)
		}
		in := make([]float32, len(g.Input()))
		x := uint32(12345)
		for i := range in {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			in[i] = float32(float64(x)/4294967296*2 - 1)
		}
		copy(g.Input(), in) // Run reuses the input's buffer once it is read
		got := make([][]float32, g.NumOps())
		g.Trace(func(op int, out []float32) { got[op] = append([]float32(nil), out...) })
		g.Run()
		worst := 0.0
		g.RunReference(in, func(op int, want []float64) {
			var e, s float64
			for i, v := range want {
				e = math.Max(e, math.Abs(float64(got[op][i])-v))
				s = math.Max(s, math.Abs(v))
			}
			rel := e / math.Max(s, 1e-6)
			worst = math.Max(worst, rel)
			if rel > 1e-4 {
				t.Errorf("%s op %d: max error %g at scale %g", kind, op, e, s)
			}
		})
		t.Logf("%s: %d ops, worst per-layer error %.2g of the layer's max |value|", kind, g.NumOps(), worst)
		copy(fused.Input(), in)
		fused.Run()
		for o := 0; o < g.NumOutputs(); o++ {
			a, b := g.Output(o), fused.Output(o)
			for i := range a {
				if math.Abs(float64(a[i]-b[i])) > 1e-4*math.Max(1, math.Abs(float64(a[i]))) {
					t.Fatalf("%s output %d[%d]: fused %g, unfused %g", kind, o, i, b[i], a[i])
				}
			}
		}
	}
}
