package speech

import (
	"math"
	"math/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
)

// hum synthesises a motor or fan switching on: a quiet noise bed, then
// from on seconds a steady 125 Hz buzz (equal harmonics, each of amplitude
// a) over louder broadband noise, until dur seconds. It is periodic with
// many harmonics, so until the floor has learnt it every frame is a
// candidate.
func hum(rate int, on, dur, a float64, seed int64) []float32 {
	rng := rand.New(rand.NewSource(seed))
	out := make([]float32, int(dur*float64(rate)))
	for i := range out {
		t := float64(i) / float64(rate)
		v := 0.001 * rng.NormFloat64()
		if t >= on {
			for k := 1; k*125 < 3800; k++ {
				v += a * math.Sin(2*math.Pi*125*float64(k)*t+float64(k*k))
			}
			v += a / 2 * rng.NormFloat64()
		}
		out[i] = float32(v)
	}
	return out
}

// lastSpeech is the end of the last speech frame at or after from seconds,
// or from when there is none.
func lastSpeech(fs []FrameDecision, from float64) float64 {
	end := from
	for _, f := range fs {
		if t := f.Start().Seconds(); t >= from && f.Speech {
			end = t + FrameDuration.Seconds()
		}
	}
	return end
}

// TestSteadyNoiseIsLearntDuringSpeech: a steady noise that starts abruptly
// may be taken for speech at first, but the floor must learn it within
// about a second of steady level, not creep up at 1 dB/s while the stale
// floor keeps the "speech" going.
func TestSteadyNoiseIsLearntDuringSpeech(t *testing.T) {
	const on, dur = 3.0, 15.0
	for _, rate := range []int{16000, 48000} {
		fs := decide(t, rate, hum(rate, on, dur, 0.01, 5), 128)
		end := lastSpeech(fs, on)
		// The lookahead backdates the onset by up to 0.2 s.
		t.Logf("%d Hz: speech share %.2f before the hum, %.2f in it; last speech ends %.2f s after it starts; segments %v",
			rate, speechShare(fs, 0, on-0.25), speechShare(fs, on, dur), end-on, Segments(fs, 0, 0))
		if s := speechShare(fs, 0, on-0.25); s != 0 {
			t.Errorf("%d Hz: %.2f of the noise bed is speech", rate, s)
		}
		// 1 s to see the level is steady, the floor's rise, the hangover.
		if end-on > 3 {
			t.Errorf("%d Hz: the hum is speech until %.2f s after it starts, want under 3 s", rate, end-on)
		}
	}
}

// TestSteadyNoiseThenSpeech: once the hum is learnt, speech over it is
// still found.
func TestSteadyNoiseThenSpeech(t *testing.T) {
	const rate = 16000
	x := hum(rate, 1, 12, 0.002, 6)
	v := voiced(rate, 8, 4, 7) // speech from 8 s
	for i := range x {
		x[i] += v[i]
	}
	fs := decide(t, rate, x, 128)
	before, in := speechShare(fs, 5, 7.8), speechShare(fs, 8.2, 12)
	t.Logf("speech share %.2f in the learnt hum, %.2f with speech over it", before, in)
	if before != 0 || in < 0.8 {
		t.Errorf("speech share %.2f in the learnt hum, %.2f with speech over it", before, in)
	}
}

// TestNoiseSwitchFixture replays the recording that found the deadlock:
// the last 10 s of doing_the_dishes, then running_tap (8 dB louder in the
// speech band). Before the steady-level rule this was one 17 s speech
// segment from the switch.
func TestNoiseSwitchFixture(t *testing.T) {
	dir := fixtures.Path(t, "audio")
	dishes, err := audio.ReadFile(filepath.Join(dir, "non-speech", "doing_the_dishes.wav"))
	if err != nil {
		t.Fatal(err)
	}
	tap, err := audio.ReadFile(filepath.Join(dir, "non-speech", "running_tap.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if dishes.Rate != tap.Rate {
		t.Fatalf("rates %d and %d differ", dishes.Rate, tap.Rate)
	}
	tail := dishes.Samples[max(0, len(dishes.Samples)-10*dishes.Rate):]
	x := append(append([]float32(nil), tail...), tap.Samples...)
	switchAt := float64(len(tail)) / float64(dishes.Rate)
	fs := decide(t, dishes.Rate, x, 128)
	segs := Segments(fs, 0, 0)
	var longest time.Duration
	for _, s := range segs {
		longest = max(longest, s.Duration())
	}
	end := lastSpeech(fs, switchAt)
	t.Logf("switch at %.2f s: segments %v, last speech ends %.2f s after the switch", switchAt, segs, end-switchAt)
	if end-switchAt > 3 || longest > 3*time.Second {
		t.Errorf("speech until %.2f s after the switch, longest segment %v; want both under 3 s", end-switchAt, longest)
	}
}
