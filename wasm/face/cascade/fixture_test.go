package cascade

import (
	"image"
	"image/color"
	"image/draw"
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

// padded centres img on a w×h mid-grey canvas, like a face crop held in
// front of a webcam.
func padded(img *image.Gray, w, h int) *image.Gray {
	c := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(c, c.Bounds(), &image.Uniform{color.Gray{128}}, image.Point{}, draw.Src)
	off := image.Pt((w-img.Rect.Dx())/2, (h-img.Rect.Dy())/2)
	draw.Draw(c, img.Rect.Add(off), img, img.Rect.Min, draw.Src)
	return c
}
