package modelconv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file is a minimal ONNX reader: the few messages of onnx.proto
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto) that a
// converter needs, decoded straight from the protobuf wire format. A
// hand-written varint reader keeps the module free of a protobuf
// dependency and of generated code; every length is bounds-checked, since
// a model file is input.

// OnnxTensor is a TensorProto: a constant, possibly an initializer.
type OnnxTensor struct {
	Name  string
	Dims  []int
	Type  int // TensorProto.DataType: 1 float, 6 int32, 7 int64, 9 bool, 10 float16, 11 double
	raw   []byte
	f32   []float32
	i64   []int64
	i32   []int32
	f64   []float64
	isRaw bool
}

// OnnxAttr is an AttributeProto; only the fields these models use.
type OnnxAttr struct {
	Name   string
	F      float32
	I      int64
	S      string
	T      *OnnxTensor
	G      *OnnxGraph
	Floats []float32
	Ints   []int64
}

// OnnxNode is a NodeProto.
type OnnxNode struct {
	Name    string
	Op      string
	Inputs  []string
	Outputs []string
	Attrs   []OnnxAttr
}

// Attr returns the named attribute, or nil.
func (n *OnnxNode) Attr(name string) *OnnxAttr {
	for i := range n.Attrs {
		if n.Attrs[i].Name == name {
			return &n.Attrs[i]
		}
	}
	return nil
}

// OnnxGraph is a GraphProto.
type OnnxGraph struct {
	Name         string
	Nodes        []OnnxNode
	Initializers []OnnxTensor
	Inputs       []string
	Outputs      []string
}

// OnnxModel is a ModelProto reduced to its graph and opset.
type OnnxModel struct {
	IRVersion int64
	Opset     int64 // default domain
	Graph     *OnnxGraph
}

// pb walks one protobuf message.
type pb struct {
	b   []byte
	err error
}

var errPB = errors.New("modelconv: malformed protobuf")

func (p *pb) varint() uint64 {
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.fail()
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *pb) fail() {
	if p.err == nil {
		p.err = errPB
	}
	p.b = nil
}

// next returns the next field number, wire type and, for length-delimited
// fields, the payload; for varint and fixed fields, the value in v.
func (p *pb) next() (field int, wt int, v uint64, payload []byte, ok bool) {
	if len(p.b) == 0 || p.err != nil {
		return 0, 0, 0, nil, false
	}
	key := p.varint()
	field, wt = int(key>>3), int(key&7)
	switch wt {
	case 0:
		v = p.varint()
	case 1:
		if len(p.b) < 8 {
			p.fail()
			return
		}
		v = binary.LittleEndian.Uint64(p.b)
		p.b = p.b[8:]
	case 2:
		n := p.varint()
		if n > uint64(len(p.b)) {
			p.fail()
			return
		}
		payload = p.b[:n]
		p.b = p.b[n:]
	case 5:
		if len(p.b) < 4 {
			p.fail()
			return
		}
		v = uint64(binary.LittleEndian.Uint32(p.b))
		p.b = p.b[4:]
	default:
		p.fail()
		return
	}
	return field, wt, v, payload, p.err == nil
}

// fields calls fn for each field of the message b, stopping at the first
// error: fn's or the wire format's.
func fields(b []byte, fn func(field, wt int, v uint64, payload []byte) error) error {
	p := pb{b: b}
	for {
		f, wt, v, pl, ok := p.next()
		if !ok {
			return p.err
		}
		if err := fn(f, wt, v, pl); err != nil {
			return err
		}
	}
}

// ints appends a repeated int field, packed or not.
func ints(dst []int64, wt int, v uint64, payload []byte) ([]int64, error) {
	if wt == 0 {
		return append(dst, int64(v)), nil
	}
	q := pb{b: payload}
	for len(q.b) > 0 {
		dst = append(dst, int64(q.varint()))
	}
	return dst, q.err
}

// floats appends a repeated float field, packed or not.
func floats(dst []float32, wt int, v uint64, payload []byte) ([]float32, error) {
	if wt == 5 {
		return append(dst, math.Float32frombits(uint32(v))), nil
	}
	if len(payload)%4 != 0 {
		return dst, errPB
	}
	for i := 0; i < len(payload); i += 4 {
		dst = append(dst, f32le(payload[i:]))
	}
	return dst, nil
}

// ReadONNX decodes a model file.
func ReadONNX(b []byte) (*OnnxModel, error) {
	m := &OnnxModel{}
	err := fields(b, func(f, _ int, v uint64, pl []byte) error {
		var err error
		switch f {
		case 1:
			m.IRVersion = int64(v)
		case 7:
			m.Graph, err = readGraph(pl)
		case 8: // OperatorSetIdProto: 1 domain, 2 version
			var dom string
			var ver int64
			// A malformed entry ends its own walk, not the model's.
			fields(pl, func(f, _ int, v uint64, pl []byte) error {
				if f == 1 {
					dom = string(pl)
				} else if f == 2 {
					ver = int64(v)
				}
				return nil
			})
			if dom == "" || dom == "ai.onnx" {
				m.Opset = ver
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.Graph == nil {
		return nil, errors.New("modelconv: ONNX model has no graph")
	}
	return m, nil
}

func readGraph(b []byte) (*OnnxGraph, error) {
	g := &OnnxGraph{}
	err := fields(b, func(f, _ int, _ uint64, pl []byte) error {
		switch f {
		case 1:
			n, err := readNode(pl)
			if err != nil {
				return err
			}
			g.Nodes = append(g.Nodes, *n)
		case 2:
			g.Name = string(pl)
		case 5:
			t, err := readTensor(pl)
			if err != nil {
				return err
			}
			g.Initializers = append(g.Initializers, *t)
		case 11:
			g.Inputs = append(g.Inputs, valueName(pl))
		case 12:
			g.Outputs = append(g.Outputs, valueName(pl))
		}
		return nil
	})
	return g, err
}

// valueName is ValueInfoProto.name.
func valueName(b []byte) string {
	var name string
	found := false
	fields(b, func(f, _ int, _ uint64, pl []byte) error {
		if f == 1 && !found {
			name, found = string(pl), true
		}
		return nil
	})
	return name
}

func readNode(b []byte) (*OnnxNode, error) {
	n := &OnnxNode{}
	err := fields(b, func(f, _ int, _ uint64, pl []byte) error {
		switch f {
		case 1:
			n.Inputs = append(n.Inputs, string(pl))
		case 2:
			n.Outputs = append(n.Outputs, string(pl))
		case 3:
			n.Name = string(pl)
		case 4:
			n.Op = string(pl)
		case 5:
			a, err := readAttr(pl)
			if err != nil {
				return err
			}
			n.Attrs = append(n.Attrs, *a)
		}
		return nil
	})
	return n, err
}

func readAttr(b []byte) (*OnnxAttr, error) {
	a := &OnnxAttr{}
	err := fields(b, func(f, wt int, v uint64, pl []byte) error {
		var err error
		switch f {
		case 1:
			a.Name = string(pl)
		case 2:
			a.F = math.Float32frombits(uint32(v))
		case 3:
			a.I = int64(v)
		case 4:
			a.S = string(pl)
		case 5:
			a.T, err = readTensor(pl)
		case 6:
			a.G, err = readGraph(pl)
		case 7:
			a.Floats, err = floats(a.Floats, wt, v, pl)
		case 8:
			a.Ints, err = ints(a.Ints, wt, v, pl)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func readTensor(b []byte) (*OnnxTensor, error) {
	t := &OnnxTensor{}
	var dims, i32 []int64
	err := fields(b, func(f, wt int, v uint64, pl []byte) error {
		var err error
		switch f {
		case 1:
			dims, err = ints(dims, wt, v, pl)
		case 2:
			t.Type = int(v)
		case 4:
			t.f32, err = floats(t.f32, wt, v, pl)
		case 5:
			i32, err = ints(i32, wt, v, pl)
		case 7:
			t.i64, err = ints(t.i64, wt, v, pl)
		case 8:
			t.Name = string(pl)
		case 9:
			t.raw, t.isRaw = pl, true
		case 10:
			if wt == 1 {
				t.f64 = append(t.f64, math.Float64frombits(v))
			} else {
				for i := 0; i+8 <= len(pl); i += 8 {
					t.f64 = append(t.f64, math.Float64frombits(binary.LittleEndian.Uint64(pl[i:])))
				}
			}
		case 13:
			return fmt.Errorf("modelconv: ONNX tensor %q uses external data", t.Name)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, d := range dims {
		if d < 0 || d > 1<<30 {
			return nil, fmt.Errorf("modelconv: ONNX tensor %q has dimension %d", t.Name, d)
		}
		t.Dims = append(t.Dims, int(d))
	}
	for _, v := range i32 {
		t.i32 = append(t.i32, int32(v))
	}
	return t, nil
}

// Len is the number of elements Dims describes.
func (t *OnnxTensor) Len() int {
	n := 1
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// sized passes on a decoding of t, checking it has the values Dims describes.
func sized[T any](t *OnnxTensor, out []T, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	if len(out) != t.Len() {
		return nil, fmt.Errorf("modelconv: tensor %q: %d values for shape %v", t.Name, len(out), t.Dims)
	}
	return out, nil
}

// Floats returns a float tensor's values (float32, float16 or double).
func (t *OnnxTensor) Floats() ([]float32, error) {
	n := t.Len()
	var out []float32
	var err error
	switch {
	case t.Type == 1 && t.isRaw:
		out, err = rawValues(t.Name, t.raw, n, 4, "floats", f32le)
	case t.Type == 1:
		out = t.f32
	case t.Type == 10 && t.isRaw:
		out, err = rawValues(t.Name, t.raw, n, 2, "halves", f16le)
	case t.Type == 11 && t.isRaw:
		out, err = rawValues(t.Name, t.raw, n, 8, "doubles", f64le)
	case t.Type == 11:
		for _, v := range t.f64 {
			out = append(out, float32(v))
		}
	default:
		return nil, fmt.Errorf("modelconv: tensor %q has type %d, not a float", t.Name, t.Type)
	}
	return sized(t, out, err)
}

// Ints returns an integer tensor's values (int64, int32 or bool).
func (t *OnnxTensor) Ints() ([]int64, error) {
	n := t.Len()
	var out []int64
	var err error
	switch {
	case t.Type == 7 && t.isRaw:
		out, err = rawValues(t.Name, t.raw, n, 8, "int64", i64le)
	case t.Type == 7:
		out = t.i64
	case t.Type == 6 && t.isRaw:
		out, err = rawValues(t.Name, t.raw, n, 4, "int32", i32le)
	case t.Type == 6 || t.Type == 9 && !t.isRaw:
		for _, v := range t.i32 {
			out = append(out, int64(v))
		}
	case t.Type == 9:
		for _, v := range t.raw {
			out = append(out, int64(v))
		}
	default:
		return nil, fmt.Errorf("modelconv: tensor %q has type %d, not an integer", t.Name, t.Type)
	}
	return sized(t, out, err)
}
