package speech

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
)

// TestSileroTune (LOKAAL_TUNE=1) searches the hysteresis on the labelled
// files: the network runs once per file, then each setting replays its
// probabilities. It prints the best settings by pooled MCC and their
// leave-one-file-out figures, which is how DefaultSileroParams was chosen.
func TestSileroTune(t *testing.T) {
	if os.Getenv("LOKAAL_TUNE") == "" {
		t.Skip("set LOKAAL_TUNE=1 to search the Silero hysteresis")
	}
	dir := fixtures.Path(t, "audio")
	files, _ := filepath.Glob(filepath.Join(dir, "speech-labelled", "*.wav"))
	w := sileroWeights(t, true)
	// LOKAAL_TUNE=single scores one stream alone (32 ms verdicts).
	half := os.Getenv("LOKAAL_TUNE") != "single"
	unit := sileroChunk
	if half {
		unit = sileroHalf
	}
	type file struct {
		probs []float32
		n     int64
		truth []Segment
		dur   float64
	}
	var fs []file
	for _, f := range files {
		clip, err := audio.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		net, err := newSileroNet(w)
		if err != nil {
			t.Fatal(err)
		}
		x := append(make([]float32, sileroContext), clip.Samples...)
		for len(x) < sileroContext+((len(clip.Samples)+sileroChunk-1)/sileroChunk)*sileroChunk {
			x = append(x, 0)
		}
		var probs []float32
		for off := 0; off+sileroIn <= len(x); off += sileroChunk {
			probs = append(probs, net.infer(x[off:off+sileroIn]))
		}
		if half {
			// As Silero does: a second stream, 256 samples later; each
			// 16 ms takes the mean of the two chunks that cover it.
			net2, _ := newSileroNet(w)
			y := append(make([]float32, 256), x...)
			var p2 []float32
			for off := 0; off+sileroIn <= len(y); off += sileroChunk {
				p2 = append(p2, net2.infer(y[off:off+sileroIn]))
			}
			var hp []float32
			for h := 0; h < 2*len(probs); h++ {
				a := probs[h/2]
				b := p2[min((h+1)/2, len(p2)-1)]
				hp = append(hp, (a+b)/2)
			}
			probs = hp
		}
		fs = append(fs, file{probs, int64(len(clip.Samples)), labels(t, strings.TrimSuffix(f, ".wav")+".scv"), clip.Seconds()})
	}
	score := func(p SileroParams, skip int) (counts, []counts) {
		var all counts
		per := make([]counts, len(fs))
		for i, f := range fs {
			d := newSileroDecider(p, unit)
			var out []FrameDecision
			for _, pr := range f.probs {
				d.step(pr)
				out = append(out, d.out...)
			}
			d.out = d.out[:0]
			d.finish(f.n)
			out = append(out, d.out...)
			per[i].add(out, f.truth, f.dur)
			if i != skip {
				all.plus(per[i])
			}
		}
		return all, per
	}
	type res struct {
		p   SileroParams
		all counts
	}
	var rs []res
	ms := time.Millisecond
	for _, th := range []float32{0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6} {
		for _, gap := range []float32{0, 0.05, 0.1, 0.15} {
			if th-gap <= 0.02 {
				continue
			}
			for _, sil := range []time.Duration{0, 32 * ms, 64 * ms, 100 * ms, 200 * ms} {
				for _, msp := range []time.Duration{0, 100 * ms} {
					for _, pad := range []time.Duration{0, 30 * ms} {
						for _, l := range []int{0, 512, 768} {
							p := SileroParams{th, th - gap, sil, msp, pad, time.Duration(l) * time.Second / analysisRate, 2}
							if !half {
								p.Streams = 1
							}
							all, _ := score(p, -1)
							rs = append(rs, res{p, all})
						}
					}
				}
			}
		}
	}
	// Rank by the lower of the two margins over the targets (F1 0.90,
	// MCC 0.60), so neither is bought with the other.
	margin := func(c counts) float64 { _, _, f1 := c.prf(); return min(f1-0.90, c.mcc()-0.60) }
	sort.Slice(rs, func(i, j int) bool { return margin(rs[i].all) > margin(rs[j].all) })
	for _, r := range rs[:15] {
		t.Logf("%+v: %v", r.p, r.all)
	}
	defp := DefaultSileroParams()
	if !half {
		defp = SingleStreamSileroParams()
	}
	def, per := score(defp, -1)
	t.Logf("default %+v: %v", defp, def)
	for i, c := range per {
		t.Logf("  %s: %v", filepath.Base(files[i]), c)
	}
	// Leave one file out: tune on nine, score the tenth.
	var loo counts
	for k := range fs {
		best, bestM := SileroParams{}, -2.0
		for _, r := range rs[:200] { // the best pooled settings; the held-out file changes them little
			if all, _ := score(r.p, k); margin(all) > bestM {
				best, bestM = r.p, margin(all)
			}
		}
		_, per := score(best, -1)
		loo.plus(per[k])
		t.Logf("held out %s: tuned %+v → %v", filepath.Base(files[k]), best, per[k])
	}
	t.Logf("leave-one-file-out pooled: %v", loo)
}
