package eval

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/cascades"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"github.com/lokaal-nl/lokaal/internal/video"
)

func TestIoU(t *testing.T) {
	a := rect{0, 0, 10, 10}
	for _, tc := range []struct {
		b    rect
		want float64
	}{
		{a, 1},
		{rect{5, 0, 10, 10}, 50.0 / 150},    // half overlap
		{rect{5, 5, 10, 10}, 25.0 / 175},    // a quarter of each
		{rect{0, 0, 10, 3}, 0.3},            // inside: 30 / 100
		{rect{2, 2, 4, 4}, 16.0 / 100},      // inside, smaller
		{rect{10, 0, 10, 10}, 0},            // touching edges
		{rect{-20, -20, 5, 5}, 0},           // apart
		{rect{-5, -5, 30, 30}, 100.0 / 900}, // around
	} {
		if got := iou(a, tc.b); got != tc.want {
			t.Errorf("iou(%v, %v) = %v, want %v", a, tc.b, got, tc.want)
		}
		if got := iou(tc.b, a); got != tc.want {
			t.Errorf("iou is not symmetric for %v", tc.b)
		}
	}
}

func TestMatchBoxes(t *testing.T) {
	t0, t1 := rect{0, 0, 10, 10}, rect{4, 0, 10, 10}
	d0, d1 := rect{3, 0, 10, 10}, rect{9, 0, 10, 10}
	// IoU: t0–d0 70/130 = 0.54, t1–d0 90/110 = 0.82, t0–d1 10/190 = 0.05,
	// t1–d1 50/150 = 0.33.
	for _, tc := range []struct {
		name       string
		truth, det []rect
		want       [][2]int
	}{
		{"nothing", nil, nil, nil},
		{"no detection", []rect{t0}, nil, nil},
		{"no label", nil, []rect{d0}, nil},
		// Highest IoU first: t1 takes d0 (0.82) although t0 is listed first
		// and d0 is its best too; t0 is then left with d1 at 0.05 < 0.3.
		{"highest first", []rect{t0, t1}, []rect{d0, d1}, [][2]int{{1, 0}}},
		{"highest first, other order", []rect{t1, t0}, []rect{d1, d0}, [][2]int{{0, 1}}},
		{"second pair", []rect{t1}, []rect{d1, d0}, [][2]int{{0, 1}}},
		{"exactly 0.3 matches", []rect{t0}, []rect{{0, 0, 10, 3}}, [][2]int{{0, 0}}},
		{"just under 0.3 does not", []rect{t0}, []rect{{0, 0, 10, 2.9}}, nil},
		// Two detections of one face: one matches, the other is left over.
		{"duplicate", []rect{t0}, []rect{{1, 0, 10, 10}, {0, 0, 10, 10}}, [][2]int{{0, 1}}},
		// Equal IoU: the earlier label, then the earlier detection.
		{"tie", []rect{{0, 0, 10, 10}, {10, 0, 10, 10}}, []rect{{5, 0, 10, 10}}, [][2]int{{0, 0}}},
	} {
		if got := matchBoxes(tc.truth, tc.det, faceIoU); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestScoreBoxes(t *testing.T) {
	big := truthBox{rect: rect{100, 100, 100, 100}}
	small := truthBox{rect: rect{300, 100, 40, 40}}
	ignored := truthBox{rect: rect{400, 300, 80, 80}, Ignore: true}
	im := labelledImage{Boxes: []truthBox{big, small, ignored}}
	det := []rect{
		{105, 105, 100, 100}, // the big face: IoU 9025/10975 = 0.82
		{290, 90, 64, 64},    // the small face: inside, IoU 1600/4096 = 0.39
		{295, 95, 70, 70},    // the small face again: IoU 1600/4900 = 0.33
		{500, 0, 60, 60},     // nothing there
		{390, 290, 100, 100}, // the ignored box, IoU 6400/10000
		{100, 300, 60, 60},   // nothing there
	}
	care, dontCare := im.split(false)
	if got, want := scoreBoxes(care, dontCare, det), (boxCounts{TP: 2, FN: 0, FP: 3, Excused: 1}); got != want {
		// The duplicate on the small face is a false positive here.
		t.Errorf("all faces: got %+v, want %+v", got, want)
	}
	care, dontCare = im.split(true)
	if got, want := scoreBoxes(care, dontCare, det), (boxCounts{TP: 1, FN: 0, FP: 2, Excused: 3}); got != want {
		// Both detections on the small face are excused.
		t.Errorf("≥ 60 px: got %+v, want %+v", got, want)
	}
	// Without the detection, the big face is a miss; a detection of a
	// small face is excused by covering at least half of it even at an IoU
	// under 0.3 (1600/6400 = 0.25).
	care, dontCare = im.split(true)
	if got, want := scoreBoxes(care, dontCare, []rect{{290, 90, 80, 80}}), (boxCounts{FN: 1, Excused: 1}); got != want {
		t.Errorf("miss: got %+v, want %+v", got, want)
	}
	// Less than half of the small face inside and IoU under 0.3: false.
	if got, want := scoreBoxes(care, dontCare, []rect{{321, 100, 60, 60}}), (boxCounts{FN: 1, FP: 1}); got != want {
		t.Errorf("near a small face: got %+v, want %+v", got, want)
	}
	// 60 px counts by the shorter side.
	if (truthBox{rect: rect{0, 0, 60, 59.5}}).large() || !(truthBox{rect: rect{0, 0, 60, 60}}).large() {
		t.Error("large() must compare the shorter side with 60")
	}
}

const dlibXML = `<?xml version='1.0' encoding='ISO-8859-1'?>
<?xml-stylesheet type='text/xsl' href='image_metadata_stylesheet.xsl'?>
<dataset>
<name>imglab dataset</name>
<comment>Created by imglab tool. Caf` + "\xe9" + `</comment>
<images>
  <image file='img/a.jpg'>
    <box top='74' left='201' width='77' height='78'>
      <label>face</label>
      <part name='01' x='210' y='90'/>
    </box>
    <box top='10' left='-3'
         width='20' height='20' ignore='1'/>
  </image>
  <image file='b.png'/>
  <image file='img/a.jpg'><box top='1.5' left='2' width='3' height='4'/></image>
</images>
</dataset>
`

func TestParseDlibXML(t *testing.T) {
	got, err := parseDlibXML(strings.NewReader(dlibXML))
	if err != nil {
		t.Fatal(err)
	}
	want := []labelledImage{
		{File: "img/a.jpg", Line: 7, Boxes: []truthBox{
			{rect: rect{201, 74, 77, 78}, Line: 8},
			{rect: rect{-3, 10, 20, 20}, Ignore: true, Line: 12},
			{rect: rect{2, 1.5, 3, 4}, Line: 16},
		}},
		{File: "b.png", Line: 15},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	for _, in := range []string{"<opencv_storage><cascade/></opencv_storage>", "<?xml version='1.0'?>\n<!-- x -->\n<annotation/>", ""} {
		if _, err := parseDlibXML(strings.NewReader(in)); err != errNotDataset {
			t.Errorf("%q: got %v, want errNotDataset", in, err)
		}
	}

	const head = "<dataset>\n<images>\n"
	wantErrors(t, func(in string) error { _, err := parseDlibXML(strings.NewReader(in)); return err }, []errCase{
		{head + "<image file='a.jpg'>\n<box top='1' left='2' width='3'/>\n</image></images></dataset>", "line 4: <box> without a height"},
		{head + "<image file='a.jpg'>\n<box top='1' left='x' width='3' height='4'/>\n</image></images></dataset>", `line 4: <box> left "x" is not a number`},
		{head + "<image file='a.jpg'>\n<box top='1' left='2' width='0' height='4'/>\n</image></images></dataset>", "line 4: box 0x4 must have a positive"},
		{head + "<image file='a.jpg'>\n<box top='1' left='2' width='3' height='NaN'/>\n</image></images></dataset>", `line 4: <box> height "NaN"`},
		{head + "<image file='a.jpg'>\n<box top='1' left='2' width='3' height='4' ignore='maybe'/>\n</image></images></dataset>", `line 4: <box> ignore "maybe"`},
		{head + "<image>\n</image></images></dataset>", "line 3: <image> without a file"},
		{head + "<image file='a.jpg'>\n<box top='1' left='2' width='3' height='4'>\n</image></images></dataset>", "line 5: XML syntax error"},
		{head + "<image file='a.jpg'>\n</images></dataset>", "line 4: XML syntax error"},
		{head + "<image file='a.jpg'>\n</image>\n</images>\n", "line 6: XML syntax error: unexpected EOF"}, // unclosed <dataset>
		{"<dataset>\n<box top='1' left='2' width='3' height='4'/>\n</dataset>", "line 2: <box> outside"},
		{"<dataset>\n<image file='a.jpg'/>\n</dataset>", "line 2: <image> outside"},
		{"<dataset>\n<images>\n</images>\n</dataset>", "no <image>"},
		{"<?xml version='1.0' encoding='EBCDIC'?>\n<dataset/>", "line 1: "},
		{"<dataset>\n<images>\n<image file='a.jpg'>\x00</image></images></dataset>", "line 3: XML syntax error"},
	}, errNotDataset)
}

func TestParseBoxCSV(t *testing.T) {
	const in = "\ufeffFile, X, Y, W, H\n" +
		"a.jpg,10,20,30,40\n" +
		"neg.png,,,,\n" +
		"\n" +
		"a.jpg, 1.5 ,2,3,4\n" +
		"\"with,comma.jpg\",0,0,60,60\n" +
		"only.png\n"
	got, err := parseBoxCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []labelledImage{
		{File: "a.jpg", Line: 2, Boxes: []truthBox{{rect: rect{10, 20, 30, 40}, Line: 2}, {rect: rect{1.5, 2, 3, 4}, Line: 5}}},
		{File: "neg.png", Line: 3},
		{File: "with,comma.jpg", Line: 6, Boxes: []truthBox{{rect: rect{0, 0, 60, 60}, Line: 6}}},
		{File: "only.png", Line: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// Without a header, the first row is data.
	got, err = parseBoxCSV(strings.NewReader("a.jpg,1,2,3,4\nb.jpg,,,,\n"))
	if err != nil || len(got) != 2 || len(got[0].Boxes) != 1 || got[0].Line != 1 || len(got[1].Boxes) != 0 {
		t.Errorf("headerless: %+v %v", got, err)
	}

	for _, in := range []string{
		"",
		"name,age\nx,3\n",
		"file,group,gender\na.jpg,G,F\n",
		"a.jpg\nb.jpg,1,2,3,4\n",        // headerless must start with five fields
		"a.jpg,one,2,3,4\n",             // a first row that is not numbers
		"\"a.jpg,1,2,3,4\n",             // not CSV at all
		",1,2,3,4\n",                    // no file name
		"file,x,y,w,h,extra\na,1,1,1,1", // another header
	} {
		if _, err := parseBoxCSV(strings.NewReader(in)); err != errNotBoxCSV {
			t.Errorf("%q: got %v, want errNotBoxCSV", in, err)
		}
	}

	const head = "file,x,y,w,h\n"
	wantErrors(t, func(in string) error { _, err := parseBoxCSV(strings.NewReader(in)); return err }, []errCase{
		{head, "no rows"},
		{head + "a.jpg,1,2,3,4\nb.jpg,1,2,x,4\n", `line 3: w "x" is not a number`},
		{head + "a.jpg,1,,3,4\n", `line 2: y "" is not a number`},
		{head + "a.jpg,1,2,0,4\n", "line 2: box 0x4 must have a positive"},
		{head + "a.jpg,1,2,3,-4\n", "line 2: box 3x-4"},
		{head + "a.jpg,1,2,3,Inf\n", `line 2: h "Inf"`},
		{head + "a.jpg,1,2,3\n", "line 2: 4 fields"},
		{head + "a.jpg,1,2,3,4,5\n", "line 2: 6 fields"},
		{head + "a.jpg,1,2,3,4\n,1,2,3,4\n", "line 3: empty file name"},
		{head + "a.jpg,1,2,3,4\nb\"c.jpg,1,2,3,4\n", "line 3"},
		{head + "a.jpg,1,2,3,4\n\"b.jpg,1,2,3,4\n", "line 3"},
	}, errNotBoxCSV)
}

// TestParseTruncated cuts valid label files at every byte: the parsers
// must return (an error or a result), never panic.
func TestParseTruncated(t *testing.T) {
	csvIn := "file,x,y,w,h\na.jpg,10,20,30,40\n\"b c.jpg\",,,,\nd.png\n"
	for i := range len(dlibXML) + 1 {
		parseDlibXML(strings.NewReader(dlibXML[:i]))
	}
	for i := range len(csvIn) + 1 {
		parseBoxCSV(strings.NewReader(csvIn[:i]))
	}
}

// TestRunSkipsOtherLabelFiles: XML and CSV files that are no face labels
// are skipped, with the reason. (Malformed face labels are in
// TestRunErrors.)
func TestRunSkipsOtherLabelFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "haar.xml"), []byte("<?xml version='1.0'?>\n<opencv_storage/>\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.csv"), []byte("when,what\nmonday,x\n"), 0o644)
	rep := runJSON(t, dir)
	if len(rep.Faces) != 0 || len(rep.Skipped) != 2 || rep.Skipped[0].Reason != errNotDataset.Error() || rep.Skipped[1].Reason != errNotBoxCSV.Error() {
		t.Errorf("faces %+v, skipped %+v", rep.Faces, rep.Skipped)
	}
}

// TestFaceSetOddImages lists tiny images, a file that is no image and a
// file that is not there: each is scored or skipped with a reason naming
// the label file and line, and the run goes on.
func TestFaceSetOddImages(t *testing.T) {
	if _, err := cascades.Dir(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	csv := "file,x,y,w,h\n"
	for _, n := range []int{1, 20, 64} {
		var b bytes.Buffer
		png.Encode(&b, image.NewGray(image.Rect(0, 0, n, n)))
		name := fmt.Sprintf("tiny%d.png", n)
		os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644)
		csv += name + ",0,0,1,1\n"
	}
	os.WriteFile(filepath.Join(dir, "text.jpg"), []byte("not a jpeg"), 0o644)
	csv += "text.jpg\nsub/none.png,,,,\n"
	os.WriteFile(filepath.Join(dir, "boxes.csv"), []byte(csv), 0o644)
	rep := evaluateDir(t, dir)
	if len(rep.Faces) != 1 {
		t.Fatalf("faces: %+v", rep.Faces)
	}
	scored := map[string]bool{}
	for _, im := range rep.Faces[0].PerImage {
		scored[filepath.Base(im.File)] = true
	}
	for _, sk := range rep.Skipped {
		if !strings.Contains(sk.Reason, "boxes.csv line ") {
			t.Errorf("%s: reason %q does not name the label file and line", sk.Path, sk.Reason)
		}
		scored[filepath.Base(sk.Path)] = true
	}
	for _, name := range []string{"tiny1.png", "tiny20.png", "tiny64.png", "text.jpg", "none.png"} {
		if !scored[name] {
			t.Errorf("%s is neither scored nor skipped", name)
		}
	}
	if !scored["tiny64.png"] || len(rep.Skipped) < 2 || rep.Faces[0].All.Faces+len(rep.Skipped) != 5 {
		t.Errorf("per image %+v, skipped %+v", rep.Faces[0].PerImage, rep.Skipped)
	}
}

// TestFaceFixtures scores the shared stills and an empty-room frame: the
// boxes of obama.jpg are from the fixtures README, those of two_people.jpg
// were drawn by eye over the image (both detections of `lokaal faces` fall
// within them at IoU 0.68 and 0.78).
func TestFaceFixtures(t *testing.T) {
	obama := fixtures.Path(t, "faces/obama.jpg")
	two := fixtures.Path(t, "faces/two_people.jpg")
	room := fixtures.Path(t, "faces/empty-room-30fps.mjpeg")
	if _, err := cascades.Dir(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	r, _, closer, err := video.Open(room)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := r.Next()
	closer.Close()
	if err != nil {
		t.Fatal(err)
	}
	g := &image.Gray{Pix: append([]byte(nil), fr.Gray...), Stride: fr.W, Rect: image.Rect(0, 0, fr.W, fr.H)}
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "empty-room.png"), b.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "unlisted.png"), b.Bytes(), 0o644)
	// The README's box is top 142, right 617, bottom 409, left 349.
	csv := "file,x,y,w,h\n" +
		obama + ",349,142,268,267\n" +
		two + ",232,50,158,165\n" +
		two + ",785,75,160,165\n" +
		"empty-room.png,,,,\n" +
		"missing.jpg\n"
	os.WriteFile(filepath.Join(dir, "boxes.csv"), []byte(csv), 0o644)

	rep := evaluateDir(t, dir)
	if len(rep.Faces) != 1 {
		t.Fatalf("want one face set, got %+v", rep.Faces)
	}
	s := rep.Faces[0]
	if s.Images != 3 || s.Negatives != 1 || s.All.Faces != 3 || s.Large.Faces != 3 || s.Format != "csv" {
		t.Errorf("set: %d images, %d negative, %d faces (%d large), %s", s.Images, s.Negatives, s.All.Faces, s.Large.Faces, s.Format)
	}
	if im := s.PerImage[0]; im.File != obama || im.Matched != 1 || im.Missed != 0 {
		t.Errorf("obama.jpg: %+v", im)
	}
	neg := s.PerImage[2]
	if neg.Faces != 0 || neg.False != len(neg.Detections) || s.NegativeFalse != neg.False || *s.FPPerNegative != float64(neg.False) {
		t.Errorf("empty room: %+v, fp per negative %v", neg, *s.FPPerNegative)
	}
	wantSkipped := []Skipped{
		{filepath.Join(dir, "missing.jpg"), "listed in " + filepath.Join(dir, "boxes.csv") + " line 6: open " + filepath.Join(dir, "missing.jpg") + ": no such file or directory"},
		{filepath.Join(dir, "unlisted.png"), "an image no face label file lists"},
	}
	if !reflect.DeepEqual(rep.Skipped, wantSkipped) {
		t.Errorf("skipped:\n got %+v\nwant %+v", rep.Skipped, wantSkipped)
	}
	for _, im := range s.PerImage {
		t.Logf("%s: %d labelled, %d detected, %d matched, %d false", filepath.Base(im.File), im.Faces, len(im.Detections), im.Matched, im.False)
	}
	t.Logf("all: recall %v precision %v; ≥60 px: recall %v precision %v; fp per negative %v", *s.All.Recall, *s.All.Precision, *s.Large.Recall, *s.Large.Precision, *s.FPPerNegative)

	var out bytes.Buffer
	if err := writeMarkdown(&out, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Face images with boxes", "### " + filepath.Join(dir, "boxes.csv"), "| all | 3 |", "| ≥ 60 px | 3 |", "false positives per negative image: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, out.String())
		}
	}
}
