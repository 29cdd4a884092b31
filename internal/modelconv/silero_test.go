package modelconv

import (
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

func TestConvertSilero(t *testing.T) {
	src, err := SileroONNX()
	if err != nil {
		t.Fatalf("%v (run `npm ci` at the repository root)", err)
	}
	m, err := ReadONNX(src)
	if err != nil {
		t.Fatal(err)
	}
	if m.Opset != 16 || len(m.Graph.Inputs) != 3 || m.Graph.Inputs[0] != "input" || m.Graph.Inputs[1] != "state" || m.Graph.Inputs[2] != "sr" {
		t.Errorf("opset %d, inputs %v", m.Opset, m.Graph.Inputs)
	}
	g, err := SileroBranch16k(m)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, n := range g.Nodes {
		ops[n.Op]++
	}
	// The 16 kHz branch: STFT conv + 4 encoder convs + the 1×1 decoder conv,
	// one LSTM (inside a nested If), ReLUs, one sigmoid.
	if ops["Conv"] != 6 || ops["Relu"] != 5 || ops["Sigmoid"] != 1 || ops["Pad"] != 1 {
		t.Errorf("16 kHz branch ops %v", ops)
	}
	b, err := EncodeSilero(src)
	if err != nil {
		t.Fatal(err)
	}
	w, err := nn.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Names()) != len(SileroTensors)-1 {
		t.Errorf("%d tensors, want %d (all but the generated STFT basis)", len(w.Names()), len(SileroTensors)-1)
	}
	for name, shape := range SileroTensors {
		if name == "stft.forward_basis_buffer" {
			continue
		}
		if _, err := w.Get(name, shape...); err != nil {
			t.Error(err)
		}
	}
	// The 8 kHz branch is not shipped: its first conv has 65 input bins.
	for _, n := range w.Names() {
		if tt, _ := w.Get(n); len(tt.Shape) == 3 && tt.Shape[1] == 65 {
			t.Errorf("%s looks like the 8 kHz branch: %v", n, tt.Shape)
		}
	}
}

func TestReadONNXRejectsMalformed(t *testing.T) {
	src, err := SileroONNX()
	if err != nil {
		t.Fatalf("%v (run `npm ci` at the repository root)", err)
	}
	for _, n := range []int{0, 1, 7, 100, len(src) / 2, len(src) - 1} {
		if m, err := ReadONNX(src[:n]); err == nil {
			if _, err := ConvertSilero(m); err == nil {
				t.Errorf("%d-byte prefix converted", n)
			}
		}
	}
	if _, err := ReadONNX([]byte{0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f}); err == nil {
		t.Error("length past the end accepted")
	}
}
