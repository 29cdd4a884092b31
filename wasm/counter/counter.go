// Package counter counts people crossing lines in a camera stream. It is
// plain Go: the browser glue, the replay tool and the tests all run the same
// code. It puts together the stages that live in their own packages: a
// frame (RGBA or gray) is box-filtered down to the work size; an adaptive
// background model (wasm/background) gives the foreground, whose shadows
// are suppressed and which morphology cleans; connected components
// (wasm/blob), with a body's stacked halves merged into one, are the
// detections; a multi-object tracker (wasm/track) follows them; and the
// line-crossing rules (wasm/crossing) count the tracks, a body that walked
// in at the picture's edge from that edge (edge.go).
//
// No frame is kept after ProcessRGBA or ProcessGray returns: the input
// buffer belongs to the caller and the counter keeps only its background
// model, blob geometry and tracks.
package counter

import (
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Direction of a crossing relative to a line's A→B orientation.
type Direction int

const (
	In  Direction = iota // towards the screen-left of A→B
	Out                  // towards the screen-right of A→B
)

// Crossing is one counted crossing.
type Crossing struct {
	Line  int // index into Config.Lines
	Dir   Direction
	Track int           // tracker identity, for --events and tests
	T     time.Duration // stream time of the frame that completed it
}

// Config describes the input frames and the counting lines.
type Config struct {
	Width, Height int         // input frame size in pixels
	Lines         []wire.Line // normalised coordinates
}
