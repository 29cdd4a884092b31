package counter

import (
	"fmt"
	"math"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/background"
	"github.com/lokaal-nl/lokaal/wasm/blob"
	"github.com/lokaal-nl/lokaal/wasm/crossing"
	"github.com/lokaal-nl/lokaal/wasm/track"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Pipeline constants. Sizes are fractions of the work frame so they hold
// for any camera resolution.
const (
	// WorkWidth is the width frames are reduced to: people a few metres
	// away are still 10+ pixels wide, and a frame costs well under a
	// millisecond.
	WorkWidth = 160
	// MinBlobArea is the smallest blob that may be a person, as a fraction
	// of the work frame (48 pixels at 160×120): the head of someone coming
	// in at the frame edge, not a moving leaf or JPEG noise.
	MinBlobArea = 0.0025
	// Margin is how far (fraction of the frame diagonal) a body centre must
	// be from a line to be on one side of it: larger than centroid jitter.
	Margin = 0.02
	// MinAngle is the smallest angle between movement and line that can be
	// a crossing; shallower movement is someone walking along the line.
	MinAngle = 20 * math.Pi / 180
)

// Counter turns frames into crossings. It is not safe for concurrent use.
type Counter struct {
	cfg       Config
	scale     int // input pixels per work pixel, in each direction
	w, h      int // work size
	gray      []uint8
	acc       []uint32 // row sums while downscaling
	fg        []uint8  // changed pixels, shadows included: what the background must not learn
	mask      []uint8  // changed pixels without shadows, cleaned: where the people are
	bg        *background.Model
	morph     *blob.Morphology
	labeler   *blob.Labeler
	minArea   int
	margin    float64 // Margin in work pixels
	view      [4]int  // the picture inside any letterbox bars: MinX, MinY, MaxX, MaxY
	tracker   *track.Tracker
	lines     *crossing.Lines
	blobs     []blob.Blob
	points    []track.Point
	crossings []Crossing
}

// New validates cfg and returns a counter for frames of cfg.Width×cfg.Height.
func New(cfg Config) (*Counter, error) {
	if cfg.Width < 64 || cfg.Height < 48 || cfg.Width > 8192 || cfg.Height > 8192 {
		return nil, fmt.Errorf("counter: frame size %dx%d is outside 64x48..8192x8192", cfg.Width, cfg.Height)
	}
	if err := wire.ValidateLines(cfg.Lines); err != nil {
		return nil, fmt.Errorf("counter: %w", err)
	}
	s := max(1, cfg.Width/WorkWidth)
	w, h := cfg.Width/s, cfg.Height/s
	lines := make([]crossing.Line, len(cfg.Lines))
	for i, l := range cfg.Lines {
		lines[i] = crossing.Line{
			AX: l.A[0] * float64(w), AY: l.A[1] * float64(h),
			BX: l.B[0] * float64(w), BY: l.B[1] * float64(h),
			Deferred: l.Mode == wire.Deferred,
		}
	}
	diag := math.Hypot(float64(w), float64(h))
	return &Counter{
		cfg:     cfg,
		scale:   s,
		w:       w,
		h:       h,
		gray:    make([]uint8, w*h),
		acc:     make([]uint32, w),
		fg:      make([]uint8, w*h),
		mask:    make([]uint8, w*h),
		bg:      background.New(w, h),
		morph:   blob.NewMorphology(w, h),
		labeler: blob.NewLabeler(w, h),
		minArea: int(MinBlobArea * float64(w*h)),
		margin:  Margin * diag,
		tracker: track.New(track.DefaultParams(w, h)),
		lines:   crossing.New(lines, crossing.Rules{Margin: Margin * diag, MinAngle: MinAngle}),
	}, nil
}

// WorkSize is the size of the downscaled frames the pipeline works on.
func (c *Counter) WorkSize() (w, h int) { return c.w, c.h }

// ProcessRGBA processes one RGBA frame (len 4*Width*Height) taken at stream
// time t and returns the crossings it completes. It panics on a wrong
// length. The returned slice is reused by the next call.
func (c *Counter) ProcessRGBA(rgba []byte, t time.Duration) []Crossing {
	if len(rgba) != 4*c.cfg.Width*c.cfg.Height {
		panic(fmt.Sprintf("counter: RGBA frame of %d bytes, want %d", len(rgba), 4*c.cfg.Width*c.cfg.Height))
	}
	c.downscale(rgba, 4)
	return c.process(t)
}

// ProcessGray processes one 8-bit gray frame (len Width*Height, e.g. a
// JPEG's Y plane) taken at stream time t, like ProcessRGBA.
func (c *Counter) ProcessGray(gray []byte, t time.Duration) []Crossing {
	if len(gray) != c.cfg.Width*c.cfg.Height {
		panic(fmt.Sprintf("counter: gray frame of %d bytes, want %d", len(gray), c.cfg.Width*c.cfg.Height))
	}
	c.downscale(gray, 1)
	return c.process(t)
}

// downscale box-filters src (bpp 4: RGBA, 1: gray) into c.gray. Luma uses
// the BT.601 weights, the same as a JPEG's Y plane.
func (c *Counter) downscale(src []byte, bpp int) {
	s, w := c.scale, c.w
	stride := c.cfg.Width * bpp
	div := uint32(s * s)
	if bpp == 4 {
		div *= 256
	}
	for y := 0; y < c.h; y++ {
		clear(c.acc)
		for sy := y * s; sy < y*s+s; sy++ {
			row := src[sy*stride : sy*stride+w*s*bpp]
			if bpp == 4 {
				i := 0
				for x := range w {
					var sum uint32
					for range s {
						p := row[i : i+4 : i+4]
						sum += 77*uint32(p[0]) + 150*uint32(p[1]) + 29*uint32(p[2])
						i += 4
					}
					c.acc[x] += sum
				}
			} else {
				for x := range w {
					var sum uint32
					for _, v := range row[x*s : x*s+s] {
						sum += uint32(v)
					}
					c.acc[x] += sum
				}
			}
		}
		out := c.gray[y*w : y*w+w]
		for x, v := range c.acc {
			out[x] = uint8(v / div)
		}
	}
}

func (c *Counter) process(t time.Duration) []Crossing {
	c.crossings = c.crossings[:0]
	usable := c.bg.Classify(c.gray, c.fg, c.fg, t)
	if !usable {
		// No background to compare with (start or light switch): the
		// tracks coast until there is one again.
		clear(c.mask)
		c.bg.Update(c.gray, c.mask, t)
		return c.crossings
	}
	// Everything that changed, shadows included, is kept out of the
	// background (see background.StandingFade), so that parts of a person
	// that pass for shadow are not absorbed while they stand; only the
	// mask without shadows is searched for people.
	copy(c.mask, c.fg)
	blob.SuppressShadows(c.mask, c.gray, c.bg.Mean(), c.w, c.h)
	c.morph.Open(c.mask, 1)
	c.morph.Close(c.mask, 2)
	// The learning mask also covers a margin around each change: the
	// blurred outline of a person hovers around the threshold, and outline
	// pixels learned while someone stands would stay behind as a ghost.
	// Specks grow too, but they are gone by the next frame.
	c.morph.Dilate(c.fg, 2)
	c.bg.Update(c.gray, c.fg, t)
	c.view = viewRect(c.bg.Mean(), c.w, c.h)
	c.blobs = blob.MergeStacked(append(c.blobs[:0], c.labeler.Find(c.mask, c.minArea)...), c.h)
	c.points = c.points[:0]
	for _, b := range c.blobs {
		// +0.5: the centre of a work pixel, so lines and points share
		// the normalised-coordinate grid.
		p := track.Point{X: b.X + 0.5, Y: b.Y + 0.5, Area: b.Area, Part: b.Part,
			Box: [4]float64{float64(b.MinX), float64(b.MinY), float64(b.MaxX), float64(b.MaxY)}}
		v := c.view
		left, top, right, bottom := b.MinX <= v[0], b.MinY <= v[1], b.MaxX >= v[2], b.MaxY >= v[3]
		p.Border = left || top || right || bottom
		switch {
		case left && !top && !right && !bottom:
			p.FromEdge, p.EdgeX, p.EdgeY = true, float64(v[0]), p.Y
		case right && !left && !top && !bottom:
			p.FromEdge, p.EdgeX, p.EdgeY = true, float64(v[2]+1), p.Y
		case top && !left && !right && !bottom:
			p.FromEdge, p.EdgeX, p.EdgeY = true, p.X, float64(v[1])
		case bottom && !left && !top && !right:
			p.FromEdge, p.EdgeX, p.EdgeY = true, p.X, float64(v[3]+1)
		}
		c.points = append(c.points, p)
	}
	for _, k := range c.tracker.Update(c.points, t) {
		if k.MergedInto != 0 {
			c.lines.Forget(k.ID)
			continue
		}
		c.addEvents(c.lines.End(k.ID, t))
	}
	for _, k := range c.tracker.Tracks() {
		if !k.Confirmed || k.LastSeen != t || k.Partial {
			continue // tentative, coasting on a prediction, or mostly out of view
		}
		if !c.lines.Has(k.ID) {
			// Just confirmed: start from where it was born, so a crossing
			// during the first frames is not lost, and from the edge it
			// came in at if it has walked away from there since.
			if k.FromEdge && walkedIn(k, c.margin) {
				c.addEvents(c.lines.Observe(k.ID, k.EdgeX, k.EdgeY, k.Born))
			}
			c.addEvents(c.lines.Observe(k.ID, k.FirstX, k.FirstY, k.Born))
		}
		c.addEvents(c.lines.Observe(k.ID, k.X, k.Y, t))
	}
	return c.crossings
}

func (c *Counter) addEvents(evs []crossing.Event) {
	for _, e := range evs {
		d := Out
		if e.In {
			d = In
		}
		c.crossings = append(c.crossings, Crossing{Line: e.Line, Dir: d, Track: e.Track, T: e.T})
	}
}

// Finish ends all tracks at stream time t and returns the crossings that
// settles (deferred lines). Call it when the stream stops.
func (c *Counter) Finish(t time.Duration) []Crossing {
	c.crossings = c.crossings[:0]
	for _, k := range c.tracker.EndAll() {
		c.addEvents(c.lines.End(k.ID, t))
	}
	return c.crossings
}

// blobColour is how SetupView fills blobs.
var blobColour = [3]uint8{255, 170, 0}

// SetupView draws into dst (RGBA, at least 4*w*h bytes at WorkSize) the
// edges of the learned background, which people standing still do not
// enter before StandingFade, and the current foreground as solid shapes.
// It never shows camera pixels. It returns 0, 0 if dst is too small.
func (c *Counter) SetupView(dst []byte) (w, h int) {
	w, h = c.w, c.h
	if len(dst) < 4*w*h {
		return 0, 0
	}
	mean := c.bg.Mean()
	for y := range h {
		for x := range w {
			i := y*w + x
			var r, g, b uint8
			switch {
			case c.mask[i] != 0:
				r, g, b = blobColour[0], blobColour[1], blobColour[2]
			case x > 0 && y > 0 && x < w-1 && y < h-1:
				gx := mean[i+1] - mean[i-1]
				gy := mean[i+w] - mean[i-w]
				if gx*gx+gy*gy > 24*24 {
					r, g, b = 110, 110, 110
				}
			}
			dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = r, g, b, 255
		}
	}
	return w, h
}
