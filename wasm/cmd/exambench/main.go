//go:build js && wasm

// Command exambench times the exam's detectors inside a browser's
// WebAssembly engine, the way the exam page runs them: each RGBA camera
// frame is copied from JavaScript into a reused Go buffer, turned gray and
// searched with the default face parameters; microphone audio arrives in
// 128-sample AudioWorklet blocks at 48 kHz. e2e/bench-exam.mjs loads it in headless
// Chromium and calls globalThis.lokaalFaceBench and lokaalVADBench.
package main

import (
	"encoding/binary"
	"math"
	"syscall/js"

	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/speech"
)

func main() {
	js.Global().Set("lokaalFaceBench", js.FuncOf(faceBench))
	js.Global().Set("lokaalVADBench", js.FuncOf(vadBench))
	select {}
}

// faceBench(facefinder, frames, w, h, n) returns
// {ms, faces}: the mean milliseconds per frame over n frames cycled from
// frames (RGBA Uint8ClampedArrays of 4*w*h bytes), and the mean faces found
// per frame, or an Error.
func faceBench(_ js.Value, args []js.Value) any {
	fc, frames := bytes(args[0]), args[1]
	w, h, n := args[2].Int(), args[3].Int(), args[4].Int()
	d, err := face.New(fc, nil, face.DefaultParams()) // no pupils, as on the exam page
	if err != nil {
		return js.Global().Get("Error").New(err.Error())
	}
	rgba, gray := make([]byte, 4*w*h), make([]byte, w*h)
	count := frames.Length()
	perf := js.Global().Get("performance")
	found := 0
	step := func(i int) error {
		js.CopyBytesToGo(rgba, frames.Index(i%count))
		// BT.601 luma, as wasm/cmd/exam computes it.
		for j := range gray {
			r, g, b := uint32(rgba[4*j]), uint32(rgba[4*j+1]), uint32(rgba[4*j+2])
			gray[j] = byte((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
		}
		faces, err := d.Detect(gray, w, h)
		found += len(faces)
		return err
	}
	if err := step(0); err != nil { // warm up the allocations
		return js.Global().Get("Error").New(err.Error())
	}
	found = 0
	start := perf.Call("now").Float()
	for i := range n {
		if err := step(i); err != nil {
			return js.Global().Get("Error").New(err.Error())
		}
	}
	ms := (perf.Call("now").Float() - start) / float64(n)
	return map[string]any{"ms": ms, "faces": float64(found) / float64(n)}
}

// vadBench(samples, rate) returns the milliseconds of processing per second
// of audio for a Float32Array of mono samples, fed in 128-sample blocks, or
// an Error.
func vadBench(_ js.Value, args []js.Value) any {
	samples, rate := args[0], args[1].Int()
	d, err := speech.New(rate, speech.DefaultParams())
	if err != nil {
		return js.Global().Get("Error").New(err.Error())
	}
	// The worklet hands Go one block at a time; the float bytes are copied
	// through a Uint8Array view.
	const block = 128
	total := samples.Length()
	view := js.Global().Get("Uint8Array").New(samples.Get("buffer"), samples.Get("byteOffset"), total*4)
	raw := make([]byte, block*4)
	x := make([]float32, block)
	perf := js.Global().Get("performance")
	start := perf.Call("now").Float()
	for i := 0; i+block <= total; i += block {
		js.CopyBytesToGo(raw, view.Call("subarray", i*4, (i+block)*4))
		for j := range x {
			x[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
		}
		d.Process(x)
	}
	elapsed := perf.Call("now").Float() - start
	return elapsed / (float64(total) / float64(rate))
}

func bytes(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}
