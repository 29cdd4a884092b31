package video

import (
	"bufio"
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"io"
)

// MJPEG reads a stream of concatenated baseline or progressive JPEG images,
// as written by ffmpeg -f mjpeg.
type MJPEG struct {
	r    *bufio.Reader
	buf  bytes.Buffer
	gray []byte
	n    int // frames read, for error messages
}

// NewMJPEG returns a reader for the stream r.
func NewMJPEG(r io.Reader) *MJPEG { return &MJPEG{r: bufio.NewReaderSize(r, 1<<16)} }

// Next decodes the next image. JPEG's decoder reads ahead, so each image is
// first cut out of the stream by walking its marker segments.
func (m *MJPEG) Next() (Frame, error) {
	if err := m.cut(); err != nil {
		return Frame{}, err
	}
	img, err := jpeg.Decode(bytes.NewReader(m.buf.Bytes()))
	if err != nil {
		return Frame{}, formatErr("frame %d: %v", m.n, err)
	}
	m.n++
	switch p := img.(type) {
	case *image.YCbCr:
		return m.plane(p.Y, p.YStride, p.Rect), nil
	case *image.Gray:
		return m.plane(p.Pix, p.Stride, p.Rect), nil
	}
	return Frame{}, formatErr("frame %d: unsupported JPEG colour model %T", m.n-1, img)
}

// plane returns the luma plane, copied only if its rows are padded.
func (m *MJPEG) plane(pix []byte, stride int, r image.Rectangle) Frame {
	w, h := r.Dx(), r.Dy()
	if stride == w {
		return Frame{W: w, H: h, Gray: pix[:w*h]}
	}
	if cap(m.gray) < w*h {
		m.gray = make([]byte, w*h)
	}
	m.gray = m.gray[:w*h]
	for y := range h {
		copy(m.gray[y*w:y*w+w], pix[y*stride:y*stride+w])
	}
	return Frame{W: w, H: h, Gray: m.gray}
}

// cut copies one JPEG image (SOI to EOI) into m.buf.
func (m *MJPEG) cut() error {
	m.buf.Reset()
	b0, err := m.r.ReadByte()
	if err == io.EOF {
		return io.EOF
	}
	b1, err1 := m.r.ReadByte()
	if err != nil || err1 != nil || b0 != 0xff || b1 != 0xd8 {
		return formatErr("frame %d: no JPEG start marker", m.n)
	}
	m.buf.Write([]byte{0xff, 0xd8})
	for {
		marker, err := m.marker()
		if err != nil {
			return err
		}
		switch {
		case marker == 0xd9: // EOI
			return nil
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd7:
			continue // no length field
		}
		if err := m.segment(); err != nil {
			return err
		}
		if marker == 0xda { // SOS: entropy-coded data follows
			if err := m.scan(); err != nil {
				return err
			}
		}
	}
}

// marker reads 0xFF, fill bytes and the marker code.
func (m *MJPEG) marker() (byte, error) {
	b, err := m.r.ReadByte()
	if err != nil {
		return 0, m.truncated(err)
	}
	if b != 0xff {
		return 0, formatErr("frame %d: expected a JPEG marker, got byte %#x", m.n, b)
	}
	for b == 0xff {
		if b, err = m.r.ReadByte(); err != nil {
			return 0, m.truncated(err)
		}
	}
	m.buf.Write([]byte{0xff, b})
	return b, nil
}

// segment copies a marker segment's length field and payload.
func (m *MJPEG) segment() error {
	var l [2]byte
	if _, err := io.ReadFull(m.r, l[:]); err != nil {
		return m.truncated(err)
	}
	n := int(l[0])<<8 | int(l[1])
	if n < 2 {
		return formatErr("frame %d: bad segment length %d", m.n, n)
	}
	m.buf.Write(l[:])
	if _, err := io.CopyN(&m.buf, m.r, int64(n-2)); err != nil {
		return m.truncated(err)
	}
	return nil
}

// scan copies entropy-coded data up to (not including) the next marker
// that is not a stuffed 0xFF00 or a restart marker.
func (m *MJPEG) scan() error {
	for {
		p, err := m.r.Peek(2)
		if err != nil {
			return m.truncated(err)
		}
		if p[0] == 0xff && p[1] != 0x00 && (p[1] < 0xd0 || p[1] > 0xd7) {
			return nil
		}
		n := 1
		if p[0] == 0xff {
			n = 2
		}
		m.buf.Write(p[:n])
		m.r.Discard(n)
	}
}

func (m *MJPEG) truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr("frame %d: truncated JPEG", m.n)
	}
	return err
}
