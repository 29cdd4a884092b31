//go:build js && wasm

// Command exam is the proctored exam page's WebAssembly half. On the page it
// draws every screen (in Dutch or English), runs the proctor engine on the
// detectors' results, and builds the exact bytes that are signed and sent;
// in static/detect-worker.js, a module Web Worker, the same binary runs the
// face and speech detectors (detect.go). static/exam.js owns the
// promise-heavy browser APIs (camera, microphone, IndexedDB, WebCrypto,
// fetch) and calls the functions registered on globalThis.lokaalGo. Every
// call is synchronous, so all state lives on the JavaScript event loop's one
// thread and needs no locking.
//
// Test hooks are data-* attributes on <body>, as on the kiosk.
package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/lokaal-nl/lokaal/wasm/browser"
	"github.com/lokaal-nl/lokaal/wasm/exam"
	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/lang"
	"github.com/lokaal-nl/lokaal/wasm/proctor"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// sent is one summary as the panel lists it.
type sent struct {
	Seq    int64  `json:"seq"`
	JSON   string `json:"json"` // what was (or will be) sent, pretty-printed
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// app is the page's state between calls from JavaScript.
type app struct {
	lang  lang.Lang
	build string
	info  wire.StudentInfo
	view  string // the step on screen, redrawn on a language switch
	arg   string // its data (receipt or record JSON, error message)

	body             *browser.Node
	step, panel      *browser.Node
	faces, frames    int
	cadence          proctor.Cadence
	detectMS         float64 // face detection time per frame, smoothed
	audio            bool    // speech decisions are taken (audioStart until stop)
	level            float64 // recent microphone RMS, 0..1
	speaking         bool
	precheck         *precheckState
	prc              *proctor.Proctor
	origin           float64 // Unix ms minus performance.now(): one monotonic clock
	offset           float64 // Date.now() − performance.now() at the last tick
	skewed           bool    // the server's Date disagreed by more than a minute
	resumed          bool
	summaries        []sent
	finishing        int // summaries still to send while finishing; -1 when not
	finishErr        string
	on               map[wire.Kind]bool // browser conditions as last set
	facesText, vText *browser.Node      // live values in the panel
	countdown        *browser.Node      // the pre-check's seconds left
	remaining        *browser.Node      // the exam's time left, in the panel
	openJSON         map[int64]bool     // summaries whose JSON is open
	zone             string             // the server's time zone (IANA), "" until known
	// receiptOK is the in-page check of the receipt on the end screen:
	// nil while it runs.
	receiptOK              *bool
	receiptKey, receiptErr string
}

func main() {
	if js.Global().Get("document").IsUndefined() {
		detectMain() // in the detection worker
		return
	}
	a := &app{finishing: -1, on: map[wire.Kind]bool{}}
	a.body = browser.Body()
	a.step = browser.ByID("step")
	a.panel = browser.ByID("panel")
	js.Global().Set("lokaalGo", js.ValueOf(map[string]any{
		"init":           js.FuncOf(a.init),
		"setLang":        js.FuncOf(a.setLang),
		"student":        js.FuncOf(a.student),
		"show":           js.FuncOf(a.show),
		"faces":          js.FuncOf(a.onFaces),
		"audioStart":     js.FuncOf(a.audioStart),
		"speech":         js.FuncOf(a.onSpeech),
		"precheckStart":  js.FuncOf(a.precheckStart),
		"precheckDone":   js.FuncOf(a.precheckDone),
		"skipPrecheck":   js.FuncOf(skipPrecheck),
		"startExam":      js.FuncOf(a.startExam),
		"summaries":      js.FuncOf(a.restoreSummaries),
		"signal":         js.FuncOf(a.signal),
		"instant":        js.FuncOf(a.instant),
		"tick":           js.FuncOf(a.tick),
		"sealNow":        js.FuncOf(a.sealNow),
		"serverDate":     js.FuncOf(a.serverDate),
		"chain":          js.FuncOf(chain),
		"status":         js.FuncOf(a.status),
		"envelope":       js.FuncOf(envelope),
		"finishMessage":  js.FuncOf(finishMessage),
		"finishing":      js.FuncOf(a.setFinishing),
		"setZone":        js.FuncOf(a.setZone),
		"precheckLeft":   js.FuncOf(a.precheckLeft),
		"receiptBytes":   js.FuncOf(receiptBytes),
		"receiptChecked": js.FuncOf(a.receiptChecked),
		"stop":           js.FuncOf(a.stop),
	}))
	select {} // the functions above run on JavaScript's calls
}

// init(lang, modelsJSON) sets the language and the build: modelsJSON maps
// each model that runs to the hex SHA-256 of the bytes fetched, exam.wasm
// is added as static/go.js hashed it (browser.Build), and the build is
// wire.ManifestBuild of them all. It returns the build, or an Error.
func (a *app) init(_ js.Value, args []js.Value) any {
	files := map[string]string{}
	if err := json.Unmarshal([]byte(args[1].String()), &files); err != nil {
		return browser.Error(err)
	}
	name, hash := browser.Build()
	files[name] = hash
	build, err := wire.ManifestBuild(files)
	if err != nil {
		return browser.Error(err)
	}
	a.lang, a.build = lang.Pick(args[0].String()), build
	a.body.SetAttribute("data-build", a.build)
	a.applyLang()
	a.render("loading", "")
	return a.build
}

// setLang(lang) switches the language and redraws the screen.
func (a *app) setLang(_ js.Value, args []js.Value) any {
	a.lang = lang.Pick(args[0].String())
	a.applyLang()
	a.render(a.view, a.arg)
	if a.prc != nil {
		a.drawPanel()
	}
	return nil
}

func (a *app) applyLang() {
	browser.Document().Get("documentElement").Set("lang", string(a.lang))
	browser.Document().Set("title", a.lang.T("app.title"))
	a.body.SetAttribute("data-lang", string(a.lang))
	if b := browser.ByID("lang"); b != nil {
		b.SetTextContent(a.lang.T("lang.switch"))
		b.SetAttribute("lang", string(a.lang.Other()))
	}
	if h := browser.ByID("title"); h != nil {
		h.SetTextContent(a.lang.T("app.title"))
	}
	if f := browser.ByID("frame"); f != nil {
		f.SetAttribute("title", a.lang.T("ex.frameTitle"))
	}
	if a.panel != nil {
		a.panel.SetAttribute("aria-label", a.lang.T("ex.panel"))
	}
	// The finish dialog lives outside the panel, so a redraw cannot close
	// or undo it.
	for id, key := range map[string]string{"finish-title": "ex.dialogTitle", "finish-body": "ex.dialogBody", "finish-yes": "ex.dialogYes", "finish-no": "ex.dialogNo"} {
		if e := browser.ByID(id); e != nil {
			e.SetTextContent(a.lang.T(key))
		}
	}
}

// student(json) takes GET /api/v1/student and returns what the page may
// request: {camera, microphone, genesis, interval}.
func (a *app) student(_ js.Value, args []js.Value) any {
	if err := wire.Decode(strings.NewReader(args[0].String()), &a.info); err != nil {
		return browser.Error(err)
	}
	p := a.info.Policy
	kinds := ""
	for i, d := range p.Detectors {
		if i > 0 {
			kinds += ","
		}
		kinds += string(d.Kind)
	}
	a.body.SetAttribute("data-detectors", kinds)
	a.body.SetAttribute("data-choice", a.info.Student.Choice)
	return js.ValueOf(map[string]any{
		"camera":     p.NeedsCamera(),
		"microphone": p.NeedsMicrophone(),
		"genesis":    wire.Genesis,
		"interval":   p.IntervalS,
	})
}

// show(step, arg) draws a step: loading, error, locked, transparency,
// precheck, choice, alternative, end (arg: receipt JSON) or record (arg:
// record JSON).
func (a *app) show(_ js.Value, args []js.Value) any {
	arg := ""
	if len(args) > 1 && args[1].Type() == js.TypeString {
		arg = args[1].String()
	}
	if args[0].String() == "end" && (a.view != "end" || arg != a.arg) {
		a.receiptOK = nil // another receipt: its check starts again
	}
	a.render(args[0].String(), arg)
	return nil
}

// faces(json, perfNow, detectMS) takes one frame's detections from the
// worker ([]face.Face as JSON, best first), made from a frame taken at
// perfNow in detectMS, and hands them to the proctor or the pre-check; it
// returns the ms to wait before the next frame (proctor.Cadence).
func (a *app) onFaces(_ js.Value, args []js.Value) any {
	var faces []face.Face
	if err := json.Unmarshal([]byte(args[0].String()), &faces); err != nil {
		return browser.Error(err)
	}
	t, ms := args[1].Float(), args[2].Float()
	if a.frames == 0 {
		a.detectMS = ms
	} else {
		a.detectMS = 0.9*a.detectMS + 0.1*ms
	}
	a.frames++
	a.faces = len(faces)
	switch {
	case a.prc != nil:
		a.prc.Faces(a.unix(t), faces)
	case a.precheck != nil:
		a.precheck.add(faces)
	}
	a.body.SetAttribute("data-frames", strconv.Itoa(a.frames))
	a.body.SetAttribute("data-faces", strconv.Itoa(a.faces))
	a.body.SetAttribute("data-detect-ms", strconv.FormatFloat(a.detectMS, 'f', 1, 64))
	a.liveValues()
	return a.cadence.Next(faces)
}

// audioStart() starts taking speech decisions for a new microphone stream.
func (a *app) audioStart(js.Value, []js.Value) any {
	a.audio, a.level, a.speaking = true, 0, false
	return nil
}

// speech(decisions, level) takes one audio chunk's decisions from the
// worker, [startMs, speech(0/1), …] on this page's performance.now()
// clock, and the microphone's recent RMS level.
func (a *app) onSpeech(_ js.Value, args []js.Value) any {
	if !a.audio {
		return nil
	}
	d := args[0]
	for i := 0; i+1 < d.Length(); i += 2 {
		t, on := d.Index(i).Float(), d.Index(i+1).Int() != 0
		a.speaking = on
		if a.prc != nil {
			a.prc.Speech(a.unix(t), on)
		} else if a.precheck != nil && on {
			a.precheck.speech = true
		}
	}
	a.level = args[1].Float()
	a.body.SetAttribute("data-speaking", strconv.FormatBool(a.speaking))
	a.liveValues()
	return nil
}

// startExam(policyJSON, baseline, perfNow, dateNow, resumed) starts the
// proctor with the policy the server returned for this session.
func (a *app) startExam(_ js.Value, args []js.Value) any {
	var p wire.Policy
	if err := json.Unmarshal([]byte(args[0].String()), &p); err != nil {
		return browser.Error(err)
	}
	perf, now := args[2].Float(), args[3].Float()
	a.origin, a.offset = now-perf, now-perf
	prc, err := proctor.New(proctor.Config{Policy: p, Build: a.build, Baseline: float32(args[1].Float())}, int64(now))
	if err != nil {
		return browser.Error(err)
	}
	a.info.Policy, a.prc, a.precheck, a.resumed = p, prc, nil, args[4].Bool()
	a.on = map[wire.Kind]bool{}
	t := a.unix(perf)
	if a.resumed {
		prc.Instant(t, wire.PageReloaded)
	}
	if a.skewed {
		prc.Instant(t, wire.ClockSkew)
	}
	a.body.SetAttribute("data-session", p.Session)
	a.render("exam", "")
	return nil
}

// signal(kind, on, perfNow) sets a browser condition (focus_lost,
// fullscreen_exit, extra_screen, camera_lost); repeats are ignored.
func (a *app) signal(_ js.Value, args []js.Value) any {
	k, on := wire.Kind(args[0].String()), args[1].Bool()
	if a.prc == nil || a.on[k] == on {
		return nil
	}
	a.on[k] = on
	a.prc.Set(a.unix(args[2].Float()), k, on)
	a.body.SetAttribute("data-"+string(k), strconv.FormatBool(on))
	if k == wire.CameraLost {
		a.drawPanel()
	}
	return nil
}

// instant(kind, perfNow) records an instant event (paste).
func (a *app) instant(_ js.Value, args []js.Value) any {
	if a.prc != nil {
		a.prc.Instant(a.unix(args[1].Float()), wire.Kind(args[0].String()))
	}
	return nil
}

// tick(perfNow, dateNow) checks the wall clock against performance.now()
// and seals the window when it is over; it returns the summary JSON without
// seq and prev, or null.
func (a *app) tick(_ js.Value, args []js.Value) any {
	if a.prc == nil {
		return nil
	}
	perf, now := args[0].Float(), args[1].Float()
	t := a.unix(perf)
	// The proctor runs on performance.now(), which cannot jump; a jump of
	// the wall clock against it means someone (or NTP) set the clock.
	if off := now - perf; abs(off-a.offset) > clockJumpMS {
		a.prc.Instant(t, wire.ClockSkew)
		a.offset = off
	}
	a.liveRemaining()
	if !a.prc.Due(t) {
		return nil
	}
	return a.seal(t)
}

// sealNow(perfNow) closes the running window early (finishing) and returns
// its summary, or null when it is empty of time.
func (a *app) sealNow(_ js.Value, args []js.Value) any {
	if a.prc == nil {
		return nil
	}
	return a.seal(a.unix(args[0].Float()))
}

func (a *app) seal(t int64) any {
	s := a.prc.Seal(t)
	if s.Window.To <= s.Window.From {
		return nil
	}
	return browser.JSON(s)
}

// Clock-skew limits from the brief.
const (
	clockJumpMS  = 5000
	serverSkewMS = 60000
)

// serverDate(serverMs, dateNow, perfNow) compares an API response's Date
// header with the local clock. A disagreement over a minute is recorded
// once when it appears.
func (a *app) serverDate(_ js.Value, args []js.Value) any {
	skewed := abs(args[0].Float()-args[1].Float()) > serverSkewMS
	if skewed && !a.skewed && a.prc != nil {
		a.prc.Instant(a.unix(args[2].Float()), wire.ClockSkew)
	}
	a.skewed = skewed
	a.body.SetAttribute("data-clock-skew", strconv.FormatBool(skewed))
	return nil
}

// chain(summaryJSON, seq, prev) numbers a sealed summary and links it to
// the previous one: {summary, hash}. exam.js calls it inside the IndexedDB
// transaction that queues the summary and stores the new head.
func chain(_ js.Value, args []js.Value) any {
	linked, hash, err := exam.Chain([]byte(args[0].String()), int64(args[1].Float()), args[2].String())
	if err != nil {
		return browser.Error(err)
	}
	return js.ValueOf(map[string]any{"summary": string(linked), "hash": hash})
}

// restoreSummaries(listJSON) lists the summaries a previous page load sent
// or queued: [{seq, json, status, reason}].
func (a *app) restoreSummaries(_ js.Value, args []js.Value) any {
	var list []sent
	if err := json.Unmarshal([]byte(args[0].String()), &list); err != nil {
		return browser.Error(err)
	}
	for i := range list {
		list[i].JSON = pretty(list[i].JSON)
	}
	a.summaries = list
	a.drawPanel()
	return nil
}

// status(seq, status, reason, json) records a summary's state: queued when
// sealed (json is the summary), acked with the body that was sent, dead
// with the server's reason.
func (a *app) status(_ js.Value, args []js.Value) any {
	seq, st, reason, body := int64(args[0].Float()), args[1].String(), args[2].String(), args[3].String()
	i := len(a.summaries) - 1
	for ; i >= 0 && a.summaries[i].Seq != seq; i-- {
	}
	if i < 0 {
		a.summaries = append(a.summaries, sent{Seq: seq})
		i = len(a.summaries) - 1
	}
	a.summaries[i].Status, a.summaries[i].Reason = st, reason
	if body != "" {
		a.summaries[i].JSON = pretty(body)
	}
	a.drawPanel()
	return nil
}

// envelope(what, json) returns {msg, head, tail} for a "summary" or a
// "finish": the bytes to sign, and the POST body around the signature
// (browser.Envelope).
func envelope(_ js.Value, args []js.Value) any {
	return browser.Envelope(exam.Envelope(args[0].String(), []byte(args[1].String())))
}

// finishMessage(session, seq, head, dateNow) returns the wire.Finish JSON
// for the last summary the server acknowledged.
func finishMessage(_ js.Value, args []js.Value) any {
	f, err := exam.FinishMessage(args[0].String(), int64(args[1].Float()), args[2].String(), int64(args[3].Float()))
	if err != nil {
		return browser.Error(err)
	}
	return string(f)
}

// finishing(n, errorMessage) shows finishing progress: n summaries left.
func (a *app) setFinishing(_ js.Value, args []js.Value) any {
	a.finishing, a.finishErr = args[0].Int(), ""
	if len(args) > 1 && args[1].Type() == js.TypeString {
		a.finishErr = args[1].String()
	}
	a.drawPanel()
	return nil
}

// setZone(name) sets the server's time zone (GET /api/v1/clock), in which
// every time on the page is shown.
func (a *app) setZone(_ js.Value, args []js.Value) any {
	a.zone = args[0].String()
	a.body.SetAttribute("data-zone", a.zone)
	return nil
}

// precheckLeft(seconds) shows the pre-check's countdown.
func (a *app) precheckLeft(_ js.Value, args []js.Value) any {
	if a.precheck != nil && a.precheck.running {
		a.precheck.left = args[0].Int()
		a.body.SetAttribute("data-precheck-left", strconv.Itoa(a.precheck.left))
		if a.countdown != nil {
			a.countdown.SetTextContent(a.lang.T("pc.left", "n", strconv.Itoa(a.precheck.left)))
		}
	}
	return nil
}

// receiptBytes(receiptJSON) returns what exam.js checks with WebCrypto:
// {bytes (the exact signed bytes, wire.Receipt.SigningBytes), sig, key}
// (base64), or an Error for a file that is no receipt. The bytes are made
// from the fields, so a changed count changes them.
func receiptBytes(_ js.Value, args []js.Value) any {
	r, msg, err := exam.ReceiptBytes([]byte(args[0].String()))
	if err != nil {
		return browser.Error(err)
	}
	return js.ValueOf(map[string]any{"bytes": browser.Uint8Array(msg), "sig": r.Sig, "key": r.Key})
}

// receiptChecked(ok, key, message) shows the in-page check's result.
func (a *app) receiptChecked(_ js.Value, args []js.Value) any {
	ok := args[0].Bool()
	a.receiptOK, a.receiptKey, a.receiptErr = &ok, args[1].String(), args[2].String()
	a.body.SetAttribute("data-receipt-verified", strconv.FormatBool(ok))
	if a.view == "end" {
		a.render(a.view, a.arg)
	}
	return nil
}

// stop() ends detection: the proctor and the detectors are dropped.
func (a *app) stop(js.Value, []js.Value) any {
	a.prc, a.audio, a.precheck = nil, false, nil
	return nil
}

// unix maps a performance.now() time to Unix ms on the page's monotonic
// clock.
func (a *app) unix(perf float64) int64 {
	if a.origin == 0 {
		a.origin = js.Global().Get("Date").Call("now").Float() - browser.Now()
	}
	return int64(a.origin + perf)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
