package modelconv

import (
	"fmt"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

// ConvertImageGraph turns a float TFLite image model (BlazeFace short or
// full range) into the tensors of an LKNN container: first the "graph"
// table that nn.LoadGraph reads (its layout is documented there), then one
// tensor per weight under its TFLite name (e.g. "conv2d_3/Kernel"), in the
// order the graph first uses them. DEQUANTIZE ops are folded: their float16
// constants become the weights; int32 constants (paddings, sizes) become
// op options. The graph's outputs follow the model's output order.
func ConvertImageGraph(m *TFModel) ([]nn.Tensor, error) {
	act := map[int]int{}   // TFLite tensor → activation id
	konst := map[int]int{} // TFLite tensor → weight index in file order (≥ 1)
	alias := map[int]int{} // DEQUANTIZE output → its float16 input
	var shapes [][3]int
	var weights []nn.Tensor
	if len(m.Inputs) != 1 || m.Inputs[0] < 0 || m.Inputs[0] >= len(m.Tensors) {
		return nil, fmt.Errorf("modelconv: %d inputs, want 1", len(m.Inputs))
	}
	shape3 := func(t int) ([3]int, error) {
		s := m.Tensors[t].Shape
		switch {
		case len(s) == 4 && s[0] == 1:
			return [3]int{s[1], s[2], s[3]}, nil
		case len(s) == 3 && s[0] == 1:
			return [3]int{1, s[1], s[2]}, nil
		}
		return [3]int{}, fmt.Errorf("modelconv: tensor %q has shape %v", m.Tensors[t].Name, s)
	}
	addAct := func(t int) (int, error) {
		s, err := shape3(t)
		if err != nil {
			return 0, err
		}
		act[t] = len(shapes)
		shapes = append(shapes, s)
		return act[t], nil
	}
	if _, err := addAct(m.Inputs[0]); err != nil {
		return nil, err
	}
	operand := func(t int) (int, error) {
		if a, ok := act[t]; ok {
			return a, nil
		}
		if src, ok := alias[t]; ok {
			t = src
		}
		if k, ok := konst[t]; ok {
			return -k, nil
		}
		tt := m.Tensors[t]
		if tt.Data == nil {
			return 0, fmt.Errorf("modelconv: tensor %q is read before it is written", tt.Name)
		}
		v, err := tt.Floats()
		if err != nil {
			return 0, err
		}
		weights = append(weights, nn.Tensor{Name: tt.Name, Shape: append([]int(nil), tt.Shape...), Data: v})
		konst[t] = len(weights) // index 0 is the graph table
		return -konst[t], nil
	}
	var ops []int
	nops := 0
	for i, op := range m.Ops {
		if op.Code == OpDequantize {
			alias[op.Outputs[0]] = op.Inputs[0]
			continue
		}
		if len(op.Outputs) != 1 {
			return nil, fmt.Errorf("modelconv: op %d (%s) has %d outputs", i, OpName(op.Code), len(op.Outputs))
		}
		var ins, opt []int
		useActs := 1
		for _, t := range op.Inputs {
			if t < 0 {
				return nil, fmt.Errorf("modelconv: op %d (%s): optional inputs are not supported", i, OpName(op.Code))
			}
		}
		if op.Outputs[0] < 0 || (op.Code == OpPad || op.Code == OpResizeBilinear) && len(op.Inputs) < 2 || len(op.Inputs) < 1 {
			return nil, fmt.Errorf("modelconv: op %d (%s): operands", i, OpName(op.Code))
		}
		switch op.Code {
		case OpConv2D, OpDepthwiseConv2D:
			o := op.Options
			sw, sh, relu := o[1], o[2], int64(0)
			var dil1, dil2 int64
			if op.Code == OpConv2D {
				relu, dil1, dil2 = o[3], o[4], o[5]
			} else {
				if o[3] != 1 {
					return nil, fmt.Errorf("modelconv: op %d: depth multiplier %d", i, o[3])
				}
				relu, dil1, dil2 = o[4], o[5], o[6]
			}
			if sw != sh || relu > 1 || dil1 > 1 || dil2 > 1 {
				return nil, fmt.Errorf("modelconv: op %d: unsupported options %v", i, o)
			}
			opt = []int{boolInt(o[0] == 0), int(sw), int(relu)}
			useActs = 3
		case OpMaxPool2D:
			o := op.Options
			if o[1] != o[2] || o[5] != 0 {
				return nil, fmt.Errorf("modelconv: op %d: unsupported pool options %v", i, o)
			}
			opt = []int{boolInt(o[0] == 0), int(o[1]), int(o[4]), int(o[3])}
		case OpAdd:
			if len(op.Options) > 0 && op.Options[0] > 1 {
				return nil, fmt.Errorf("modelconv: op %d: add activation %d", i, op.Options[0])
			}
			r := 0
			if len(op.Options) > 0 {
				r = int(op.Options[0])
			}
			opt = []int{r}
			useActs = 2
		case OpRelu, OpReshape:
		case OpConcatenation:
			useActs = len(op.Inputs)
		case OpPad:
			p, err := m.Tensors[op.Inputs[1]].Ints()
			if err != nil || len(p) != 8 || p[0] != 0 || p[1] != 0 {
				return nil, fmt.Errorf("modelconv: op %d: paddings %v", i, p)
			}
			opt = p[2:]
		case OpResizeBilinear:
			sz, err := m.Tensors[op.Inputs[1]].Ints()
			if err != nil || len(sz) != 2 {
				return nil, fmt.Errorf("modelconv: op %d: size %v", i, sz)
			}
			o := op.Options
			opt = []int{sz[0], sz[1], int(o[2]), int(o[3])}
		default:
			return nil, fmt.Errorf("modelconv: op %d: %s is not supported", i, OpName(op.Code))
		}
		if op.Code == OpConcatenation {
			// only a concatenation of flattened [1,N,C] outputs along N is
			// a plain append
			if s := m.Tensors[op.Outputs[0]].Shape; len(s) != 3 {
				return nil, fmt.Errorf("modelconv: op %d: concatenation of shape %v", i, s)
			}
		}
		for j, t := range op.Inputs {
			if j >= useActs {
				break
			}
			if t < 0 {
				return nil, fmt.Errorf("modelconv: op %d: optional input", i)
			}
			x, err := operand(t)
			if err != nil {
				return nil, err
			}
			ins = append(ins, x)
		}
		out, err := addAct(op.Outputs[0])
		if err != nil {
			return nil, err
		}
		ops = append(ops, op.Code, len(ins))
		ops = append(ops, ins...)
		ops = append(ops, out, len(opt))
		ops = append(ops, opt...)
		nops++
	}
	table := []int{1, shapes[0][0], shapes[0][1], shapes[0][2], len(shapes)}
	for _, s := range shapes {
		table = append(table, s[:]...)
	}
	table = append(table, nops)
	table = append(table, ops...)
	table = append(table, len(m.Outputs))
	for _, t := range m.Outputs {
		a, ok := act[t]
		if t < 0 || t >= len(m.Tensors) {
			return nil, fmt.Errorf("modelconv: output tensor %d", t)
		}
		if !ok {
			return nil, fmt.Errorf("modelconv: output %q is not computed", m.Tensors[t].Name)
		}
		table = append(table, a)
	}
	g := nn.Tensor{Name: "graph", Shape: []int{len(table)}, Data: make([]float32, len(table))}
	for i, v := range table {
		if v != int(float32(v)) {
			return nil, fmt.Errorf("modelconv: graph value %d does not fit float32", v)
		}
		g.Data[i] = float32(v)
	}
	return append([]nn.Tensor{g}, weights...), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// EncodeImageGraph converts and encodes: weights as float16 (the TFLite
// files already store them so, so nothing is lost), the graph as float32.
func EncodeImageGraph(tflite []byte) ([]byte, error) {
	return encode(tflite, ReadTFLite, ConvertImageGraph, func(name string) bool { return name != "graph" })
}

// EncodeBlazeFace is EncodeImageGraph for a modelgen kind, checking the
// file is that model (128×128 input short range, 192×192 full range), so
// a swapped file fails the build rather than the detector.
func EncodeBlazeFace(kind string, tflite []byte) ([]byte, error) {
	want := map[string]int{"blazeface-short": 128, "blazeface-full": 192}[kind]
	m, err := ReadTFLite(tflite)
	if err != nil {
		return nil, err
	}
	if s := m.Tensors[m.Inputs[0]].Shape; want == 0 || len(s) != 4 || s[1] != want || s[2] != want {
		return nil, fmt.Errorf("modelconv: %s wants a %d×%d input, the file has %v", kind, want, want, s)
	}
	return EncodeImageGraph(tflite)
}
