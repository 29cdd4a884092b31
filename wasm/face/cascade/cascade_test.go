package cascade

import (
	"encoding/csv"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/cascades"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/internal/video/videotest"
	"github.com/lokaal-nl/lokaal/wasm/face"
)

func TestValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mod := range map[string]func(*Params){
		"downscale 0":        func(p *Params) { p.Downscale = 0 },
		"min below cascade":  func(p *Params) { p.MinSize = 30; p.Downscale = 2 },
		"max below min":      func(p *Params) { p.MaxSize = p.MinSize - 1 },
		"shift 0":            func(p *Params) { p.Shift = 0 },
		"shift NaN":          func(p *Params) { p.Shift = math.NaN() },
		"scale 1":            func(p *Params) { p.Scale = 1 },
		"iou 1":              func(p *Params) { p.IoU = 1 },
		"score negative":     func(p *Params) { p.MinScore = -1 },
		"roll 0":             func(p *Params) { p.Roll = []int{0} },
		"roll duplicate":     func(p *Params) { p.Roll = []int{2, 2} },
		"roll beyond 90 deg": func(p *Params) { p.Roll = []int{9} },
		"retry shift 2":      func(p *Params) { p.Retry.Shift = 2 },
		"retry score NaN":    func(p *Params) { p.Retry.MinScore = float32(math.NaN()) },
		"retry tiles 0":      func(p *Params) { p.Retry.Tiles = 0 },
		"retry clip 0.5":     func(p *Params) { p.Retry.Clip = 0.5 },
	} {
		p := DefaultParams()
		mod(&p)
		if p.Validate() == nil {
			t.Errorf("%s: accepted %+v", name, p)
		}
		if _, err := New([]byte{1}, []byte{1}, p); err == nil {
			t.Errorf("%s: New accepted %+v", name, p)
		}
	}
}

func TestNewRejectsBadCascades(t *testing.T) {
	for name, c := range map[string][2][]byte{
		"empty":     {nil, {1}},
		"truncated": {{1, 2, 3}, {1, 2, 3}},
	} {
		if _, err := New(c[0], c[1], DefaultParams()); err == nil {
			t.Errorf("%s cascades accepted", name)
		}
	}
}

func TestDetectSynthetic(t *testing.T) {
	d := detector(t, DefaultParams())
	if _, err := d.Detect(make([]byte, 10), 4, 4); err == nil {
		t.Error("16-pixel frame with 10 bytes accepted")
	}
	if _, err := d.Detect(nil, 0, 0); err == nil {
		t.Error("empty frame accepted")
	}
	// Frames of any shape, down to a pixel, give no face and no panic.
	for _, sz := range [][2]int{{1, 1}, {20, 20}, {2000, 1}, {1, 2000}, {121, 61}, {130, 130}} {
		g := make([]byte, sz[0]*sz[1])
		for i := range g {
			g[i] = byte(i * 31)
		}
		if fs, err := d.Detect(g, sz[0], sz[1]); err != nil || len(fs) != 0 {
			t.Errorf("%dx%d: %d faces, err %v", sz[0], sz[1], len(fs), err)
		}
	}
	for _, v := range []byte{0, 128, 255} {
		g := make([]byte, 640*480)
		for i := range g {
			g[i] = v
		}
		fs, err := d.Detect(g, 640, 480)
		if err != nil || len(fs) != 0 {
			t.Errorf("uniform %d: %v faces, err %v", v, len(fs), err)
		}
	}
}

// The detector keeps no frame: after Detect its only frame-sized buffer
// holds zeros.
func TestDetectKeepsNoFrame(t *testing.T) {
	p := DefaultParams()
	p.Downscale = 2
	d := detector(t, p)
	g := make([]byte, 640*480)
	for i := range g {
		g[i] = byte(i*7 + i/640)
	}
	if _, err := d.Detect(g, 640, 480); err != nil {
		t.Fatal(err)
	}
	if len(d.small) == 0 || slices.ContainsFunc(d.small, func(b byte) bool { return b != 0 }) {
		t.Errorf("downscaled frame kept (%d bytes, not all zero)", len(d.small))
	}
	// The pattern holds no face, so the retry ran and equalised it.
	if len(d.eq) == 0 || slices.ContainsFunc(d.eq, func(b byte) bool { return b != 0 }) {
		t.Errorf("equalised frame kept (%d bytes, not all zero)", len(d.eq))
	}
}

func TestEqualise(t *testing.T) {
	var luts [][256]byte
	flat := make([]byte, 64*48)
	for i := range flat {
		flat[i] = 90
	}
	got := equalise(nil, &luts, flat, 64, 48, 8, 2)
	if slices.ContainsFunc(got, func(b byte) bool { return b != got[0] }) {
		t.Errorf("uniform frame equalised unevenly: %v...", got[:16])
	}
	// A dim, low-contrast left half (values 40-47) beside a bright right
	// half: equalisation must spread the dim half wider than its 8 levels
	// (the clip limit caps how much), and keep the order of pixels within
	// a tile.
	src := make([]byte, 64*48)
	for y := range 48 {
		for x := range 64 {
			if x < 32 {
				src[y*64+x] = byte(40 + (x+y)%8)
			} else {
				src[y*64+x] = byte(200 + (x*y)%50)
			}
		}
	}
	got = equalise(got, &luts, src, 64, 48, 8, 2)
	lo, hi := byte(255), byte(0)
	for y := range 48 {
		for x := range 24 {
			lo, hi = min(lo, got[y*64+x]), max(hi, got[y*64+x])
		}
	}
	if hi-lo < 16 {
		t.Errorf("dim half spans %d..%d after equalisation, want at least twice its 8 levels", lo, hi)
	}
	if a, b := got[0], got[7]; !(a < b) {
		t.Errorf("order inside a tile lost: %d then %d for source 40 then 47", a, b)
	}
	// Sizes the tiles do not divide evenly, down to a pixel.
	for _, sz := range [][2]int{{1, 1}, {10, 10}, {9, 3}, {1000, 1}, {1, 7}} {
		n := sz[0] * sz[1]
		if out := equalise(nil, &luts, make([]byte, n), sz[0], sz[1], 8, 2); len(out) != n {
			t.Errorf("%dx%d: %d bytes out", sz[0], sz[1], len(out))
		}
	}
}

// TestRetry: FairFace crops the first pass misses and the retry finds.
func TestRetry(t *testing.T) {
	dir := fixtures.Path(t, "fairness/fairface-val-700")
	first := DefaultParams()
	first.Retry = Retry{}
	once, twice := detector(t, first), detector(t, DefaultParams())
	for _, name := range []string{"val_155.jpg", "val_260.jpg"} {
		g, err := video.ReadGray(filepath.Join(dir, "img", name))
		if err != nil {
			t.Fatal(err)
		}
		c := padded(g, 640, 480)
		if fs, _ := once.Detect(c.Pix, 640, 480); len(fs) != 0 {
			t.Errorf("%s: first pass alone found %+v; pick a crop it misses", name, fs)
		}
		fs, err := twice.Detect(c.Pix, 640, 480)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 {
			t.Fatalf("%s: %d faces with the retry, want 1", name, len(fs))
		}
		// The 224×224 crop sits at (208, 128) on the canvas.
		if cx, cy := fs[0].X+fs[0].W/2, fs[0].Y+fs[0].H/2; cx < 208 || cx > 432 || cy < 128 || cy > 352 {
			t.Errorf("%s: face %+v centred off the crop", name, fs[0])
		}
	}
}

func TestShrink(t *testing.T) {
	src := []byte{
		0, 2, 10, 10, 7,
		4, 6, 20, 21, 7,
		9, 9, 9, 9, 9,
	}
	got := shrink(nil, src, 5, 2, 1, 2)
	if want := []byte{3, 15}; !slices.Equal(got, want) {
		t.Errorf("shrink = %v, want %v (rounded 2×2 means)", got, want)
	}
}

func TestCluster(t *testing.T) {
	d := &Detector{p: DefaultParams()}
	d.raw = []cand{
		{row: 100, col: 100, size: 80, q: 3},
		{row: 104, col: 100, size: 80, q: 2}, // same face, shifted
		{row: 100, col: 104, size: 24, q: 1}, // nested in it
		{row: 100, col: 300, size: 80, q: 4}, // a second face
	}
	d.cluster()
	if len(d.merged) != 2 {
		t.Fatalf("merged %+v, want 2 faces", d.merged)
	}
	if m := d.merged[0]; m.col != 100 || m.row != 102 || m.q != 5 {
		t.Errorf("first face %+v, want the two windows averaged at (100,102) with score 5", m)
	}
	if m := d.merged[1]; m.col != 300 || m.q != 4 {
		t.Errorf("second face %+v, want (300) score 4", m)
	}
}

func iou(f face.Face, x0, y0, x1, y1 int) float64 {
	ix := max(0, min(f.X+f.W, x1)-max(f.X, x0))
	iy := max(0, min(f.Y+f.H, y1)-max(f.Y, y0))
	in := float64(ix * iy)
	return in / (float64(f.W*f.H+(x1-x0)*(y1-y0)) - in)
}

func detectFile(t *testing.T, d *Detector, rel string) []face.Face {
	t.Helper()
	g, err := video.ReadGray(fixtures.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := d.Detect(g.Pix, g.Rect.Dx(), g.Rect.Dy())
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// wantFaces detects the faces in a fixture image with the default
// parameters: there must be n.
func wantFaces(t *testing.T, rel string, n int) []face.Face {
	t.Helper()
	fs := detectFile(t, detector(t, DefaultParams()), rel)
	t.Logf("faces: %+v", fs)
	if len(fs) != n {
		t.Fatalf("%d faces, want %d", len(fs), n)
	}
	return fs
}

func TestObama(t *testing.T) {
	t.Parallel()
	fs := wantFaces(t, "faces/obama.jpg", 1)
	// The fixture's box: top 142, right 617, bottom 409, left 349.
	if v := iou(fs[0], 349, 142, 617, 409); v < 0.3 {
		t.Errorf("IoU with the labelled box %.2f, want ≥ 0.3", v)
	}
	if len(fs[0].Pupils) != 2 {
		t.Errorf("pupils %v, want 2", fs[0].Pupils)
	}
	// Without the pupil cascade (the exam page): the same face, no pupils.
	dir, _ := cascades.Dir()
	fc, _, err := cascades.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(fc, nil, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	want := fs[0]
	got := detectFile(t, d, "faces/obama.jpg")
	if len(got) != 1 || got[0].X != want.X || got[0].Y != want.Y || got[0].W != want.W || len(got[0].Pupils) != 0 {
		t.Errorf("without puploc: %+v, want the box %+v without pupils", got, want)
	}
}

func TestTwoPeople(t *testing.T) {
	t.Parallel()
	wantFaces(t, "faces/two_people.jpg", 2)
}

// faceCounts runs d over a clip and returns the number of faces per frame.
func faceCounts(t *testing.T, d *Detector, clip string) (counts []int) {
	videotest.Each(t, fixtures.Path(t, "faces/"+clip), func(fr video.Frame) {
		fs, err := d.Detect(fr.Gray, fr.W, fr.H)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, len(fs))
	})
	return counts
}

func frac(v []int, ok func(int) bool) float64 {
	n := 0
	for _, x := range v {
		if ok(x) {
			n++
		}
	}
	return float64(n) / float64(len(v))
}

func TestClips(t *testing.T) {
	t.Parallel()
	d := detector(t, DefaultParams())
	present := faceCounts(t, d, "face-present-30fps.mjpeg")
	empty := faceCounts(t, d, "empty-room-30fps.mjpeg")
	two := faceCounts(t, d, "two-faces-30fps.mjpeg")
	one := frac(present, func(n int) bool { return n >= 1 })
	none := frac(empty, func(n int) bool { return n == 0 })
	pair := frac(two, func(n int) bool { return n == 2 })
	t.Logf("face-present: a face in %.0f%% of %d frames, exactly one in %.0f%%", 100*one, len(present), 100*frac(present, func(n int) bool { return n == 1 }))
	t.Logf("empty-room: no face in %.0f%% of %d frames", 100*none, len(empty))
	t.Logf("two-faces: two faces in %.0f%%, at least one in %.0f%%, three or more in %.0f%% of %d frames",
		100*pair, 100*frac(two, func(n int) bool { return n >= 1 }), 100*frac(two, func(n int) bool { return n >= 3 }), len(two))
	if one < 0.9 {
		t.Errorf("face-present: a face in %.0f%% of frames, want ≥ 90%%", 100*one)
	}
	if none < 1 {
		t.Errorf("empty-room: a face in %.0f%% of frames, want none", 100*(1-none))
	}
	if pair <= 0.5 {
		t.Errorf("two-faces: two faces in %.0f%% of frames, want most", 100*pair)
	}
}

// TestLookingAwaySignal compares the clip of a student facing the camera
// with one of a head turning well away. The baseline is the median score on
// the facing clip, as a pre-check would measure it.
func TestLookingAwaySignal(t *testing.T) {
	t.Parallel()
	d := detector(t, DefaultParams())
	// Keep each frame's best face: Frontal needs the baseline, which needs
	// the whole facing clip.
	bestFaces := func(clip string) [][]face.Face {
		var v [][]face.Face
		videotest.Each(t, fixtures.Path(t, "faces/"+clip), func(fr video.Frame) {
			fs, err := d.Detect(fr.Gray, fr.W, fr.H)
			if err != nil {
				t.Fatal(err)
			}
			v = append(v, slices.Clone(fs[:min(1, len(fs))]))
		})
		return v
	}
	facingFaces, turningFaces := bestFaces("face-present-30fps.mjpeg"), bestFaces("face-turning-30fps.mjpeg")
	var scores []float64
	for _, f := range facingFaces {
		if len(f) > 0 {
			scores = append(scores, float64(f[0].Score))
		}
	}
	if len(scores) == 0 {
		t.Fatal("no face in face-present")
	}
	sort.Float64s(scores)
	baseline := float32(scores[len(scores)/2])
	frontal := func(frames [][]face.Face) []float64 {
		v := make([]float64, len(frames))
		for i, f := range frames {
			v[i] = float64(face.Frontal(f, baseline))
		}
		return v
	}
	facing, turning := frontal(facingFaces), frontal(turningFaces)
	away := func(v []float64) float64 {
		n := 0
		for _, x := range v {
			if x < awayBelow {
				n++
			}
		}
		return float64(n) / float64(len(v))
	}
	t.Logf("baseline score %.1f; Frontal < %.2f in %.0f%% of facing frames (%s) and %.0f%% of turning frames (%s)",
		baseline, awayBelow, 100*away(facing), quantiles(facing), 100*away(turning), quantiles(turning))
	if a, b := away(facing), away(turning); !(b > a+0.3) {
		t.Errorf("looking-away rate facing %.2f, turning %.2f: want turning clearly higher", a, b)
	}
}

// awayBelow is the Frontal value under which TestLookingAwaySignal counts a
// frame as looking away.
const awayBelow = 0.5

func quantiles(v []float64) string {
	s := slices.Clone(v)
	sort.Float64s(s)
	return fmt.Sprintf("p10 %.2f, p50 %.2f, p90 %.2f", s[len(s)/10], s[len(s)/2], s[len(s)*9/10])
}

// TestFairness logs the detection rate per FairFace group, each 224×224
// crop centred on a grey 640×480 canvas: the first pass alone at the
// default MinScore and at lowScore, and with the retry (the defaults). It
// asserts nothing about the gap: the numbers are for the report and the
// proctor's "unreliable" handling.
func TestFairness(t *testing.T) {
	t.Parallel()
	dir := fixtures.Path(t, "fairness/fairface-val-700")
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The first pass without threshold, to compare MinScores in one run;
	// the defaults only where it finds nothing at the default MinScore.
	p := DefaultParams()
	p.MinScore, p.Retry = 0, Retry{}
	first, full := detector(t, p), detector(t, DefaultParams())
	best := map[string][]float32{}
	retried := map[string][]bool{}
	for _, r := range recs[1:] {
		g, err := video.ReadGray(filepath.Join(dir, r[0]))
		if err != nil {
			t.Fatal(err)
		}
		c := padded(g, 640, 480)
		fs, err := first.Detect(c.Pix, 640, 480)
		if err != nil {
			t.Fatal(err)
		}
		s := float32(0)
		if len(fs) > 0 {
			s = fs[0].Score
		}
		found := s >= DefaultParams().MinScore
		if !found {
			fs, err := full.Detect(c.Pix, 640, 480)
			if err != nil {
				t.Fatal(err)
			}
			found = len(fs) > 0
		}
		best[r[1]] = append(best[r[1]], s)
		retried[r[1]] = append(retried[r[1]], found)
	}
	if len(best) != 7 {
		t.Errorf("%d groups in labels.csv, want 7", len(best))
	}
	groups := slices.Sorted(maps.Keys(best))
	report := func(label string, ok func(g string, i int) bool) {
		lo, hi := 1.0, 0.0
		var line strings.Builder
		for _, g := range groups {
			n := 0
			for i := range best[g] {
				if ok(g, i) {
					n++
				}
			}
			rate := float64(n) / float64(len(best[g]))
			lo, hi = min(lo, rate), max(hi, rate)
			fmt.Fprintf(&line, " %s %.0f%%,", g, 100*rate)
		}
		t.Logf("%s:%s gap %.0f points", label, line.String(), 100*(hi-lo))
	}
	for _, th := range []float32{DefaultParams().MinScore, lowScore} {
		report(fmt.Sprintf("first pass, MinScore %g", th), func(g string, i int) bool { s := best[g][i]; return s >= th && s > 0 })
	}
	report("with the retry (defaults)", func(g string, i int) bool { return retried[g][i] })
}

// lowScore is the lower MinScore TestFairness reports beside the default:
// it narrows the gap between groups but lets false faces through on the
// stills (obama.jpg, two_people.jpg) when used for the first pass.
const lowScore = 2

// BenchmarkDetect times the defaults and, for comparison, the defaults
// without the roll passes (faster, but misses tilted heads), on frames with
// a face and, with and without the retry, on frames without one.
func BenchmarkDetect(b *testing.B) {
	var frames [][]byte
	videotest.Each(b, fixtures.Path(b, "faces/face-present-30fps.mjpeg"), func(fr video.Frame) {
		if len(frames) < 10 {
			frames = append(frames, slices.Clone(fr.Gray))
		}
	})
	var empty [][]byte
	videotest.Each(b, fixtures.Path(b, "faces/empty-room-30fps.mjpeg"), func(fr video.Frame) {
		if len(empty) < 10 {
			empty = append(empty, slices.Clone(fr.Gray))
		}
	})
	upright := DefaultParams()
	upright.Roll = nil
	noRetry := DefaultParams()
	noRetry.Retry = Retry{}
	for _, c := range []struct {
		name   string
		p      Params
		frames [][]byte
	}{
		{"default", DefaultParams(), frames},
		{"upright", upright, frames},
		// Frames without a face pay for the retry.
		{"default-noface", DefaultParams(), empty},
		{"noretry-noface", noRetry, empty},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := detector(b, c.p)
			for i := 0; b.Loop(); i++ {
				if _, err := d.Detect(c.frames[i%len(c.frames)], 640, 480); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
		})
	}
}
