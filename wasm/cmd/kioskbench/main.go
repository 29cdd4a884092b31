//go:build js && wasm

// Command kioskbench times the counter inside a browser's WebAssembly engine,
// the way the kiosk runs it: one copy of an RGBA frame from JavaScript into a
// reused Go buffer, then ProcessRGBA. e2e/bench-wasm.mjs loads it in headless
// Chromium and calls globalThis.lokaalBench(width, height, frames).
package main

import (
	"syscall/js"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/counter"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

func main() {
	js.Global().Set("lokaalBench", js.FuncOf(bench))
	select {}
}

// bench returns the mean milliseconds per frame over n synthetic frames, or
// an Error.
func bench(_ js.Value, args []js.Value) any {
	w, h, n := args[0].Int(), args[1].Int(), args[2].Int()
	c, err := counter.New(counter.Config{Width: w, Height: h, Lines: []wire.Line{
		{Name: "entry", A: [2]float64{0, 0.725}, B: [2]float64{1, 0.725}, Mode: wire.Immediate},
		{Name: "exit", A: [2]float64{0.78, 0.875}, B: [2]float64{0.78, 0.125}, Mode: wire.Deferred},
	}})
	if err != nil {
		return js.Global().Get("Error").New(err.Error())
	}
	// The frames live in JavaScript, as camera frames do, so each step pays
	// for the copy into Go.
	const distinct = 60
	frames := make([]js.Value, distinct)
	buf := make([]byte, 4*w*h)
	for i := range frames {
		synthetic(buf, w, h, i, distinct)
		frames[i] = js.Global().Get("Uint8ClampedArray").New(len(buf))
		js.CopyBytesToJS(frames[i], buf)
	}
	perf := js.Global().Get("performance")
	step := func(i int) {
		js.CopyBytesToGo(buf, frames[i%distinct])
		c.ProcessRGBA(buf, time.Duration(i)*time.Second/30)
	}
	for i := range 30 { // let the background model settle first
		step(i)
	}
	start := perf.Call("now").Float()
	for i := 30; i < 30+n; i++ {
		step(i)
	}
	return (perf.Call("now").Float() - start) / float64(n)
}

// synthetic draws a textured room with a dark person-sized block walking up
// across the entry line, so every stage of the pipeline has work to do.
func synthetic(dst []byte, w, h, i, n int) {
	bw, bh := w/8, h/3
	bx, by := w/3, h-(h+bh)*i/n
	for y := range h {
		for x := range w {
			v := byte(96 + (x*7+y*13)%64)
			if x >= bx && x < bx+bw && y >= by && y < by+bh {
				v = 30
			}
			p := 4 * (y*w + x)
			dst[p], dst[p+1], dst[p+2], dst[p+3] = v, v, v, 255
		}
	}
}
