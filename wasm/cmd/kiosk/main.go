//go:build js && wasm

// Command kiosk is the counting screen's WebAssembly half. It counts, builds
// and checks the batches, and draws the screen; static/kiosk.js owns the
// promise-heavy browser APIs (camera, IndexedDB, WebCrypto, fetch) and calls
// the functions registered on globalThis.lokaalGo. Every call is synchronous,
// so all state lives on the JavaScript event loop's one thread and needs no
// locking.
package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"syscall/js"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/browser"
	"github.com/lokaal-nl/lokaal/wasm/counter"
	"github.com/lokaal-nl/lokaal/wasm/kiosk"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// app is the kiosk's state between calls from JavaScript.
type app struct {
	build  string // hex SHA-256 of this kiosk.wasm, as kiosk.js hashed it
	device string
	cfg    wire.KioskConfig
	w, h   int // camera frame size

	counter *counter.Counter
	tally   *kiosk.Tally
	frame   []byte // reused: one copy per frame, never kept beyond it
	first   float64
	frames  int
	totals  []wire.LineCount // since the page loaded, for the big numbers

	latency *kiosk.Recent
	rate    kiosk.Rate
	budget  kiosk.Budget
	fps     float64
	diag    string  // the diagnostics line, remade once a second
	diagAt  float64 // performance.now() it was made at

	queue, acked, dead int // the outbox as JavaScript last reported it

	screen *screen
	body   *browser.Node
}

// main takes the build from static/go.js (browser.Build): the hash of the
// bytes it instantiated, so every batch names what counted.
func main() {
	a := &app{latency: kiosk.NewRecent(300)}
	_, a.build = browser.Build()
	a.body = browser.Body()
	js.Global().Set("lokaalGo", js.ValueOf(map[string]any{
		"init":       js.FuncOf(a.init),
		"restore":    js.FuncOf(a.restore),
		"due":        js.FuncOf(a.due),
		"frame":      js.FuncOf(a.onFrame),
		"tick":       js.FuncOf(a.tick),
		"tally":      js.FuncOf(func(js.Value, []js.Value) any { return browser.JSON(a.tally) }),
		"number":     js.FuncOf(number),
		"status":     js.FuncOf(a.status),
		"envelope":   js.FuncOf(a.envelope),
		"setup":      js.FuncOf(a.setup),
		"lines":      js.FuncOf(func(js.Value, []js.Value) any { return browser.JSON(a.screen.lines) }),
		"applyLines": js.FuncOf(a.applyLines),
	}))
	select {} // the functions above run on JavaScript's calls
}

// init(configJSON, device, width, height, nowMs) starts counting; it returns
// an Error for a config the counter rejects.
func (a *app) init(_ js.Value, args []js.Value) any {
	if err := json.Unmarshal([]byte(args[0].String()), &a.cfg); err != nil {
		return browser.Error(err)
	}
	a.device, a.w, a.h = args[1].String(), args[2].Int(), args[3].Int()
	if err := a.startCounter(a.cfg.Lines); err != nil {
		return browser.Error(err)
	}
	a.tally = kiosk.NewTally(a.cfg.Lines, int64(args[4].Float()))
	a.totals = kiosk.NewTally(a.cfg.Lines, 0).Lines
	a.frame = make([]byte, 4*a.w*a.h)
	a.screen = newScreen(a.cfg.Lines, a.w, a.h)
	a.publishCounts()
	return nil
}

func (a *app) startCounter(lines []wire.Line) error {
	c, err := counter.New(counter.Config{Width: a.w, Height: a.h, Lines: lines})
	if err != nil {
		return err
	}
	a.counter, a.first, a.frames = c, 0, 0
	return nil
}

// restore(tallyJSON) seals the tally a previous page load left behind and
// returns the batch JSON without seq, or null when there is nothing to send.
func (a *app) restore(_ js.Value, args []js.Value) any {
	t, err := kiosk.RestoreTally([]byte(args[0].String()))
	if err != nil || t.Empty() {
		return nil
	}
	return browser.JSON(t.Seal(a.device, a.build, t.Updated))
}

// due(frameTimeMs) reports whether the camera frame at that time is to be
// counted (kiosk.Budget): the page asks before it copies the frame out.
func (a *app) due(_ js.Value, args []js.Value) any { return a.budget.Take(args[0].Float()) }

// frame(rgba Uint8Array, frameTimeMs, nowMs) counts one camera frame.
// frameTimeMs is on the performance.now() clock (capture time when the
// browser knows it) and nowMs is the wall clock for the tally. It returns the
// tally JSON to persist when something was counted, else null.
func (a *app) onFrame(_ js.Value, args []js.Value) any {
	js.CopyBytesToGo(a.frame, args[0])
	t, now := args[1].Float(), int64(args[2].Float())
	if a.frames == 0 {
		a.first = t
		a.body.SetAttribute("data-first-frame", strconv.FormatInt(now, 10))
	}
	a.frames++
	crossings := a.counter.ProcessRGBA(a.frame, time.Duration((t-a.first)*float64(time.Millisecond)))
	done := browser.Now()
	a.latency.Add(done - t)
	a.fps = a.rate.Tick(done)
	for _, c := range crossings {
		a.tally.Add(c, now)
		if c.Dir == counter.In {
			a.totals[c.Line].In++
		} else {
			a.totals[c.Line].Out++
		}
		a.screen.flash(c, done)
	}
	if a.screen.setupMode {
		a.screen.showSetupView(a.counter)
	}
	a.screen.draw(done, a.totals, a.diagnostics(done))
	a.body.SetAttribute("data-frames", strconv.Itoa(a.frames))
	if len(crossings) == 0 {
		return nil
	}
	a.publishCounts()
	return browser.JSON(a.tally)
}

// tick(nowMs) seals the interval when it is over and returns the batch JSON
// without seq, else null.
func (a *app) tick(_ js.Value, args []js.Value) any {
	now := int64(args[0].Float())
	if a.tally == nil || !a.tally.Due(now, a.cfg.IntervalS) {
		return nil
	}
	return browser.JSON(a.tally.Seal(a.device, a.build, now))
}

// status(queueLength, ackedSeq, dead) reports the outbox, which only
// JavaScript sees, for the diagnostics line.
func (a *app) status(_ js.Value, args []js.Value) any {
	a.queue, a.acked, a.dead = args[0].Int(), args[1].Int(), args[2].Int()
	a.diag = "" // shown with the next frame
	return nil
}

// diagnostics is the screen's status line and its test hooks, made at most
// once a second: a line that changed with every frame would repaint the
// screen with every frame, and nobody reads it faster.
func (a *app) diagnostics(now float64) string {
	if a.diag != "" && now-a.diagAt < 1000 {
		return a.diag
	}
	a.diagAt = now
	p50, p99 := a.latency.Percentile(50), a.latency.Percentile(99)
	a.body.SetAttribute("data-fps", strconv.FormatFloat(a.fps, 'f', 1, 64))
	a.body.SetAttribute("data-latency-p50", strconv.FormatFloat(p50, 'f', 1, 64))
	a.body.SetAttribute("data-latency-p99", strconv.FormatFloat(p99, 'f', 1, 64))
	s := fmt.Sprintf("%.1f fps · latency p50 %.0f ms p99 %.0f ms · queue %d · acked #%d", a.fps, p50, p99, a.queue, a.acked)
	if a.dead > 0 {
		s += fmt.Sprintf(" · %d rejected", a.dead)
	}
	a.diag = s
	return s
}

func (a *app) publishCounts() {
	for _, l := range a.totals {
		a.body.SetAttribute("data-in-"+l.Line, strconv.FormatInt(l.In, 10))
		a.body.SetAttribute("data-out-"+l.Line, strconv.FormatInt(l.Out, 10))
	}
}

// setup(on) enters or leaves setup mode. Leaving drops unsaved line edits.
func (a *app) setup(_ js.Value, args []js.Value) any {
	a.screen.setSetup(args[0].Bool(), a.cfg.Lines)
	return nil
}

// applyLines(linesJSON, nowMs) switches to lines the server has stored. The
// running interval is sealed first, because a batch's counts must belong to
// one set of lines; the batch JSON (without seq) is returned.
func (a *app) applyLines(_ js.Value, args []js.Value) any {
	var lines []wire.Line
	if err := json.Unmarshal([]byte(args[0].String()), &lines); err != nil {
		return browser.Error(err)
	}
	if err := wire.ValidateLines(lines); err != nil {
		return browser.Error(err)
	}
	if err := a.startCounter(lines); err != nil {
		return browser.Error(err)
	}
	now := int64(args[1].Float())
	batch := a.tally.Seal(a.device, a.build, now)
	a.cfg.Lines = lines
	a.tally = kiosk.NewTally(lines, batch.End)
	a.totals = kiosk.NewTally(lines, 0).Lines
	a.screen.setSetup(true, lines)
	a.publishCounts()
	return browser.JSON(batch)
}

// number(batchJSON, seq) returns the sealed batch numbered seq, or an
// Error for a batch the server would refuse. kiosk.js calls it inside the
// IndexedDB transaction that queues the batch and allocates seq.
func number(_ js.Value, args []js.Value) any {
	b, err := kiosk.Number([]byte(args[0].String()), int64(args[1].Float()))
	if err != nil {
		return browser.Error(err)
	}
	return string(b)
}

// envelope(batchJSON) returns {msg, head, tail}: the bytes to sign, and the
// POST /api/v1/counts body around the signature (browser.Envelope).
func (a *app) envelope(_ js.Value, args []js.Value) any {
	return browser.Envelope(kiosk.Envelope([]byte(args[0].String()), a.build))
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
