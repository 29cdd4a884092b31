package background

import (
	"math/rand/v2"
	"testing"
	"time"
)

const w, h = 64, 48

// frame is a textured scene times gain, with a dark square at (sx, sy)
// unless sx < 0, and a little noise.
func frame(rng *rand.Rand, gain float64, sx, sy int) []uint8 {
	g := make([]uint8, w*h)
	for y := range h {
		for x := range w {
			v := float64(80+(x*7+y*13)%90) * gain
			if sx >= 0 && x >= sx && x < sx+10 && y >= sy && y < sy+20 {
				v = 30
			}
			g[y*w+x] = uint8(min(255, v+4*rng.Float64()-2))
		}
	}
	return g
}

// scene is a fresh model, its foreground mask and the noise of its frames,
// drawn from seed.
func scene(seed uint64) (*rand.Rand, *Model, []uint8) {
	return rand.New(rand.NewPCG(1, seed)), New(w, h), make([]uint8, w*h)
}

func changed(fg []uint8) int {
	n := 0
	for _, v := range fg {
		n += int(v)
	}
	return n
}

// step classifies and learns one frame, using the raw change as the mask.
func step(m *Model, g, fg []uint8, t time.Duration) (bool, int) {
	ok := m.Classify(g, fg, fg, t)
	m.Update(g, fg, t)
	return ok, changed(fg)
}

func TestStandingPersonFades(t *testing.T) {
	rng, m, fg := scene(1)
	var ts time.Duration
	for ; ts < 2*time.Second; ts += 100 * time.Millisecond {
		step(m, frame(rng, 1, -1, 0), fg, ts)
	}
	// Someone stands still: they must stay foreground for 30 s and more...
	for ; ts < 2*time.Second+StandingFade-time.Second; ts += 100 * time.Millisecond {
		if _, n := step(m, frame(rng, 1, 20, 10), fg, ts); n < 190 {
			t.Fatalf("at %v only %d of 200 pixels of a standing person are foreground", ts, n)
		}
	}
	// ...and fade within a few seconds after StandingFade.
	for end := ts + 5*time.Second; ts < end; ts += 100 * time.Millisecond {
		step(m, frame(rng, 1, 20, 10), fg, ts)
	}
	if n := changed(fg); n > 0 {
		t.Errorf("%d pixels still foreground %v after they stood still", n, ts)
	}
}

func TestLeavesNoGhost(t *testing.T) {
	rng, m, fg := scene(2)
	var ts time.Duration
	step(m, frame(rng, 1, -1, 0), fg, ts)
	for ts = time.Second; ts < 31*time.Second; ts += 100 * time.Millisecond {
		step(m, frame(rng, 1, 20, 10), fg, ts)
	}
	ts += 100 * time.Millisecond
	if _, n := step(m, frame(rng, 1, -1, 0), fg, ts); n > 0 {
		t.Errorf("a ghost of %d pixels is left where someone stood for 30 s", n)
	}
}

func TestLightChanges(t *testing.T) {
	rng, m, fg := scene(3)
	var ts time.Duration
	// A slow ramp to half the light over 40 s, at 5 fps.
	for ; ts < 40*time.Second; ts += 200 * time.Millisecond {
		gain := 1 - 0.5*ts.Seconds()/40
		if ok, n := step(m, frame(rng, gain, -1, 0), fg, ts); !ok && ts > 0 || n > 0 {
			t.Fatalf("ramp at %v: usable=%v, %d pixels changed", ts, ok, n)
		}
	}
	// A uniform switch is compensated at once.
	if ok, n := step(m, frame(rng, 1.2, -1, 0), fg, ts); !ok || n > 0 {
		t.Fatalf("uniform switch: usable=%v, %d pixels changed", ok, n)
	}
	// A lamp that lights 60 % of the view resets the model.
	g := frame(rng, 1.2, -1, 0)
	for i := range g {
		if i%w < w*6/10 {
			g[i] = uint8(min(255, int(g[i])*9/5))
		}
	}
	ts += 200 * time.Millisecond
	if ok, _ := step(m, g, fg, ts); ok {
		t.Fatal("a sudden change of 3/4 of the frame did not reset the model")
	}
	ts += 200 * time.Millisecond
	if ok, n := step(m, g, fg, ts); !ok || n > 0 {
		t.Fatalf("after the reset: usable=%v, %d pixels changed", ok, n)
	}
}
