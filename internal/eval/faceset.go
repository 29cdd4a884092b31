package eval

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/wasm/face/cascade"
)

// Face images with boxes.
//
// A face label file lists images and the faces in them as boxes in image
// pixels, origin top-left; image paths are relative to the label file's
// folder (or absolute). Two formats are read:
//
//   - dlib's imglab XML: any *.xml whose root element is <dataset>:
//     <dataset><images><image file='a.jpg'><box top='' left='' width=''
//     height=''/>…</image></images></dataset>. Other elements and
//     attributes are ignored, except box ignore='1', which marks a region
//     that is neither a face to find nor a false detection ("don't care").
//     Any other *.xml is skipped.
//   - CSV: any *.csv other than a fairness set's labels.csv, one row per box,
//     file,x,y,w,h, with x,y the top-left corner, after an optional header
//     row "file,x,y,w,h". A row with the file alone, or with x,y,w,h all
//     empty ("a.jpg,,,,"), lists an image without marking a face. A CSV
//     whose first row is neither the header nor five fields of that shape
//     (a file name, then four numbers or four empty fields) is skipped.
//
// An image may be listed more than once; its boxes add up. An image with no
// box at all is a negative: every detection in it is a false positive.
// Boxes need a positive width and height and may reach outside the image.
// Malformed label files are errors naming the file and line.
//
// Scoring: the detector runs at the proctor's default parameters on each
// image as it is (no padding, no scaling). Detections are matched to the
// labelled faces one to one by matchBoxes at IoU ≥ 0.3; an unmatched
// detection on a don't-care box is excused (overlapsDontCare), any other is
// a false positive. There are two figures: all faces, where only
// ignore='1' boxes are don't care, and faces of at least 60 px (shorter
// side), where smaller faces are don't care too. False positives per
// negative image are the detections on negative images over their number.
// An image that cannot be read, or on which the detector fails, is skipped
// and reported with the label file and line that list it.

// faceIoU is the overlap at which a detection matches a labelled face.
const faceIoU = 0.3

// largeFace is the shorter box side, in pixels, from which a labelled face
// counts towards the "at least 60 px" figure: the proctor's default
// MinSize, below which the detector does not search.
const largeFace = 60

// rect is a box in image pixels, X, Y its top-left corner.
type rect struct{ X, Y, W, H float64 }

func (r rect) area() float64 { return r.W * r.H }

// intersection is the area r and s share.
func (r rect) intersection(s rect) float64 {
	w := math.Min(r.X+r.W, s.X+s.W) - math.Max(r.X, s.X)
	h := math.Min(r.Y+r.H, s.Y+s.H) - math.Max(r.Y, s.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// iou is the area of intersection over the area of union, 0 for disjoint
// boxes.
func iou(a, b rect) float64 {
	in := a.intersection(b)
	if in == 0 {
		return 0
	}
	return in / (a.area() + b.area() - in)
}

// matchBoxes pairs labelled and detected boxes one to one by matchGreedy,
// highest IoU first, of the pairs with IoU ≥ min.
func matchBoxes(truth, det []rect, min float64) [][2]int {
	return matchGreedy(len(truth), len(det), func(i, j int) (float64, bool) {
		v := iou(truth[i], det[j])
		return v, v >= min
	})
}

// overlapsDontCare reports whether detection d falls on a don't-care box:
// IoU ≥ faceIoU with it, or at least half of the don't-care box inside d
// (a detector's box around a small face is often much larger than a tight
// label).
func overlapsDontCare(d rect, dontCare []rect) bool {
	for _, c := range dontCare {
		if iou(d, c) >= faceIoU || d.intersection(c) >= 0.5*c.area() {
			return true
		}
	}
	return false
}

// boxCounts tallies one figure (all faces, or faces of at least 60 px).
type boxCounts struct {
	TP, FN, FP, Excused int
}

func (c *boxCounts) add(o boxCounts) {
	c.TP, c.FN, c.FP, c.Excused = c.TP+o.TP, c.FN+o.FN, c.FP+o.FP, c.Excused+o.Excused
}

// scoreBoxes scores the detections of one image: they are first matched one
// to one with the faces to find (care) by matchBoxes at IoU ≥ faceIoU;
// each matched face is a true positive, each unmatched one a miss. An
// unmatched detection that overlaps a don't-care box (overlapsDontCare,
// many detections may fall on one) is excused; any other is a false
// positive.
func scoreBoxes(care, dontCare, det []rect) boxCounts {
	m := matchBoxes(care, det, faceIoU)
	used := make([]bool, len(det))
	for _, p := range m {
		used[p[1]] = true
	}
	c := boxCounts{TP: len(m), FN: len(care) - len(m)}
	for j, d := range det {
		switch {
		case used[j]:
		case overlapsDontCare(d, dontCare):
			c.Excused++
		default:
			c.FP++
		}
	}
	return c
}

// truthBox is one labelled box.
type truthBox struct {
	rect
	Ignore bool // dlib's ignore='1': don't care in every figure
	Line   int
}

// large reports whether the face counts towards the ≥ 60 px figure.
func (b truthBox) large() bool { return math.Min(b.W, b.H) >= largeFace }

// labelledImage is one image of a face label file with all its boxes.
type labelledImage struct {
	File  string // as written in the label file
	Line  int    // where it is first listed
	Boxes []truthBox
}

// split returns the boxes to find and the don't-care boxes, for all faces
// or (large) for faces of at least largeFace px.
func (im labelledImage) split(large bool) (care, dontCare []rect) {
	for _, b := range im.Boxes {
		if b.Ignore || (large && !b.large()) {
			dontCare = append(dontCare, b.rect)
		} else {
			care = append(care, b.rect)
		}
	}
	return care, dontCare
}

// imageList gathers boxes per image in the order images are first listed.
type imageList struct {
	images []labelledImage
	index  map[string]int
}

func (l *imageList) image(file string, line int) *labelledImage {
	if l.index == nil {
		l.index = map[string]int{}
	}
	i, ok := l.index[file]
	if !ok {
		i = len(l.images)
		l.index[file] = i
		l.images = append(l.images, labelledImage{File: file, Line: line})
	}
	return &l.images[i]
}

// parseNumber reads a finite number.
func parseNumber(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return v, err == nil && !math.IsInf(v, 0) && !math.IsNaN(v)
}

// checkBox validates a box's size.
func checkBox(w, h float64) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("box %gx%g must have a positive width and height", w, h)
	}
	return nil
}

var errNotDataset = errors.New("not a dlib imglab <dataset>")

// parseDlibXML reads dlib's imglab XML. It returns errNotDataset when the
// root element is not <dataset>, and otherwise an error naming the line for
// anything malformed.
func parseDlibXML(r io.Reader) ([]labelledImage, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	dec.CharsetReader = charsetReader
	var (
		list  imageList
		stack []string
		cur   = -1 // index of the open <image>, or -1
		root  bool
	)
	for {
		// The position before Token is where the next token starts (after
		// the whitespace before it), so a tag spread over several lines is
		// reported at its first.
		line, _ := dec.InputPos()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("line %d: XML syntax error: %s", se.Line, se.Msg)
			}
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(stack) == 0 {
				if name != "dataset" {
					return nil, errNotDataset
				}
				root = true
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			switch {
			case name == "image" && parent == "images" && len(stack) == 2:
				file := strings.TrimSpace(attr(t, "file"))
				if file == "" {
					return nil, fmt.Errorf("line %d: <image> without a file attribute", line)
				}
				list.image(file, line)
				cur = list.index[file]
			case name == "box" && parent == "image" && cur >= 0:
				b, err := xmlBox(t)
				if err != nil {
					return nil, fmt.Errorf("line %d: %w", line, err)
				}
				b.Line = line
				list.images[cur].Boxes = append(list.images[cur].Boxes, b)
			case name == "box":
				return nil, fmt.Errorf("line %d: <box> outside <dataset><images><image>", line)
			case name == "image":
				return nil, fmt.Errorf("line %d: <image> outside <dataset><images>", line)
			}
			stack = append(stack, name)
		case xml.EndElement:
			if t.Name.Local == "image" && len(stack) == 3 {
				cur = -1
			}
			stack = stack[:len(stack)-1]
		}
	}
	if !root {
		return nil, errNotDataset
	}
	if len(list.images) == 0 {
		return nil, errors.New("no <image> in <dataset><images>")
	}
	return list.images, nil
}

// charsetReader reads the encodings imglab writes: dlib declares
// ISO-8859-1, whose bytes are the first 256 code points.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return latin1{bufio.NewReader(r)}, nil
	case "us-ascii", "ascii":
		return r, nil
	}
	return nil, fmt.Errorf("encoding %q: want UTF-8 or ISO-8859-1", label)
}

// latin1 turns ISO-8859-1 into UTF-8.
type latin1 struct{ r *bufio.Reader }

func (l latin1) Read(p []byte) (int, error) {
	n := 0
	for n+1 < len(p) {
		c, err := l.r.ReadByte()
		if err != nil {
			return n, err
		}
		n += utf8.EncodeRune(p[n:], rune(c))
	}
	if n == 0 && len(p) > 0 {
		// One byte of room: pass ASCII through, keep the rest for later.
		c, err := l.r.ReadByte()
		if err != nil {
			return 0, err
		}
		if c >= utf8.RuneSelf {
			l.r.UnreadByte()
			return 0, io.ErrShortBuffer
		}
		p[0] = c
		return 1, nil
	}
	return n, nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// xmlBox reads a <box top left width height [ignore]> element.
func xmlBox(t xml.StartElement) (truthBox, error) {
	var v [4]float64
	for i, name := range []string{"top", "left", "width", "height"} {
		s := attr(t, name)
		if s == "" {
			return truthBox{}, fmt.Errorf("<box> without a %s attribute", name)
		}
		x, ok := parseNumber(s)
		if !ok {
			return truthBox{}, fmt.Errorf("<box> %s %q is not a number", name, s)
		}
		v[i] = x
	}
	if err := checkBox(v[2], v[3]); err != nil {
		return truthBox{}, err
	}
	b := truthBox{rect: rect{X: v[1], Y: v[0], W: v[2], H: v[3]}}
	switch s := strings.TrimSpace(attr(t, "ignore")); s {
	case "", "0", "false":
	case "1", "true":
		b.Ignore = true
	default:
		return truthBox{}, fmt.Errorf("<box> ignore %q must be 0 or 1", s)
	}
	return b, nil
}

var csvHeader = []string{"file", "x", "y", "w", "h"}

// errNotBoxCSV says a CSV is not a face box list.
var errNotBoxCSV = errors.New("neither a fairness labels.csv nor a file,x,y,w,h box list")

// parseBoxCSV reads a file,x,y,w,h box list. It returns errNotBoxCSV when
// the first row is neither the header nor a row of that shape, and
// otherwise an error naming the line for anything malformed.
func parseBoxCSV(r io.Reader) ([]labelledImage, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var list imageList
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			if first {
				return nil, errNotBoxCSV // an empty file
			}
			break
		}
		if err != nil {
			if first {
				return nil, errNotBoxCSV
			}
			return nil, err // csv errors carry the line number
		}
		line, _ := cr.FieldPos(0)
		if first {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a spreadsheet's byte order mark
			if isHeader(rec) {
				continue
			}
			if len(rec) != 5 {
				return nil, errNotBoxCSV // without the header, the first row must have all five fields
			}
		}
		file := strings.TrimSpace(rec[0])
		switch {
		case len(rec) != 1 && len(rec) != 5:
			return nil, fmt.Errorf("line %d: %d fields, want file,x,y,w,h or the file alone", line, len(rec))
		case file == "":
			if first {
				return nil, errNotBoxCSV
			}
			return nil, fmt.Errorf("line %d: empty file name", line)
		}
		im := list.image(file, line)
		if len(rec) == 1 || strings.Join(rec[1:], "") == "" {
			continue
		}
		var v [4]float64
		for i, s := range rec[1:] {
			x, ok := parseNumber(s)
			if !ok {
				if first {
					return nil, errNotBoxCSV
				}
				return nil, fmt.Errorf("line %d: %s %q is not a number (x,y,w,h are all numbers, or all empty for an image without a face)", line, csvHeader[i+1], s)
			}
			v[i] = x
		}
		if err := checkBox(v[2], v[3]); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		im.Boxes = append(im.Boxes, truthBox{rect: rect{v[0], v[1], v[2], v[3]}, Line: line})
	}
	if len(list.images) == 0 {
		return nil, errors.New("no rows: want file,x,y,w,h per box")
	}
	return list.images, nil
}

func isHeader(rec []string) bool {
	if len(rec) != len(csvHeader) {
		return false
	}
	for i, h := range csvHeader {
		if !strings.EqualFold(strings.TrimSpace(rec[i]), h) {
			return false
		}
	}
	return true
}

// readFaceLabels parses a face label file by its extension. It returns
// errNotDataset or errNotBoxCSV, unwrapped, for a file of another kind,
// and otherwise errors naming the file.
func readFaceLabels(path string) ([]labelledImage, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var images []labelledImage
	format := "dlib-xml"
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		format = "csv"
		images, err = parseBoxCSV(f)
	} else {
		images, err = parseDlibXML(f)
	}
	if err == errNotDataset || err == errNotBoxCSV {
		return nil, "", err
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return images, format, nil
}

// FaceCounts is one figure of a face set: faces to find, detections matched
// to them, missed faces, false detections, and detections excused because
// they fall on a don't-care box.
type FaceCounts struct {
	Faces     int      `json:"faces"`
	Matched   int      `json:"matched"`
	Missed    int      `json:"missed"`
	False     int      `json:"false_positives"`
	Excused   int      `json:"excused"`
	Recall    *float64 `json:"recall"`
	Precision *float64 `json:"precision"`
}

func newFaceCounts(c boxCounts) FaceCounts {
	return FaceCounts{Faces: c.TP + c.FN, Matched: c.TP, Missed: c.FN, False: c.FP, Excused: c.Excused,
		Recall: ratio(c.TP, c.TP+c.FN), Precision: ratio(c.TP, c.TP+c.FP)}
}

// FaceImage is the result on one image.
type FaceImage struct {
	File       string  `json:"file"`
	Faces      int     `json:"faces"` // labelled boxes, including don't-care ones
	Detections []Box   `json:"detections"`
	Matched    int     `json:"matched"`
	Missed     int     `json:"missed"`
	False      int     `json:"false_positives"`
	MS         float64 `json:"ms"`
	W          int     `json:"w"`
	H          int     `json:"h"`
}

// Box is a detected face in image pixels.
type Box struct {
	X     int     `json:"x"`
	Y     int     `json:"y"`
	W     int     `json:"w"`
	H     int     `json:"h"`
	Score float32 `json:"score"`
}

// FaceSetScore is the score of one face label file.
type FaceSetScore struct {
	Labels                 string         `json:"labels"`
	Format                 string         `json:"format"` // dlib-xml or csv
	Params                 cascade.Params `json:"params"`
	IoU                    float64        `json:"iou"`
	LargePx                int            `json:"large_px"`
	Images                 int            `json:"images"` // scored: readable and listed
	Negatives              int            `json:"negative_images"`
	All                    FaceCounts     `json:"all"`
	Large                  FaceCounts     `json:"large"` // faces of at least LargePx; smaller ones are don't care
	NegativeFalse          int            `json:"negative_false_positives"`
	FPPerNegative          *float64       `json:"fp_per_negative_image"`
	NegativesWithDetection int            `json:"negatives_with_detection"`
	MSPerImage             float64        `json:"ms_per_image"`
	PerImage               []FaceImage    `json:"per_image"`
}

// scoreFaceSet runs d over every image of a label file, one at a time so
// that ms per image is a one-core figure (the time of Detect alone, not of
// decoding). Images it cannot read are returned as skipped, naming the
// label file and line that lists them.
func scoreFaceSet(ctx context.Context, d *cascade.Detector, labels, format string, images []labelledImage) (FaceSetScore, []Skipped, error) {
	s := FaceSetScore{Labels: labels, Format: format, Params: d.Params(), IoU: faceIoU, LargePx: largeFace, PerImage: []FaceImage{}}
	var all, large boxCounts
	var skipped []Skipped
	var ms float64
	for _, im := range images {
		if err := ctx.Err(); err != nil {
			return s, skipped, err
		}
		path := im.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(labels), filepath.FromSlash(path))
		}
		g, err := video.ReadGray(path)
		if err != nil {
			skipped = append(skipped, Skipped{Path: path, Reason: fmt.Sprintf("listed in %s line %d: %v", labels, im.Line, err)})
			continue
		}
		start := time.Now()
		found, err := d.Detect(g.Pix, g.Rect.Dx(), g.Rect.Dy())
		took := float64(time.Since(start).Microseconds()) / 1000
		if err != nil {
			skipped = append(skipped, Skipped{Path: path, Reason: fmt.Sprintf("listed in %s line %d: %v", labels, im.Line, err)})
			continue
		}
		ms += took
		det := make([]rect, len(found))
		fi := FaceImage{File: path, Faces: len(im.Boxes), Detections: make([]Box, len(found)), MS: took, W: g.Rect.Dx(), H: g.Rect.Dy()}
		for i, f := range found {
			det[i] = rect{float64(f.X), float64(f.Y), float64(f.W), float64(f.H)}
			fi.Detections[i] = Box{f.X, f.Y, f.W, f.H, f.Score}
		}
		care, dontCare := im.split(false)
		c := scoreBoxes(care, dontCare, det)
		fi.Matched, fi.Missed, fi.False = c.TP, c.FN, c.FP
		all.add(c)
		care, dontCare = im.split(true)
		large.add(scoreBoxes(care, dontCare, det))
		if len(im.Boxes) == 0 {
			s.Negatives++
			s.NegativeFalse += len(found)
			if len(found) > 0 {
				s.NegativesWithDetection++
			}
		}
		s.PerImage = append(s.PerImage, fi)
		s.Images++
	}
	s.All, s.Large = newFaceCounts(all), newFaceCounts(large)
	if s.Negatives > 0 {
		v := float64(s.NegativeFalse) / float64(s.Negatives)
		s.FPPerNegative = &v
	}
	if s.Images > 0 {
		s.MSPerImage = ms / float64(s.Images)
	}
	return s, skipped, nil
}
