package cascade

import (
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	"os"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/cascades"
)

func detector(t testing.TB, p Params) *Detector {
	t.Helper()
	dir, err := cascades.Dir()
	if err != nil {
		t.Skip(err)
	}
	fc, pupil, err := cascades.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(fc, pupil, p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// grayImage decodes an image file to its gray plane.
func grayImage(t testing.TB, path string) (*image.Gray, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, err
	}
	g := image.NewGray(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g, nil
}

// padded centres img on a w×h mid-grey canvas, like a face crop held in
// front of a webcam.
func padded(img *image.Gray, w, h int) *image.Gray {
	c := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(c, c.Bounds(), &image.Uniform{color.Gray{128}}, image.Point{}, draw.Src)
	off := image.Pt((w-img.Rect.Dx())/2, (h-img.Rect.Dy())/2)
	draw.Draw(c, img.Rect.Add(off), img, img.Rect.Min, draw.Src)
	return c
}
