// Package replay implements `lokaal replay`: it runs the kiosk's counter,
// or with --policy the exam proctor, over a recorded video (and audio) and
// prints the result as one JSON object, so that accuracy and traffic can be
// measured without a browser. With --synthetic-hour it runs the proctor over
// a made-up hour-long session instead (SyntheticHour): the bytes an exam
// hour sends.
package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/cli"
	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/wasm/counter"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Result is what Run prints.
type Result struct {
	Frames     int         `json:"frames"`    // frames read from the file
	Processed  int         `json:"processed"` // frames given to the counter
	Lines      []LineCount `json:"lines"`
	MSPerFrame float64     `json:"ms_per_frame"` // counter time per processed frame
	Events     []Event     `json:"events,omitempty"`
}

// LineCount is the total for one line.
type LineCount struct {
	Name string `json:"name"`
	In   int    `json:"in"`
	Out  int    `json:"out"`
}

// Event is one crossing, for --events.
type Event struct {
	Line  int     `json:"line"`
	Dir   string  `json:"dir"`
	T     float64 `json:"t"`     // seconds of stream time
	Frame int     `json:"frame"` // index of the file frame that completed it
	Track int     `json:"track"`
}

const usage = `usage: lokaal replay --video FILE.mjpeg|FILE.y4m [--fps N] --line [NAME=]X1,Y1,X2,Y2[,immediate|deferred] ... [--every K] [--events]
       lokaal replay --audio FILE.wav|FILE.mp3
       lokaal replay --policy POLICY.json --video FILE.mjpeg|FILE.y4m [--fps N] [--every K] [--audio FILE.wav|FILE.mp3]
       lokaal replay --synthetic-hour [--seed N] [--policy POLICY.json]`

// Run parses args (without the subcommand name), counts the video (or
// proctors it, with --policy) and writes one JSON object to stdout.
// Coordinates are normalised (0..1).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("replay", usage, stderr)
	path := fs.String("video", "", "video file: .mjpeg (concatenated JPEGs) or .y4m")
	fps := fs.Float64("fps", 0, "frame rate of the file; required for MJPEG, default from the Y4M header")
	every := fs.Int("every", 1, "process only every Kth frame, as a browser that cannot keep up")
	events := fs.Bool("events", false, "list every crossing")
	audioPath := fs.String("audio", "", "audio file (.wav or .mp3): print its speech segments, or with --policy the microphone's input")
	policyPath := fs.String("policy", "", "exam policy (wire.Policy JSON): run the exam proctor and print the events and signed summaries the page would send")
	synthetic := fs.Bool("synthetic-hour", false, "run the exam proctor over a made-up hour-long session (every detector on unless --policy) and print its schedule and the signed summaries the page would send")
	seed := fs.Uint64("seed", 1, "with --synthetic-hour: the seed the session is generated from")
	var lines []wire.Line
	fs.Func("line", "counting line [NAME=]X1,Y1,X2,Y2[,immediate|deferred] (repeatable; \"in\" is the screen-left of 1→2)", func(s string) error {
		l, err := parseLine(s, len(lines))
		if err != nil {
			return err
		}
		lines = append(lines, l)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("replay: unexpected argument %q\n%s", fs.Arg(0), usage)
	case *synthetic && (*path != "" || *audioPath != "" || len(lines) > 0):
		return fmt.Errorf("replay: --synthetic-hour takes no --video, --audio or --line\n%s", usage)
	case *synthetic:
		return replaySynthetic(*seed, *policyPath, stdout)
	case *policyPath != "" && len(lines) > 0:
		return fmt.Errorf("replay: --policy cannot be combined with --line\n%s", usage)
	case *policyPath != "" && *path == "":
		return fmt.Errorf("replay: --policy needs --video\n%s", usage)
	case *audioPath != "" && *path != "" && *policyPath == "":
		return fmt.Errorf("replay: --audio cannot be combined with --video without --policy\n%s", usage)
	case *audioPath != "" && *path == "":
		return replayAudio(ctx, *audioPath, stdout)
	case *path == "":
		return fmt.Errorf("replay: --video is required\n%s", usage)
	case len(lines) == 0 && *policyPath == "":
		return fmt.Errorf("replay: at least one --line is required\n%s", usage)
	case *every < 1:
		return fmt.Errorf("replay: --every must be at least 1")
	case *fps < 0 || *fps > 1000:
		return fmt.Errorf("replay: --fps must be within 0..1000")
	}
	var pol wire.Policy
	var clip *audio.Clip
	if *policyPath != "" {
		var err error
		if pol, err = ReadPolicy(*policyPath); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		if *audioPath != "" && pol.NeedsMicrophone() {
			c, err := audio.ReadFile(*audioPath)
			if err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			clip = &c
		}
	} else if err := wire.ValidateLines(lines); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	r, fileFPS, closer, err := video.Open(*path)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer closer.Close()
	if *fps == 0 {
		*fps = fileFPS
	}
	if *fps == 0 {
		return fmt.Errorf("replay: %s carries no frame rate: give --fps", *path)
	}
	if *policyPath != "" {
		res, err := Exam(ctx, r, *fps, *every, clip, pol)
		if err != nil {
			return fmt.Errorf("replay: %s: %w", *path, err)
		}
		return json.NewEncoder(stdout).Encode(res)
	}
	res, err := Count(ctx, r, *fps, Every(*every), lines)
	if err != nil {
		return fmt.Errorf("replay: %s: %w", *path, err)
	}
	if !*events {
		res.Events = nil
	}
	enc := json.NewEncoder(stdout)
	return enc.Encode(res)
}

// parseLine reads [NAME=]X1,Y1,X2,Y2[,MODE]; unnamed lines are line0, line1, ….
func parseLine(s string, index int) (wire.Line, error) {
	l := wire.Line{Name: "line" + strconv.Itoa(index), Mode: wire.Immediate}
	if name, rest, ok := strings.Cut(s, "="); ok {
		l.Name, s = name, rest
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 5 {
		return l, errors.New("want X1,Y1,X2,Y2 with an optional ,immediate or ,deferred")
	}
	var v [4]float64
	for i := range v {
		f, err := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
		if err != nil {
			return l, fmt.Errorf("coordinate %q is not a number", parts[i])
		}
		v[i] = f
	}
	l.A, l.B = [2]float64{v[0], v[1]}, [2]float64{v[2], v[3]}
	if len(parts) == 5 {
		l.Mode = wire.Mode(strings.TrimSpace(parts[4]))
	}
	return l, l.Validate()
}

// eachFrame calls fn for each frame r reads, numbered from 0, until the
// stream ends or ctx, r or fn fails. It returns the number of frames
// handed to fn before that: all of them at the end of the stream.
func eachFrame(ctx context.Context, r video.Reader, fn func(i int, f video.Frame) error) (int, error) {
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		f, err := r.Next()
		if err == io.EOF {
			return i, nil
		}
		if err != nil {
			return i, err
		}
		if err := fn(i, f); err != nil {
			return i, err
		}
	}
}

// Schedule says which frames of a stream the page gets to process. It is
// asked once per frame, in order.
type Schedule func(frame int) bool

// Every processes every k-th frame: a page that keeps up with 1/k of the
// camera's rate.
func Every(k int) Schedule { return func(i int) bool { return i%k == 0 } }

// Busy processes frames lo to hi frames apart, drawn uniformly from seed:
// a busy page that takes the newest frame each time it is free.
func Busy(lo, hi int, seed uint64) Schedule {
	rng := rand.New(rand.NewPCG(seed, 0))
	next := 0
	return func(i int) bool {
		if i < next {
			return false
		}
		next = i + lo + rng.IntN(hi-lo+1)
		return true
	}
}

// Count runs the counter over the frames keep selects; frame i is at
// stream time i/fps. lokaal eval scores this same loop.
func Count(ctx context.Context, r video.Reader, fps float64, keep Schedule, lines []wire.Line) (Result, error) {
	res := Result{Lines: make([]LineCount, len(lines)), Events: []Event{}}
	for i, l := range lines {
		res.Lines[i].Name = l.Name
	}
	var c *counter.Counter
	var w, h int
	var busy, last time.Duration
	add := func(cs []counter.Crossing, frame int) {
		for _, x := range cs {
			dir := "in"
			if x.Dir == counter.Out {
				dir = "out"
				res.Lines[x.Line].Out++
			} else {
				res.Lines[x.Line].In++
			}
			res.Events = append(res.Events, Event{Line: x.Line, Dir: dir, T: x.T.Seconds(), Frame: frame, Track: x.Track})
		}
	}
	var err error
	res.Frames, err = eachFrame(ctx, r, func(i int, f video.Frame) error {
		if c == nil {
			var err error
			if c, err = counter.New(counter.Config{Width: f.W, Height: f.H, Lines: lines}); err != nil {
				return err
			}
			w, h = f.W, f.H
		} else if f.W != w || f.H != h {
			return fmt.Errorf("frame %d: size changed from %dx%d to %dx%d", i, w, h, f.W, f.H)
		}
		if !keep(i) {
			return nil
		}
		last = time.Duration(float64(i) / fps * float64(time.Second))
		start := time.Now()
		cs := c.ProcessGray(f.Gray, last)
		busy += time.Since(start)
		res.Processed++
		add(cs, i)
		return nil
	})
	if err != nil {
		return res, err
	}
	if c == nil {
		return res, errors.New("no frames")
	}
	add(c.Finish(last), res.Frames-1)
	res.MSPerFrame = float64(busy.Microseconds()) / 1000 / float64(res.Processed)
	return res, nil
}
