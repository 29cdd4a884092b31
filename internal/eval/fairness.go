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

	"github.com/lokaal-nl/lokaal/internal/faces"
	"github.com/lokaal-nl/lokaal/internal/modelconv"
	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/face/cascade"
)

// FairnessDetectors are the face detectors each fairness set is scored
// with, in report order: the proctor's BlazeFace (short range), the
// full-range model of the same package, and the pigo cascade it replaced.
var FairnessDetectors = []string{"blazeface-short", "blazeface-full", "pigo"}

// finder is one detector over a 640×480 RGBA canvas (pigo sees it as gray).
type finder func(rgba []byte, w, h int) ([]face.Face, error)

// newFinder makes one detector of a kind; each worker has its own, since
// detectors keep scratch state.
func newFinder(kind string) (finder, error) {
	switch kind {
	case "pigo":
		d, err := faces.NewDetector("", cascade.DefaultParams())
		if err != nil {
			return nil, err
		}
		var gray []byte
		return func(rgba []byte, w, h int) ([]face.Face, error) {
			gray = toGray(gray[:0], rgba)
			return d.Detect(gray, w, h)
		}, nil
	case "blazeface-short", "blazeface-full":
		b, err := blazeFaceWeights(kind)
		if err != nil {
			return nil, err
		}
		d, err := face.NewBlazeFace(b)
		if err != nil {
			return nil, err
		}
		if kind == "blazeface-full" {
			d.MinScore = face.DefaultBlazeFaceFullMinScore
		}
		return d.Detect, nil
	}
	return nil, fmt.Errorf("eval: unknown face detector %q", kind)
}

var (
	bfOnce    sync.Mutex
	bfWeights = map[string][]byte{}
)

// blazeFaceWeights converts a BlazeFace model from node_modules once per run.
func blazeFaceWeights(kind string) ([]byte, error) {
	bfOnce.Lock()
	defer bfOnce.Unlock()
	if b, ok := bfWeights[kind]; ok {
		return b, nil
	}
	b, err := modelconv.BlazeFaceLKNN(kind)
	if err != nil {
		return nil, err
	}
	bfWeights[kind] = b
	return b, nil
}

// toGray is the luma pigo reads (ITU-R BT.601 weights, as image/color).
func toGray(dst, rgba []byte) []byte {
	for i := 0; i+3 < len(rgba); i += 4 {
		y := (19595*uint32(rgba[i]) + 38470*uint32(rgba[i+1]) + 7471*uint32(rgba[i+2]) + 1<<15) >> 16
		dst = append(dst, byte(y))
	}
	return dst
}

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
	Dir      string         `json:"dir"`
	Detector string         `json:"detector"` // one of FairnessDetectors
	Variant  string         `json:"variant"`
	Params   cascade.Params `json:"params"` // pigo's, when Detector is pigo
	// MinScore is BlazeFace's score threshold, when Detector is BlazeFace.
	MinScore float32 `json:"min_score,omitempty"`
	// Second counts images (each holding one face) where more than one
	// face was reported: every one is a false face.
	Second      int     `json:"second_face"`
	SecondRate  float64 `json:"second_face_rate"`
	Groups      []Rate  `json:"groups"`
	GroupGender []Rate  `json:"group_gender,omitempty"`
	Gap         float64 `json:"gap"` // highest minus lowest group rate
	Highest     string  `json:"highest"`
	Lowest      string  `json:"lowest"`
	// The same over group × gender cells, when the labels give a gender;
	// a cell is named "group gender".
	CellGap     float64 `json:"group_gender_gap,omitempty"`
	CellHighest string  `json:"group_gender_highest,omitempty"`
	CellLowest  string  `json:"group_gender_lowest,omitempty"`
}

// scoreFairness runs one detector (a FairnessDetectors kind) over every
// labelled image, each centred on a grey 640×480 canvas, and counts an
// image as detected when at least one face is found, and as a second face
// when more than one is. Images it cannot read are returned as skipped.
func scoreFairness(ctx context.Context, dir string, rows []labelRow, kind string) (FairnessScore, []Skipped, error) {
	fs := FairnessScore{Dir: dir, Detector: kind}
	switch kind {
	case "pigo":
		fs.Params = cascade.DefaultParams()
		fs.Variant = fmt.Sprintf("each image centred on a grey (%d) %dx%d canvas, pigo at the proctor's former default parameters", canvasGrey, canvasW, canvasH)
	default:
		fs.MinScore = face.DefaultBlazeFaceMinScore
		if kind == "blazeface-full" {
			fs.MinScore = face.DefaultBlazeFaceFullMinScore
		}
		fs.Variant = fmt.Sprintf("each image centred on a grey (%d) %dx%d canvas, %s at min score %g", canvasGrey, canvasW, canvasH, kind, fs.MinScore)
	}
	found := make([]bool, len(rows))
	second := make([]bool, len(rows))
	errs := make([]error, len(rows))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		d, err := newFinder(kind)
		if err != nil {
			return fs, nil, err
		}
		canvas := make([]byte, canvasW*canvasH*4)
		wg.Go(func() {
			for i := range jobs {
				var n int
				n, errs[i] = detectPadded(d, canvas, filepath.Join(dir, filepath.FromSlash(rows[i].File)))
				found[i], second[i] = n > 0, n > 1
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
	n := 0
	for i := range rows {
		if errs[i] == nil {
			n++
			if second[i] {
				fs.Second++
			}
		}
	}
	if n > 0 {
		fs.SecondRate = float64(fs.Second) / float64(n)
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
		r.Lo, r.Hi = Wilson(r.Detected, r.N)
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

// detectPadded counts the faces d finds in the image centred on the grey
// canvas (an RGBA buffer of canvasW×canvasH, reused).
func detectPadded(d finder, canvas []byte, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return 0, fmt.Errorf("not a readable JPEG or PNG: %w", err)
	}
	b := img.Bounds()
	if b.Dx() > canvasW || b.Dy() > canvasH {
		return 0, fmt.Errorf("%dx%d is larger than the %dx%d canvas", b.Dx(), b.Dy(), canvasW, canvasH)
	}
	g := &image.RGBA{Pix: canvas, Stride: 4 * canvasW, Rect: image.Rect(0, 0, canvasW, canvasH)}
	for i := range g.Pix {
		g.Pix[i] = canvasGrey
		if i%4 == 3 {
			g.Pix[i] = 255
		}
	}
	at := image.Pt((canvasW-b.Dx())/2, (canvasH-b.Dy())/2)
	draw.Draw(g, image.Rectangle{at, at.Add(b.Size())}, img, b.Min, draw.Src)
	faces, err := d(g.Pix, canvasW, canvasH)
	return len(faces), err
}
