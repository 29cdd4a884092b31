//go:build js && wasm

package main

import (
	"math"
	"syscall/js"

	"github.com/lokaal-nl/lokaal/wasm/browser"
	"github.com/lokaal-nl/lokaal/wasm/counter"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Colours: one per direction, so a glance tells which way someone went.
const (
	colourIdle  = "#5a5a5a"
	colourIn    = "#00e676"
	colourOut   = "#ff9100"
	colourText  = "#ffffff"
	colourDiag  = "#9e9e9e"
	colourSetup = "#ffeb3b"
	flashMS     = 500
)

// screen draws the kiosk display: black, the lines, the numbers and the
// diagnostics. It never draws camera pixels; in setup mode it draws the
// counter's SetupView, which holds background edges and blob shapes only.
type screen struct {
	canvas *browser.Node
	ctx    *browser.Canvas
	camW   int // camera frame size, for the aspect ratio
	camH   int
	lines  []wire.Line
	flashT []float64 // performance.now() of each line's last crossing
	flashD []counter.Direction

	// The canvas's CSS box, as its ResizeObserver last reported it, and the
	// camera's place on it: lines are in normalised frame coordinates and
	// are drawn (and dragged) inside this rectangle.
	cw, ch         int
	x0, y0, rw, rh float64

	drawn picture // what is on the canvas
	stale bool    // the canvas was cleared or setup mode left: draw again

	setupMode bool
	setupBuf  []byte   // SetupView output, reused
	setupImg  js.Value // its copy in JavaScript, an ImageData
	setupCtx  *browser.Canvas
	setupCvs  *browser.Node
	drag      struct{ line, end int } // end 0 is A, 1 is B; line -1: none
}

func newScreen(lines []wire.Line, camW, camH int) *screen {
	s := &screen{
		canvas: browser.ByID("screen"),
		camW:   camW,
		camH:   camH,
	}
	s.ctx = s.canvas.Context2D()
	s.setLines(lines)
	s.drag.line = -1
	s.canvas.On("pointerdown", s.pointerDown)
	s.canvas.On("pointermove", s.pointerMove)
	s.canvas.On("pointerup", func(js.Value) { s.drag.line = -1 })
	s.canvas.OnResize(s.resize)
	return s
}

// picture is what the screen shows outside setup mode. A frame whose
// picture is the one on the canvas draws nothing: most frames change no
// number, no flash and no diagnostics.
type picture struct {
	in, out int64
	lit     uint64 // two bits a line: 1 flashing in, 2 flashing out
	diag    string
}

func (s *screen) setLines(lines []wire.Line) {
	s.lines = append([]wire.Line(nil), lines...)
	s.flashT = make([]float64, len(lines))
	s.flashD = make([]counter.Direction, len(lines))
}

func (s *screen) flash(c counter.Crossing, now float64) {
	s.flashT[c.Line], s.flashD[c.Line] = now, c.Dir
}

// resize sizes the canvas's drawing buffer to its CSS box and fits the
// camera rectangle between the numbers band at the top and the diagnostics
// at the bottom.
func (s *screen) resize(cw, ch int) {
	if cw == s.cw && ch == s.ch {
		return
	}
	s.cw, s.ch, s.stale = cw, ch, true
	s.canvas.SetSize(cw, ch)
	w, h := float64(cw), float64(ch)
	top, bottom := 0.2*h, h-0.06*h
	scale := math.Min(w/float64(s.camW), (bottom-top)/float64(s.camH))
	s.rw, s.rh = scale*float64(s.camW), scale*float64(s.camH)
	s.x0, s.y0 = (w-s.rw)/2, top+(bottom-top-s.rh)/2
}

// draw paints the screen if its picture changed; in setup mode every frame
// is painted, as the setup view and the dragged lines move.
func (s *screen) draw(now float64, totals []wire.LineCount, diag string) {
	p := picture{diag: diag}
	// The big numbers follow the dashboard: every line adds the crossings
	// into the room and takes off those out of it, by its side.
	for i, t := range totals {
		if i < len(s.lines) {
			e, l := t.Enters(s.lines[i].Inside)
			p.in, p.out = p.in+e, p.out+l
		}
	}
	for i := range s.lines {
		if s.flashT[i] > 0 && now-s.flashT[i] < flashMS {
			bits := uint64(1)
			if s.flashD[i] == counter.Out {
				bits = 2
			}
			p.lit |= bits << (2 * i)
		}
	}
	if !s.setupMode && !s.stale && p == s.drawn {
		return
	}
	s.drawn, s.stale = p, false

	w, h := float64(s.cw), float64(s.ch)
	ctx := s.ctx
	ctx.SetFillStyle("#000")
	ctx.FillRect(0, 0, w, h)
	if s.setupMode && s.setupCvs != nil {
		ctx.DrawImage(s.setupCvs, s.x0, s.y0, s.rw, s.rh)
	}

	ctx.SetLineCap("round")
	for i, l := range s.lines {
		colour, width := colourIdle, 3
		switch p.lit >> (2 * i) & 3 {
		case 1:
			colour, width = colourIn, 10
		case 2:
			colour, width = colourOut, 10
		}
		ax, ay := s.toCanvas(l.A)
		bx, by := s.toCanvas(l.B)
		ctx.SetStrokeStyle(colour)
		ctx.SetLineWidth(float64(width))
		ctx.BeginPath()
		ctx.MoveTo(ax, ay)
		ctx.LineTo(bx, by)
		ctx.Stroke()
		if s.setupMode {
			ctx.SetFillStyle(colourSetup)
			for _, p := range [][2]float64{{ax, ay}, {bx, by}} {
				ctx.BeginPath()
				ctx.Arc(p[0], p[1], 10, 0, 2*math.Pi)
				ctx.Fill()
			}
			ctx.SetFont("16px sans-serif")
			ctx.FillText(l.Name+" (A)", ax+14, ay-14, -1)
			s.drawInside(l, ax, ay, bx, by)
		}
	}

	if len(totals) > 0 {
		in, out := p.in, p.out
		ctx.SetTextBaseline("middle")
		ctx.SetTextAlign("center")
		ctx.SetFont(fontPx(0.09*h) + " sans-serif")
		ctx.SetFillStyle(colourIn)
		ctx.FillText("in "+itoa(in), w/6, 0.1*h, -1)
		ctx.SetFillStyle(colourOut)
		ctx.FillText("out "+itoa(out), w/2, 0.1*h, -1)
		ctx.SetFillStyle(colourText)
		ctx.FillText("here "+itoa(in-out), 5*w/6, 0.1*h, -1)
	}
	ctx.SetFont(fontPx(0.025*h) + " monospace")
	ctx.SetFillStyle(colourDiag)
	ctx.SetTextAlign("left")
	ctx.FillText(diag, 8, h-0.03*h, w-16)
}

// drawInside shows, in setup mode, which side of a line its room is on:
// an arrow from the line's middle into the room, or "pass-through".
func (s *screen) drawInside(l wire.Line, ax, ay, bx, by float64) {
	ctx := s.ctx
	mx, my := (ax+bx)/2, (ay+by)/2
	dx, dy := bx-ax, by-ay
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	// Screen-left of A→B (y grows downwards) is (dy, -dx): where "in" goes.
	nx, ny := dy/n, -dx/n
	switch l.Inside {
	case wire.Right:
		nx, ny = -nx, -ny
	case wire.Left:
	default:
		ctx.FillText("pass-through", mx+8, my+20, -1)
		return
	}
	const length, head = 48.0, 12.0
	tx, ty := mx+nx*length, my+ny*length
	ctx.SetStrokeStyle(colourSetup)
	ctx.SetLineWidth(4)
	ctx.BeginPath()
	ctx.MoveTo(mx, my)
	ctx.LineTo(tx, ty)
	// The head: two strokes back from the tip, 30° either side.
	for _, a := range []float64{math.Pi / 6, -math.Pi / 6} {
		c, sn := math.Cos(a), math.Sin(a)
		hx, hy := -nx*c+ny*sn, -nx*sn-ny*c
		ctx.MoveTo(tx, ty)
		ctx.LineTo(tx+hx*head, ty+hy*head)
	}
	ctx.Stroke()
	ctx.FillText("inside", tx+nx*8-20, ty+ny*18, -1)
}

func (s *screen) toCanvas(p [2]float64) (float64, float64) {
	return s.x0 + p[0]*s.rw, s.y0 + p[1]*s.rh
}

// setSetup switches setup mode. Either way the lines start from the given
// ones, so leaving setup mode drops unsaved edits.
func (s *screen) setSetup(on bool, lines []wire.Line) {
	s.setupMode, s.stale = on, true
	s.drag.line = -1
	s.setLines(lines)
}

// showSetupView copies the counter's setup picture to a small canvas that
// draw scales into the camera rectangle.
func (s *screen) showSetupView(c *counter.Counter) {
	ww, wh := c.WorkSize()
	if len(s.setupBuf) != 4*ww*wh {
		s.setupBuf = make([]byte, 4*ww*wh)
		s.setupCvs = browser.Element("canvas")
		s.setupCvs.SetSize(ww, wh)
		s.setupCtx = s.setupCvs.Context2D()
		s.setupImg = s.setupCtx.ImageData(ww, wh)
	}
	c.SetupView(s.setupBuf)
	js.CopyBytesToJS(s.setupImg.Get("data"), s.setupBuf)
	s.setupCtx.PutImageData(s.setupImg, 0, 0)
}

// pointerDown picks the line endpoint nearest to the pointer, within reach of
// a finger.
func (s *screen) pointerDown(ev js.Value) {
	if !s.setupMode {
		return
	}
	x, y := ev.Get("offsetX").Float(), ev.Get("offsetY").Float()
	best := 30.0
	for i, l := range s.lines {
		for end, p := range [][2]float64{l.A, l.B} {
			px, py := s.toCanvas(p)
			if d := math.Hypot(px-x, py-y); d < best {
				best, s.drag.line, s.drag.end = d, i, end
			}
		}
	}
	if s.drag.line >= 0 {
		s.canvas.Value().Call("setPointerCapture", ev.Get("pointerId"))
	}
}

func (s *screen) pointerMove(ev js.Value) {
	if !s.setupMode || s.drag.line < 0 {
		return
	}
	p := [2]float64{clamp01((ev.Get("offsetX").Float() - s.x0) / s.rw), clamp01((ev.Get("offsetY").Float() - s.y0) / s.rh)}
	if s.drag.end == 0 {
		s.lines[s.drag.line].A = p
	} else {
		s.lines[s.drag.line].B = p
	}
}

func clamp01(v float64) float64 { return math.Round(math.Min(1, math.Max(0, v))*1000) / 1000 }

func fontPx(px float64) string { return itoa(int64(math.Max(10, px))) + "px" }
