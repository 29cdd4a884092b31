package nn

import (
	"encoding/binary"
	"fmt"
	"math"
)

// EncodeMixed writes an LKNN v1 container like Encode, but chooses the
// element type per tensor: float16 for those half reports, float32 for the
// rest. The format already records a type per tensor; this lets a model
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
