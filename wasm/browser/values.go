//go:build js && wasm

package browser

import (
	"encoding/json"
	"syscall/js"
)

// JSON returns v as a JSON string for JavaScript, or an Error.
func JSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return Error(err)
	}
	return string(b)
}

// Error hands err to JavaScript as an Error value, to check with
// instanceof; a Go panic would stop the whole program.
func Error(err error) js.Value { return js.Global().Get("Error").New(err.Error()) }

// Now is performance.now(): ms on the page's monotonic clock.
func Now() float64 { return js.Global().Get("performance").Call("now").Float() }

// Bytes copies a Uint8Array into a new slice.
func Bytes(v js.Value) []byte {
	b := make([]byte, v.Length())
	js.CopyBytesToGo(b, v)
	return b
}

// Uint8Array copies b into a new Uint8Array.
func Uint8Array(b []byte) js.Value {
	out := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(out, b)
	return out
}
