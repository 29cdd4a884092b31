package proctor

import (
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/face"
)

// face with eyes 40 px apart and the nose dx px right of their midpoint.
func faceYaw(dx int) face.Face {
	return face.Face{X: 100, Y: 100, W: 120, H: 120, Score: 0.9,
		Keypoints: [6][2]int{{140, 140}, {180, 140}, {160 + dx, 165}, {160, 190}, {110, 150}, {210, 150}}}
}

// TestCadence: slow only after SteadyFrames frames of one facing face; any
// other frame (none, two, turned away) is fast again at once.
func TestCadence(t *testing.T) {
	one, away := []face.Face{faceYaw(0)}, []face.Face{faceYaw(20)} // yaw 0 and 0.5
	two := []face.Face{faceYaw(0), faceYaw(2)}
	var c Cadence
	for i := 1; i < SteadyFrames; i++ {
		if got := c.Next(one); got != FastFrameMS {
			t.Fatalf("steady frame %d: %d ms, want fast until %d", i, got, SteadyFrames)
		}
	}
	if got := c.Next(one); got != SlowFrameMS {
		t.Fatalf("after %d steady frames: %d ms, want slow", SteadyFrames, got)
	}
	for name, fs := range map[string][]face.Face{"no face": nil, "two faces": two, "looking away": away} {
		c := c // from slow
		if got := c.Next(fs); got != FastFrameMS {
			t.Errorf("%s after a steady view: %d ms, want fast", name, got)
		}
		if got := c.Next(one); got != FastFrameMS {
			t.Errorf("%s, then one steady frame: %d ms, want fast until %d in a row", name, got, SteadyFrames)
		}
	}
}
