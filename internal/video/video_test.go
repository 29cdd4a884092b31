package video

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gradient is a test picture whose gray level at (x, y) is known.
func level(x, y, frame int) uint8 { return uint8(10 + 2*x + y + 30*frame) }

func encodeJPEG(t *testing.T, buf *bytes.Buffer, w, h, frame int, gray bool) {
	t.Helper()
	var img image.Image
	if gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				g.SetGray(x, y, color.Gray{level(x, y, frame)})
			}
		}
		img = g
	} else {
		c := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				v := level(x, y, frame)
				c.Set(x, y, color.RGBA{v, v, v, 255})
			}
		}
		img = c
	}
	if err := jpeg.Encode(buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
}

func checkFrame(t *testing.T, f Frame, w, h, frame int) {
	t.Helper()
	if f.W != w || f.H != h || len(f.Gray) != w*h {
		t.Fatalf("frame %d: %dx%d with %d bytes, want %dx%d", frame, f.W, f.H, len(f.Gray), w, h)
	}
	for y := range h {
		for x := range w {
			if d := int(f.Gray[y*w+x]) - int(level(x, y, frame)); d < -6 || d > 6 {
				t.Fatalf("frame %d (%d,%d) = %d, want about %d", frame, x, y, f.Gray[y*w+x], level(x, y, frame))
			}
		}
	}
}

func TestMJPEG(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		gray bool
	}{{48, 32, false}, {50, 30, false}, {37, 21, true}} {
		t.Run(fmt.Sprintf("%dx%d-gray=%v", tc.w, tc.h, tc.gray), func(t *testing.T) {
			var buf bytes.Buffer
			for i := range 3 {
				encodeJPEG(t, &buf, tc.w, tc.h, i, tc.gray)
			}
			r := NewMJPEG(&buf)
			for i := range 3 {
				f, err := r.Next()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				checkFrame(t, f, tc.w, tc.h, i)
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("after the last frame: %v, want io.EOF", err)
			}
		})
	}
}

func TestMJPEGBad(t *testing.T) {
	var buf bytes.Buffer
	encodeJPEG(t, &buf, 48, 32, 0, false)
	whole := buf.Bytes()
	for name, data := range map[string][]byte{
		"truncated":  whole[:len(whole)/2],
		"no-eoi":     whole[:len(whole)-2],
		"junk":       []byte("hello, this is not a JPEG"),
		"junk-after": append(append([]byte{}, whole...), 'x', 'y'),
		"bad-data":   append(append([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2}, 1, 2, 3), 0xff, 0xd9),
	} {
		t.Run(name, func(t *testing.T) {
			r := NewMJPEG(bytes.NewReader(data))
			var err error
			for range 3 {
				if _, err = r.Next(); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
	if _, err := NewMJPEG(bytes.NewReader(nil)).Next(); err != io.EOF {
		t.Fatalf("empty stream: %v, want io.EOF", err)
	}
}

func y4m(header string, w, h, frames, chroma int) []byte {
	var buf bytes.Buffer
	buf.WriteString(header + "\n")
	for i := range frames {
		buf.WriteString("FRAME\n")
		for y := range h {
			for x := range w {
				buf.WriteByte(level(x, y, i))
			}
		}
		buf.Write(bytes.Repeat([]byte{128}, chroma))
	}
	return buf.Bytes()
}

func TestY4M(t *testing.T) {
	for _, tc := range []struct {
		colour string
		chroma int
	}{{"", 2 * 3 * 2}, {" C420jpeg", 2 * 3 * 2}, {" C422", 2 * 3 * 4}, {" C444", 2 * 5 * 4}, {" Cmono", 0}} {
		data := y4m("YUV4MPEG2 W5 H4 F30000:1001 Ip A1:1"+tc.colour, 5, 4, 2, tc.chroma)
		r, err := NewY4M(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%q: %v", tc.colour, err)
		}
		if fps := r.FPS(); fps < 29.96 || fps > 29.98 {
			t.Errorf("%q: fps %v, want 29.97", tc.colour, fps)
		}
		for i := range 2 {
			f, err := r.Next()
			if err != nil {
				t.Fatalf("%q frame %d: %v", tc.colour, i, err)
			}
			checkFrame(t, f, 5, 4, i)
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("%q: after the last frame: %v, want io.EOF", tc.colour, err)
		}
	}
}

func TestY4MBad(t *testing.T) {
	good := y4m("YUV4MPEG2 W4 H2 F10:1", 4, 2, 2, 2*2*1)
	for name, data := range map[string][]byte{
		"not-y4m":       []byte("RIFF....\n"),
		"no-size":       []byte("YUV4MPEG2 F10:1\n"),
		"bad-rate":      []byte("YUV4MPEG2 W4 H2 F10:0\n"),
		"colour":        []byte("YUV4MPEG2 W4 H2 C420p10\n"),
		"no-newline":    []byte("YUV4MPEG2 W4 H2"),
		"truncated-y":   good[:len(good)-10],
		"truncated-uv":  good[:len(good)-1],
		"missing-frame": bytes.Replace(good, []byte("FRAME"), []byte("FRAMX"), 1),
	} {
		t.Run(name, func(t *testing.T) {
			r, err := NewY4M(bytes.NewReader(data))
			for i := 0; err == nil && i < 3; i++ {
				_, err = r.Next()
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	y := filepath.Join(dir, "a.y4m")
	if err := os.WriteFile(y, y4m("YUV4MPEG2 W4 H2 F10:1", 4, 2, 1, 4), 0o644); err != nil {
		t.Fatal(err)
	}
	r, fps, c, err := Open(y)
	if err != nil || fps != 10 {
		t.Fatalf("Open y4m: fps %v, err %v", fps, err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, _, _, err := Open(filepath.Join(dir, "a.mp4")); err == nil || !strings.Contains(err.Error(), "unknown type") {
		t.Errorf("Open mp4: %v", err)
	}
	if _, _, _, err := Open(filepath.Join(dir, "none.mjpeg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open missing: %v", err)
	}
}
