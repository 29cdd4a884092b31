package proctor

import "github.com/lokaal-nl/lokaal/wasm/face"

// Frame intervals of the camera detector, in ms.
const (
	// FastFrameMS is the pace while anything in view changes: two frames a
	// second, so a one-frame flicker of the detector is followed within half
	// a Release by the frame that bridges it.
	FastFrameMS = 500
	// SlowFrameMS is the pace once the view is steady: one face, facing the
	// camera, for SteadyFrames frames in a row. It halves the detector's
	// CPU for the ordinary case, a student working at the screen.
	SlowFrameMS = 1000
	// SteadyFrames is how many steady frames in a row slow the pace down.
	SteadyFrames = 4
)

// Cadence paces the camera detector: FastFrameMS after any frame that is
// not steady, SlowFrameMS after SteadyFrames steady ones in a row. A frame
// is steady when it holds exactly one face and that face does not look
// away (face.Frontal ≥ AwayBelow). What it costs: while the pace is slow, a
// change is seen up to SlowFrameMS after it starts (instead of
// FastFrameMS), and from then on every frame is fast again, so an event
// starts at most half a second later and ends as it would; events shorter
// than a second may be missed, as they may at any frame rate.
type Cadence struct {
	steady int // steady frames in a row
}

// Next takes one frame's faces (best first, as the detectors return them)
// and returns the ms to wait before the next frame.
func (c *Cadence) Next(faces []face.Face) int {
	if len(faces) == 1 && face.Frontal(faces, DefaultBaseline) >= AwayBelow {
		c.steady++
	} else {
		c.steady = 0
	}
	if c.steady >= SteadyFrames {
		return SlowFrameMS
	}
	return FastFrameMS
}
