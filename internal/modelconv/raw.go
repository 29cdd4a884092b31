package modelconv

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

// rawValues decodes n values of size bytes each from a tensor's raw
// little-endian data, the layout of both ONNX raw_data and TFLite buffers;
// what names the element type in the error.
func rawValues[T any](name string, raw []byte, n, size int, what string, dec func([]byte) T) ([]T, error) {
	if len(raw) != size*n {
		return nil, fmt.Errorf("modelconv: tensor %q: %d bytes for %d %s", name, len(raw), n, what)
	}
	out := make([]T, n)
	for i := range out {
		out[i] = dec(raw[size*i:])
	}
	return out, nil
}

// encode reads a model file with read, converts it to tensors and writes
// them as LKNN, the tensors half names in float16: the one pipeline of
// the TFLite and the ONNX models alike.
func encode[M any](b []byte, read func([]byte) (M, error), convert func(M) ([]nn.Tensor, error), half func(name string) bool) ([]byte, error) {
	m, err := read(b)
	if err != nil {
		return nil, err
	}
	ts, err := convert(m)
	if err != nil {
		return nil, err
	}
	return nn.EncodeMixed(ts, half)
}

func f16le(b []byte) float32 { return nn.Float32(binary.LittleEndian.Uint16(b)) }
func f32le(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }
func f64le(b []byte) float32 { return float32(math.Float64frombits(binary.LittleEndian.Uint64(b))) }
func i32le(b []byte) int64   { return int64(int32(binary.LittleEndian.Uint32(b))) }
func i64le(b []byte) int64   { return int64(binary.LittleEndian.Uint64(b)) }
