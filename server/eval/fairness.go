package eval

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // labelled sets are JPEG or PNG
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/lokaal-nl/lokaal/server/cascades"
	"github.com/lokaal-nl/lokaal/wasm/face"
)

// labelRow is one image of a fairness set.
type labelRow struct {
	File, Group, Gender string
}

// parseLabels reads labels.csv: a header naming at least file and group
// (gender, age and other columns are optional), then one row per image.
func parseLabels(r io.Reader) ([]labelRow, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("line 1: empty file, want a header file,group[,gender,age]")
	}
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	fi, ok1 := col["file"]
	gi, ok2 := col["group"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("line 1: header %q must name the columns file and group", strings.Join(head, ","))
	}
	gen, hasGender := col["gender"]
	var rows []labelRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err // csv errors carry the line number
		}
		line, _ := cr.FieldPos(0)
		row := labelRow{File: strings.TrimSpace(rec[fi]), Group: strings.TrimSpace(rec[gi])}
		if hasGender {
			row.Gender = strings.TrimSpace(rec[gen])
		}
		if row.File == "" || row.Group == "" {
			return nil, fmt.Errorf("line %d: file and group must not be empty", line)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, errors.New("no rows after the header")
	}
	return rows, nil
}

// Canvas is the webcam-like frame each crop is centred on.
const (
	canvasW, canvasH = 640, 480
	canvasGrey       = 128
)

// Rate is a detection rate with its 95 % Wilson interval.
type Rate struct {
	Group    string  `json:"group"`
	Gender   string  `json:"gender,omitempty"`
	N        int     `json:"n"`
	Detected int     `json:"detected"`
	Rate     float64 `json:"rate"`
	Lo       float64 `json:"ci95_lo"`
	Hi       float64 `json:"ci95_hi"`
}

// FairnessScore is the detection rate of one labelled set.
type FairnessScore struct {
	Dir         string      `json:"dir"`
	Variant     string      `json:"variant"`
	Params      face.Params `json:"params"`
	Groups      []Rate      `json:"groups"`
	GroupGender []Rate      `json:"group_gender,omitempty"`
	Gap         float64     `json:"gap"` // highest minus lowest group rate
	Highest     string      `json:"highest"`
	Lowest      string      `json:"lowest"`
	// The same over group × gender cells, when the labels give a gender;
	// a cell is named "group gender".
	CellGap     float64 `json:"group_gender_gap,omitempty"`
	CellHighest string  `json:"group_gender_highest,omitempty"`
	CellLowest  string  `json:"group_gender_lowest,omitempty"`
}

// scoreFairness runs the proctor's face detector (default parameters) over
// every labelled image, each centred on a grey 640×480 canvas, and counts an
// image as detected when at least one face is found. Images it cannot read
// are returned as skipped.
func scoreFairness(ctx context.Context, dir string, rows []labelRow) (FairnessScore, []Skipped, error) {
	p := face.DefaultParams()
	fs := FairnessScore{Dir: dir, Params: p,
		Variant: fmt.Sprintf("each image centred on a grey (%d) %dx%d canvas, detector at the proctor's default parameters", canvasGrey, canvasW, canvasH)}
	cdir, err := cascades.Dir()
	if err != nil {
		return fs, nil, err
	}
	fc, pc, err := cascades.Read(cdir)
	if err != nil {
		return fs, nil, err
	}
	found := make([]bool, len(rows))
	errs := make([]error, len(rows))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		// A detector keeps scratch state, so each worker has its own.
		d, err := face.New(fc, pc, p)
		if err != nil {
			return fs, nil, err
		}
		wg.Go(func() {
			for i := range jobs {
				found[i], errs[i] = detectPadded(d, filepath.Join(dir, filepath.FromSlash(rows[i].File)))
			}
		})
	}
	for i := range rows {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fs, nil, err
	}
	var skipped []Skipped
	groups, cells := map[[2]string]*Rate{}, map[[2]string]*Rate{}
	for i, r := range rows {
		if errs[i] != nil {
			skipped = append(skipped, Skipped{Path: filepath.Join(dir, r.File), Reason: errs[i].Error()})
			continue
		}
		tally(groups, [2]string{r.Group}, found[i])
		if r.Gender != "" {
			tally(cells, [2]string{r.Group, r.Gender}, found[i])
		}
	}
	fs.Groups, fs.GroupGender = rates(groups), rates(cells)
	if hi, lo, ok := extremes(fs.Groups); ok {
		fs.Gap, fs.Highest, fs.Lowest = hi.Rate-lo.Rate, hi.Group, lo.Group
	}
	if hi, lo, ok := extremes(fs.GroupGender); ok {
		fs.CellGap = hi.Rate - lo.Rate
		fs.CellHighest, fs.CellLowest = hi.Group+" "+hi.Gender, lo.Group+" "+lo.Gender
	}
	return fs, skipped, nil
}

// extremes returns the highest and the lowest rate, the first of each in
// the given order when several are equal.
func extremes(rs []Rate) (hi, lo Rate, ok bool) {
	if len(rs) == 0 {
		return hi, lo, false
	}
	hi, lo = rs[0], rs[0]
	for _, r := range rs {
		if r.Rate > hi.Rate {
			hi = r
		}
		if r.Rate < lo.Rate {
			lo = r
		}
	}
	return hi, lo, true
}

// tally counts one image under k, {group, gender} or {group, ""}.
func tally(m map[[2]string]*Rate, k [2]string, found bool) {
	r := m[k]
	if r == nil {
		r = &Rate{Group: k[0], Gender: k[1]}
		m[k] = r
	}
	r.N++
	if found {
		r.Detected++
	}
}

func rates(m map[[2]string]*Rate) []Rate {
	out := make([]Rate, 0, len(m))
	for _, r := range m {
		r.Rate = float64(r.Detected) / float64(r.N)
		r.Lo, r.Hi = wilson(r.Detected, r.N)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Gender < out[j].Gender
	})
	return out
}

// detectPadded reports whether d finds a face in the image centred on the
// grey canvas.
func detectPadded(d *face.Detector, path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return false, fmt.Errorf("not a readable JPEG or PNG: %w", err)
	}
	b := img.Bounds()
	if b.Dx() > canvasW || b.Dy() > canvasH {
		return false, fmt.Errorf("%dx%d is larger than the %dx%d canvas", b.Dx(), b.Dy(), canvasW, canvasH)
	}
	g := image.NewGray(image.Rect(0, 0, canvasW, canvasH))
	for i := range g.Pix {
		g.Pix[i] = canvasGrey
	}
	at := image.Pt((canvasW-b.Dx())/2, (canvasH-b.Dy())/2)
	draw.Draw(g, image.Rectangle{at, at.Add(b.Size())}, img, b.Min, draw.Src)
	faces, err := d.Detect(g.Pix, canvasW, canvasH)
	return len(faces) > 0, err
}
