package replay

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/cascades"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// allDetectors enables the whole catalogue at the default thresholds.
const allDetectors = `{"detectors":[{"kind":"face_absent"},{"kind":"multiple_faces"},{"kind":"looking_away"},{"kind":"speech"},
 {"kind":"focus_lost"},{"kind":"fullscreen_exit"},{"kind":"paste"},{"kind":"extra_screen"}],"interval_s":5}`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeY4M writes n mid-grey frames at fps: a camera filming a wall.
func writeY4M(t *testing.T, n, fps int) string {
	t.Helper()
	const w, h = 160, 120
	var b bytes.Buffer
	fmt.Fprintf(&b, "YUV4MPEG2 W%d H%d F%d:1 C420jpeg\n", w, h, fps)
	frame := bytes.Repeat([]byte{128}, w*h*3/2)
	for range n {
		b.WriteString("FRAME\n")
		b.Write(frame)
	}
	return writeFile(t, "wall.y4m", b.String())
}

// runExam runs the command and checks what every output must satisfy:
// each summary validates, is signed with ReplayKey, chains to the one
// before, and the byte counts add up.
func runExam(t *testing.T, args ...string) ExamResult {
	t.Helper()
	res := runJSON[ExamResult](t, args...)
	pub := ReplayKey().Public().(ed25519.PublicKey)
	prev, sent := wire.Genesis, 0
	for i, s := range res.Summaries {
		if err := s.Verify(pub); err != nil {
			t.Errorf("summary %d: %v", i+1, err)
		}
		if err := s.Summary.Validate(); err != nil {
			t.Errorf("summary %d: %v", i+1, err)
		}
		if s.Summary.Seq != int64(i+1) || s.Summary.Prev != prev {
			t.Errorf("summary %d: seq %d prev %s, want %d and %s", i+1, s.Summary.Seq, s.Summary.Prev, i+1, prev)
		}
		prev = s.Summary.Hash()
		body, _ := json.Marshal(s)
		sent += len(body)
	}
	if len(res.Summaries) == 0 || res.BytesSent != sent {
		t.Errorf("%d summaries, bytes_sent %d, want ≥ 1 and %d", len(res.Summaries), res.BytesSent, sent)
	}
	return res
}

func TestExamWall(t *testing.T) {
	if _, err := cascades.Dir(); err != nil {
		t.Skip(err)
	}
	// 25 s of a wall at 10 fps, 5 s windows: no face from the first frame,
	// reported from the window in which it has lasted 10 s.
	res := runExam(t, "--policy", writeFile(t, "p.json", `{"detectors":[{"kind":"face_absent"},{"kind":"focus_lost"}],"interval_s":5}`),
		"--video", writeY4M(t, 250, 10))
	want := []wire.Event{{Kind: wire.FaceAbsent, Start: Epoch, End: Epoch + 25_000, Peak: 1}}
	if fmt.Sprint(res.Events) != fmt.Sprint(want) {
		t.Errorf("events %+v, want %+v", res.Events, want)
	}
	if n := len(res.Summaries); n != 5 {
		t.Fatalf("%d summaries, want 5", n)
	}
	for i, s := range res.Summaries {
		if got := len(s.Summary.Events); got != map[bool]int{true: 1, false: 0}[i >= 2] {
			t.Errorf("summary %d (%d-%d ms): %d events", i+1, s.Summary.Window.From-Epoch, s.Summary.Window.To-Epoch, got)
		}
		if h := s.Summary.Health; h.Frames != 50 || h.FPS != 10 {
			t.Errorf("summary %d: health %+v, want 50 frames at 10 fps", i+1, h)
		}
	}
	if p := res.Precheck; !p.Camera || p.FaceFound || p.Frames != 20 {
		t.Errorf("pre-check %+v, want 20 camera frames without a face", p)
	}
	// An hour holds 720 summaries of 5 s, each of the five's mean size.
	if want := res.BytesSent * 720 / 5; res.BytesPerHour != want {
		t.Errorf("bytes_per_hour %d, want %d", res.BytesPerHour, want)
	}
	// Processing every 5th frame changes nothing but the frame count.
	res5 := runExam(t, "--policy", writeFile(t, "p.json", `{"detectors":[{"kind":"face_absent"}],"interval_s":5}`),
		"--video", writeY4M(t, 250, 10), "--every", "5")
	if fmt.Sprint(res5.Events) != fmt.Sprint(want) || res5.Summaries[0].Summary.Health.Frames != 10 {
		t.Errorf("--every 5: events %+v, health %+v", res5.Events, res5.Summaries[0].Summary.Health)
	}
}

func TestExamFixture(t *testing.T) {
	clip := fixtures.Path(t, "faces/two-faces-30fps.mjpeg")
	wav := fixtures.Path(t, "audio/speech-labelled/testset-audio-01.wav")
	res := runExam(t, "--policy", writeFile(t, "p.json", allDetectors), "--video", clip, "--fps", "30", "--audio", wav)
	t.Logf("events %+v, %d summaries, %d bytes, %d bytes per hour", res.Events, len(res.Summaries), res.BytesSent, res.BytesPerHour)
	if len(res.Events) != 1 || res.Events[0].Kind != wire.MultipleFaces || res.Events[0].Start != Epoch {
		t.Errorf("events %+v, want multiple_faces from the start", res.Events)
	}
	if p := res.Precheck; !p.FaceFound || !p.Microphone || p.Baseline <= 0 {
		t.Errorf("pre-check %+v", p)
	}
}

// blank is a video of n tiny frames, for policies without a camera
// detector: the page opens no camera, so only the duration counts.
type blank struct{ n int }

func (b *blank) Next() (video.Frame, error) {
	if b.n == 0 {
		return video.Frame{}, io.EOF
	}
	b.n--
	return video.Frame{W: 2, H: 2, Gray: make([]byte, 4)}, nil
}

// speechEvents runs a recording through the voice detector and the engine
// with speech at threshold s.
func speechEvents(t *testing.T, path string, s float64) ([]wire.Event, float64) {
	t.Helper()
	clip, err := audio.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pol := wire.Policy{Session: "s", Detectors: []wire.DetectorSetting{{Kind: wire.Speech, ThresholdS: s}}, IntervalS: 30}
	res, err := Exam(context.Background(), &blank{int(clip.Seconds()*10) + 1}, 10, 1, &clip, pol)
	if err != nil {
		t.Fatal(err)
	}
	return res.Events, clip.Seconds()
}

// TestNonSpeechNoEvent: a running tap and dish clatter make no speech
// event, at the default threshold or at the shortest one allowed.
// (wasm/speech checks the detector's segments on the same clips.)
func TestNonSpeechNoEvent(t *testing.T) {
	for _, name := range []string{"running_tap.wav", "doing_the_dishes.wav"} {
		path := fixtures.Path(t, "audio/non-speech/"+name)
		for _, s := range []float64{5, wire.MinThresholdS} {
			if evs, _ := speechEvents(t, path, s); len(evs) > 0 {
				t.Errorf("%s at %g s: %+v", name, s, evs)
			}
		}
	}
}

// TestSpeechEventsMatchLabels measures the engine's speech events (1 s
// threshold, the clips are 4-12 s) against the hand labels: how much of the
// event time is labelled speech, and how much labelled speech lies in an
// event. wasm/speech holds the detector's per-frame accuracy; this holds
// what reaches the reviewer.
func TestSpeechEventsMatchLabels(t *testing.T) {
	dir := fixtures.Path(t, "audio/speech-labelled")
	files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	var inBoth, inEvents, inLabels float64
	for _, f := range files {
		evs, dur := speechEvents(t, f, 1)
		labels := readSCV(t, strings.TrimSuffix(f, ".wav")+".scv")
		var both, ev, lab float64
		for _, e := range evs {
			a, b := float64(e.Start-Epoch)/1000, min(dur, float64(e.End-Epoch)/1000)
			ev += b - a
			for _, l := range labels {
				both += max(0, min(b, l[1])-max(a, l[0]))
			}
		}
		for _, l := range labels {
			lab += l[1] - l[0]
		}
		t.Logf("%s: %d events, %.1f s of events, %.1f s labelled, %.1f s in both", filepath.Base(f), len(evs), ev, lab, both)
		inBoth, inEvents, inLabels = inBoth+both, inEvents+ev, inLabels+lab
	}
	precision, recall := inBoth/inEvents, inBoth/inLabels
	t.Logf("all: event time that is speech %.3f, speech inside events %.3f", precision, recall)
	if precision < minEventPrecision || recall < minEventRecall {
		t.Errorf("precision %.3f recall %.3f, below the floors %.2f and %.2f", precision, recall, minEventPrecision, minEventRecall)
	}
}

// Floors a few points under the measured 0.803 and 0.888 (the events
// include the detector's hangover and Release, which the labels do not).
const (
	minEventPrecision = 0.77
	minEventRecall    = 0.85
)

// readSCV returns the speech intervals of a .scv label file:
// name,start,end,label,… with label 1 for speech.
func readSCV(t *testing.T, path string) [][2]float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(strings.TrimSpace(string(b)), ",")
	var out [][2]float64
	for i := 1; i+2 < len(f); i += 3 {
		a, err1 := strconv.ParseFloat(f[i], 64)
		z, err2 := strconv.ParseFloat(f[i+1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bad field near %d", path, i)
		}
		if f[i+2] == "1" {
			out = append(out, [2]float64{a, z})
		}
	}
	return out
}

func TestJoin(t *testing.T) {
	w := func(from, to int64, evs ...wire.Event) wire.Summary {
		return wire.Summary{Window: wire.Window{From: from, To: to}, Events: evs}
	}
	got := join([]wire.Summary{
		w(0, 10, wire.Event{Kind: wire.LookingAway, Start: 2, End: 10, Peak: 0.3}, wire.Event{Kind: wire.Paste, Start: 9, End: 10, Peak: 2}),
		w(10, 20, wire.Event{Kind: wire.Paste, Start: 10, End: 10, Peak: 1}, wire.Event{Kind: wire.LookingAway, Start: 10, End: 20, Peak: 0.1}),
		w(20, 30, wire.Event{Kind: wire.LookingAway, Start: 20, End: 25, Peak: 0.2}, wire.Event{Kind: wire.LookingAway, Start: 27, End: 28, Peak: 0.4}),
	})
	want := []wire.Event{
		{Kind: wire.LookingAway, Start: 2, End: 25, Peak: 0.1},
		{Kind: wire.Paste, Start: 9, End: 10, Peak: 2},
		{Kind: wire.Paste, Start: 10, End: 10, Peak: 1}, // an instant, not a continuation
		{Kind: wire.LookingAway, Start: 27, End: 28, Peak: 0.4},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("join\n got %+v\nwant %+v", got, want)
	}
}

func TestExamErrors(t *testing.T) {
	good := writeFile(t, "p.json", `{"detectors":[{"kind":"speech"}]}`)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--policy", good}, "--policy needs --video"},
		{[]string{"--policy", good, "--audio", "x.wav"}, "--policy needs --video"},
		{[]string{"--policy", good, "--video", "x.y4m", "--line", "0,0.5,1,0.5"}, "cannot be combined with --line"},
		{[]string{"--policy", writeFile(t, "p.json", `{"detectors":[],"gaze":true}`), "--video", "x.y4m"}, "unknown field"},
		{[]string{"--policy", writeFile(t, "p.json", `{"detectors":[{"kind":"gaze"}]}`), "--video", "x.y4m"}, "not in the catalogue"},
		{[]string{"--policy", writeFile(t, "p.json", `{"detectors":[],"interval_s":1}`), "--video", writeY4M(t, 5, 10)}, "interval_s"},
		{[]string{"--policy", good, "--video", writeY4M(t, 5, 10)}, "give --audio"},
		{[]string{"--policy", filepath.Join(t.TempDir(), "none.json"), "--video", "x.y4m"}, "no such file"},
	} {
		var out, errs bytes.Buffer
		err := Run(context.Background(), c.args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to mention %q", c.args, err, c.want)
		}
		if out.Len() > 0 {
			t.Errorf("%v: wrote %q on error", c.args, out.String())
		}
	}
}
