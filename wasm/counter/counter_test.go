package counter

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Test lines: across the middle of the frame (up is "in") and a vertical
// one (moving left is "in").
var (
	midLine  = wire.Line{Name: "mid", A: [2]float64{0.05, 0.5}, B: [2]float64{0.95, 0.5}, Mode: wire.Immediate}
	midLineD = wire.Line{Name: "midd", A: [2]float64{0.05, 0.5}, B: [2]float64{0.95, 0.5}, Mode: wire.Deferred}
)

// rate is how frames reach the counter.
type rate struct {
	name string
	fps  float64
	drop float64 // fraction of frames dropped at random
	// gaps, if set, is the range of frames from one processed frame to the
	// next, uniformly drawn: a busy page taking the newest frame each time.
	gaps [2]int
}

var rates = []rate{{name: "10fps", fps: 10}, {name: "30fps", fps: 30}, {name: "30fps-dropped", fps: 30, drop: 0.5}}

type result struct {
	in, out []int
	tracks  map[int]bool // tracks that produced a crossing
	c       *Counter
}

// run plays s for dur and returns the counts per line after Finish.
func run(t *testing.T, s *scene, lines []wire.Line, r rate, dur time.Duration) result {
	t.Helper()
	c, err := New(Config{Width: s.w, Height: s.h, Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	res := result{in: make([]int, len(lines)), out: make([]int, len(lines)), tracks: map[int]bool{}, c: c}
	add := func(cs []Crossing) {
		for _, x := range cs {
			if x.Dir == In {
				res.in[x.Line]++
			} else {
				res.out[x.Line]++
			}
			res.tracks[x.Track] = true
		}
	}
	drop := rand.New(rand.NewPCG(3, 4))
	gray := make([]byte, s.w*s.h)
	var last time.Duration
	for i := 0; ; i++ {
		ts := time.Duration(float64(i) / r.fps * float64(time.Second))
		if ts > dur {
			break
		}
		if i > 0 && drop.Float64() < r.drop {
			continue
		}
		if r.gaps[1] > 0 {
			i += r.gaps[0] - 1 + drop.IntN(r.gaps[1]-r.gaps[0]+1)
		}
		s.render(gray, ts)
		add(c.ProcessGray(gray, ts))
		last = ts
	}
	add(c.Finish(last))
	return res
}

func check(t *testing.T, res result, wantIn, wantOut []int) {
	t.Helper()
	for i := range wantIn {
		if res.in[i] != wantIn[i] || res.out[i] != wantOut[i] {
			t.Errorf("line %d: in=%d out=%d, want in=%d out=%d", i, res.in[i], res.out[i], wantIn[i], wantOut[i])
		}
	}
}

func forRates(t *testing.T, f func(t *testing.T, r rate)) {
	for _, r := range rates {
		t.Run(r.name, func(t *testing.T) { f(t, r) })
	}
}

func TestSingleWalkers(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		up := newScene(320, 240, person{path: walk(1, 0.4, 1.2, -0.2, 0.25)})
		up.light = constantLight
		check(t, run(t, up, []wire.Line{midLine, midLineD}, r, sec(8)), []int{1, 1}, []int{0, 0})
		down := newScene(320, 240, person{path: walk(1, 0.6, -0.2, 1.2, 0.25)})
		down.light = constantLight
		check(t, run(t, down, []wire.Line{midLine, midLineD}, r, sec(8)), []int{0, 0}, []int{1, 1})
	})
}

func TestSideBySide(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		s := newScene(320, 240,
			person{path: walk(1, 0.40, 1.2, -0.2, 0.25)},
			person{path: walk(1, 0.55, 1.2, -0.2, 0.25)})
		s.light = constantLight
		res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(8))
		check(t, res, []int{2, 2}, []int{0, 0})
	})
}

func TestOneAfterAnother(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		s := newScene(320, 240,
			person{path: walk(1, 0.5, -0.2, 1.2, 0.3)},
			person{path: walk(3, 0.5, -0.2, 1.2, 0.3)},
			person{path: walk(5, 0.3, 1.2, -0.2, 0.3)})
		s.light = constantLight
		check(t, run(t, s, []wire.Line{midLine, midLineD}, r, sec(11)), []int{1, 1}, []int{2, 2})
	})
}

func TestUTurn(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		// Up from the bottom, well over the line, and back out at the bottom.
		s := newScene(320, 240, person{path: []waypoint{
			{sec(1), 0.5, 1.2}, {sec(4), 0.5, 0.3}, {sec(4.5), 0.52, 0.28}, {sec(8), 0.5, 1.2},
		}})
		s.light = constantLight
		check(t, run(t, s, []wire.Line{midLine, midLineD}, r, sec(10)), []int{1, 0}, []int{1, 0})
	})
}

func TestLoitering(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		// Someone drifts around on the line and along it, then leaves the
		// way they came.
		path := []waypoint{{sec(1), 0.2, 1.2}, {sec(4), 0.2, 0.51}}
		for i := range 12 {
			x := 0.2 + 0.05*float64(i)
			y := 0.5 + 0.015*float64(i%3-1)
			path = append(path, waypoint{sec(5 + float64(i)), x, y})
		}
		path = append(path, waypoint{sec(20), 0.75, 1.2})
		s := newScene(320, 240, person{path: path})
		s.light = constantLight
		check(t, run(t, s, []wire.Line{midLine, midLineD}, r, sec(21)), []int{0, 0}, []int{0, 0})
	})
}

func TestSlowLightRamp(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		s := newScene(320, 240, person{path: walk(20, 0.5, 1.2, -0.2, 0.25)})
		// Dusk: 45 % darker over a minute, a little more on one side.
		s.light = func(t time.Duration, x, _ float64) float64 {
			return 1 - min(t.Seconds(), 60)/60*(0.35+0.1*x)
		}
		check(t, run(t, s, []wire.Line{midLine, midLineD}, r, sec(60)), []int{1, 1}, []int{0, 0})
	})
}

func TestLightSwitch(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		for _, sw := range []struct {
			name  string
			light func(time.Duration, float64, float64) float64
		}{
			{"uniform", func(t time.Duration, _, _ float64) float64 {
				if t > sec(5) {
					return 0.5
				}
				return 1
			}},
			{"one-side", func(t time.Duration, x, _ float64) float64 {
				if t > sec(5) && x < 0.7 {
					return 1.6
				}
				return 1
			}},
		} {
			// One walker before the switch, one after.
			s := newScene(320, 240,
				person{path: walk(1, 0.5, 1.2, -0.2, 0.4)},
				person{path: walk(7, 0.5, -0.2, 1.2, 0.4)})
			s.light = sw.light
			res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(12))
			t.Run(sw.name, func(t *testing.T) { check(t, res, []int{1, 1}, []int{1, 1}) })
		}
	})
}

func TestShadows(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		s := newScene(320, 240,
			person{path: walk(1, 0.3, 1.2, -0.2, 0.25), shadow: true},
			person{path: walk(4, 0.5, -0.2, 1.2, 0.25), shadow: true})
		s.light = constantLight
		res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(11))
		check(t, res, []int{1, 1}, []int{1, 1})
		if len(res.tracks) != 2 {
			t.Errorf("crossings came from %d tracks, want 2", len(res.tracks))
		}
	})
}

// TestToneCurves runs walkers with shadows and a sudden exposure step
// through the tone curves of other cameras and decoders: the count must
// not depend on the scene's global contrast.
func TestToneCurves(t *testing.T) {
	for _, tc := range []struct {
		name string
		tone func(float64) float64
	}{
		{"expanded", func(v float64) float64 { return (v - 16) * 255 / 219 }}, // limited range shown as full
		{"compressed", func(v float64) float64 { return 16 + v*219/255 }},     // full range squeezed into limited
		{"low-contrast", func(v float64) float64 { return 64 + v/2 }},         // haze, or a camera in flat mode
		{"gamma", func(v float64) float64 { return 255 * math.Pow(max(v, 0)/255, 1/1.5) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forRates(t, func(t *testing.T, r rate) {
				s := newScene(320, 240,
					person{path: walk(1, 0.3, 1.2, -0.2, 0.25), shadow: true},
					person{path: walk(4, 0.5, -0.2, 1.2, 0.25), shadow: true},
					person{path: walk(8, 0.7, 1.2, -0.2, 0.25)})
				// A burnt-out window in the top right corner, and the
				// camera's exposure control steps up by 15 % while the
				// third person is in view.
				s.light = func(t time.Duration, x, y float64) float64 {
					l := 1.0
					if x > 0.8 && y < 0.3 {
						l = 2.5
					}
					if t > sec(9) {
						l *= 1.15
					}
					return l
				}
				s.tone = tc.tone
				res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(15))
				check(t, res, []int{2, 2}, []int{1, 1})
				// Everyone has left: nothing of the step may be left as
				// foreground that the model would not learn for a minute.
				n := 0
				for _, v := range res.c.mask {
					n += int(v)
				}
				if n > 0 {
					t.Errorf("%d pixels still foreground in the empty scene", n)
				}
			})
		})
	}
}

func TestStandingThenWalking(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		// Walks in below the line, stands still for 30 s, crosses, leaves.
		s := newScene(320, 240, person{path: []waypoint{
			{sec(1), 0.5, 1.2}, {sec(3), 0.5, 0.75}, {sec(33), 0.5, 0.75}, {sec(36), 0.5, -0.2},
		}})
		s.light = constantLight
		res := run(t, s, []wire.Line{midLine, midLineD}, r, sec(40))
		check(t, res, []int{1, 1}, []int{0, 0})
		// No ghost where they stood: the setup view shows no blob.
		w, h := res.c.WorkSize()
		view := make([]byte, 4*w*h)
		res.c.SetupView(view)
		if n := blobPixels(view); n > 0 {
			t.Errorf("%d blob pixels left after everyone left", n)
		}
	})
}

func blobPixels(rgba []byte) int {
	n := 0
	for i := 0; i < len(rgba); i += 4 {
		if rgba[i] == blobColour[0] && rgba[i+1] == blobColour[1] && rgba[i+2] == blobColour[2] {
			n++
		}
	}
	return n
}

func TestProcessRGBAMatchesGray(t *testing.T) {
	s := newScene(320, 240, person{path: walk(1, 0.4, 1.2, -0.2, 0.25)})
	s.light = constantLight
	cg, _ := New(Config{Width: 320, Height: 240, Lines: []wire.Line{midLine}})
	cr, _ := New(Config{Width: 320, Height: 240, Lines: []wire.Line{midLine}})
	gray, rgba := make([]byte, 320*240), make([]byte, 4*320*240)
	var ng, nr int
	for i := range 80 {
		ts := time.Duration(i) * 100 * time.Millisecond
		s.render(gray, ts)
		for j, v := range gray {
			rgba[4*j], rgba[4*j+1], rgba[4*j+2], rgba[4*j+3] = v, v, v, 255
		}
		ng += len(cg.ProcessGray(gray, ts))
		nr += len(cr.ProcessRGBA(rgba, ts))
	}
	if ng != 1 || nr != 1 {
		t.Errorf("gray counted %d, RGBA counted %d, want 1 each", ng, nr)
	}
}

func TestNew(t *testing.T) {
	for _, cfg := range []Config{
		{Width: 10, Height: 10, Lines: []wire.Line{midLine}},
		{Width: 640, Height: 480},
		{Width: 640, Height: 480, Lines: []wire.Line{{Name: "x", A: [2]float64{0, 0}, B: [2]float64{0.01, 0}, Mode: wire.Immediate}}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%dx%d, %d lines) accepted", cfg.Width, cfg.Height, len(cfg.Lines))
		}
	}
	for _, sz := range [][4]int{{640, 480, 160, 120}, {320, 240, 160, 120}, {1280, 720, 160, 90}, {160, 120, 160, 120}} {
		c, err := New(Config{Width: sz[0], Height: sz[1], Lines: []wire.Line{midLine}})
		if err != nil {
			t.Fatal(err)
		}
		if w, h := c.WorkSize(); w != sz[2] || h != sz[3] {
			t.Errorf("%dx%d: work size %dx%d, want %dx%d", sz[0], sz[1], w, h, sz[2], sz[3])
		}
	}
}

func BenchmarkCounter(b *testing.B) {
	for _, sz := range [][2]int{{320, 240}, {640, 480}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			s := newScene(sz[0], sz[1],
				person{path: walk(0, 0.4, 1.2, -0.2, 0.25)},
				person{path: walk(0, 0.6, -0.2, 1.2, 0.25), shadow: true})
			s.light = constantLight
			// A few pre-rendered frames, as RGBA like the browser hands over.
			frames := make([][]byte, 30)
			gray := make([]byte, sz[0]*sz[1])
			for i := range frames {
				s.render(gray, time.Duration(i)*200*time.Millisecond)
				rgba := make([]byte, 4*len(gray))
				for j, v := range gray {
					rgba[4*j], rgba[4*j+1], rgba[4*j+2], rgba[4*j+3] = v, v, v, 255
				}
				frames[i] = rgba
			}
			c, err := New(Config{Width: sz[0], Height: sz[1], Lines: []wire.Line{midLine, midLineD}})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				c.ProcessRGBA(frames[i%len(frames)], time.Duration(i)*33*time.Millisecond)
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
		})
	}
}

// TestEntersAtPictureEdge: people seen from above walk in at the bottom
// edge of the picture, over a line close to that edge (a door at the
// frame's edge), so a body is already half past the line when enough of it
// is in view to be a person: its first detection is on the line or past
// it. The crossing counts from where the body came into view, which is the
// edge of the picture inside any letterbox bars. 9fps-irregular is a busy
// kiosk taking the newest of a 30 fps camera's frames.
func TestEntersAtPictureEdge(t *testing.T) {
	people := func() []person {
		var ps []person
		for i := range 6 {
			ps = append(ps, person{path: walk(1+2*float64(i), 0.2+0.12*float64(i), 1.3, -0.3, 1.0), overhead: true, width: 0.2, length: 0.5})
		}
		return ps
	}
	irregular := append([]rate{{name: "9fps-irregular", fps: 30, gaps: [2]int{2, 5}}}, rates...)
	for _, tc := range []struct {
		name string
		bars float64
		line float64
	}{
		{"letterboxed", 0.125, 0.79},
		{"full-frame", 0, 0.92},
	} {
		for _, r := range irregular {
			t.Run(tc.name+"/"+r.name, func(t *testing.T) {
				s := newScene(320, 240, people()...)
				s.light, s.bars = constantLight, tc.bars
				l := wire.Line{Name: "door", A: [2]float64{0, tc.line}, B: [2]float64{1, tc.line}, Mode: wire.Immediate}
				check(t, run(t, s, []wire.Line{l}, r, sec(16)), []int{6}, []int{0})
			})
		}
	}
}

// TestAlongPictureEdge: someone who steps into view at the picture's
// bottom edge (from behind a pillar) with the body already past the line,
// and walks along that edge, never walked in from it: nothing is counted.
func TestAlongPictureEdge(t *testing.T) {
	forRates(t, func(t *testing.T, r rate) {
		p := person{path: []waypoint{{sec(1), 0.3, 0.7}, {sec(7), 0.7, 0.7}}, overhead: true, width: 0.2, length: 0.5}
		s := newScene(320, 240, p)
		s.light, s.bars = constantLight, 0.125
		l := wire.Line{Name: "door", A: [2]float64{0, 0.725}, B: [2]float64{1, 0.725}, Mode: wire.Immediate}
		check(t, run(t, s, []wire.Line{l}, r, sec(9)), []int{0}, []int{0})
	})
}

func TestViewRect(t *testing.T) {
	const w, h = 40, 30
	frame := func(paint func(x, y int) float32) []float32 {
		m := make([]float32, w*h)
		for i := range m {
			m[i] = paint(i%w, i/w)
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		paint func(x, y int) float32
		want  [4]int
	}{
		{"no bars", func(int, int) float32 { return 90 }, [4]int{0, 0, w - 1, h - 1}},
		{"letterbox", func(_, y int) float32 {
			if y < 4 || y >= h-4 {
				return 2
			}
			return 90
		}, [4]int{0, 4, w - 1, h - 5}},
		{"pillarbox", func(x, _ int) float32 {
			if x < 5 || x >= w-3 {
				return 10
			}
			return 90
		}, [4]int{5, 0, w - 4, h - 1}},
		// A row or column of dark floor with one lit pixel is picture.
		{"dark picture", func(x, y int) float32 {
			if x == y {
				return 40
			}
			return 5
		}, [4]int{0, 0, h - 1, h - 1}},
		{"all dark", func(int, int) float32 { return 0 }, [4]int{0, 0, w - 1, h - 1}},
	} {
		if got := viewRect(frame(tc.paint), w, h); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
