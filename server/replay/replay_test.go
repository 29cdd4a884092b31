package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fixtures finds the shared fixtures: $LOKAAL_FIXTURES, or ../shared/fixtures
// next to the repository root.
func fixtures(t *testing.T) string {
	if d := os.Getenv("LOKAAL_FIXTURES"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "fixtures")
		}
		if dir == filepath.Dir(dir) {
			t.Fatal("no go.mod above the test directory")
		}
	}
}

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

// TestOneByOne counts the six people of the real clip, as replay reads it
// (10 fps) and as the browser sees it (30 fps, every 2nd or 3rd frame).
func TestOneByOne(t *testing.T) {
	dir := fixtures(t)
	video := filepath.Join(dir, "counting", "one-by-one-640x480-10fps.mjpeg")
	if _, err := os.Stat(video); err != nil {
		t.Skipf("fixture clip not available (%v); set LOKAAL_FIXTURES to the shared fixtures folder", err)
	}
	want := readTruth(t, filepath.Join(dir, "counting", "one-by-one.crossings.txt"))
	if len(want) != 12 {
		t.Fatalf("read %d labelled crossings, want 12", len(want))
	}
	for _, run := range []struct {
		name  string
		args  []string
		speed float64 // stream seconds per clip second
	}{
		{"10fps", []string{"--fps", "10"}, 1},
		{"30fps-every2", []string{"--fps", "30", "--every", "2"}, 1.0 / 3},
		{"30fps-every3", []string{"--fps", "30", "--every", "3"}, 1.0 / 3},
	} {
		for _, mode := range []string{"immediate", "deferred"} {
			t.Run(run.name+"-"+mode, func(t *testing.T) {
				if testing.Short() && run.name != "10fps" {
					t.Skip("short")
				}
				args := append([]string{"--video", video, "--events",
					"--line", entry + "," + mode, "--line", exit + "," + mode}, run.args...)
				var out, errs bytes.Buffer
				if err := Run(context.Background(), args, &out, &errs); err != nil {
					t.Fatalf("Run: %v\n%s", err, errs.String())
				}
				var res Result
				if err := json.Unmarshal(out.Bytes(), &res); err != nil {
					t.Fatalf("output %q: %v", out.String(), err)
				}
				if res.Frames != 1394 {
					t.Errorf("frames = %d, want 1394", res.Frames)
				}
				if l := res.Lines[0]; l.In != 6 || l.Out != 0 {
					t.Errorf("entry: in=%d out=%d, want 6 and 0", l.In, l.Out)
				}
				if l := res.Lines[1]; l.In != 0 || l.Out != 6 {
					t.Errorf("exit: in=%d out=%d, want 0 and 6", l.In, l.Out)
				}
				// Immediate events must match the labels within 2 s of clip
				// time; deferred ones come when the track ends, which is
				// after the label but at most a few seconds (a person may
				// stand still past an entry line for up to 25 s, so entry
				// events are only checked to come after the label).
				for _, w := range want {
					best := math.Inf(1)
					for _, e := range res.Events {
						if e.Line != w.line || e.Dir != w.dir {
							continue
						}
						d := e.T/run.speed - w.t
						if mode == "deferred" && d < -2 {
							continue
						}
						if math.Abs(d) < math.Abs(best) {
							best = d
						}
					}
					limit := 2.0
					if mode == "deferred" {
						limit = 30
					}
					if math.Abs(best) > limit {
						t.Errorf("no %s event on line %d within %.0f s of %.1f s (nearest %+.1f s)", w.dir, w.line, limit, w.t, best)
					} else {
						t.Logf("%5.1f s line %d %s: event %+.1f s", w.t, w.line, w.dir, best)
					}
				}
			})
		}
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
