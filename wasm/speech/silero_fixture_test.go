package speech

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
)

// vad is what both detectors offer.
type vad interface {
	Process([]float32) []FrameDecision
	Flush() []FrameDecision
}

// runVAD feeds a clip in AudioWorklet-sized blocks and returns every
// decision.
func runVAD(d vad, clip audio.Clip) []FrameDecision {
	var all []FrameDecision
	for i := 0; i < len(clip.Samples); i += 128 {
		all = append(all, d.Process(clip.Samples[i:min(i+128, len(clip.Samples))])...)
	}
	return append(all, d.Flush()...)
}

func (c counts) mcc() float64 {
	d := math.Sqrt(float64(c.tp+c.fp) * float64(c.tp+c.fn) * float64(c.tn+c.fp) * float64(c.tn+c.fn))
	if d == 0 {
		return 0
	}
	return (float64(c.tp)*float64(c.tn) - float64(c.fp)*float64(c.fn)) / d
}

func (c *counts) plus(o counts) { c.tp, c.fp, c.fn, c.tn = c.tp+o.tp, c.fp+o.fp, c.fn+o.fn, c.tn+o.tn }

func (c counts) String() string {
	p, r, f1 := c.prf()
	return fmt.Sprintf("F1 %.3f MCC %.3f (precision %.3f recall %.3f)", f1, c.mcc(), p, r)
}

func speechFrames(fs []FrameDecision) (n int, longest time.Duration) {
	for _, s := range Segments(fs, 0, 0) {
		longest = max(longest, s.Duration())
	}
	for _, f := range fs {
		if f.Speech {
			n++
		}
	}
	return
}

// TestSileroFixtures measures Silero beside the DSP detector on the
// labelled files (frame F1 and MCC) and on the non-speech recordings.
func TestSileroFixtures(t *testing.T) {
	dir := fixtures.Path(t, "audio")
	files, _ := filepath.Glob(filepath.Join(dir, "speech-labelled", "*.wav"))
	if len(files) == 0 {
		t.Skipf("no speech-labelled/*.wav under %s", dir)
	}
	w := sileroWeights(t, true)
	var sAll, oneAll, dAll counts
	for _, f := range files {
		clip, err := audio.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		truth := labels(t, strings.TrimSuffix(f, ".wav")+".scv")
		s, err := NewSilero(w, clip.Rate)
		if err != nil {
			t.Fatal(err)
		}
		dsp, err := New(clip.Rate, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		one, err := NewSileroParams(w, clip.Rate, SingleStreamSileroParams())
		if err != nil {
			t.Fatal(err)
		}
		var sc, oc, dc counts
		sc.add(runVAD(s, clip), truth, clip.Seconds())
		oc.add(runVAD(one, clip), truth, clip.Seconds())
		oneAll.plus(oc)
		dc.add(runVAD(dsp, clip), truth, clip.Seconds())
		t.Logf("%s: Silero %v | one stream %v | DSP %v", filepath.Base(f), sc, oc, dc)
		sAll.plus(sc)
		dAll.plus(dc)
	}
	t.Logf("all labelled frames: Silero %v | one stream %v | DSP %v", sAll, oneAll, dAll)
	if _, _, f1 := sAll.prf(); f1 < sileroMinF1 || sAll.mcc() < sileroMinMCC {
		t.Errorf("Silero %v, below the floors F1 %.2f MCC %.2f", sAll, sileroMinF1, sileroMinMCC)
	}
	for _, name := range []string{"running_tap.wav", "doing_the_dishes.wav"} {
		clip, err := audio.ReadFile(filepath.Join(dir, "non-speech", name))
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSilero(w, clip.Rate)
		if err != nil {
			t.Fatal(err)
		}
		dsp, _ := New(clip.Rate, DefaultParams())
		one, _ := NewSileroParams(w, clip.Rate, SingleStreamSileroParams())
		sf := runVAD(s, clip)
		n, longest := speechFrames(sf)
		on, _ := speechFrames(runVAD(one, clip))
		dn, dlongest := speechFrames(runVAD(dsp, clip))
		t.Logf("%s (%.0f s): Silero %d of %d frames speech, longest %v | one stream %d | DSP %d, longest %v",
			name, clip.Seconds(), n, len(sf), longest, on, dn, dlongest)
		if n != 0 || on != 0 {
			t.Errorf("%s: Silero finds %d frames of speech (one stream %d)", name, n, on)
		}
	}
}

// Floors a few points under what DefaultSileroParams measured.
const (
	sileroMinF1  = 0.90
	sileroMinMCC = 0.60
)

// TestSileroLatency: decisions come out while speech goes on, not when it
// ends: each frame is final within 300 ms of its last sample arriving
// (32 ms chunk, 48 ms lookahead, up to 100 ms of a dip that may end the
// segment, and the 16 ms verdict step), in 128-sample blocks at 48 kHz.
func TestSileroLatency(t *testing.T) {
	dir := fixtures.Path(t, "audio")
	clip, err := audio.ReadFile(filepath.Join(dir, "speech-labelled", "testset-audio-05.wav"))
	if err != nil {
		t.Skip(err)
	}
	up := make([]float32, 3*len(clip.Samples)) // 48 kHz, as the AudioWorklet gives
	for i := range up {
		up[i] = clip.Samples[i/3]
	}
	d, err := NewSilero(sileroWeights(t, true), 48000)
	if err != nil {
		t.Fatal(err)
	}
	var worst time.Duration
	speech := 0
	for i := 0; i < len(up); i += 128 {
		now := time.Duration(min(i+128, len(up))) * time.Second / 48000
		for _, f := range d.Process(up[i:min(i+128, len(up))]) {
			worst = max(worst, now-f.Start()-FrameDuration)
			if f.Speech {
				speech++
			}
		}
	}
	t.Logf("worst decision delay %v (%d speech frames decided before the end)", worst, speech)
	if worst > 300*time.Millisecond || speech < 500 {
		t.Errorf("decision delay %v, %d speech frames before Flush", worst, speech)
	}
}
