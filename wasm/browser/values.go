//go:build js && wasm

package browser

import (
	"encoding/json"
	"os"
	"syscall/js"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Build is the client's file name and the hex SHA-256 of the bytes the page
// instantiated, as static/go.js hands them over (go.argv): what actually
// runs, not a label. Both are empty where no page started the client (the
// exam's detection worker).
func Build() (name, hash string) {
	if len(os.Args) < 2 {
		return "", ""
	}
	return os.Args[0], os.Args[1]
}

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

// Envelope hands e to JavaScript as {msg, head, tail}: msg a Uint8Array to
// sign, and the body head + base64 signature + tail; or err as an Error.
func Envelope(e wire.Envelope, err error) js.Value {
	if err != nil {
		return Error(err)
	}
	return js.ValueOf(map[string]any{"msg": Uint8Array(e.Msg), "head": e.Head, "tail": e.Tail})
}
