package speech

import (
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/internal/audio"
)

// labels reads a .scv file: name,start,end,label,start,end,label,…
// and returns the speech intervals.
func labels(t testing.TB, path string) []Segment {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(strings.TrimSpace(string(b)), ",")
	if len(f) < 4 || (len(f)-1)%3 != 0 {
		t.Fatalf("%s: want name followed by start,end,label triples", path)
	}
	var segs []Segment
	for i := 1; i < len(f); i += 3 {
		var v [3]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(strings.TrimSpace(f[i+j]), 64); err != nil {
				t.Fatalf("%s: field %d: %v", path, i+j, err)
			}
		}
		if v[2] == 1 {
			segs = append(segs, Segment{Start: v[0], End: v[1]})
		}
	}
	return segs
}

// run decodes a file and returns every frame decision.
func run(t testing.TB, path string, p Params) ([]FrameDecision, audio.Clip) {
	t.Helper()
	clip, err := audio.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(clip.Rate, p)
	if err != nil {
		t.Fatal(err)
	}
	var all []FrameDecision
	for i := 0; i < len(clip.Samples); i += 128 { // AudioWorklet block size
		all = append(all, d.Process(clip.Samples[i:min(i+128, len(clip.Samples))])...)
	}
	return append(all, d.Flush()...), clip
}

func inSegments(t float64, segs []Segment) bool {
	for _, s := range segs {
		if t >= s.Start && t < s.End {
			return true
		}
	}
	return false
}

// counts compares frame decisions with labels at each frame's centre.
type counts struct{ tp, fp, fn, tn int }

func (c *counts) add(frames []FrameDecision, truth []Segment, dur float64) {
	for _, f := range frames {
		mid := (float64(f.Index) + 0.5) * FrameDuration.Seconds()
		if mid >= dur {
			break
		}
		switch want := inSegments(mid, truth); {
		case f.Speech && want:
			c.tp++
		case f.Speech:
			c.fp++
		case want:
			c.fn++
		default:
			c.tn++
		}
	}
}

func (c counts) prf() (p, r, f1 float64) {
	p = float64(c.tp) / float64(max(c.tp+c.fp, 1))
	r = float64(c.tp) / float64(max(c.tp+c.fn, 1))
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	return
}

func evalLabelled(t testing.TB, dir string, p Params, verbose bool) counts {
	files, _ := filepath.Glob(filepath.Join(dir, "speech-labelled", "*.wav"))
	if len(files) == 0 {
		t.Skipf("no speech-labelled/*.wav under %s", dir)
	}
	var all counts
	for _, f := range files {
		frames, clip := run(t, f, p)
		var c counts
		c.add(frames, labels(t, strings.TrimSuffix(f, ".wav")+".scv"), clip.Seconds())
		if verbose {
			pr, rc, f1 := c.prf()
			t.Logf("%s: precision %.3f recall %.3f F1 %.3f", filepath.Base(f), pr, rc, f1)
		}
		all.tp, all.fp, all.fn, all.tn = all.tp+c.tp, all.fp+c.fp, all.fn+c.fn, all.tn+c.tn
	}
	return all
}

func TestLabelledFrameAccuracy(t *testing.T) {
	dir := fixtures.Path(t, "audio")
	c := evalLabelled(t, dir, DefaultParams(), true)
	p, r, f1 := c.prf()
	t.Logf("all labelled frames (10 ms): precision %.3f recall %.3f F1 %.3f (tp %d fp %d fn %d tn %d)", p, r, f1, c.tp, c.fp, c.fn, c.tn)
	// The labels are mostly speech, so "always speech" scores a high F1 too;
	// log it and hold precision above its precision.
	base := float64(c.tp+c.fn) / float64(c.tp+c.fp+c.fn+c.tn)
	t.Logf("always-speech baseline: precision %.3f F1 %.3f; non-speech frames rejected: %.3f",
		base, 2*base/(1+base), float64(c.tn)/float64(c.tn+c.fp))
	if f1 < minF1 || p < minPrecision {
		t.Errorf("F1 %.3f / precision %.3f below the floors %.2f / %.2f", f1, p, minF1, minPrecision)
	}
}

// Floors a few points under what DefaultParams measured (F1 0.850,
// precision 0.818, against an always-speech precision of 0.764).
const (
	minF1        = 0.82
	minPrecision = 0.79
)

func TestNonSpeechHasNoLongSegment(t *testing.T) {
	dir := fixtures.Path(t, "audio")
	for _, name := range []string{"running_tap.wav", "doing_the_dishes.wav"} {
		frames, clip := run(t, filepath.Join(dir, "non-speech", name), DefaultParams())
		speech := 0
		for _, f := range frames {
			if f.Speech {
				speech++
			}
		}
		segs := Segments(frames, 0, 0)
		var longest time.Duration
		for _, s := range segs {
			longest = max(longest, s.Duration())
		}
		t.Logf("%s (%.0f s): %d of %d frames speech (%.2f %%), %d segments, longest %v",
			name, clip.Seconds(), speech, len(frames), 100*float64(speech)/float64(len(frames)), len(segs), longest)
		if longest >= 5*time.Second {
			t.Errorf("%s: speech segment of %v, the proctor's default threshold is 5 s", name, longest)
		}
	}
}

// mp3Delay is the lag measured in internal/audio's TestMP3MatchesWAV on these
// 16 kHz LAME files (info frame plus encoder delay).
const mp3Delay = 0.105

// TestMP3MatchesWAV runs the detector on the MP3 copies and compares the
// segments with the WAV's, after removing the MP3's constant delay. Most
// boundaries agree within 10 ms, but an onset where frames sit right at the
// tonality threshold can move by a few onset windows: testset-audio-10's first
// onset comes 0.235 s earlier from the MP3, hence the 0.25 s tolerance and the
// frame agreement check.
func TestMP3MatchesWAV(t *testing.T) {
	dir := fixtures.Path(t, "audio")
	const tol, minAgree = 0.25, 0.95
	for _, name := range []string{"speech-labelled/testset-audio-01", "speech-labelled/testset-audio-10", "non-speech/running_tap_20s"} {
		wavPath := filepath.Join(dir, name+".wav")
		if strings.HasSuffix(name, "_20s") {
			wavPath = filepath.Join(dir, "non-speech", "running_tap.wav")
		}
		wf, _ := run(t, wavPath, DefaultParams())
		mf, mclip := run(t, filepath.Join(dir, name+".mp3"), DefaultParams())
		if strings.HasSuffix(name, "_20s") {
			wf = wf[:min(len(wf), 2000)]
		}
		ws, ms := Segments(wf, 0, 0), Segments(mf, 0, 0)
		var worst float64
		ok := len(ws) == len(ms)
		for i := range ws {
			if !ok {
				break
			}
			worst = max(worst, math.Abs(ms[i].Start-mp3Delay-ws[i].Start), math.Abs(ms[i].End-mp3Delay-ws[i].End))
		}
		shift := int(math.Round(mp3Delay / FrameDuration.Seconds()))
		agree, n := 0, 0
		for i := range wf {
			if i+shift < len(mf) {
				n++
				if wf[i].Speech == mf[i+shift].Speech {
					agree++
				}
			}
		}
		share := float64(agree) / float64(max(n, 1))
		t.Logf("%s (%.1f s): WAV %d segments, MP3 %d, worst boundary difference after -%.3f s: %.3f s, frames agreeing %.3f",
			name, mclip.Seconds(), len(ws), len(ms), mp3Delay, worst, share)
		if share < minAgree {
			t.Errorf("%s: only %.3f of frames agree between WAV and MP3", name, share)
		}
		if !ok || worst > tol {
			t.Errorf("%s: WAV segments %v, MP3 segments %v (MP3 %.3f s late), want equal within %.2f s", name, ws, ms, mp3Delay, tol)
		}
	}
}
