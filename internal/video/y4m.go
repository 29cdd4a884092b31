package video

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Y4M reads a YUV4MPEG2 stream and keeps the Y plane of each frame.
type Y4M struct {
	r          *bufio.Reader
	w, h       int
	fps        float64
	chromaSize int // bytes of U and V after each Y plane
	gray       []byte
	n          int
}

// maxHeaderLine bounds header and FRAME lines, against garbage input.
const maxHeaderLine = 1024

// NewY4M reads the stream header from r.
func NewY4M(r io.Reader) (*Y4M, error) {
	y := &Y4M{r: bufio.NewReaderSize(r, 1<<16)}
	line, err := y.line()
	if err != nil {
		return nil, formatErr("y4m header: %v", err)
	}
	fields := strings.Fields(line)
	if len(fields) == 0 || fields[0] != "YUV4MPEG2" {
		return nil, formatErr("not a YUV4MPEG2 stream")
	}
	colour := "420"
	for _, f := range fields[1:] {
		v := f[1:]
		switch f[0] {
		case 'W':
			y.w, _ = strconv.Atoi(v)
		case 'H':
			y.h, _ = strconv.Atoi(v)
		case 'F':
			num, den, ok := strings.Cut(v, ":")
			n, err1 := strconv.Atoi(num)
			d, err2 := strconv.Atoi(den)
			if !ok || err1 != nil || err2 != nil || n <= 0 || d <= 0 {
				return nil, formatErr("y4m header: bad frame rate %q", f)
			}
			y.fps = float64(n) / float64(d)
		case 'C':
			colour = v
		}
	}
	if y.w <= 0 || y.h <= 0 || y.w > 16384 || y.h > 16384 {
		return nil, formatErr("y4m header: bad size W%d H%d", y.w, y.h)
	}
	cw2, ch2 := (y.w+1)/2, (y.h+1)/2
	switch {
	case colour == "420" || colour == "420jpeg" || colour == "420paldv" || colour == "420mpeg2":
		y.chromaSize = 2 * cw2 * ch2
	case colour == "422":
		y.chromaSize = 2 * cw2 * y.h
	case colour == "444":
		y.chromaSize = 2 * y.w * y.h
	case colour == "444alpha":
		y.chromaSize = 3 * y.w * y.h
	case colour == "mono":
		y.chromaSize = 0
	default:
		return nil, formatErr("y4m header: unsupported colour space C%s (8-bit 420, 422, 444, mono only)", colour)
	}
	y.gray = make([]byte, y.w*y.h)
	return y, nil
}

// FPS is the frame rate from the header, 0 if it has none.
func (y *Y4M) FPS() float64 { return y.fps }

// Next reads the next frame.
func (y *Y4M) Next() (Frame, error) {
	line, err := y.line()
	if err == io.EOF {
		return Frame{}, io.EOF
	}
	if err != nil {
		return Frame{}, formatErr("frame %d: %v", y.n, err)
	}
	if line != "FRAME" && !strings.HasPrefix(line, "FRAME ") {
		return Frame{}, formatErr("frame %d: expected FRAME, got %.20q", y.n, line)
	}
	if _, err := io.ReadFull(y.r, y.gray); err != nil {
		return Frame{}, formatErr("frame %d: truncated Y plane", y.n)
	}
	if _, err := y.r.Discard(y.chromaSize); err != nil {
		return Frame{}, formatErr("frame %d: truncated chroma planes", y.n)
	}
	y.n++
	return Frame{W: y.w, H: y.h, Gray: y.gray}, nil
}

// line reads up to a newline; io.EOF only if nothing was read.
func (y *Y4M) line() (string, error) {
	var sb strings.Builder
	for sb.Len() <= maxHeaderLine {
		b, err := y.r.ReadByte()
		if err == io.EOF && sb.Len() == 0 {
			return "", io.EOF
		}
		if err != nil {
			return "", errors.New("truncated line")
		}
		if b == '\n' {
			return sb.String(), nil
		}
		sb.WriteByte(b)
	}
	return "", errors.New("line too long")
}
