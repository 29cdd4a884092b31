package modelconv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

// Silero VAD v5 as shipped in @ricky0123/vad-web: one ONNX graph whose
// top-level If picks a 16 kHz or an 8 kHz sub-network by the sr input.
// Only the 16 kHz branch is converted; wasm/speech runs it as Go calls:
//
//	reflect pad 576 → 640 samples (64 on the right)
//	Conv stft.forward_basis_buffer 258×1×256, stride 128 → 258×4; magnitude → 129×4
//	  (the basis is a periodic-Hann-windowed DFT; it is checked here and
//	  generated at load, not shipped: see nn.STFTBasis)
//	4 × (Conv k3 pad 1 + ReLU): 129→128 s1, 128→64 s2, 64→64 s2, 64→128 s1 → 128×1
//	LSTMCell 128 (state h, c carried between chunks)
//	ReLU, Conv 128→1 k1, Sigmoid → speech probability

// SileroTensors lists the converted tensors, by the names wasm/speech
// reads (the branch's initializer names without the If prefix), with the
// shapes it expects.
var SileroTensors = map[string][]int{
	"stft.forward_basis_buffer":     {258, 1, 256},
	"encoder.0.reparam_conv.weight": {128, 129, 3},
	"encoder.0.reparam_conv.bias":   {128},
	"encoder.1.reparam_conv.weight": {64, 128, 3},
	"encoder.1.reparam_conv.bias":   {64},
	"encoder.2.reparam_conv.weight": {64, 64, 3},
	"encoder.2.reparam_conv.bias":   {64},
	"encoder.3.reparam_conv.weight": {128, 64, 3},
	"encoder.3.reparam_conv.bias":   {128},
	"decoder.rnn.weight_ih":         {512, 128},
	"decoder.rnn.weight_hh":         {512, 128},
	"decoder.rnn.bias_ih":           {512},
	"decoder.rnn.bias_hh":           {512},
	"decoder.decoder.2.weight":      {1, 128, 1},
	"decoder.decoder.2.bias":        {1},
}

// sileroOrder is the file order (the graph's own), without the STFT basis.
var sileroOrder = []string{
	"encoder.0.reparam_conv.weight", "encoder.0.reparam_conv.bias",
	"encoder.1.reparam_conv.weight", "encoder.1.reparam_conv.bias",
	"encoder.2.reparam_conv.weight", "encoder.2.reparam_conv.bias",
	"encoder.3.reparam_conv.weight", "encoder.3.reparam_conv.bias",
	"decoder.rnn.weight_ih", "decoder.rnn.weight_hh", "decoder.rnn.bias_ih", "decoder.rnn.bias_hh",
	"decoder.decoder.2.weight", "decoder.decoder.2.bias",
}

// SileroBranch16k returns the 16 kHz sub-graph: the branch of the
// top-level If taken when sr equals the constant 16000.
func SileroBranch16k(m *OnnxModel) (*OnnxGraph, error) {
	consts := map[string]int64{}
	for _, n := range m.Graph.Nodes {
		if n.Op == "Constant" && len(n.Attrs) == 1 && n.Attrs[0].T != nil && len(n.Outputs) == 1 {
			if v, err := n.Attrs[0].T.Ints(); err == nil && len(v) == 1 {
				consts[n.Outputs[0]] = v[0]
			}
		}
	}
	// Equal(sr, 16000) feeds the If; its then branch is 16 kHz.
	cond := ""
	for _, n := range m.Graph.Nodes {
		if n.Op == "Equal" && len(n.Inputs) == 2 && n.Inputs[0] == "sr" && consts[n.Inputs[1]] == 16000 {
			cond = n.Outputs[0]
		}
	}
	for _, n := range m.Graph.Nodes {
		if n.Op == "If" && len(n.Inputs) == 1 && n.Inputs[0] == cond && cond != "" {
			if a := n.Attr("then_branch"); a != nil && a.G != nil {
				return a.G, nil
			}
		}
	}
	return nil, fmt.Errorf("modelconv: no If on sr == 16000 in the Silero graph")
}

// ConvertSilero extracts the 16 kHz branch's weights and checks the graph
// has the structure wasm/speech implements (conv strides, pads, kernel
// sizes), so a different model fails here rather than at run time.
func ConvertSilero(m *OnnxModel) ([]nn.Tensor, error) {
	g, err := SileroBranch16k(m)
	if err != nil {
		return nil, err
	}
	found := map[string]nn.Tensor{}
	var convs []*OnnxNode
	for i := range g.Nodes {
		n := &g.Nodes[i]
		switch n.Op {
		case "Constant":
			if len(n.Attrs) != 1 || n.Attrs[0].T == nil || len(n.Outputs) != 1 {
				continue
			}
			name := n.Outputs[0]
			if j := strings.LastIndex(name, "__"); j >= 0 {
				name = name[j+2:]
			}
			shape, ok := SileroTensors[name]
			if !ok {
				continue
			}
			t := n.Attrs[0].T
			if fmt.Sprint(t.Dims) != fmt.Sprint(shape) {
				return nil, fmt.Errorf("modelconv: Silero %s has shape %v, want %v", name, t.Dims, shape)
			}
			data, err := t.Floats()
			if err != nil {
				return nil, err
			}
			found[name] = nn.Tensor{Name: name, Shape: shape, Data: data}
		case "Conv":
			convs = append(convs, n)
		case "Pad":
			if a := n.Attr("mode"); a == nil || a.S != "reflect" {
				return nil, fmt.Errorf("modelconv: Silero 16 kHz pad is not reflect")
			}
		}
	}
	// STFT, four encoder convs, the 1×1 decoder conv: stride and pads each.
	want := [][3]int64{{256, 128, 0}, {3, 1, 1}, {3, 2, 1}, {3, 2, 1}, {3, 1, 1}, {1, 1, 0}}
	if len(convs) != len(want) {
		return nil, fmt.Errorf("modelconv: Silero 16 kHz branch has %d convs, want %d", len(convs), len(want))
	}
	for i, c := range convs {
		k, s, p := c.Attr("kernel_shape"), c.Attr("strides"), c.Attr("pads")
		if k == nil || s == nil || p == nil || len(k.Ints) != 1 || len(s.Ints) != 1 || len(p.Ints) != 2 ||
			k.Ints[0] != want[i][0] || s.Ints[0] != want[i][1] || p.Ints[0] != want[i][2] || p.Ints[1] != want[i][2] {
			return nil, fmt.Errorf("modelconv: Silero conv %d is not kernel/stride/pad %v", i, want[i])
		}
	}
	basis, ok := found["stft.forward_basis_buffer"]
	if !ok {
		return nil, fmt.Errorf("modelconv: Silero 16 kHz branch lacks its STFT basis")
	}
	gen := nn.STFTBasis(256)
	for i, v := range basis.Data {
		if d := v - gen[i]; d > 1e-6 || d < -1e-6 {
			return nil, fmt.Errorf("modelconv: Silero STFT basis differs from a Hann-windowed DFT at %d by %g", i, d)
		}
	}
	ts := make([]nn.Tensor, 0, len(sileroOrder))
	for _, name := range sileroOrder {
		t, ok := found[name]
		if !ok {
			return nil, fmt.Errorf("modelconv: Silero 16 kHz branch lacks %s", name)
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// SileroHalf reports which tensors are stored as float16. All of them:
// the reference test (wasm/speech) holds the float16 model to the ONNX
// runtime's probabilities within 0.01.
func SileroHalf(string) bool { return true }

// EncodeSilero converts silero_vad_v5.onnx into an LKNN container.
func EncodeSilero(onnx []byte) ([]byte, error) {
	return encode(onnx, ReadONNX, ConvertSilero, SileroHalf)
}

// SileroONNX reads silero_vad_v5.onnx from node_modules.
func SileroONNX() ([]byte, error) {
	nm, err := NodeModules()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(nm, "@ricky0123", "vad-web", "dist", "silero_vad_v5.onnx"))
	if err != nil {
		return nil, fmt.Errorf("modelconv: %w (run `npm ci` at the repository root)", err)
	}
	return b, nil
}

// SileroLKNN converts the model from node_modules as modelgen would, for
// native tools and tests.
func SileroLKNN() ([]byte, error) {
	b, err := SileroONNX()
	if err != nil {
		return nil, err
	}
	return EncodeSilero(b)
}
