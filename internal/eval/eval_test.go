package eval

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/cascades"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"github.com/lokaal-nl/lokaal/internal/replay"
	"github.com/lokaal-nl/lokaal/wasm/speech"
)

const crossingsText = `# clip: x.mp4
# frame: 768x432 10 fps 139.4 s
# A line runs from A to B.
# line entry: 0.00 0.80 1.00 0.80     in = moving up
#   MJPEG:    0.00 0.725 1.00 0.725
# line exit: 0.78 1.00 0.78 0.00
# time_s line direction note
6.3 entry in person 1 (grey cardigan)
19.0 exit out
21.5 exit in turns back EDGE CASE
`

func TestParseCrossings(t *testing.T) {
	c, err := parseCrossings(strings.NewReader(crossingsText))
	if err != nil {
		t.Fatal(err)
	}
	if c.srcW != 768 || c.srcH != 432 || c.fps != 10 {
		t.Errorf("frame header: got %dx%d %g fps", c.srcW, c.srcH, c.fps)
	}
	if len(c.lines) != 2 || c.lines[0].Name != "entry" || c.lines[1].A != [2]float64{0.78, 1} {
		t.Errorf("lines: %+v", c.lines)
	}
	want := []truthEvent{
		{6.3, "entry", "in", "person 1 (grey cardigan)", false},
		{19, "exit", "out", "", false},
		{21.5, "exit", "in", "turns back EDGE CASE", true},
	}
	if !reflect.DeepEqual(c.events, want) {
		t.Errorf("events:\n got %+v\nwant %+v", c.events, want)
	}

	// A single unnamed line; its data lines may leave the line out.
	c, err = parseCrossings(strings.NewReader("# line: 0 0.5 1 0.5\n1.0 in\n2.0 line out x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.events) != 2 || c.events[0].Line != unnamedLine || c.events[1].Dir != "out" {
		t.Errorf("unnamed line: %+v", c.events)
	}
}

func TestParseCrossingsMalformed(t *testing.T) {
	wantErrors(t, func(in string) error { _, err := parseCrossings(strings.NewReader(in)); return err }, []errCase{
		{"# line a: 0 0.5 1 0.5\nsoon a in\n", "line 2: time"},
		{"# line a: 0 0.5 1 0.5\n1 a up\n", "line 2: direction"},
		{"# line a: 0 0.5 1 0.5\n\n1 b in\n", `line 3: line "b"`},
		{"# line a: 0 0.5 1\n", "line 1: line a: want four"},
		{"# line a: 0 x 1 0.5\n", `line 1: line a: coordinate "x"`},
		{"# line a: 0 0.5 1.5 0.5\n", "line 1:"},
		{"# frame: 640x480 fast fps\n# line a: 0 0.5 1 0.5\n", "line 1: frame rate"},
		{"# just prose\n1 a in\n", "no \"# line"},
		{"# line a: 0 0.5 1 0.5\n# line a: 0 0.4 1 0.4\n", "twice"},
		{"# line a: 0 0.5 1 0.5\n1 a\n", "line 2: want"},
	})
}

func TestLetterbox(t *testing.T) {
	c, err := parseCrossings(strings.NewReader(crossingsText))
	if err != nil {
		t.Fatal(err)
	}
	got, note := letterbox(c.lines, 768, 432, 640, 480)
	near := func(a, b [2]float64) bool { return math.Abs(a[0]-b[0]) < 1e-9 && math.Abs(a[1]-b[1]) < 1e-9 }
	// The fixture README: y' = 0.125 + 0.75·y, x unchanged.
	if !near(got[0].A, [2]float64{0, 0.725}) || !near(got[1].A, [2]float64{0.78, 0.875}) || !near(got[1].B, [2]float64{0.78, 0.125}) || note == "" {
		t.Errorf("letterbox: %+v %q", got, note)
	}
	// Pillarbox: a 4:3 label frame in a 16:9 clip.
	got, _ = letterbox(c.lines, 640, 480, 1280, 720)
	if !near(got[1].A, [2]float64{0.125 + 0.75*0.78, 1}) {
		t.Errorf("pillarbox: %+v", got[1])
	}
	if same, note := letterbox(c.lines, 1280, 720, 640, 360); note != "" || !reflect.DeepEqual(same, c.lines) {
		t.Errorf("same aspect must not map: %q", note)
	}
}

func TestMatchEvents(t *testing.T) {
	for _, tc := range []struct {
		truth, pred []float64
		want        [][2]int
	}{
		{nil, []float64{1}, nil},
		{[]float64{10}, []float64{11.5}, nil},
		{[]float64{10}, []float64{11}, [][2]int{{0, 0}}},
		// One prediction, two labels: it goes to the nearer one.
		{[]float64{10, 11}, []float64{10.9}, [][2]int{{1, 0}}},
		// Closest-first: greedy in label order would give 10↔10.6 and leave 11.2 unmatched.
		{[]float64{10, 11}, []float64{9.5, 10.6, 11.2}, [][2]int{{1, 2}, {0, 0}}},
		// Two predictions of one crossing: one matches, the other is a false positive.
		{[]float64{5}, []float64{5.1, 5.2}, [][2]int{{0, 0}}},
	} {
		if got := matchEvents(tc.truth, tc.pred, 1); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("match(%v, %v) = %v, want %v", tc.truth, tc.pred, got, tc.want)
		}
	}
}

func TestExtremes(t *testing.T) {
	rs := []Rate{{Group: "a", Rate: 0.5}, {Group: "b", Rate: 0.9}, {Group: "c", Rate: 0.2}, {Group: "d", Rate: 0.9}, {Group: "e", Rate: 0.2}}
	hi, lo, ok := extremes(rs)
	if !ok || hi.Group != "b" || lo.Group != "c" {
		t.Errorf("got %+v, %+v", hi, lo)
	}
	if _, _, ok := extremes(nil); ok {
		t.Error("no rates, no extremes")
	}
}

func TestWilson(t *testing.T) {
	// Reference values from Wilson (1927) / Newcombe (1998), z = 1.96.
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{5, 10, 0.2366, 0.7634},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{81, 263, 0.2553, 0.3662},
		{62, 100, 0.5220, 0.7087},
	} {
		lo, hi := Wilson(tc.k, tc.n)
		if math.Abs(lo-tc.lo) > 5e-4 || math.Abs(hi-tc.hi) > 5e-4 {
			t.Errorf("Wilson(%d, %d) = %.4f, %.4f, want %.4f, %.4f", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
}

func TestParseSCV(t *testing.T) {
	segs, err := parseSCV("a,0.000,0.403,0,0.403,1.204,1,1.204,1.440,0,1.44,2.47,1\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := []speech.Segment{{Start: 0.403, End: 1.204}, {Start: 1.44, End: 2.47}}; !reflect.DeepEqual(segs, want) {
		t.Errorf("got %v, want %v", segs, want)
	}
	wantErrors(t, func(in string) error { _, err := parseSCV(in); return err }, []errCase{
		{"", "line 1: want name"},
		{"a,0,1", "line 1: want name"},
		{"a,0,1,1,1,2", "line 1: want name"},
		{"a,0,x,1", `line 1, field 3: "x"`},
		{"a,0,1,2", "line 1, field 4: label"},
		{"a,1,0.5,1", "line 1, field 2: interval"},
		{"a,0,1,1,0.5,2,0", "line 1, field 5: interval"},
		{"a,0,1,1\na,1,2,0\n", "line 2:"},
	})
}

func TestCompareFrames(t *testing.T) {
	truth := []speech.Segment{{Start: 0.1, End: 0.3}}
	pred := []speech.Segment{{Start: 0.2, End: 0.4}}
	// 50 frames of 10 ms: truth covers 20, prediction 20, overlapping in 10.
	got := compareFrames(pred, truth, 0.5)
	if want := (confusion{TP: 10, FP: 10, FN: 10, TN: 20}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	p, r, f1 := got.prf()
	if *p != 0.5 || *r != 0.5 || *f1 != 0.5 {
		t.Errorf("prf %v %v %v", *p, *r, *f1)
	}
	if p, r, f1 := (confusion{TN: 5}).prf(); p != nil || r != nil || f1 != nil {
		t.Error("precision and recall of nothing must be undefined")
	}
}

func TestParseLabels(t *testing.T) {
	rows, err := parseLabels(strings.NewReader("file,group,gender,age,source\nimg/a.jpg,Black,Female,3-9,x\nb.png, White ,Male,20-29,y\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []labelRow{{"img/a.jpg", "Black", "Female"}, {"b.png", "White", "Male"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got %+v", rows)
	}
	rows, err = parseLabels(strings.NewReader("group,file\nG,a.jpg\n"))
	if err != nil || rows[0] != (labelRow{"a.jpg", "G", ""}) {
		t.Errorf("columns by name, no gender: %+v %v", rows, err)
	}
	wantErrors(t, func(in string) error { _, err := parseLabels(strings.NewReader(in)); return err }, []errCase{
		{"", "line 1: empty"},
		{"file,gender\na,b\n", "line 1: header"},
		{"file,group\na.jpg,G\n,G\n", "line 3: file and group"},
		{"file,group\na.jpg,G\nb.jpg\n", "line 3"},
		{"file,group\n", "no rows"},
	})
}

func TestCrossingsFor(t *testing.T) {
	files := []string{"d/one.crossings.txt", "d/one-by-one.crossings.txt", "e/clip.crossings.txt"}
	for clip, want := range map[string]string{
		"d/one-by-one-640x480-10fps.mjpeg": "d/one-by-one.crossings.txt",
		"d/one-10fps.mjpeg":                "d/one.crossings.txt",
		"d/one.y4m":                        "d/one.crossings.txt",
		"d/onetwo.mjpeg":                   "",
		"d/clip.mjpeg":                     "",
	} {
		if got := crossingsFor(clip, files); got != want {
			t.Errorf("%s: got %q, want %q", clip, got, want)
		}
	}
}

// writeWAV writes 16-bit mono PCM.
func writeWAV(t *testing.T, path string, rate int, samples []int16) {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*len(samples)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(1))
	le(uint32(rate))
	le(uint32(2 * rate))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(2 * len(samples)))
	le(samples)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunAudioAndSkips runs the whole command over a generated directory:
// a silent clip labelled all non-speech, a clip with no labels and a stray
// file.
func TestRunAudioAndSkips(t *testing.T) {
	dir := t.TempDir()
	writeWAV(t, filepath.Join(dir, "quiet.wav"), 16000, make([]int16, 16000))
	writeWAV(t, filepath.Join(dir, "unlabelled.wav"), 16000, make([]int16, 1600))
	os.WriteFile(filepath.Join(dir, "quiet.scv"), []byte("quiet,0,1,0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o644)
	rep := runJSON(t, dir)
	if len(rep.Audio) != 1 || rep.Audio[0].Frames != 100 || rep.Audio[0].TN != 100 || rep.Audio[0].Precision != nil {
		t.Errorf("audio: %+v", rep.Audio)
	}
	if len(rep.Skipped) != 2 || !strings.HasSuffix(rep.Skipped[0].Path, "unlabelled.wav") || !strings.HasSuffix(rep.Skipped[1].Path, "notes.txt") {
		t.Errorf("skipped: %+v", rep.Skipped)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), []string{dir}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Speech", "| **pooled .wav** | 100 | – | – | – |", "## Skipped", "notes.txt: not a kind"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunErrors(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), nil, &out, &out); err == nil || !strings.Contains(err.Error(), "no directory") {
		t.Errorf("no args: %v", err)
	}
	if err := Run(context.Background(), []string{filepath.Join(t.TempDir(), "missing")}, &out, &out); err == nil {
		t.Error("a missing directory must fail")
	}
	// A malformed file of each kind the command reads: the error names the
	// file and the line.
	for name, body := range map[string]string{
		"a.scv":           "a,0,1,7",
		"labels.csv":      "file,group\nx.jpg,\n",
		"c.crossings.txt": "# line a: 0 0.5 1 0.5\n1 a sideways\n",
		"boxes.csv":       "file,x,y,w,h\na.jpg,1,2,3,4\nb.jpg,1,2,3\n",
		"set.xml":         "<dataset>\n<images>\n<image file='a.jpg'>\n<box top='1' left='2' width='-3' height='4'/>\n</image>\n</images>\n</dataset>\n",
		"bad.xml":         "<dataset>\n<images>\n<image file='a.jpg'>\n</images>\n",
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
		switch name {
		case "a.scv":
			writeWAV(t, filepath.Join(dir, "a.wav"), 16000, make([]int16, 160))
		case "c.crossings.txt":
			os.WriteFile(filepath.Join(dir, "c-10fps.mjpeg"), nil, 0o644)
		}
		err := Run(context.Background(), []string{dir}, &out, &out)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, name)) || !strings.Contains(err.Error(), ": line ") {
			t.Errorf("%s: got %v, want an error naming the file and the line", name, err)
		}
	}
}

// TestOneByOne scores the shared 10 fps clip end to end: the counter is
// exact on it (see the replay tests), so every figure must be perfect.
func TestOneByOne(t *testing.T) {
	dir := filepath.Dir(fixtures.Path(t, "counting/one-by-one-640x480-10fps.mjpeg"))
	rep := evaluateDir(t, dir)
	if len(rep.Counting) != 1 {
		t.Fatalf("want one clip, got %+v", rep.Counting)
	}
	c := rep.Counting[0]
	if c.FPS != 10 || c.Mapping == "" || c.Frames != 1394 {
		t.Errorf("clip: %g fps, %d frames, mapping %q", c.FPS, c.Frames, c.Mapping)
	}
	for _, s := range c.Counts {
		if s.True > 0 && (s.Accuracy == nil || *s.Accuracy != 1 || *s.Precision != 1 || *s.Recall != 1) || s.FalseCount != 0 {
			t.Errorf("%s %s: true %d predicted %d matched %d", s.Line, s.Dir, s.True, s.Predicted, s.Matched)
		}
	}
	if e := c.Events; e.True != 12 || e.Matched != 12 || *e.Precision != 1 || *e.Recall != 1 {
		t.Errorf("events: %+v", e)
	}
}

func TestScore(t *testing.T) {
	c, err := parseCrossings(strings.NewReader(crossingsText))
	if err != nil {
		t.Fatal(err)
	}
	var sc ClipScore
	sc.score(c, []replay.Event{
		{Line: 0, Dir: "in", T: 6.5},  // matches 6.3
		{Line: 0, Dir: "in", T: 30},   // false positive
		{Line: 1, Dir: "in", T: 21.8}, // at the edge case: neither right nor wrong
		{Line: 1, Dir: "in", T: 25},   // a false count where nothing is labelled
		{Line: 1, Dir: "out", T: 17},  // 2 s before 19.0: too far to match
	})
	acc := func(v float64) *float64 { return &v }
	// Entry in: the net count is off by one (accuracy 0) with the one
	// labelled crossing found (recall 1) and one false (precision 0.5).
	// Exit out: the net count is exact (accuracy 1) but its one
	// prediction is too far from the label: precision and recall 0.
	want := []CountScore{
		{Line: "entry", Dir: "in", EventScore: EventScore{True: 1, Predicted: 2, Matched: 1, Precision: acc(0.5), Recall: acc(1)}, Accuracy: acc(0)},
		{Line: "entry", Dir: "out"},
		{Line: "exit", Dir: "in", EventScore: EventScore{Predicted: 1, Precision: acc(0)}, FalseCount: 1},
		{Line: "exit", Dir: "out", EventScore: EventScore{True: 1, Predicted: 1, Precision: acc(0), Recall: acc(0)}, Accuracy: acc(1)},
	}
	if !reflect.DeepEqual(sc.Counts, want) {
		t.Errorf("counts:\n got %+v\nwant %+v", sc.Counts, want)
	}
	if e := sc.Events; e.True != 2 || e.Predicted != 4 || e.Matched != 1 || *e.Precision != 0.25 || *e.Recall != 0.5 {
		t.Errorf("events: %+v", e)
	}
	if len(sc.EdgeCases) != 1 || !sc.EdgeCases[0].Predicted || sc.EdgeCases[0].T != 21.5 {
		t.Errorf("edge cases: %+v", sc.EdgeCases)
	}
}

// TestFairness scores a handful of the shared FairFace crops with a blank
// canvas and an unreadable file mixed in; the full set takes too long for a
// test.
func TestFairness(t *testing.T) {
	src := filepath.Dir(fixtures.Path(t, "fairness/fairface-val-700/labels.csv"))
	if _, err := cascades.Dir(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	labels := "file,group,gender\n"
	for i := 1; i <= 6; i++ {
		name := fmt.Sprintf("val_%d.jpg", i)
		b, err := os.ReadFile(filepath.Join(src, "img", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
		labels += name + ",faces,F\n"
	}
	var blank bytes.Buffer
	png.Encode(&blank, image.NewGray(image.Rect(0, 0, 224, 224)))
	os.WriteFile(filepath.Join(dir, "blank.png"), blank.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.jpg"), []byte("not a jpeg"), 0o644)
	labels += "blank.png,blank,F\nbroken.jpg,blank,F\n"
	os.WriteFile(filepath.Join(dir, "labels.csv"), []byte(labels), 0o644)

	rep := evaluateDir(t, dir)
	if len(rep.Fairness) != len(FairnessDetectors) || len(rep.Skipped) != 1 || !strings.HasSuffix(rep.Skipped[0].Path, "broken.jpg") {
		t.Fatalf("fairness %+v, skipped %+v", rep.Fairness, rep.Skipped)
	}
	for i, f := range rep.Fairness {
		if f.Detector != FairnessDetectors[i] || f.Second != 0 {
			t.Errorf("score %d: detector %q, %d second faces", i, f.Detector, f.Second)
		}
	}
	// the proctor's BlazeFace finds all six crops
	if g := rep.Fairness[0].Groups[1]; g.Detected != 6 {
		t.Errorf("blazeface-short: %+v", g)
	}
	f := rep.Fairness[len(rep.Fairness)-1] // pigo, as before
	if len(f.Groups) != 2 || f.Groups[0].Group != "blank" || f.Groups[0].N != 1 || f.Groups[0].Detected != 0 {
		t.Fatalf("groups: %+v", f.Groups)
	}
	g := f.Groups[1]
	if g.N != 6 || g.Detected == 0 || f.Gap != g.Rate || f.Lowest != "blank" || len(f.GroupGender) != 2 {
		t.Errorf("faces group %+v, gap %g, by gender %+v", g, f.Gap, f.GroupGender)
	}
	if f.CellGap != g.Rate || f.CellLowest != "blank F" || f.CellHighest != "faces F" {
		t.Errorf("group × gender gap %g, %q highest, %q lowest", f.CellGap, f.CellHighest, f.CellLowest)
	}
	if lo, hi := Wilson(g.Detected, g.N); g.Lo != lo || g.Hi != hi {
		t.Errorf("interval %g–%g, want %g–%g", g.Lo, g.Hi, lo, hi)
	}
}
