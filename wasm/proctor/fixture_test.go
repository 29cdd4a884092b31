package proctor

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/modelconv"

	"github.com/lokaal-nl/lokaal/internal/cascades"
	serverfaces "github.com/lokaal-nl/lokaal/internal/faces"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/internal/video/videotest"
	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/face/cascade"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// detected caches each clip's detections: the detector keeps nothing from
// one frame to the next, so replaying them is replaying the clip.
var detected = map[string][][]face.Face{}

// detect runs the real detector with its defaults over a fixture clip (30
// fps) and returns the faces of every frame.
func detect(t *testing.T, clip string) [][]face.Face {
	t.Helper()
	if v, ok := detected[clip]; ok {
		return v
	}
	path := fixtures.Path(t, "faces/"+clip)
	dir, err := cascades.Dir()
	if err != nil {
		t.Skip(err)
	}
	d, err := serverfaces.NewDetector(dir, cascade.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	var out [][]face.Face
	videotest.Each(t, path, func(fr video.Frame) {
		fs, err := d.Detect(fr.Gray, fr.W, fr.H)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, slices.Clone(fs)) // Detect reuses its slice
	})
	detected[clip] = out
	return out
}

// detectedBF caches each clip's BlazeFace (short range) detections.
var detectedBF = map[string][][]face.Face{}

// detectBlazeFace runs BlazeFace, the model the exam page runs, at its
// defaults over a fixture clip in colour (the video package decodes gray).
func detectBlazeFace(t *testing.T, clip string) [][]face.Face {
	t.Helper()
	if v, ok := detectedBF[clip]; ok {
		return v
	}
	w, err := modelconv.BlazeFaceLKNN("blazeface-short")
	if err != nil {
		t.Fatal(err) // says to run npm ci
	}
	d, err := face.NewBlazeFace(w)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fixtures.Path(t, "faces/"+clip))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]face.Face
	soi := []byte{0xff, 0xd8, 0xff}
	for len(b) > 0 { // an MJPEG file is JPEG images back to back
		end := len(b)
		if n := bytes.Index(b[3:], soi); n >= 0 {
			end = n + 3
		}
		img, err := jpeg.Decode(bytes.NewReader(b[:end]))
		if err != nil {
			t.Fatal(err)
		}
		b = b[end:]
		rgba := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
		draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
		fs, err := d.Detect(rgba.Pix, rgba.Rect.Dx(), rgba.Rect.Dy())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, slices.Clone(fs))
	}
	detectedBF[clip] = out
	return out
}

// joined returns the events of all summaries with the pieces of one event
// joined again, as the reviewer's timeline shows them.
func joined(sums []wire.Summary) []wire.Event {
	var out []wire.Event
	for _, s := range sums {
		for _, e := range s.Events {
			if i := slices.IndexFunc(out, func(o wire.Event) bool { return o.Kind == e.Kind && o.End == e.Start }); i >= 0 && e.Start == s.Window.From {
				out[i].End = e.End
				if e.Kind == wire.LookingAway {
					out[i].Peak = min(out[i].Peak, e.Peak)
				} else {
					out[i].Peak = max(out[i].Peak, e.Peak)
				}
				continue
			}
			out = append(out, e)
		}
	}
	return out
}

// TestClips runs the clips through the engine at 30 fps with every camera
// detector on: once as they are with 1 s thresholds (the clips last 1.9-5.2
// s), and looped to at least 20 s with the catalogue's default thresholds
// and 5 s windows, so the summaries show when an event appears.
func TestClips(t *testing.T) {
	for _, det := range []struct {
		name string
		run  func(*testing.T, string) [][]face.Face
	}{{"pigo", detect}, {"blazeface", detectBlazeFace}} {
		t.Run(det.name, func(t *testing.T) { clips(t, det.run, det.name == "blazeface") })
	}
}

func clips(t *testing.T, detect func(*testing.T, string) [][]face.Face, blaze bool) {
	const fps = 30
	for _, c := range []struct {
		clip string
		// The pre-check is the clip's first 2 s, except on face-turning,
		// which starts turned away: a pre-check must see the student face
		// the screen, so that clip runs on DefaultBaseline.
		precheck bool
		want     wire.Kind // the one event, from the first frame on ("" none)
		startMS  int64
	}{
		{"face-present-30fps.mjpeg", true, "", 0},
		{"empty-room-30fps.mjpeg", true, wire.FaceAbsent, 0},
		{"two-faces-30fps.mjpeg", true, wire.MultipleFaces, 0},
		// Turned so far in the first 15 frames that no face is found (0.5
		// s, shorter than any threshold); from then on her head keeps
		// turning, and the facing moments in between are under Release.
		{"face-turning-30fps.mjpeg", false, wire.LookingAway, 500},
	} {
		frames := detect(t, c.clip)
		if blaze && c.want == wire.LookingAway {
			// BlazeFace finds her turned face from the first frame
			c.startMS = 0
		}
		var baseline float32
		if c.precheck {
			pc := Precheck(frames[:2*fps])
			t.Logf("%s: %d frames, pre-check %+v", c.clip, len(frames), pc)
			if pc.FaceFound != (c.want != wire.FaceAbsent) {
				t.Errorf("%s: pre-check found a face: %v", c.clip, pc.FaceFound)
			}
			baseline = float32(pc.Baseline)
		}
		for _, v := range []struct {
			name      string
			loops     int
			threshold float64 // 0: the defaults
			interval  int
		}{
			{"once-1s", 1, 1, 30},
			{"looped-defaults", (20*fps + len(frames) - 1) / len(frames), 0, 5},
		} {
			d := start(t, policy(v.interval, on(wire.FaceAbsent, v.threshold), on(wire.MultipleFaces, v.threshold), on(wire.LookingAway, v.threshold)), baseline)
			n := int64(v.loops * len(frames))
			for i := range n {
				d.p.Faces(d.at(i*1000/fps), frames[i%int64(len(frames))])
			}
			end := n * 1000 / fps
			sums := d.end(end)
			evs := joined(sums)
			name := strings.TrimSuffix(c.clip, "-30fps.mjpeg") + "/" + v.name
			t.Logf("%s: %.1f s, events %+v", name, float64(end)/1000, evs)
			var want []wire.Event
			if c.want != "" {
				peak := evs[0].Peak // checked below
				want = []wire.Event{{Kind: c.want, Start: t0 + c.startMS, End: t0 + end, Peak: peak}}
			}
			if !slices.Equal(evs, want) {
				t.Errorf("%s: events %+v, want %+v", name, evs, want)
				continue
			}
			switch c.want {
			case wire.MultipleFaces:
				if evs[0].Peak != 2 {
					t.Errorf("%s: peak %g faces, want 2", name, evs[0].Peak)
				}
			case wire.LookingAway:
				if evs[0].Peak >= AwayBelow {
					t.Errorf("%s: peak %g, want the lowest Frontal under %g", name, evs[0].Peak, AwayBelow)
				}
			}
			// With the defaults the event appears in the first window that
			// ends after its threshold, not before.
			if v.threshold == 0 && c.want != "" {
				ds, _ := wire.CatalogueEntry(c.want)
				first := slices.IndexFunc(sums, func(s wire.Summary) bool { return len(s.Events) > 0 })
				if w := sums[first].Window; w.From-t0 > c.startMS+int64(ds.DefaultS*1000) || w.To-t0 <= c.startMS+int64(ds.DefaultS*1000) {
					t.Errorf("%s: first reported in window %d-%d ms, want the one holding %g s after its start", name, w.From-t0, w.To-t0, ds.DefaultS)
				}
			}
		}
	}
}

// turnedAway labels face-turning by eye, frame by frame: turned away in
// frames 0-19 (to her left, then turning back) and 28-42 (to her right),
// facing the camera in 20-27 and 43-56.
func turnedAway(i int) bool { return i < 20 || (i >= 28 && i < 43) }

// TestAwayCut measures face.Frontal on the clips to justify AwayBelow and
// DefaultBaseline. face-present and two-faces (people facing the camera,
// the latter with tilted heads) are judged against their own median score,
// as after a pre-check; face-turning against DefaultBaseline.
func TestAwayCut(t *testing.T) {
	present, two, turning := detect(t, "face-present-30fps.mjpeg"), detect(t, "two-faces-30fps.mjpeg"), detect(t, "face-turning-30fps.mjpeg")
	pooled := Precheck(slices.Concat(present, two)).Baseline
	t.Logf("median best-face score: face-present %.1f, two-faces %.1f, both %.1f (DefaultBaseline %d)",
		Precheck(present).Baseline, Precheck(two).Baseline, pooled, DefaultBaseline)
	if math.Abs(pooled-DefaultBaseline) > 0.1*DefaultBaseline {
		t.Errorf("DefaultBaseline %d is more than 10%% from the fixtures' median %.1f", DefaultBaseline, pooled)
	}
	// share of frames with a face whose Frontal is under cut, among those
	// for which keep holds.
	share := func(frames [][]face.Face, baseline float64, cut float32, keep func(int) bool) float64 {
		n, below := 0, 0
		for i, f := range frames {
			if len(f) == 0 || !keep(i) {
				continue
			}
			n++
			if face.Frontal(f, float32(baseline)) < cut {
				below++
			}
		}
		return float64(below) / float64(n)
	}
	all := func(int) bool { return true }
	facing := func(i int) bool { return !turnedAway(i) }
	var rows []string
	for cut := float32(0.3); cut < 0.81; cut += 0.05 {
		rows = append(rows, fmt.Sprintf("%.2f: face-present %3.0f%%  two-faces %3.0f%%  turning: away %3.0f%%, facing %3.0f%%", cut,
			100*share(present, Precheck(present).Baseline, cut, all), 100*share(two, Precheck(two).Baseline, cut, all),
			100*share(turning, DefaultBaseline, cut, turnedAway), 100*share(turning, DefaultBaseline, cut, facing)))
	}
	t.Logf("frames with a face under each Frontal cut:\n%s", strings.Join(rows, "\n"))
	if v := share(present, Precheck(present).Baseline, AwayBelow, all); v > 0 {
		t.Errorf("face-present: %.0f%% of frames look away at AwayBelow, want none", 100*v)
	}
	if v := share(turning, DefaultBaseline, AwayBelow, turnedAway); v < 0.8 {
		t.Errorf("face-turning: %.0f%% of the turned-away frames with a face under AwayBelow, want ≥ 80%%", 100*v)
	}
	if v := share(turning, DefaultBaseline, AwayBelow, facing); v > 0.25 {
		t.Errorf("face-turning: %.0f%% of the facing frames under AwayBelow, want ≤ 25%%", 100*v)
	}
}

// TestYawCut measures face.Frontal from BlazeFace's keypoints (its yaw) on
// the clips, to justify face.YawAway: facing frames must stay over
// AwayBelow, turned-away ones fall under it.
func TestYawCut(t *testing.T) {
	present, two, turning := detectBlazeFace(t, "face-present-30fps.mjpeg"), detectBlazeFace(t, "two-faces-30fps.mjpeg"), detectBlazeFace(t, "face-turning-30fps.mjpeg")
	share := func(frames [][]face.Face, keep func(int) bool) (float64, int) {
		n, below := 0, 0
		for i, f := range frames {
			if len(f) == 0 || !keep(i) {
				continue
			}
			n++
			if face.Frontal(f, 0) < AwayBelow {
				below++
			}
		}
		return float64(below) / float64(n), n
	}
	all := func(int) bool { return true }
	facing := func(i int) bool { return !turnedAway(i) }
	p, np := share(present, all)
	w, nw := share(two, all)
	a, na := share(turning, turnedAway)
	f, nf := share(turning, facing)
	t.Logf("looking away at YawAway %g: face-present %.0f%% of %d, two-faces %.1f%% of %d, face-turning away %.0f%% of %d, facing %.0f%% of %d",
		face.YawAway, 100*p, np, 100*w, nw, 100*a, na, 100*f, nf)
	if p > 0 || np != len(present) {
		t.Errorf("face-present: %.0f%% look away (%d of %d frames with a face), want none of all", 100*p, np, len(present))
	}
	if w > 0.02 {
		t.Errorf("two-faces: %.1f%% look away, want ≤ 2%%", 100*w)
	}
	if a < 1 || na != 35 {
		t.Errorf("face-turning: %.0f%% of %d turned-away frames look away, want all 35", 100*a, na)
	}
	if f > 0.2 {
		t.Errorf("face-turning: %.0f%% of the facing frames look away, want ≤ 20%%", 100*f)
	}
}

// TestMultipleFacesBlazeFace counts frames with more than one face:
// never on the single-face clips, two on nearly every two-faces frame.
func TestMultipleFacesBlazeFace(t *testing.T) {
	count := func(clip string) map[int]int {
		n := map[int]int{}
		for _, f := range detectBlazeFace(t, clip) {
			n[len(f)]++
		}
		return n
	}
	for _, clip := range []string{"face-present-30fps.mjpeg", "face-turning-30fps.mjpeg", "empty-room-30fps.mjpeg"} {
		if n := count(clip); n[2]+n[3]+n[4] > 0 {
			t.Errorf("%s: frames by face count %v, want none with several", clip, n)
		}
	}
	n := count("two-faces-30fps.mjpeg")
	t.Logf("two-faces: frames by face count %v", n)
	if n[2] < 133 || len(n) > 2 {
		t.Errorf("two-faces: frames by face count %v, want ≥ 133 of 140 with two", n)
	}
}

// TestCadenceOnClips samples the clips (looped to 20 s) as the exam page
// does, each frame after the wait Cadence gives: the events are those of
// a steady 2 fps, and a student facing the screen is sampled at the slow
// pace nearly all the time.
func TestCadenceOnClips(t *testing.T) {
	const fps, seconds = 30, 20
	for _, clip := range []string{"face-present-30fps.mjpeg", "empty-room-30fps.mjpeg", "two-faces-30fps.mjpeg", "face-turning-30fps.mjpeg"} {
		frames := detectBlazeFace(t, clip)
		run := func(next func([]face.Face) int) ([]wire.Event, int) {
			d := start(t, policy(30, on(wire.FaceAbsent, 0), on(wire.MultipleFaces, 0), on(wire.LookingAway, 0)), 0)
			n := 0
			for ms := int64(0); ms < seconds*1000; n++ {
				fs := frames[(ms*fps/1000)%int64(len(frames))]
				d.p.Faces(d.at(ms), fs)
				ms += int64(next(fs))
			}
			return joined(d.end(seconds * 1000)), n
		}
		fixed, nf := run(func([]face.Face) int { return FastFrameMS })
		var c Cadence
		paced, np := run(c.Next)
		kinds := func(evs []wire.Event) (ks []wire.Kind) {
			for _, e := range evs {
				ks = append(ks, e.Kind)
			}
			return ks
		}
		t.Logf("%s: %d frames at 2 fps, %d paced; events %+v / %+v", clip, nf, np, fixed, paced)
		if !slices.Equal(kinds(fixed), kinds(paced)) {
			t.Errorf("%s: paced events %v, at 2 fps %v", clip, kinds(paced), kinds(fixed))
		}
		if clip == "face-present-30fps.mjpeg" && np > nf*6/10 {
			t.Errorf("%s: %d paced frames of %d at 2 fps: the steady view should be sampled slowly", clip, np, nf)
		}
	}
}
