//go:build js && wasm

package browser

import "syscall/js"

// Canvas is a 2D canvas context: the calls the kiosk screen makes.
type Canvas struct{ v js.Value }

// Context2D is the canvas element n's 2D context.
func (n *Node) Context2D() *Canvas { return &Canvas{n.v.Call("getContext", "2d")} }

// Size is the canvas element n's drawing-buffer size.
func (n *Node) Size() (w, h int) { return n.v.Get("width").Int(), n.v.Get("height").Int() }

// SetSize sets the canvas element n's drawing-buffer size.
func (n *Node) SetSize(w, h int) { n.v.Set("width", w); n.v.Set("height", h) }

// OnResize calls f with n's CSS box size (clientWidth, clientHeight) now
// and whenever it changes, so a screen drawn per frame never reads layout.
func (n *Node) OnResize(f func(w, h int)) {
	size := func() { f(n.v.Get("clientWidth").Int(), n.v.Get("clientHeight").Int()) }
	size()
	obs := js.Global().Get("ResizeObserver").New(js.FuncOf(func(js.Value, []js.Value) any {
		size()
		return nil
	}))
	obs.Call("observe", n.v)
}

// On calls f with each event of type name on n, for as long as the page
// lives.
func (n *Node) On(name string, f func(ev js.Value)) {
	n.v.Call("addEventListener", name, js.FuncOf(func(_ js.Value, args []js.Value) any {
		f(args[0])
		return nil
	}))
}

func (c *Canvas) SetFillStyle(s string)                   { c.v.Set("fillStyle", s) }
func (c *Canvas) SetStrokeStyle(s string)                 { c.v.Set("strokeStyle", s) }
func (c *Canvas) SetLineWidth(w float64)                  { c.v.Set("lineWidth", w) }
func (c *Canvas) SetLineCap(s string)                     { c.v.Set("lineCap", s) }
func (c *Canvas) SetFont(s string)                        { c.v.Set("font", s) }
func (c *Canvas) SetTextAlign(s string)                   { c.v.Set("textAlign", s) }
func (c *Canvas) SetTextBaseline(s string)                { c.v.Set("textBaseline", s) }
func (c *Canvas) FillRect(x, y, w, h float64)             { c.v.Call("fillRect", x, y, w, h) }
func (c *Canvas) BeginPath()                              { c.v.Call("beginPath") }
func (c *Canvas) MoveTo(x, y float64)                     { c.v.Call("moveTo", x, y) }
func (c *Canvas) LineTo(x, y float64)                     { c.v.Call("lineTo", x, y) }
func (c *Canvas) Arc(x, y, r, from, to float64)           { c.v.Call("arc", x, y, r, from, to) }
func (c *Canvas) Stroke()                                 { c.v.Call("stroke") }
func (c *Canvas) Fill()                                   { c.v.Call("fill") }
func (c *Canvas) DrawImage(src *Node, x, y, w, h float64) { c.v.Call("drawImage", src.v, x, y, w, h) }

// FillText draws s at x, y, squeezed into maxWidth if that is positive.
func (c *Canvas) FillText(s string, x, y, maxWidth float64) {
	if maxWidth > 0 {
		c.v.Call("fillText", s, x, y, maxWidth)
		return
	}
	c.v.Call("fillText", s, x, y)
}

// ImageData is a new w×h ImageData; copy pixels into its "data" and draw
// it with PutImageData.
func (c *Canvas) ImageData(w, h int) js.Value { return c.v.Call("createImageData", w, h) }

func (c *Canvas) PutImageData(img js.Value, x, y int) { c.v.Call("putImageData", img, x, y) }
