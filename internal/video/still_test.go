package video

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// A still reads as the same gray plane a clip's frame does, at the origin
// with Stride its width: from a JPEG in colour or gray, and from a PNG.
func TestReadGray(t *testing.T) {
	const w, h = 40, 24
	stills := map[string][]byte{}
	for name, gray := range map[string]bool{"colour.jpg": false, "gray.jpg": true} {
		var buf bytes.Buffer
		encodeJPEG(t, &buf, w, h, 0, gray)
		stills[name] = buf.Bytes()
	}
	src := image.NewGray(image.Rect(5, 5, 5+w, 5+h)) // not at the origin
	for y := range h {
		for x := range w {
			src.Pix[y*src.Stride+x] = level(x, y, 0)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	stills["gray.png"] = buf.Bytes()
	stills["bad.png"] = []byte("not an image")

	dir := t.TempDir()
	for name, data := range stills {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		g, err := ReadGray(path)
		if name == "bad.png" {
			if err == nil {
				t.Error("a file that is no image read as one")
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g.Stride != w || g.Rect.Min != (image.Point{}) {
			t.Fatalf("%s: stride %d, origin %v", name, g.Stride, g.Rect.Min)
		}
		checkFrame(t, Frame{W: w, H: h, Gray: g.Pix}, w, h, 0)
	}
}
