// Package faces implements `lokaal faces`: it runs the browser's face
// detector (wasm/face) over still images and prints what it finds, so the
// detector can be checked and tuned without a browser.
package faces

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lokaal-nl/lokaal/internal/cascades"
	"github.com/lokaal-nl/lokaal/internal/cli"
	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/wasm/face/cascade"
)

// Result is the line Run prints per image.
type Result struct {
	File  string `json:"file"`
	Faces []Face `json:"faces"`
}

// Face is one detected face in image pixels; Pupils holds the image-left
// then the image-right pupil as [x, y], or is empty.
type Face struct {
	X      int      `json:"x"`
	Y      int      `json:"y"`
	W      int      `json:"w"`
	H      int      `json:"h"`
	Score  float32  `json:"score"`
	Pupils [][2]int `json:"pupils"`
}

const usage = `usage: lokaal faces [flags] FILE.jpg|FILE.png ...`

// Run parses args (without the subcommand name) and prints one JSON line
// per image to stdout. An image that cannot be read is reported on stderr
// and the others are still processed; Run then returns an error.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	def := cascade.DefaultParams()
	fs := cli.Flags("faces", usage, stderr)
	p := def
	cascadeDir := fs.String("cascades", "", "directory with pigo's facefinder and puploc (default: $LOKAAL_PIGO_CASCADES, else the Go module cache)")
	fs.IntVar(&p.MinSize, "min-size", def.MinSize, "smallest face side in pixels")
	fs.IntVar(&p.MaxSize, "max-size", def.MaxSize, "largest face side in pixels")
	fs.Float64Var(&p.Shift, "shift", def.Shift, "window step as a fraction of its size")
	fs.Float64Var(&p.Scale, "scale", def.Scale, "window growth between scales")
	fs.Float64Var(&p.IoU, "iou", def.IoU, "overlap above which windows merge into one face")
	minScore := fs.Float64("min-score", float64(def.MinScore), "smallest merged score that counts as a face")
	fs.IntVar(&p.Downscale, "downscale", def.Downscale, "shrink the image by this factor before the face search")
	roll := fs.String("roll", joinInts(def.Roll), "extra head-roll angles in 1/32 turns, comma-separated (empty: upright only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New(usage)
	}
	p.MinScore = float32(*minScore)
	var err error
	if p.Roll, err = parseInts(*roll); err != nil {
		return fmt.Errorf("--roll: %w", err)
	}
	d, err := NewDetector(*cascadeDir, p)
	if err != nil {
		return err
	}

	enc := json.NewEncoder(stdout)
	failed := 0
	for _, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := detect(d, path)
		if err != nil {
			fmt.Fprintf(stderr, "lokaal faces: %v\n", err)
			failed++
			continue
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, fs.NArg())
	}
	return nil
}

func detect(d *cascade.Detector, path string) (Result, error) {
	g, err := video.ReadGray(path)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", path, err)
	}
	found, err := d.Detect(g.Pix, g.Rect.Dx(), g.Rect.Dy())
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", path, err)
	}
	res := Result{File: path, Faces: make([]Face, 0, len(found))}
	for _, f := range found {
		res.Faces = append(res.Faces, Face{X: f.X, Y: f.Y, W: f.W, H: f.H, Score: f.Score,
			Pupils: append(make([][2]int, 0, len(f.Pupils)), f.Pupils...)})
	}
	return res, nil
}

// NewDetector makes a pigo face detector with parameters p from the
// cascades in dir, or in cascades.Dir when dir is empty.
func NewDetector(dir string, p cascade.Params) (*cascade.Detector, error) {
	if dir == "" {
		var err error
		if dir, err = cascades.Dir(); err != nil {
			return nil, err
		}
	}
	fc, pc, err := cascades.Read(dir)
	if err != nil {
		return nil, err
	}
	return cascade.New(fc, pc, p)
}

func parseInts(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
