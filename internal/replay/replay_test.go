package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const (
	entry = "entry=0,0.725,1,0.725"
	exit  = "exit=0.78,0.875,0.78,0.125"
)

// truth is one labelled crossing from one-by-one.crossings.txt.
type truth struct {
	t    float64
	line int // 0 entry, 1 exit
	dir  string
}

func readTruth(t *testing.T, path string) []truth {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []truth
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		ts, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			t.Fatalf("bad truth line %q", sc.Text())
		}
		line := map[string]int{"entry": 0, "exit": 1}[fields[1]]
		out = append(out, truth{ts, line, fields[2]})
	}
	return out
}

// photometric is a global gray-level mapping applied to every frame before
// counting: cameras and decoders differ in range, contrast and gamma, and the
// count must not depend on them.
type photometric struct {
	name string
	f    func(y float64) float64
}

var photometrics = []photometric{
	{"as-is", nil},
	// Chromium decodes the MJPEG as limited-range video and expands it.
	{"expanded", func(y float64) float64 { return (y - 16) * 255 / 219 }},
	// The reverse: a camera that puts out limited range, with less contrast.
	{"compressed", func(y float64) float64 { return 16 + y*219/255 }},
	// A camera with a brighter tone curve: darks lifted, lights compressed.
	{"gamma", func(y float64) float64 { return 255 * math.Pow(y/255, 1/1.5) }},
}

// mapped applies a lookup table to every frame of r.
type mapped struct {
	r   video.Reader
	lut [256]byte
}

func (m *mapped) Next() (video.Frame, error) {
	f, err := m.r.Next()
	for i, v := range f.Gray {
		f.Gray[i] = m.lut[v]
	}
	return f, err
}

// TestOneByOne counts the six people of the real clip, as replay reads it
// (10 fps) and as the browser sees it (30 fps, every 2nd, 3rd or 4th frame,
// or 2 to 5 frames apart as a busy page takes them), with the gray levels as stored and mapped as other decoders and cameras
// deliver them.
func TestOneByOne(t *testing.T) {
	dir := fixtures.Path(t, ".")
	path := fixtures.Path(t, "counting/one-by-one-640x480-10fps.mjpeg")
	want := readTruth(t, filepath.Join(dir, "counting", "one-by-one.crossings.txt"))
	if len(want) != 12 {
		t.Fatalf("read %d labelled crossings, want 12", len(want))
	}
	for _, run := range []struct {
		name  string
		fps   float64
		keep  func() Schedule
		speed float64 // stream seconds per clip second
	}{
		{"10fps", 10, every(1), 1},
		{"30fps", 30, every(1), 1.0 / 3},
		{"30fps-every2", 30, every(2), 1.0 / 3},
		{"30fps-every3", 30, every(3), 1.0 / 3},
		// A kiosk that falls behind to 7.5 processed frames a second
		// while the camera (the e2e fake camera) plays the clip 3× fast.
		{"30fps-every4", 30, every(4), 1.0 / 3},
		// The same at about 8.6 frames a second with irregular gaps, as
		// the throttled e2e kiosk gets them: a body is first seen on or
		// past the entry line, which is close to the picture's edge.
		{"30fps-busy1", 30, busy(1), 1.0 / 3},
		{"30fps-busy2", 30, busy(2), 1.0 / 3},
	} {
		for _, ph := range photometrics {
			t.Run(run.name+"-"+ph.name, func(t *testing.T) {
				if testing.Short() && (run.name != "10fps" || ph.f != nil) || strings.Contains(run.name, "busy") && ph.name != "as-is" && ph.name != "expanded" {
					t.Skip("short")
				}
				t.Parallel()
				r, _, closer, err := video.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer closer.Close()
				if ph.f != nil {
					m := &mapped{r: r}
					for v := range m.lut {
						m.lut[v] = byte(max(0, min(255, math.Round(ph.f(float64(v))))))
					}
					r = m
				}
				// Both modes in one pass: lines do not affect tracking.
				var lines []wire.Line
				for _, mode := range []wire.Mode{wire.Immediate, wire.Deferred} {
					lines = append(lines,
						wire.Line{Name: "entry-" + string(mode), A: [2]float64{0, 0.725}, B: [2]float64{1, 0.725}, Mode: mode},
						wire.Line{Name: "exit-" + string(mode), A: [2]float64{0.78, 0.875}, B: [2]float64{0.78, 0.125}, Mode: mode})
				}
				res, err := Count(context.Background(), r, run.fps, run.keep(), lines)
				if err != nil {
					t.Fatal(err)
				}
				if res.Frames != 1394 {
					t.Errorf("frames = %d, want 1394", res.Frames)
				}
				checkOneByOne(t, res, want, run.speed, 0, wire.Immediate)
				checkOneByOne(t, res, want, run.speed, 2, wire.Deferred)
				if t.Failed() {
					for _, e := range res.Events {
						t.Logf("event %s %s at %.1f s clip time (frame %d, track %d)", res.Lines[e.Line].Name, e.Dir, e.T/run.speed, e.Frame, e.Track)
					}
				}
			})
		}
	}
}

func every(k int) func() Schedule { return func() Schedule { return Every(k) } }

func busy(seed uint64) func() Schedule { return func() Schedule { return Busy(2, 5, seed) } }

// checkOneByOne checks the entry and exit lines at res.Lines[first:first+2]
// against the labels.
func checkOneByOne(t *testing.T, res Result, want []truth, speed float64, first int, mode wire.Mode) {
	if l := res.Lines[first]; l.In != 6 || l.Out != 0 {
		t.Errorf("%s: in=%d out=%d, want 6 and 0", l.Name, l.In, l.Out)
	}
	if l := res.Lines[first+1]; l.In != 0 || l.Out != 6 {
		t.Errorf("%s: in=%d out=%d, want 0 and 6", l.Name, l.In, l.Out)
	}
	// Immediate events must match the labels within 2 s of clip time;
	// deferred ones come when the track ends, which is after the label but
	// at most a few seconds (a person may stand still past an entry line
	// for up to 25 s, so entry events are only checked to come after the
	// label).
	for _, w := range want {
		best := math.Inf(1)
		for _, e := range res.Events {
			if e.Line != first+w.line || e.Dir != w.dir {
				continue
			}
			d := e.T/speed - w.t
			if mode == wire.Deferred && d < -2 {
				continue
			}
			if math.Abs(d) < math.Abs(best) {
				best = d
			}
		}
		limit := 2.0
		if mode == wire.Deferred {
			limit = 30
		}
		if math.Abs(best) > limit {
			t.Errorf("no %s event on %s within %.0f s of %.1f s (nearest %+.1f s)", w.dir, res.Lines[first+w.line].Name, limit, w.t, best)
		} else {
			t.Logf("%5.1f s %s %s: event %+.1f s", w.t, res.Lines[first+w.line].Name, w.dir, best)
		}
	}
}

// runJSON runs the command and decodes the one JSON object it prints,
// refusing fields that T lacks.
func runJSON[T any](t *testing.T, args ...string) T {
	t.Helper()
	var out, errs bytes.Buffer
	if err := Run(context.Background(), args, &out, &errs); err != nil {
		t.Fatalf("Run: %v\n%s", err, errs.String())
	}
	var res T
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil || dec.More() {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	return res
}

// TestRunOneByOne runs the command itself once on the clip.
func TestRunOneByOne(t *testing.T) {
	path := fixtures.Path(t, "counting/one-by-one-640x480-10fps.mjpeg")
	res := runJSON[Result](t, "--video", path, "--fps", "10", "--events", "--line", entry, "--line", exit+",deferred")
	if res.Frames != 1394 || res.Processed != 1394 || len(res.Events) != 12 || res.MSPerFrame <= 0 {
		t.Errorf("frames %d processed %d events %d ms/frame %g, want 1394, 1394, 12 and > 0",
			res.Frames, res.Processed, len(res.Events), res.MSPerFrame)
	}
	if l := res.Lines[0]; l.Name != "entry" || l.In != 6 || l.Out != 0 {
		t.Errorf("entry: %+v, want entry in=6 out=0", l)
	}
	if l := res.Lines[1]; l.Name != "exit" || l.In != 0 || l.Out != 6 {
		t.Errorf("exit: %+v, want exit in=0 out=6", l)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.mjpeg")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.mjpeg")
	if err := os.WriteFile(junk, []byte("not a jpeg at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--line", "0,0.5,1,0.5"}, "--video is required"},
		{[]string{"--video", empty}, "at least one --line"},
		{[]string{"--video", empty, "--line", "0,0.5,1"}, "X1,Y1,X2,Y2"},
		{[]string{"--video", empty, "--line", "0,0.5,1,x"}, "not a number"},
		{[]string{"--video", empty, "--line", "0,0.5,1,0.5,sometimes"}, "mode must be"},
		{[]string{"--video", empty, "--line", "0,0.5,1.5,0.5"}, "within 0..1"},
		{[]string{"--video", empty, "--line", "0,0.5,1,0.5", "--line", "0,0.5,1,0.5", "--fps", "10"}, ""},
		{[]string{"--video", empty, "--line", "0,0.5,1,0.5"}, "give --fps"},
		{[]string{"--video", empty, "--line", "0,0.5,1,0.5", "--fps", "10", "--every", "0"}, "--every"},
		{[]string{"--video", filepath.Join(dir, "missing.mjpeg"), "--line", "0,0.5,1,0.5", "--fps", "10"}, "no such file"},
		{[]string{"--video", filepath.Join(dir, "clip.avi"), "--line", "0,0.5,1,0.5", "--fps", "10"}, "unknown type"},
		{[]string{"--video", empty, "--line", "0,0.5,1,0.5", "--fps", "10"}, "no frames"},
		{[]string{"--video", junk, "--line", "0,0.5,1,0.5", "--fps", "10"}, "no JPEG start marker"},
		{[]string{"--bogus"}, "flag provided but not defined"},
	} {
		var out, errs bytes.Buffer
		err := Run(context.Background(), tc.args, &out, &errs)
		if tc.want == "" {
			// Two unnamed lines get distinct names; the empty file then fails.
			if err == nil || !strings.Contains(err.Error(), "no frames") {
				t.Errorf("%v: err = %v, want no frames", tc.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want it to mention %q", tc.args, err, tc.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v: wrote %q to stdout on error", tc.args, out.String())
		}
	}
}
