package face

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand"
	"os"
	"sync"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"github.com/lokaal-nl/lokaal/internal/modelconv"
)

var (
	bfMu    sync.Mutex
	bfFiles = map[string][]byte{}
)

// bfWeights converts a BlazeFace model from the repository's node_modules.
func bfWeights(t testing.TB, kind string) []byte {
	t.Helper()
	bfMu.Lock()
	defer bfMu.Unlock()
	if b, ok := bfFiles[kind]; ok {
		return b
	}
	b, err := modelconv.BlazeFaceLKNN(kind)
	if err != nil {
		t.Fatal(err) // the message says to run npm ci
	}
	bfFiles[kind] = b
	return b
}

func blazeFace(t testing.TB, kind string) *BlazeFace {
	t.Helper()
	d, err := NewBlazeFace(bfWeights(t, kind))
	if err != nil {
		t.Fatal(err)
	}
	if kind == "blazeface-full" {
		d.MinScore = DefaultBlazeFaceFullMinScore
	}
	return d
}

func toRGBA(img image.Image) *image.RGBA {
	r := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(r, r.Bounds(), img, img.Bounds().Min, draw.Src)
	return r
}

func rgbaFile(t testing.TB, rel string) *image.RGBA {
	t.Helper()
	f, err := os.Open(fixtures.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return toRGBA(img)
}

// eachRGBA calls f with every frame of an MJPEG fixture in colour (the
// video package decodes gray only; BlazeFace reads RGB).
func eachRGBA(t testing.TB, rel string, f func(*image.RGBA)) {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	soi := []byte{0xff, 0xd8, 0xff}
	for len(b) > 0 {
		next := bytes.Index(b[3:], soi)
		end := len(b)
		if next >= 0 {
			end = next + 3
		}
		img, err := jpeg.Decode(bytes.NewReader(b[:end]))
		if err != nil {
			t.Fatal(err)
		}
		f(toRGBA(img))
		b = b[end:]
	}
}

func boxIoUInt(a, b Face) float64 {
	ix := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	iy := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	in := float64(ix * iy)
	return in / (float64(a.W*a.H+b.W*b.H) - in)
}

// TestBlazeFaceStills: one face on obama.jpg where the fixture README puts
// it, with keypoints inside the box in anatomical order, and two faces on
// two_people.jpg, for both models.
func TestBlazeFaceStills(t *testing.T) {
	for _, kind := range []string{"blazeface-short", "blazeface-full"} {
		d := blazeFace(t, kind)
		img := rgbaFile(t, "faces/obama.jpg")
		fs, err := d.Detect(img.Pix, img.Rect.Dx(), img.Rect.Dy())
		if err != nil {
			t.Fatal(err)
		}
		truth := Face{X: 349, Y: 142, W: 617 - 349, H: 409 - 142}
		if len(fs) != 1 || boxIoUInt(fs[0], truth) < 0.7 {
			t.Fatalf("%s obama: %+v, want one face near %+v", kind, fs, truth)
		}
		f := fs[0]
		for k, p := range f.Keypoints {
			if p[0] < f.X || p[0] > f.X+f.W || p[1] < f.Y || p[1] > f.Y+f.H {
				t.Errorf("%s keypoint %d %v outside the box", kind, k, p)
			}
		}
		// subject's right eye is image-left; eyes above the nose, nose above the mouth
		if re, le, nose, mouth := f.Keypoints[0], f.Keypoints[1], f.Keypoints[2], f.Keypoints[3]; re[0] >= le[0] || nose[1] <= re[1] || mouth[1] <= nose[1] {
			t.Errorf("%s keypoints out of order: %v", kind, f.Keypoints)
		}
		if y := f.Yaw(); y < -0.25 || y > 0.25 {
			t.Errorf("%s obama faces the camera, yaw %g", kind, y)
		}
		img = rgbaFile(t, "faces/two_people.jpg")
		fs, err = d.Detect(img.Pix, img.Rect.Dx(), img.Rect.Dy())
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 2 || boxIoUInt(fs[0], fs[1]) > 0 || fs[0].Score < fs[1].Score {
			t.Errorf("%s two_people: %+v", kind, fs)
		}
	}
}

// TestBlazeFaceClips counts faces over the face clips with the short-range
// model, the one the proctor runs: none in the empty room, exactly one in
// every face-present frame, two in (nearly) every two-faces frame.
func TestBlazeFaceClips(t *testing.T) {
	d := blazeFace(t, "blazeface-short")
	count := func(rel string) map[int]int {
		n := map[int]int{}
		eachRGBA(t, rel, func(img *image.RGBA) {
			fs, err := d.Detect(img.Pix, img.Rect.Dx(), img.Rect.Dy())
			if err != nil {
				t.Fatal(err)
			}
			n[len(fs)]++
		})
		return n
	}
	if n := count("faces/empty-room-30fps.mjpeg"); n[0] != 150 {
		t.Errorf("empty room: frames by face count %v, want 150 with none", n)
	}
	if n := count("faces/face-present-30fps.mjpeg"); n[1] != 155 {
		t.Errorf("face present: frames by face count %v, want 155 with one", n)
	}
	n := count("faces/two-faces-30fps.mjpeg")
	if n[2] < 133 || n[3] > 0 { // ≥ 95 % of 140
		t.Errorf("two faces: frames by face count %v, want ≥ 133 with two", n)
	}
	t.Logf("two faces, short range: frames by face count %v", n)
}

// TestBlazeFaceBadInput: wrong sizes, nil frames and damaged weights are
// errors, never panics.
func TestBlazeFaceBadInput(t *testing.T) {
	w := bfWeights(t, "blazeface-short")
	for _, n := range []int{0, 5, 100, len(w) / 2, len(w) - 1} {
		if _, err := NewBlazeFace(w[:n]); err == nil {
			t.Errorf("weights cut to %d bytes loaded", n)
		}
	}
	if _, err := NewBlazeFace(nil); err == nil {
		t.Error("nil weights loaded")
	}
	d := blazeFace(t, "blazeface-short")
	for _, c := range []struct {
		b    []byte
		w, h int
	}{{nil, 640, 480}, {make([]byte, 640*480*3), 640, 480}, {make([]byte, 16), -2, -2}, {make([]byte, 0), 0, 0}} {
		if _, err := d.Detect(c.b, c.w, c.h); err == nil {
			t.Errorf("%d bytes as %d×%d: no error", len(c.b), c.w, c.h)
		}
	}
	// odd sizes work, including frames smaller and taller than the input
	for _, s := range [][2]int{{1, 1}, {33, 700}, {700, 33}} {
		if _, err := d.Detect(make([]byte, s[0]*s[1]*4), s[0], s[1]); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
}

// TestLetterbox checks the model input against its definition: the
// source spans of each axis cover every frame pixel exactly once, and each
// input value is the mean of its cell's pixels scaled to [-1, 1], or -1 for
// padding. Frames are random, wide, tall, tiny and larger than the input.
func TestLetterbox(t *testing.T) {
	d := blazeFace(t, "blazeface-short")
	rng := rand.New(rand.NewSource(7))
	for _, s := range [][2]int{{640, 480}, {480, 640}, {33, 700}, {700, 33}, {1, 1}, {129, 128}, {1920, 1080}} {
		w, h := s[0], s[1]
		rgba := make([]byte, w*h*4)
		rng.Read(rgba)
		d.letterbox(rgba, w, h)
		for axis, sp := range [][]span{d.xs, d.ys} {
			n := [2]int{w, h}[axis]
			seen := make([]int, n)
			for _, c := range sp {
				for x := c.lo; x < c.hi; x++ {
					seen[x]++
				}
			}
			for x, k := range seen {
				if k != 1 {
					t.Fatalf("%d×%d: pixel %d of axis %d is in %d spans", w, h, x, axis, k)
				}
			}
		}
		in, S := d.g.Input(), d.size
		worst := 0.0
		for iy, ys := range d.ys {
			for ix, xs := range d.xs {
				for c := range 3 {
					want := -1.0
					if n := (xs.hi - xs.lo) * (ys.hi - ys.lo); n > 0 {
						var sum float64
						for y := ys.lo; y < ys.hi; y++ {
							for x := xs.lo; x < xs.hi; x++ {
								sum += float64(rgba[(y*w+x)*4+c])
							}
						}
						want = sum/float64(n)/127.5 - 1
					}
					worst = max(worst, math.Abs(float64(in[(iy*S+ix)*3+c])-want))
				}
			}
		}
		if worst > 1e-6 {
			t.Errorf("%d×%d: input differs from the cell means by %.2g", w, h, worst)
		}
	}
}

// TestBlazeFaceNoGarbage: after the first frame of a size, Detect
// allocates nothing.
func TestBlazeFaceNoGarbage(t *testing.T) {
	d := blazeFace(t, "blazeface-short")
	img := rgbaFile(t, "faces/two_people.jpg")
	w, h := img.Rect.Dx(), img.Rect.Dy()
	d.Detect(img.Pix, w, h)
	if a := testing.AllocsPerRun(5, func() { d.Detect(img.Pix, w, h) }); a != 0 {
		t.Errorf("%g allocations per frame", a)
	}
}

func benchDetect(b *testing.B, kind string) {
	d := blazeFace(b, kind)
	var frame *image.RGBA
	eachRGBA(b, "faces/face-present-30fps.mjpeg", func(img *image.RGBA) {
		if frame == nil {
			frame = img
		}
	})
	d.Detect(frame.Pix, 640, 480)
	c0 := cpuNanos()
	n := 0
	for b.Loop() {
		d.Detect(frame.Pix, 640, 480)
		n++
	}
	if c1 := cpuNanos(); c0 >= 0 && c1 >= 0 {
		b.ReportMetric(float64(c1-c0)/float64(n), "cpu-ns/op")
	}
}

// BenchmarkBlazeFaceShort is one 640×480 frame, letterbox to decode.
func BenchmarkBlazeFaceShort(b *testing.B) { benchDetect(b, "blazeface-short") }

// BenchmarkBlazeFaceFull is the same with the full-range model.
func BenchmarkBlazeFaceFull(b *testing.B) { benchDetect(b, "blazeface-full") }

// TestBlazeFaceNegatives: frames without a face give no face: flat
// grey, black and white frames, noise, a gradient, and the empty room at
// other scales (crops of it stretched to 640×480).
func TestBlazeFaceNegatives(t *testing.T) {
	d := blazeFace(t, "blazeface-short")
	frame := make([]byte, 640*480*4)
	check := func(what string) {
		t.Helper()
		fs, err := d.Detect(frame, 640, 480)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) > 0 {
			t.Errorf("%s: %d faces, best %+v", what, len(fs), fs[0])
		}
	}
	for _, v := range []byte{0, 128, 255} {
		for i := range frame {
			frame[i] = v
		}
		check(fmt.Sprintf("flat %d", v))
	}
	x := uint32(7)
	for i := range frame {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		frame[i] = byte(x)
	}
	check("noise")
	for i := range frame {
		p := i / 4
		frame[i] = byte((p%640 + p/640) * 255 / 1120)
	}
	check("gradient")
	var room *image.RGBA
	eachRGBA(t, "faces/empty-room-30fps.mjpeg", func(img *image.RGBA) {
		if room == nil {
			room = img
		}
	})
	for _, z := range []int{2, 3} { // zoom into each quadrant-sized crop
		for oy := 0; oy+480/z <= 480; oy += 480 / z / 2 {
			for ox := 0; ox+640/z <= 640; ox += 640 / z / 2 {
				for y := 0; y < 480; y++ {
					for xx := 0; xx < 640; xx++ {
						copy(frame[(y*640+xx)*4:][:4], room.Pix[((oy+y/z)*640+ox+xx/z)*4:][:4])
					}
				}
				check(fmt.Sprintf("empty room ×%d at %d,%d", z, ox, oy))
			}
		}
	}
}
