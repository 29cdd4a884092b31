// Package video reads recorded camera streams as 8-bit gray frames, for the
// replay tool and accuracy tests. It reads MJPEG (concatenated JPEG
// images) and YUV4MPEG2 (.y4m) and keeps only the luma plane, which is what
// the counter works on.
package video

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Frame is one gray frame. Gray holds W*H bytes, row by row; it may be
// reused by the reader's next call.
type Frame struct {
	W, H int
	Gray []byte
}

// Reader yields frames until io.EOF.
type Reader interface {
	Next() (Frame, error)
}

// ErrFormat is wrapped by every error about malformed or truncated input.
var ErrFormat = errors.New("bad video data")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// Open opens an .mjpeg (or .mjpg) or .y4m file. fps is the frame rate the
// file declares, or 0 if it declares none (MJPEG). Close the closer when done.
func Open(path string) (r Reader, fps float64, c io.Closer, err error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".mjpeg" && ext != ".mjpg" && ext != ".y4m" {
		return nil, 0, nil, fmt.Errorf("video %s: unknown type %q, want .mjpeg or .y4m", path, ext)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	if ext == ".y4m" {
		y, err := NewY4M(f)
		if err != nil {
			f.Close()
			return nil, 0, nil, fmt.Errorf("video %s: %w", path, err)
		}
		return y, y.FPS(), f, nil
	}
	return NewMJPEG(f), 0, f, nil
}
