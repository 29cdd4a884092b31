package counter

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Crowd scenes, seen from above a door as a bus or shop camera sees them:
// one person whose silhouette falls apart must count once, two people who
// touch must count twice. Each runs at the rates of the other tests and at
// 15 fps, the rate of the held-out bus-door clips.

var crowdRates = append([]rate{{name: "15fps", fps: 15}}, rates...)

func forCrowdRates(t *testing.T, f func(t *testing.T, r rate)) {
	for _, r := range crowdRates {
		t.Run(r.name, func(t *testing.T) { f(t, r) })
	}
}

// overhead is a person seen from above walking straight from y0 to y1 at
// x, at speed frame heights per second, starting at t0.
func overhead(t0, x, y0, y1, speed float64) person {
	return person{path: walk(t0, x, y0, y1, speed), overhead: true, width: 0.16, length: 0.2}
}

func crowdScene(people ...person) *scene {
	s := newScene(320, 240, people...)
	s.light = constantLight
	return s
}

// TestSplitSilhouette: one person, one crossing each way, whose blob splits
// into two once they are in view, as on the bus-door clip: a light stripe
// across or along a jacket that swings open and shut, a bag held away from
// the body, a stripe smeared by motion blur.
func TestSplitSilhouette(t *testing.T) {
	// The jacket swings open 0.7 s after they appear, and then shows the
	// stripe two thirds of the time.
	swinging := func(t0 float64) func(time.Duration) bool {
		return func(t time.Duration) bool {
			s := t.Seconds() - t0 - 0.7
			return s >= 0 && math.Mod(s, 0.6) < 0.4
		}
	}
	for _, tc := range []struct {
		name string
		edit func(p *person, s *scene, t0 float64)
	}{
		{"stripe-across", func(p *person, _ *scene, t0 float64) { p.gap, p.gapOn = 0.3, swinging(t0) }},
		{"stripe-along", func(p *person, _ *scene, t0 float64) { p.gap, p.along, p.gapOn = 0.25, true, swinging(t0) }},
		{"stripe-across-open", func(p *person, _ *scene, t0 float64) {
			p.gap, p.gapOn = 0.3, func(t time.Duration) bool { return t.Seconds() > t0+0.7 }
		}},
		{"bag", func(p *person, _ *scene, _ float64) { p.bag, p.bagX = 0.4, 0.85 }},
		{"bag-and-stripe", func(p *person, _ *scene, t0 float64) { p.gap, p.gapOn, p.bag, p.bagX = 0.3, swinging(t0), 0.4, -0.85 }},
		{"always-across", func(p *person, _ *scene, _ float64) { p.gap = 0.3 }},
		{"always-along", func(p *person, _ *scene, _ float64) { p.gap, p.along = 0.25, true }},
		{"always-along-wide", func(p *person, _ *scene, _ float64) { p.gap, p.along = 0.4, true }},
		{"always-across-wide", func(p *person, _ *scene, _ float64) { p.gap = 0.45 }},
		{"blurred-stripe", func(p *person, s *scene, _ float64) { p.gap, s.exposure = 0.3, 60*time.Millisecond }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forCrowdRates(t, func(t *testing.T, r rate) {
				// The always-split cases first show the counter a person
				// seen whole (the halves rule measures against one).
				t0, want := 1.0, 1
				var whole []person
				if strings.HasPrefix(tc.name, "always") {
					whole, t0, want = []person{overhead(1, 0.5, 1.2, -0.2, 0.6)}, 5, 2
				}
				up, down := overhead(t0, 0.45, 1.2, -0.2, 0.6), overhead(t0+4, 0.55, -0.2, 1.2, 0.6)
				s := crowdScene()
				tc.edit(&up, s, t0)
				tc.edit(&down, s, t0+4)
				s.people = append(whole, up, down)
				res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(t0+8))
				check(t, res, []int{want, want}, []int{1, 1})
			})
		})
	}
}

// TestSideBySideMerged: two people walking shoulder to shoulder, one blob
// from the moment they come into view, count twice.
func TestSideBySideMerged(t *testing.T) {
	forCrowdRates(t, func(t *testing.T, r rate) {
		s := crowdScene(overhead(1, 0.42, 1.2, -0.2, 0.6), overhead(1, 0.57, 1.2, -0.2, 0.6))
		res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(5))
		check(t, res, []int{2, 2}, []int{0, 0})
	})
}

// TestOppositePass: two people pass each other on the line, one in and
// one out, close enough that their blobs touch.
func TestOppositePass(t *testing.T) {
	forCrowdRates(t, func(t *testing.T, r rate) {
		s := crowdScene(overhead(1, 0.42, 1.2, -0.2, 0.6), overhead(1, 0.58, -0.2, 1.2, 0.6))
		res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(5))
		check(t, res, []int{1, 1}, []int{1, 1})
	})
}

// TestFastWalker: someone running through the door, in view for a few
// frames only: at 15 fps the body centre is on the frame for 6 frames and
// goes from clearly below the line to clearly above it in 4.
func TestFastWalker(t *testing.T) {
	forCrowdRates(t, func(t *testing.T, r rate) {
		// 0.9 frame heights in 6 frames at 15 fps: 2.25 heights a second.
		s := crowdScene(overhead(1, 0.5, 0.95, 0.05, 2.25), overhead(3, 0.5, 0.05, 0.95, 2.25))
		res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(5))
		check(t, res, []int{1, 1}, []int{1, 1})
	})
}

// TestMotionBlur: a brisk walker smeared over a third of their size by a
// long exposure in dim light.
func TestMotionBlur(t *testing.T) {
	forCrowdRates(t, func(t *testing.T, r rate) {
		up, down := overhead(1, 0.45, 1.2, -0.2, 1.2), overhead(4, 0.55, -0.2, 1.2, 1.2)
		s := crowdScene(up, down)
		s.exposure = 60 * time.Millisecond
		res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(7))
		check(t, res, []int{1, 1}, []int{1, 1})
	})
}

// TestBendingOver: someone walks up to the line, leans over it (to a
// ticket machine or a child) and goes back the way they came: no crossing.
func TestBendingOver(t *testing.T) {
	forCrowdRates(t, func(t *testing.T, r rate) {
		p := person{path: []waypoint{{sec(1), 0.5, 1.2}, {sec(2.5), 0.5, 0.62}, {sec(6.5), 0.5, 0.62}, {sec(8), 0.5, 1.2}},
			overhead: true, width: 0.16, length: 0.2}
		p.bend = func(t time.Duration) float64 {
			// Down over 1 s, held for 1 s, up over 1 s.
			switch x := t.Seconds(); {
			case x < 3 || x > 6:
				return 0
			case x < 4:
				return 0.15 * (x - 3)
			case x < 5:
				return 0.15
			default:
				return 0.15 * (6 - x)
			}
		}
		res := run(t, crowdScene(p), []wire.Line{midLine, midLineD}, r, sec(9))
		check(t, res, []int{0, 0}, []int{0, 0})
	})
}
