// Package counter counts people crossing lines in a camera stream. It is
// plain Go: the browser glue, the replay tool and the tests all run the same
// code. A frame goes through grayscale downscaling, an adaptive background
// model, a foreground mask with shadow suppression and morphology, connected
// components, a multi-object tracker and the line-crossing rules.
//
// No frame is kept after Process returns: the input buffer belongs to the
// caller and the counter keeps only its background model and blob geometry.
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
