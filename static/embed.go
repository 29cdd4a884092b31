// Package static holds the browser pages and, after `make wasm`, the built
// client in build/. The server embeds it so one binary serves everything.
package static

import "embed"

// FS is the page tree. build/ holds generated files and is not committed.
//
//go:embed *.html *.css *.js all:build
var FS embed.FS
