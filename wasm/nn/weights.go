package nn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Tensor is one named array of weights. Shape is the original model's
// (e.g. TFLite's OHWI for a conv kernel); Data is row-major in that shape.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Len is the number of elements Shape describes.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// The container, little-endian:
//
//	"LKNN" 0x01          magic and version
//	uint32               number of tensors
//	per tensor:
//	  uint16 len, name   UTF-8, unique
//	  uint8              element type: 1 float32, 2 float16
//	  uint8 rank, rank × uint32 dims
//	  data               product(dims) elements
//
// float16 halves the download; every op computes in float32.
const magic = "LKNN\x01"

const (
	typeF32 = 1
	typeF16 = 2
)

// Weights is a decoded container, looked up by name.
type Weights struct {
	byName map[string]Tensor
	order  []string
}

// Encode writes tensors into a container, all as float16 when half is set.
func Encode(ts []Tensor, half bool) ([]byte, error) {
	return EncodeMixed(ts, func(string) bool { return half })
}

// EncodeMixed writes tensors into a container, choosing the element type
// per tensor: float16 for those half reports, float32 for the rest. It
// refuses duplicate names and shapes that do not match the data. The format already records a type per tensor; this lets a model
// file carry float16 weights beside a float32 table of small integers
// (e.g. BlazeFace's graph description, which float16 would round).
func EncodeMixed(ts []Tensor, half func(name string) bool) ([]byte, error) {
	out := []byte(magic)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(ts)))
	seen := map[string]bool{}
	for _, t := range ts {
		if seen[t.Name] {
			return nil, fmt.Errorf("nn: tensor %q twice", t.Name)
		}
		seen[t.Name] = true
		if len(t.Name) == 0 || len(t.Name) > math.MaxUint16 {
			return nil, fmt.Errorf("nn: tensor name %q: length %d", t.Name, len(t.Name))
		}
		if t.Len() != len(t.Data) || len(t.Shape) > 8 {
			return nil, fmt.Errorf("nn: tensor %q: shape %v does not hold %d values", t.Name, t.Shape, len(t.Data))
		}
		h := half(t.Name)
		out = binary.LittleEndian.AppendUint16(out, uint16(len(t.Name)))
		out = append(out, t.Name...)
		if h {
			out = append(out, typeF16)
		} else {
			out = append(out, typeF32)
		}
		out = append(out, byte(len(t.Shape)))
		for _, d := range t.Shape {
			out = binary.LittleEndian.AppendUint32(out, uint32(d))
		}
		for _, v := range t.Data {
			if h {
				out = binary.LittleEndian.AppendUint16(out, Float16(v))
			} else {
				out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
			}
		}
	}
	return out, nil
}

var errShort = errors.New("nn: weights truncated")

// Decode reads a container. Any malformed or truncated input is an error,
// never a panic: the bytes come over the network.
func Decode(b []byte) (*Weights, error) {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic {
		return nil, errors.New("nn: not an LKNN v1 weights file")
	}
	b = b[len(magic):]
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	w := &Weights{byName: map[string]Tensor{}}
	for i := uint32(0); i < n; i++ {
		if len(b) < 2 {
			return nil, errShort
		}
		l := int(binary.LittleEndian.Uint16(b))
		b = b[2:]
		if len(b) < l+2 {
			return nil, errShort
		}
		t := Tensor{Name: string(b[:l])}
		typ, rank := b[l], int(b[l+1])
		b = b[l+2:]
		if rank > 8 || len(b) < 4*rank {
			return nil, fmt.Errorf("nn: tensor %q: bad rank %d", t.Name, rank)
		}
		size := 1
		for j := 0; j < rank; j++ {
			d := int(binary.LittleEndian.Uint32(b[4*j:]))
			if d <= 0 || d > 1<<28 || size > (1<<28)/d {
				return nil, fmt.Errorf("nn: tensor %q: bad dimension %d", t.Name, d)
			}
			t.Shape = append(t.Shape, d)
			size *= d
		}
		b = b[4*rank:]
		var es int
		switch typ {
		case typeF32:
			es = 4
		case typeF16:
			es = 2
		default:
			return nil, fmt.Errorf("nn: tensor %q: unknown element type %d", t.Name, typ)
		}
		if len(b) < size*es {
			return nil, errShort
		}
		t.Data = make([]float32, size)
		for j := range t.Data {
			if es == 4 {
				t.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
			} else {
				t.Data[j] = Float32(binary.LittleEndian.Uint16(b[2*j:]))
			}
		}
		b = b[size*es:]
		if _, dup := w.byName[t.Name]; dup {
			return nil, fmt.Errorf("nn: tensor %q twice", t.Name)
		}
		w.byName[t.Name] = t
		w.order = append(w.order, t.Name)
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("nn: %d bytes after the last tensor", len(b))
	}
	return w, nil
}

// Names lists the tensors in file order.
func (w *Weights) Names() []string { return w.order }

// Get returns the named tensor, checking its shape: a model built against
// another file fails at load, not with garbage at run time.
func (w *Weights) Get(name string, shape ...int) (Tensor, error) {
	t, ok := w.byName[name]
	if !ok {
		return Tensor{}, fmt.Errorf("nn: no tensor %q", name)
	}
	if len(shape) != len(t.Shape) {
		return Tensor{}, fmt.Errorf("nn: tensor %q has shape %v, want %v", name, t.Shape, shape)
	}
	for i := range shape {
		if shape[i] != t.Shape[i] {
			return Tensor{}, fmt.Errorf("nn: tensor %q has shape %v, want %v", name, t.Shape, shape)
		}
	}
	return t, nil
}

// Float16 rounds v to the nearest IEEE 754 binary16 (ties to even),
// saturating to ±Inf and flushing values below the subnormal range to ±0.
func Float16(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	man := b & 0x7fffff
	switch {
	case b&0x7fffffff > 0x7f800000: // NaN
		return sign | 0x7e00
	case exp >= 0x1f: // overflow and Inf
		return sign | 0x7c00
	case exp <= 0: // subnormal or zero
		if exp < -10 {
			return sign
		}
		man |= 0x800000
		shift := uint32(14 - exp)
		half := uint32(1) << (shift - 1)
		r := man >> shift
		if rem := man & (1<<shift - 1); rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(exp)<<10 | man>>13
	if rem := man & 0x1fff; rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // may carry into the exponent, which is the right rounding
	}
	return sign | uint16(r)
}

// Float32 widens a binary16 value exactly.
func Float32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h >> 10 & 0x1f)
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: normalise
		e := uint32(127 - 15 + 1)
		for man&0x400 == 0 {
			man <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (man&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}
