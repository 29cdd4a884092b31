package video

import (
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // ReadGray's stills
	_ "image/png"
	"os"
)

// ReadGray decodes a JPEG or PNG into a gray image at the origin, with
// Stride equal to its width as cascade.Detector.Detect wants.
func ReadGray(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("not a readable JPEG or PNG: %w", err)
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	if y, ok := img.(*image.YCbCr); ok {
		// A JPEG's luma plane is the gray image; take it without a colour
		// round trip.
		for r := range b.Dy() {
			copy(g.Pix[r*b.Dx():(r+1)*b.Dx()], y.Y[y.YOffset(b.Min.X, b.Min.Y+r):])
		}
		return g, nil
	}
	draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	return g, nil
}
