package eval

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/lokaal-nl/lokaal/internal/replay"
	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// crossings is a parsed *.crossings.txt.
type crossings struct {
	lines      []wire.Line // as labelled, in the labelled frame's coordinates
	srcW, srcH int         // labelled frame size from "# frame: WxH", 0 if not given
	fps        float64     // from "# frame: … N fps", 0 if not given
	events     []truthEvent
}

type truthEvent struct {
	T    float64
	Line string
	Dir  string
	Note string
	Edge bool // the note says EDGE CASE: reported, not scored
}

// unnamedLine names the line of a file with a single "# line:" header.
const unnamedLine = "line"

var sizeRE = regexp.MustCompile(`^(\d+)x(\d+)$`)

// parseCrossings reads the crossings format of the shared counting fixture.
// Comment lines other than the "# line" and "# frame:" headers are free text.
func parseCrossings(r io.Reader) (crossings, error) {
	var c crossings
	type ref struct {
		n    int
		line string
	}
	var refs []ref
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		if body, ok := strings.CutPrefix(s, "#"); ok {
			body = strings.TrimSpace(body)
			if err := c.header(body); err != nil {
				return c, fmt.Errorf("line %d: %w", n, err)
			}
			continue
		}
		f := strings.Fields(s)
		if len(f) < 2 {
			return c, fmt.Errorf("line %d: want \"time line direction [note]\"", n)
		}
		t, err := strconv.ParseFloat(f[0], 64)
		if err != nil || t < 0 || math.IsInf(t, 0) || math.IsNaN(t) {
			return c, fmt.Errorf("line %d: time %q is not a non-negative number of seconds", n, f[0])
		}
		e := truthEvent{T: t}
		// A file with one unnamed line may leave the line out of its data lines.
		if (f[1] == "in" || f[1] == "out") && len(c.lines) == 1 && c.lines[0].Name == unnamedLine {
			e.Line, f = unnamedLine, f[1:]
		} else {
			if len(f) < 3 {
				return c, fmt.Errorf("line %d: want \"time line direction [note]\"", n)
			}
			e.Line, f = f[1], f[2:]
		}
		if f[0] != "in" && f[0] != "out" {
			return c, fmt.Errorf("line %d: direction %q must be in or out", n, f[0])
		}
		e.Dir = f[0]
		e.Note = strings.Join(f[1:], " ")
		e.Edge = strings.Contains(e.Note, "EDGE CASE")
		c.events = append(c.events, e)
		refs = append(refs, ref{n, e.Line})
	}
	if err := sc.Err(); err != nil {
		return c, err
	}
	if len(c.lines) == 0 {
		return c, fmt.Errorf("no \"# line NAME: x1 y1 x2 y2\" header")
	}
	if err := wire.ValidateLines(c.lines); err != nil {
		return c, err
	}
	// Data lines may precede the headers, so names are checked at the end.
	for _, r := range refs {
		if c.line(r.line) < 0 {
			return c, fmt.Errorf("line %d: line %q has no \"# line\" header", r.n, r.line)
		}
	}
	return c, nil
}

// header reads a "# line NAME: x1 y1 x2 y2 …" or "# frame: [WxH] [N fps] …"
// comment; any other comment is ignored.
func (c *crossings) header(body string) error {
	if rest, ok := strings.CutPrefix(body, "frame:"); ok {
		f := strings.Fields(rest)
		for i, w := range f {
			if m := sizeRE.FindStringSubmatch(w); m != nil {
				c.srcW, _ = strconv.Atoi(m[1])
				c.srcH, _ = strconv.Atoi(m[2])
			}
			if w == "fps" && i > 0 {
				fps, err := strconv.ParseFloat(f[i-1], 64)
				if err != nil || fps <= 0 || fps > 1000 {
					return fmt.Errorf("frame rate %q is not a number within 0..1000", f[i-1])
				}
				c.fps = fps
			}
		}
		return nil
	}
	if body != "line:" && !strings.HasPrefix(body, "line ") && !strings.HasPrefix(body, "line:") {
		return nil
	}
	head, rest, ok := strings.Cut(body[len("line"):], ":")
	name := strings.TrimSpace(head)
	if !ok || strings.ContainsAny(name, " \t") {
		return nil // prose starting with "line", not a header
	}
	if name == "" {
		name = unnamedLine
	}
	f := strings.Fields(rest)
	if len(f) < 4 {
		return fmt.Errorf("line %s: want four coordinates x1 y1 x2 y2", name)
	}
	var v [4]float64
	for i := range v {
		x, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return fmt.Errorf("line %s: coordinate %q is not a number", name, f[i])
		}
		v[i] = x
	}
	c.lines = append(c.lines, wire.Line{Name: name, A: [2]float64{v[0], v[1]}, B: [2]float64{v[2], v[3]}, Mode: wire.Immediate})
	if err := c.lines[len(c.lines)-1].Validate(); err != nil {
		return err
	}
	return nil
}

func (c *crossings) line(name string) int {
	for i, l := range c.lines {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// letterbox maps lines labelled on a srcW×srcH frame into a w×h clip made
// from it by scaling to fit and padding centred (the fixtures' ffmpeg
// recipe). It returns the lines unchanged when the aspect ratios agree or
// the labelled size is unknown, and otherwise says what it did.
func letterbox(lines []wire.Line, srcW, srcH, w, h int) ([]wire.Line, string) {
	if srcW <= 0 || srcH <= 0 || srcW*h == srcH*w {
		return lines, ""
	}
	s := math.Min(float64(w)/float64(srcW), float64(h)/float64(srcH))
	sx, sy := float64(srcW)*s/float64(w), float64(srcH)*s/float64(h)
	ox, oy := (1-sx)/2, (1-sy)/2
	out := make([]wire.Line, len(lines))
	for i, l := range lines {
		l.A = [2]float64{ox + sx*l.A[0], oy + sy*l.A[1]}
		l.B = [2]float64{ox + sx*l.B[0], oy + sy*l.B[1]}
		out[i] = l
	}
	return out, fmt.Sprintf("lines labelled on %dx%d, mapped into the centred letterbox of the %dx%d clip: x' = %.4g + %.4g·x, y' = %.4g + %.4g·y",
		srcW, srcH, w, h, ox, sx, oy, sy)
}

// ClipScore is the score of one counting clip.
type ClipScore struct {
	Clip       string       `json:"clip"`
	Labels     string       `json:"labels"`
	FPS        float64      `json:"fps"`
	FPSFrom    string       `json:"fps_from"`
	Mapping    string       `json:"mapping,omitempty"`
	Frames     int          `json:"frames"`
	MSPerFrame float64      `json:"ms_per_frame"`
	Counts     []CountScore `json:"counts"`
	Events     EventScore   `json:"events"`
	EdgeCases  []EdgeCase   `json:"edge_cases"`
	Lines      []wire.Line  `json:"lines"` // as given to the counter
}

// CountScore compares totals for one line and direction. Accuracy is
// 1 − |predicted − true| / true, and null when nothing was labelled: then
// every predicted crossing is a false count. Accuracy falls below 0 when
// more than twice the true count is predicted. A net count can hide a miss
// cancelled by a double count, so the events are matched too: Precision
// and Recall are those of this line and direction alone (see EventScore).
type CountScore struct {
	Line string `json:"line"`
	Dir  string `json:"dir"`
	EventScore
	Accuracy   *float64 `json:"accuracy"`
	FalseCount int      `json:"false_count"`
}

// EventScore is crossing-event precision and recall, each event matched
// one-to-one within ±MatchWindow seconds on the same line and direction.
type EventScore struct {
	True      int      `json:"true"`
	Predicted int      `json:"predicted"`
	Matched   int      `json:"matched"`
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
}

// rate sets Precision and Recall from the counts.
func (e *EventScore) rate() {
	e.Precision, e.Recall = ratio(e.Matched, e.Predicted), ratio(e.Matched, e.True)
}

// EdgeCase is a labelled crossing that is reported but not scored.
type EdgeCase struct {
	T         float64 `json:"t"`
	Line      string  `json:"line"`
	Dir       string  `json:"dir"`
	Note      string  `json:"note"`
	Predicted bool    `json:"predicted"` // a prediction fell within the match window
}

// MatchWindow is the time tolerance for matching a predicted crossing to a
// labelled one, in seconds.
const MatchWindow = 1.0

var fpsNameRE = regexp.MustCompile(`(\d+(?:\.\d+)?)fps`)

// scoreClip counts the clip with replay.Count and scores it against c.
func scoreClip(ctx context.Context, clip, labels string, c crossings) (ClipScore, error) {
	sc := ClipScore{Clip: clip, Labels: labels}
	r, fps, closer, err := video.Open(clip)
	if err != nil {
		return sc, err
	}
	defer closer.Close()
	// The counter needs the lines in clip coordinates before the first
	// frame, so the size is read from a separate opening.
	w, h, err := frameSize(clip)
	if err != nil {
		return sc, err
	}
	sc.Lines, sc.Mapping = letterbox(c.lines, c.srcW, c.srcH, w, h)
	// MJPEG declares no rate: take it from the file name (as the fixtures
	// are named), else from the labels.
	switch m := fpsNameRE.FindStringSubmatch(filepath.Base(clip)); {
	case fps > 0:
		sc.FPS, sc.FPSFrom = fps, "Y4M header"
	case m != nil:
		sc.FPS, _ = strconv.ParseFloat(m[1], 64)
		sc.FPSFrom = "file name"
	case c.fps > 0:
		sc.FPS, sc.FPSFrom = c.fps, "labels' # frame: header"
	default:
		return sc, fmt.Errorf("no frame rate: name the clip …-NNfps.mjpeg or give \"# frame: N fps\" in %s", labels)
	}
	res, err := replay.Count(ctx, r, sc.FPS, replay.Every(1), sc.Lines)
	if err != nil {
		return sc, err
	}
	sc.Frames, sc.MSPerFrame = res.Frames, res.MSPerFrame
	sc.score(c, res.Events)
	return sc, nil
}

// score compares the counter's events with the labels.
func (sc *ClipScore) score(c crossings, events []replay.Event) {
	sc.EdgeCases = []EdgeCase{}
	var pooled EventScore
	for li, l := range c.lines {
		for _, dir := range []string{"in", "out"} {
			var truth, edges, pred []float64
			var edgeIdx []int
			for i, e := range c.events {
				switch {
				case e.Line != l.Name || e.Dir != dir:
				case e.Edge:
					edges, edgeIdx = append(edges, e.T), append(edgeIdx, i)
				default:
					truth = append(truth, e.T)
				}
			}
			for _, e := range events {
				if e.Line == li && e.Dir == dir {
					pred = append(pred, e.T)
				}
			}
			matched := matchEvents(truth, pred, MatchWindow)
			used := make([]bool, len(pred))
			for _, m := range matched {
				used[m[1]] = true
			}
			var rest []float64
			for i, p := range pred {
				if !used[i] {
					rest = append(rest, p)
				}
			}
			// A prediction at an edge case is neither right nor wrong, so it
			// leaves the predicted count as the label leaves the true count.
			atEdge := matchEvents(edges, rest, MatchWindow)
			hit := make([]bool, len(edges))
			for _, m := range atEdge {
				hit[m[0]] = true
			}
			for k, i := range edgeIdx {
				e := c.events[i]
				sc.EdgeCases = append(sc.EdgeCases, EdgeCase{T: e.T, Line: e.Line, Dir: e.Dir, Note: e.Note, Predicted: hit[k]})
			}
			cs := CountScore{Line: l.Name, Dir: dir, EventScore: EventScore{True: len(truth), Predicted: len(pred) - len(atEdge), Matched: len(matched)}}
			cs.rate()
			if cs.True > 0 {
				a := 1 - math.Abs(float64(cs.Predicted-cs.True))/float64(cs.True)
				cs.Accuracy = &a
			} else {
				cs.FalseCount = cs.Predicted
			}
			sc.Counts = append(sc.Counts, cs)
			pooled.True += cs.True
			pooled.Predicted += cs.Predicted
			pooled.Matched += len(matched)
		}
	}
	pooled.rate()
	sc.Events = pooled
}

func frameSize(path string) (w, h int, err error) {
	r, _, closer, err := video.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer closer.Close()
	f, err := r.Next()
	if err == io.EOF {
		return 0, 0, fmt.Errorf("%s: no frames", path)
	}
	return f.W, f.H, err
}

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}

// readCrossings parses a crossings file, naming it in errors.
func readCrossings(path string) (crossings, error) {
	f, err := os.Open(path)
	if err != nil {
		return crossings{}, err
	}
	defer f.Close()
	c, err := parseCrossings(f)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
