package proctor

import (
	"crypto/ed25519"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const t0 = 1_767_225_600_000 // 2026-01-01T00:00:00Z

var build = strings.Repeat("ab", 32)

func policy(interval int, ds ...wire.DetectorSetting) wire.Policy {
	return wire.Policy{Session: "s1", Detectors: ds, IntervalS: interval}
}

// on enables k at threshold s (0: the catalogue default).
func on(k wire.Kind, s float64) wire.DetectorSetting {
	return wire.DetectorSetting{Kind: k, ThresholdS: s}
}

// faces returns n faces with the given best score.
func faces(n int, score float32) []face.Face {
	fs := make([]face.Face, n)
	for i := range fs {
		fs[i] = face.Face{W: 100, H: 100, Score: score - float32(i)}
	}
	return fs
}

// driver runs a proctor the way the page does: observations in time order,
// a seal whenever a window is due (exactly at its end, as a timer fires).
type driver struct {
	t    *testing.T
	p    *Proctor
	next int64 // end of the current window
	step int64
	sums []wire.Summary
}

func start(t *testing.T, pol wire.Policy, baseline float32) *driver {
	t.Helper()
	p, err := New(Config{Policy: pol, Build: build, Baseline: baseline}, t0)
	if err != nil {
		t.Fatal(err)
	}
	step := int64(pol.IntervalS) * 1000
	return &driver{t: t, p: p, next: t0 + step, step: step}
}

// at seals every window that ends at or before t (ms after t0).
func (d *driver) at(ms int64) int64 {
	t := t0 + ms
	for t >= d.next {
		if d.p.Due(d.next-1) || !d.p.Due(d.next) {
			d.t.Fatalf("Due wrong around the window's end at %d ms", d.next-t0)
		}
		d.seal(d.next)
		d.next += d.step
	}
	return t
}

func (d *driver) seal(t int64) {
	d.t.Helper()
	s := Chain(d.p.Seal(t), int64(len(d.sums)+1), wire.Genesis)
	if len(d.sums) > 0 {
		s.Prev = d.sums[len(d.sums)-1].Hash()
	}
	if err := s.Validate(); err != nil {
		d.t.Fatalf("summary %d: %v\n%+v", s.Seq, err, s)
	}
	d.sums = append(d.sums, s)
}

// frames feeds one frame every 1000/fps ms in [from, to) ms.
func (d *driver) frames(from, to int64, fps int, f func(ms int64) []face.Face) {
	for i := int64(0); ; i++ {
		ms := from + i*1000/int64(fps)
		if ms >= to {
			return
		}
		d.p.Faces(d.at(ms), f(ms))
	}
}

// end seals the due windows and a last, partial one at ms.
func (d *driver) end(ms int64) []wire.Summary {
	t := d.at(ms)
	if t > d.next-d.step {
		d.seal(t)
	}
	return d.sums
}

// ev is an event in ms after t0, with the window it came in (0-based).
type ev struct {
	win        int
	kind       wire.Kind
	start, end int64
	peak       float64
}

func events(sums []wire.Summary) []ev {
	var out []ev
	for i, s := range sums {
		for _, e := range s.Events {
			out = append(out, ev{i, e.Kind, e.Start - t0, e.End - t0, e.Peak})
		}
	}
	return out
}

func check(t *testing.T, sums []wire.Summary, want []ev) {
	t.Helper()
	if got := events(sums); !slices.Equal(got, want) {
		t.Errorf("events\n got %+v\nwant %+v", got, want)
	}
}

func TestFlickerMakesNoEvent(t *testing.T) {
	d := start(t, policy(30, on(wire.FaceAbsent, 2), on(wire.MultipleFaces, 2), on(wire.LookingAway, 2)), 100)
	// 60 s at 30 fps, one face facing the camera, but every 2 s one frame
	// without a face, every 1.5 s one with two and every 1.7 s one turned
	// away.
	d.frames(0, 60_000, 30, func(ms int64) []face.Face {
		i := ms * 30 / 1000
		switch {
		case i%60 == 7:
			return nil
		case i%45 == 11:
			return faces(2, 100)
		case i%51 == 13:
			return faces(1, 20)
		}
		return faces(1, 100)
	})
	check(t, d.end(60_000), nil)
}

func TestFlickerDoesNotSplit(t *testing.T) {
	d := start(t, policy(30, on(wire.FaceAbsent, 2)), 0)
	// No face 10-20 s, except a face in one frame at 15 s and in 0.9 s of
	// frames from 17 s: shorter than Release, so one event.
	d.frames(0, 30_000, 10, func(ms int64) []face.Face {
		if ms >= 10_000 && ms < 20_000 && ms != 15_000 && (ms < 17_000 || ms >= 17_900) {
			return nil
		}
		return faces(1, 150)
	})
	check(t, d.end(30_000), []ev{{0, wire.FaceAbsent, 10_000, 20_000, 1}})
}

func TestThreshold(t *testing.T) {
	for _, c := range []struct {
		absentMS int64
		want     bool
	}{
		{9_900, false},
		{10_000, true}, // held for exactly T
		{10_100, true},
	} {
		d := start(t, policy(30, on(wire.FaceAbsent, 10)), 0)
		// 10 fps; no face from 3 s for absentMS: frames at 3.0 … 3.0+absent-0.1
		// have none, the next has one.
		d.frames(0, 25_000, 10, func(ms int64) []face.Face {
			if ms >= 3000 && ms < 3000+c.absentMS {
				return nil
			}
			return faces(1, 150)
		})
		var want []ev
		if c.want {
			want = []ev{{0, wire.FaceAbsent, 3000, 3000 + c.absentMS, 1}}
		}
		check(t, d.end(25_000), want)
	}
}

func TestRelease(t *testing.T) {
	d := start(t, policy(30, on(wire.FaceAbsent, 1)), 0)
	// Absent 2-4 s and 5-7 s: the face back for exactly Release between
	// them, so two events; then 10-12 s and 12.99-15 s, back for 0.99 s: one.
	d.frames(0, 20_000, 100, func(ms int64) []face.Face {
		if (ms >= 2000 && ms < 4000) || (ms >= 5000 && ms < 7000) || (ms >= 10_000 && ms < 12_000) || (ms >= 12_990 && ms < 15_000) {
			return nil
		}
		return faces(1, 150)
	})
	check(t, d.end(20_000), []ev{
		{0, wire.FaceAbsent, 2000, 4000, 1},
		{0, wire.FaceAbsent, 5000, 7000, 1},
		{0, wire.FaceAbsent, 10_000, 15_000, 1},
	})
}

func TestWindows(t *testing.T) {
	d := start(t, policy(30, on(wire.FaceAbsent, 10), on(wire.MultipleFaces, 3)), 0)
	d.frames(0, 125_000, 10, func(ms int64) []face.Face {
		switch {
		case ms >= 20_000 && ms < 70_000: // spans three windows
			return nil
		case ms >= 85_000 && ms < 92_000: // starts in one window, reaches T in the next
			return faces(2+int(ms/1000%2), 150) // two or three faces
		case ms >= 110_000 && ms < 119_500: // released after the seal at 120 s
			return faces(3, 150)
		}
		return faces(1, 150)
	})
	check(t, d.end(125_000), []ev{
		// Held 10 s only from the frame at 30 s, so it first appears in
		// window 1, from where it began.
		{1, wire.FaceAbsent, 20_000, 60_000, 1},
		{2, wire.FaceAbsent, 60_000, 70_000, 1},
		// Reached 3 s at 88 s, in window 2, but starts where it began.
		{2, wire.MultipleFaces, 85_000, 90_000, 3},
		{3, wire.MultipleFaces, 90_000, 92_000, 3},
		// Ended at 119.5 s, but not yet released when window 3 closed at
		// 120 s: reported to the window's end, and nothing in window 4.
		{3, wire.MultipleFaces, 110_000, 120_000, 3},
	})
	if n := len(d.sums); n != 5 {
		t.Fatalf("%d summaries, want 5", n)
	}
	if w := d.sums[4].Window; w.From != t0+120_000 || w.To != t0+125_000 {
		t.Errorf("last window %+v, want 120-125 s", w)
	}
	if h := d.sums[1].Health; h.Frames != 300 || h.FPS != 10 {
		t.Errorf("health %+v, want 300 frames at 10 fps", h)
	}
}

func TestPeaks(t *testing.T) {
	d := start(t, policy(30, on(wire.MultipleFaces, 1), on(wire.LookingAway, 1), on(wire.Paste, 0)), 200)
	d.frames(0, 20_000, 10, func(ms int64) []face.Face {
		switch {
		case ms >= 1000 && ms < 3000:
			return faces(2+int(ms/500%3), 200) // 2, 3, 4 faces
		case ms >= 5000 && ms < 8000:
			return faces(1, float32(ms-5000)/30+10) // Frontal from 0.05 up to 0.5
		}
		return faces(1, 200)
	})
	for _, ms := range []int64{20_000, 20_500, 21_400, 23_000} {
		d.p.Instant(d.at(ms), wire.Paste)
	}
	check(t, d.end(25_000), []ev{
		{0, wire.MultipleFaces, 1000, 3000, 4},
		{0, wire.LookingAway, 5000, 7700, 0.05}, // Frontal reaches AwayBelow at 7.7 s
		{0, wire.Paste, 20_000, 21_400, 3},      // under Release apart: one burst
		{0, wire.Paste, 23_000, 23_000, 1},
	})
}

func TestLookingAwayNeedsAFace(t *testing.T) {
	d := start(t, policy(30, on(wire.LookingAway, 1)), 100)
	// Turned away 1-3 s, then gone 3-6 s: looking away ends when the face
	// is lost.
	d.frames(0, 10_000, 10, func(ms int64) []face.Face {
		switch {
		case ms >= 1000 && ms < 3000:
			return faces(1, 30)
		case ms >= 3000 && ms < 6000:
			return nil
		}
		return faces(1, 100)
	})
	check(t, d.end(10_000), []ev{{0, wire.LookingAway, 1000, 3000, 0.3}})
}

func TestSpeech(t *testing.T) {
	d := start(t, policy(30, on(wire.Speech, 5)), 0)
	// Speech 2-8 s with 0.3 s pauses every second, then 10-14 s (under T).
	for ms := int64(0); ms < 20_000; ms += 10 {
		speaking := (ms >= 2000 && ms < 8000 && ms%1000 < 700) || (ms >= 10_000 && ms < 14_000)
		d.p.Speech(d.at(ms), speaking)
	}
	check(t, d.end(20_000), []ev{{0, wire.Speech, 2000, 7700, 1}})
}

func TestIntegrity(t *testing.T) {
	// No detector at all: the integrity kinds are still reported.
	d := start(t, policy(30), 0)
	d.p.Instant(d.at(1000), wire.PageReloaded)
	d.p.Set(d.at(2000), wire.CameraLost, true)
	d.p.Instant(d.at(3000), wire.ClockSkew)
	d.p.Set(d.at(40_000), wire.CameraLost, false)
	// No camera detector: no frames is no stall.
	check(t, d.end(70_000), []ev{
		{0, wire.PageReloaded, 1000, 1000, 1},
		{0, wire.CameraLost, 2000, 30_000, 1},
		{0, wire.ClockSkew, 3000, 3000, 1},
		{1, wire.CameraLost, 30_000, 40_000, 1},
	})
}

func TestStall(t *testing.T) {
	d := start(t, policy(30, on(wire.FaceAbsent, 2)), 0)
	present := func(int64) []face.Face { return faces(1, 100) }
	absent := func(int64) []face.Face { return nil }
	d.frames(0, 5000, 10, present)
	d.frames(5000, 12_000, 10, absent) // face_absent running when frames stop
	// Nothing 12-45 s: found by Due at 30 s, ended by the next frame.
	d.frames(45_000, 80_000, 10, present)
	// Stops again at 85 s: no more calls but the seals, which find it.
	d.frames(80_000, 85_000, 10, present)
	check(t, d.end(100_000), []ev{
		{0, wire.FaceAbsent, 5000, 11_900, 1}, // until the last frame seen
		{0, wire.DetectorStalled, 11_900, 30_000, 1},
		{1, wire.DetectorStalled, 30_000, 45_000, 1},
		// Only 5.1 s without a frame at the seal at 90 s.
		{3, wire.DetectorStalled, 84_900, 100_000, 1},
	})
	// A gap shorter than wire.StallS is no stall; a longer one without any
	// Due or Seal in between is found by the frame after it.
	d = start(t, policy(30, on(wire.LookingAway, 10)), 0)
	d.frames(0, 1000, 10, present)
	d.p.Faces(t0+10_800, faces(1, 100))
	d.p.Faces(t0+21_000, faces(1, 100))
	check(t, d.end(25_000), []ev{{0, wire.DetectorStalled, 10_800, 21_000, 1}})
}

func TestSetSignals(t *testing.T) {
	d := start(t, policy(30, on(wire.FocusLost, 0), on(wire.FullscreenExit, 0), on(wire.ExtraScreen, 0)), 0)
	set := func(ms int64, k wire.Kind, v bool) { d.p.Set(d.at(ms), k, v) }
	set(1000, wire.FocusLost, true)
	set(1000, wire.FocusLost, false) // zero length: still an event
	set(5000, wire.FocusLost, true)
	set(8000, wire.FocusLost, false)
	set(8500, wire.FocusLost, true) // back within Release: the same event
	set(9000, wire.FocusLost, false)
	set(10_000, wire.FullscreenExit, true)
	set(12_000, wire.ExtraScreen, true) // never switched off
	set(20_000, wire.FullscreenExit, false)
	check(t, d.end(40_000), []ev{
		{0, wire.FocusLost, 1000, 1000, 1},
		{0, wire.FocusLost, 5000, 9000, 1},
		{0, wire.FullscreenExit, 10_000, 20_000, 1},
		{0, wire.ExtraScreen, 12_000, 30_000, 1},
		{1, wire.ExtraScreen, 30_000, 40_000, 1},
	})
}

func TestOnlyPolicyKinds(t *testing.T) {
	d := start(t, policy(30, on(wire.FocusLost, 0)), 0)
	// Everything else happens, for longer than any threshold.
	for ms := int64(0); ms < 150_000; ms += 10 {
		d.at(ms)
		d.p.Speech(t0+ms, true)
		if ms%100 == 0 {
			d.p.Faces(t0+ms, faces(int(ms/40_000), 10))
		}
		if ms%5000 == 0 {
			d.p.Instant(t0+ms, wire.Paste)
			d.p.Instant(t0+ms, wire.FaceAbsent) // not an instant kind
			d.p.Set(t0+ms, wire.FullscreenExit, true)
			d.p.Set(t0+ms, wire.ExtraScreen, true)
			d.p.Set(t0+ms, wire.MultipleFaces, true) // not a page signal
		}
	}
	for _, e := range events(d.end(150_000)) {
		t.Errorf("event %+v outside the policy", e)
	}
}

func TestMaxEvents(t *testing.T) {
	d := start(t, policy(300, on(wire.FocusLost, 0), on(wire.Paste, 0)), 0)
	// 1.3 s out of focus every 2.5 s and a paste every 2 s for 300 s: 120
	// focus events and 150 pastes in one window.
	type span struct{ a, b int64 }
	var want []span
	for ms := int64(0); ms < 300_000; ms += 500 {
		switch ms % 2500 {
		case 0:
			d.p.Set(d.at(ms), wire.FocusLost, true)
		case 1000:
			d.p.Set(d.at(ms+300), wire.FocusLost, false)
			want = append(want, span{ms - 1000, ms + 300})
		}
		if ms%2000 == 0 {
			d.p.Instant(d.at(ms), wire.Paste)
		}
	}
	sums := d.end(300_000)
	if len(sums) != 1 || len(sums[0].Events) != wire.MaxEvents {
		t.Fatalf("%d summaries, %d events, want 1 and %d", len(sums), len(sums[0].Events), wire.MaxEvents)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	if body, _ := json.Marshal(Chain(sums[0], 1, wire.Genesis).Sign(priv)); len(body) > wire.MaxBodyBytes {
		t.Errorf("a full summary takes %d bytes, over the server's %d", len(body), wire.MaxBodyBytes)
	}
	pastes := 0.0
	for _, e := range sums[0].Events {
		if e.Kind == wire.Paste {
			pastes += e.Peak
		}
	}
	if pastes != 150 {
		t.Errorf("paste peaks add up to %g, want 150", pastes)
	}
	for _, w := range want {
		if !slices.ContainsFunc(sums[0].Events, func(e wire.Event) bool {
			return e.Kind == wire.FocusLost && e.Start <= t0+w.a && e.End >= t0+w.b
		}) {
			t.Errorf("focus lost %d-%d ms not covered", w.a, w.b)
		}
	}
}

func TestFrozenPage(t *testing.T) {
	d := start(t, policy(30, on(wire.FocusLost, 0)), 0)
	d.p.Set(t0+1000, wire.FocusLost, true)
	// The page sleeps 25 minutes; the first timer after it seals until it
	// has caught up, each summary at most wire.MaxSummarySpanMS long.
	wake := int64(25 * 60_000)
	for d.p.Due(t0 + wake) {
		d.seal(t0 + wake)
	}
	if n := len(d.sums); n != 3 {
		t.Fatalf("%d summaries, want 3", n)
	}
	for i, s := range d.sums {
		if want := min(t0+int64(i+1)*wire.MaxSummarySpanMS, t0+wake); s.Window.To != want || len(s.Events) != 1 || s.Events[0].End != want {
			t.Errorf("summary %d: %+v, want it to end at %d with focus_lost running", i, s, want-t0)
		}
	}
}

func TestClockBackwards(t *testing.T) {
	d := start(t, policy(30, on(wire.FocusLost, 0)), 0)
	d.p.Set(t0+5000, wire.FocusLost, true)
	d.p.Set(t0+2000, wire.FocusLost, false) // taken as 5 s
	check(t, d.end(10_000), []ev{{0, wire.FocusLost, 5000, 5000, 1}})
}

// TestRandom drives every call with random timing and checks what must
// always hold: each summary validates, chains, carries only allowed kinds,
// and its windows tile time.
func TestRandom(t *testing.T) {
	all := []wire.Kind{wire.FaceAbsent, wire.MultipleFaces, wire.LookingAway, wire.Speech, wire.FocusLost, wire.FullscreenExit, wire.Paste, wire.ExtraScreen}
	pub, priv, _ := ed25519.GenerateKey(nil)
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var pol wire.Policy
		pol.Session = "s1"
		pol.IntervalS = 5 + rng.IntN(60)
		for _, k := range all {
			if rng.IntN(2) == 0 {
				pol.Detectors = append(pol.Detectors, on(k, float64(rng.IntN(4))))
			}
		}
		p, err := New(Config{Policy: pol, Build: build, Baseline: float32(rng.IntN(200))}, t0)
		if err != nil {
			t.Fatal(err)
		}
		now, prev, from := int64(t0), wire.Genesis, int64(t0)
		for seq := int64(1); seq <= 40; {
			now += int64(rng.ExpFloat64() * []float64{30, 300, 3000, 40_000}[rng.IntN(4)])
			tt := now - int64(rng.IntN(50)) // a little jitter backwards
			switch rng.IntN(6) {
			case 0:
				p.Faces(tt, faces(rng.IntN(3), float32(rng.IntN(200))))
			case 1:
				p.Speech(tt, rng.IntN(3) > 0)
			case 2:
				p.Set(tt, []wire.Kind{wire.FocusLost, wire.FullscreenExit, wire.ExtraScreen, wire.CameraLost}[rng.IntN(4)], rng.IntN(2) == 0)
			case 3:
				p.Instant(tt, []wire.Kind{wire.PageReloaded, wire.ClockSkew, wire.Paste, wire.Paste, wire.Paste}[rng.IntN(5)])
			default:
				if !p.Due(tt) {
					continue
				}
				s := Chain(p.Seal(tt), seq, prev)
				if err := s.Validate(); err != nil {
					t.Fatalf("seed %d seq %d: %v\n%+v", seed, seq, err, s)
				}
				if err := s.Sign(priv).Verify(pub); err != nil {
					t.Fatal(err)
				}
				if s.Window.From != from {
					t.Fatalf("seed %d seq %d: window %+v after one ending at %d", seed, seq, s.Window, from)
				}
				for _, e := range s.Events {
					if !pol.Allows(e.Kind) {
						t.Fatalf("seed %d: %s not in %+v", seed, e.Kind, pol.Detectors)
					}
				}
				from, prev = s.Window.To, s.Hash()
				seq++
			}
		}
	}
}

func TestNew(t *testing.T) {
	ok := Config{Policy: policy(0, on(wire.FaceAbsent, 0)), Build: build}
	p, err := New(ok, t0)
	if err != nil {
		t.Fatal(err)
	}
	if p.interval != DefaultIntervalS*1000 || p.baseline != DefaultBaseline || p.runs[wire.FaceAbsent].min != 10_000 {
		t.Errorf("defaults: interval %d baseline %g threshold %d", p.interval, p.baseline, p.runs[wire.FaceAbsent].min)
	}
	if ok.Policy.Detectors[0].ThresholdS != 0 {
		t.Error("New changed the caller's policy")
	}
	for _, c := range []struct {
		mod  func(*Config, *int64)
		want string
	}{
		{func(c *Config, _ *int64) { c.Policy.Session = "" }, "session"},
		{func(c *Config, _ *int64) { c.Build = strings.ToUpper(build) }, "build"},
		{func(c *Config, _ *int64) { c.Policy.Detectors = []wire.DetectorSetting{on("gaze", 1)} }, "catalogue"},
		{func(c *Config, _ *int64) { c.Policy.IntervalS = 4 }, "interval"},
		{func(c *Config, now *int64) { *now = 1000 }, "now"},
		{func(c *Config, _ *int64) { c.Baseline = -1 }, "baseline"},
	} {
		c2, now := ok, int64(t0)
		c2.Policy.Detectors = slices.Clone(ok.Policy.Detectors)
		c.mod(&c2, &now)
		if _, err := New(c2, now); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to mention %q", err, c.want)
		}
	}
}

func TestPrecheck(t *testing.T) {
	for _, c := range []struct {
		frames [][]face.Face
		want   wire.Precheck
	}{
		{nil, wire.Precheck{}},
		{[][]face.Face{nil, nil}, wire.Precheck{Camera: true, Frames: 2}},
		{[][]face.Face{faces(1, 100), nil, faces(2, 150.25), faces(1, 120)},
			wire.Precheck{Camera: true, FaceFound: true, Baseline: 120, FaceFrames: 3, Frames: 4}},
		{[][]face.Face{faces(1, 100), nil, faces(1, 121), nil}, // half is not most
			wire.Precheck{Camera: true, Baseline: 110.5, FaceFrames: 2, Frames: 4}},
	} {
		got := Precheck(c.frames)
		if got != c.want {
			t.Errorf("Precheck(%d frames) = %+v, want %+v", len(c.frames), got, c.want)
		}
		if err := got.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// BenchmarkFaces is the engine's cost per camera frame with every camera
// detector on: it must be negligible next to detection (milliseconds).
func BenchmarkFaces(b *testing.B) {
	p, err := New(Config{Policy: policy(30, on(wire.FaceAbsent, 0), on(wire.MultipleFaces, 0), on(wire.LookingAway, 0)), Build: build}, t0)
	if err != nil {
		b.Fatal(err)
	}
	fs := [][]face.Face{faces(1, 150), faces(1, 40), nil, faces(2, 150)}
	for i := 0; b.Loop(); i++ {
		t := t0 + int64(i)*33
		p.Faces(t, fs[i/200%len(fs)])
		if p.Due(t) {
			p.Seal(t)
		}
	}
}

// BenchmarkSpeech is the cost per 10 ms voice decision.
func BenchmarkSpeech(b *testing.B) {
	p, err := New(Config{Policy: policy(30, on(wire.Speech, 0)), Build: build}, t0)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		t := t0 + int64(i)*10
		p.Speech(t, i/700%2 == 0)
		if i%100 == 0 && p.Due(t) {
			p.Seal(t)
		}
	}
}
