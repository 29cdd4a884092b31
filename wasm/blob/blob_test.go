package blob

import (
	"math"
	"testing"
)

// rect sets the pixels of [x0,x1]×[y0,y1] in a w-wide mask.
func rect(mask []uint8, w, x0, y0, x1, y1 int) {
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			mask[y*w+x] = 1
		}
	}
}

func count(mask []uint8) int {
	n := 0
	for _, v := range mask {
		n += int(v)
	}
	return n
}

func TestMorphology(t *testing.T) {
	const w, h = 20, 16
	m := NewMorphology(w, h)
	mask := make([]uint8, w*h)
	rect(mask, w, 2, 2, 9, 9)
	mask[12*w+15] = 1           // a speck
	mask[5*w+5] = 0             // a hole
	rect(mask, w, 0, 13, 4, 15) // touching two frame edges
	m.Open(mask, 1)
	if mask[12*w+15] != 0 {
		t.Error("Open kept a single-pixel speck")
	}
	if mask[15*w+0] != 1 {
		t.Error("Open ate a block at the frame corner")
	}
	m.Close(mask, 1)
	if mask[5*w+5] != 1 {
		t.Error("Close left a one-pixel hole")
	}
	if got := count(mask); got != 64+15 {
		t.Errorf("%d pixels set after Open and Close, want %d", got, 64+15)
	}
	m.Dilate(mask, 2)
	if mask[11*w+11] != 1 || mask[11*w+12] != 0 {
		t.Error("Dilate by 2 grew the square by the wrong amount")
	}
}

func TestLabeler(t *testing.T) {
	const w, h = 40, 30
	mask := make([]uint8, w*h)
	rect(mask, w, 2, 2, 5, 9)     // 32 px, centre (3.5, 5.5)
	rect(mask, w, 20, 10, 23, 13) // 16 px
	mask[29*w+39] = 1             // 1 px
	l := NewLabeler(w, h)
	bs := l.Find(mask, 10)
	if len(bs) != 2 {
		t.Fatalf("found %d blobs, want 2: %+v", len(bs), bs)
	}
	if b := bs[0]; b.Area != 32 || b.X != 3.5 || b.Y != 5.5 || b.MinX != 2 || b.MaxY != 9 {
		t.Errorf("first blob %+v", b)
	}
}

func TestSplitSideBySide(t *testing.T) {
	const w, h = 60, 40
	mask := make([]uint8, w*h)
	rect(mask, w, 10, 10, 21, 34) // two people, 12×25 each,
	rect(mask, w, 24, 10, 35, 34)
	rect(mask, w, 22, 20, 23, 22) // touching at the hands
	bs := NewLabeler(w, h).Find(mask, 20)
	if len(bs) != 2 {
		t.Fatalf("found %d blobs, want the pair split in 2: %+v", len(bs), bs)
	}
	if math.Abs(bs[0].X-15.5) > 1 || math.Abs(bs[1].X-29.5) > 1 {
		t.Errorf("split centres %.1f and %.1f, want about 15.5 and 29.5", bs[0].X, bs[1].X)
	}
	// One wide solid object is not split.
	clear(mask)
	rect(mask, w, 10, 10, 49, 25)
	if bs := NewLabeler(w, h).Find(mask, 20); len(bs) != 1 {
		t.Errorf("a solid wide blob was split in %d", len(bs))
	}
}

func TestMergeStacked(t *testing.T) {
	bs := []Blob{
		{Area: 40, MinX: 10, MaxX: 17, MinY: 5, MaxY: 9, X: 13.5, Y: 7},    // head
		{Area: 120, MinX: 9, MaxX: 18, MinY: 12, MaxY: 30, X: 13.5, Y: 21}, // body, 2 rows below
		{Area: 100, MinX: 30, MaxX: 38, MinY: 12, MaxY: 30, X: 34, Y: 21},  // someone beside
		{Area: 100, MinX: 10, MaxX: 18, MinY: 60, MaxY: 80, X: 14, Y: 70},  // someone far behind
	}
	got := MergeStacked(bs, 100)
	if len(got) != 3 {
		t.Fatalf("%d blobs after merging, want 3: %+v", len(got), got)
	}
	if got[0].Area != 160 || got[0].MinY != 5 || got[0].MaxY != 30 || math.Abs(got[0].Y-17.5) > 1e-9 {
		t.Errorf("merged blob %+v", got[0])
	}
}

func TestSuppressShadows(t *testing.T) {
	const w, h = 30, 20
	mean := make([]float32, w*h)
	gray := make([]uint8, w*h)
	for i := range mean {
		mean[i] = float32(100 + 30*((i/3+i/w)%2)) // textured floor
		gray[i] = uint8(mean[i])
	}
	mask := make([]uint8, w*h)
	for y := 2; y < 18; y++ {
		for x := 2; x < 12; x++ { // a shadow: the floor at 60 %
			i := y*w + x
			gray[i] = uint8(0.6 * mean[i])
			mask[i] = 1
		}
		for x := 16; x < 26; x++ { // a person: flat dark clothes
			i := y*w + x
			gray[i] = 70
			mask[i] = 1
		}
	}
	SuppressShadows(mask, gray, mean, w, h)
	// The shadow's outline stays (its outside neighbours are not shadow);
	// morphology removes such thin rims.
	shadow, person := 0, 0
	for y := 3; y < 17; y++ {
		for x := 3; x < 11; x++ {
			shadow += int(mask[y*w+x])
		}
	}
	for y := 2; y < 18; y++ {
		for x := 16; x < 26; x++ {
			person += int(mask[y*w+x])
		}
	}
	if shadow > 0 {
		t.Errorf("%d of 112 pixels inside the shadow kept", shadow)
	}
	if person < 160*3/4 {
		t.Errorf("only %d of 160 person pixels kept", person)
	}
	// On a flat background the texture test proves nothing: keep the pixel.
	for i := range mean {
		mean[i], gray[i], mask[i] = 200, 120, 1
	}
	SuppressShadows(mask, gray, mean, w, h)
	if count(mask) != w*h {
		t.Errorf("removed %d pixels on a flat background", w*h-count(mask))
	}
}
