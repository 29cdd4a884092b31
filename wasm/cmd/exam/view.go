//go:build js && wasm

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/browser"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Screens are built with DOM calls, never HTML strings: the page's CSP
// forbids inline script and style, and text from the server (exam names,
// reasons) can then never become markup. Buttons carry data-action, which
// exam.js handles.

type attr [2]string

// h makes an element from attrs, strings (text) and nodes; nil nodes are
// skipped so optional parts read naturally.
func h(tag string, kids ...any) *browser.Node {
	e := browser.Element(tag)
	for _, k := range kids {
		switch k := k.(type) {
		case attr:
			e.SetAttribute(k[0], k[1])
		case string:
			e.AppendChild(browser.Text(k))
		case *browser.Node:
			if k != nil {
				e.AppendChild(k)
			}
		case []*browser.Node:
			for _, c := range k {
				e.AppendChild(c)
			}
		}
	}
	return e
}

func class(c string) attr { return attr{"class", c} }

func button(action, text string, extra ...any) *browser.Node {
	return h("button", append([]any{attr{"type", "button"}, attr{"data-action", action}, text}, extra...)...)
}

// steps of the student flow, for the progress line.
var steps = []string{"transparency", "precheck", "choice", "exam", "end"}

// render draws view into #step (or the exam layout) and remembers it for a
// language switch.
func (a *app) render(view, arg string) {
	a.view, a.arg = view, arg
	a.body.SetAttribute("data-step", view)
	examView := view == "exam"
	setHidden(browser.ByID("exam"), !examView)
	setHidden(a.step, examView)
	a.drawSteps()
	if examView {
		a.drawPanel()
		return
	}
	// The pre-check's video element is the camera's, owned by exam.js:
	// carry it over into the redrawn screen.
	preview := browser.ByID("preview-video")
	var kids []*browser.Node
	switch view {
	case "loading":
		kids = []*browser.Node{h("p", a.lang.T("loading"))}
	case "error":
		kids = []*browser.Node{h("p", class("error"), attr{"role", "alert"}, a.lang.T("error.generic", "msg", arg))}
	case "notoken":
		kids = []*browser.Node{h("p", class("error"), attr{"role", "alert"}, a.lang.T("error.noToken"))}
	case "locked":
		kids = []*browser.Node{h("p", class("error"), attr{"role", "alert"}, a.lang.T("error.locked"))}
	case "transparency":
		kids = a.transparency()
	case "precheck":
		kids = a.precheckView()
	case "choice":
		kids = a.choice()
	case "alternative":
		kids = []*browser.Node{
			h("h2", a.lang.T("alt.heading")),
			h("p", a.lang.T("alt.body", "text", a.info.Exam.AlternativeExam)),
			h("p", a.lang.T("tr.object", "text", a.objection())),
		}
	case "end":
		kids = a.end(arg)
	case "record":
		kids = a.record(arg)
	}
	a.step.ClearChildren()
	for _, k := range kids {
		a.step.AppendChild(k)
	}
	if p := browser.ByID("preview"); p != nil && preview != nil {
		p.AppendChild(preview)
	}
	a.liveValues()
}

func (a *app) drawSteps() {
	ol := browser.ByID("steps")
	if ol == nil {
		return
	}
	ol.ClearChildren()
	cur := slices.Index(steps, a.view)
	if a.view == "alternative" {
		cur = 3
	}
	setHidden(ol, cur < 0)
	for i, s := range steps {
		li := h("li", a.lang.T("step."+s))
		if i == cur {
			li.SetAttribute("aria-current", "step")
		}
		ol.AppendChild(li)
	}
}

func (a *app) transparency() []*browser.Node {
	l, e, p := a.lang, a.info.Exam, a.info.Policy
	out := []*browser.Node{
		h("h2", l.T("tr.heading")),
		h("p", class("exam-name"), l.T("tr.exam", "name", e.Name, "course", e.Course, "start", a.when(e.Start), "end", a.when(e.End))),
		h("p", class("hint zone"), l.T("zone", "zone", a.zoneName())),
		h("p", l.T("tr.intro")),
		h("h3", l.T("tr.detectors")),
	}
	if len(p.Detectors) == 0 {
		out = append(out, h("p", attr{"id", "detectors"}, l.T("tr.none")))
	} else {
		out = append(out, a.detectorList("detectors", true))
	}
	devices := h("ul", class("devices"))
	for _, d := range []struct {
		on      bool
		yes, no string
	}{{p.NeedsCamera(), "tr.camera", "tr.noCamera"}, {p.NeedsMicrophone(), "tr.microphone", "tr.noMicrophone"}} {
		key := d.no
		if d.on {
			key = d.yes
		}
		devices.AppendChild(h("li", l.T(key)))
	}
	integrity := h("ul", attr{"id", "integrity"})
	for _, k := range wire.Integrity {
		integrity.AppendChild(h("li", attr{"data-kind", string(k)}, h("strong", l.Kind(k)), ": ", l.Meaning(k, strconv.Itoa(wire.StallS))))
	}
	out = append(out, devices, h("p", l.T("tr.integrity")), integrity,
		h("h3", l.T("tr.example", "n", strconv.Itoa(p.IntervalS))),
		h("pre", class("json"), attr{"id", "example"}, exampleSummary(p, a.build, time.Now().UnixMilli())),
		h("p", l.T("tr.chain")),
		h("p", attr{"id", "retention"}, l.T("tr.retention", "days", strconv.Itoa(a.info.Retention.Days), "months", strconv.Itoa(a.info.Retention.MarkedMonths))),
		h("p", l.T("tr.review")),
		h("p", l.T("tr.legal", "text", e.LegalBasis)),
		h("p", l.T("tr.considered", "text", e.Alternatives)),
		h("p", attr{"id", "objection"}, l.T("tr.object", "text", a.objection())),
	)
	if e.AlternativeExam != "" {
		out = append(out, h("p", attr{"id", "alternative"}, l.T("tr.alternative", "text", e.AlternativeExam)))
	} else {
		out = append(out, h("p", attr{"id", "alternative"}, l.T("tr.noAlt")))
	}
	nav := h("p", class("actions"), button("to-precheck", l.T("tr.next"), class("primary")), " ", button("to-choice", l.T("tr.skip")))
	if a.hasFinished() {
		nav.AppendChild(h("span", " "))
		nav.AppendChild(button("record", l.T("tr.record")))
	}
	return append(out, nav)
}

// detectorList lists the policy's detectors with thresholds and, on the
// transparency screen, what each means.
func (a *app) detectorList(id string, meaning bool) *browser.Node {
	ul := h("ul", attr{"id", id}, class("detectors"))
	for _, d := range a.info.Policy.Detectors {
		t := strconv.FormatFloat(d.ThresholdS, 'f', -1, 64)
		li := h("li", attr{"data-kind", string(d.Kind)}, attr{"data-threshold", t}, h("strong", a.lang.Kind(d.Kind)))
		if d.ThresholdS > 0 {
			li.AppendChild(h("span", class("threshold"), " ("+a.lang.T("tr.threshold", "t", t)+")"))
		}
		if meaning {
			li.AppendChild(h("br"))
			li.AppendChild(h("span", a.lang.Meaning(d.Kind, t)))
		}
		ul.AppendChild(li)
	}
	return ul
}

func (a *app) hasFinished() bool {
	for _, s := range a.info.Sessions {
		if s.Finished != nil {
			return true
		}
	}
	return false
}

func (a *app) precheckView() []*browser.Node {
	l, p := a.lang, a.info.Policy
	out := []*browser.Node{h("h2", l.T("pc.heading")), h("p", l.T("pc.intro"))}
	if !p.NeedsCamera() && !p.NeedsMicrophone() {
		return append(out, h("p", l.T("pc.nothing")), h("p", class("actions"), button("to-choice", l.T("pc.next"), class("primary"))))
	}
	pc := a.precheck
	if p.NeedsCamera() {
		a.facesText = browser.Text("")
		out = append(out, h("div", attr{"id", "preview"}, attr{"aria-label", l.T("pc.preview")}), h("p", class("live"), a.facesText))
	}
	if p.NeedsMicrophone() {
		out = append(out, h("p", h("label", l.T("pc.micLevel"), h("meter", attr{"id", "level"}, attr{"min", "0"}, attr{"max", "1"}, attr{"value", "0"}))))
	}
	switch {
	case pc != nil && pc.running:
		a.countdown = browser.Text(l.T("pc.left", "n", strconv.Itoa(pc.left)))
		s := h("p", attr{"role", "status"}, attr{"id", "precheck-countdown"}, a.countdown)
		if p.NeedsMicrophone() {
			s.AppendChild(h("span", " "+l.T("pc.say")))
		}
		out = append(out, s)
	case pc != nil && pc.result != nil:
		r := pc.result
		res := h("div", attr{"id", "precheck-result"}, attr{"role", "status"})
		verdict, cls := "pc.passed", "ok"
		if !pc.passed(p) {
			verdict, cls = "pc.failed", "warn"
		}
		res.AppendChild(h("p", attr{"id", "precheck-verdict"}, attr{"data-passed", strconv.FormatBool(verdict == "pc.passed")}, class(cls+" verdict"), h("strong", l.T(verdict))))
		if p.NeedsCamera() {
			switch {
			case pc.camErr != "":
				res.AppendChild(h("p", class("error"), l.T("pc.noCamera", "msg", pc.camErr)))
				res.AppendChild(h("p", l.T("pc.advice")))
			case r.FaceFound:
				res.AppendChild(h("p", class("ok"), l.T("pc.faceFound", "n", strconv.Itoa(r.FaceFrames), "m", strconv.Itoa(r.Frames))))
			default:
				res.AppendChild(h("p", class("warn"), l.T("pc.faceMissing", "n", strconv.Itoa(r.FaceFrames), "m", strconv.Itoa(r.Frames))))
				res.AppendChild(h("p", l.T("pc.advice")))
			}
		}
		if p.NeedsMicrophone() {
			switch {
			case pc.micErr != "":
				res.AppendChild(h("p", class("error"), l.T("pc.noMic", "msg", pc.micErr)))
			case pc.speech:
				res.AppendChild(h("p", class("ok"), l.T("pc.speechHeard")))
			default:
				res.AppendChild(h("p", class("warn"), l.T("pc.speechNone")))
			}
		}
		res.AppendChild(h("p", class("hint"), l.T("pc.notSentAgain")))
		out = append(out, res, h("p", class("actions"), button("precheck-start", l.T("pc.again")), " ", button("to-choice", l.T("pc.next"), class("primary"))))
	default:
		out = append(out, h("p", class("actions"), button("precheck-start", l.T("pc.start"), class("primary")), " ", button("to-choice", l.T("tr.skip"))))
	}
	return out
}

func (a *app) choice() []*browser.Node {
	l, e := a.lang, a.info.Exam
	out := []*browser.Node{h("h2", l.T("ch.heading")), h("p", l.T("ch.intro"))}
	if (a.precheck == nil || a.precheck.result == nil) && a.info.Policy.NeedsCamera() {
		out = append(out, h("p", class("warn"), l.T("ch.noCheck")))
	}
	out = append(out, h("p", class("actions"), button("choose", l.T("ch.proctored"), attr{"value", "proctored"}, class("primary"))))
	if e.AlternativeExam != "" {
		out = append(out, h("p", l.T("tr.alternative", "text", e.AlternativeExam)),
			h("p", class("actions"), button("choose", l.T("ch.alternative"), attr{"value", "alternative"})))
	} else {
		out = append(out, h("p", l.T("ch.noAlt", "text", a.objection())))
	}
	return out
}

// drawPanel redraws the proctor panel beside the exam frame.
func (a *app) drawPanel() {
	if a.panel == nil || a.view != "exam" {
		return
	}
	l, p := a.lang, a.info.Policy
	a.remaining = browser.Text("")
	out := []*browser.Node{h("h2", l.T("ex.panel")), h("p", attr{"id", "remaining"}, class("remaining"), attr{"role", "timer"}, a.remaining)}
	if a.resumed {
		out = append(out, h("p", class("note"), l.T("ex.resumed")))
	}
	out = append(out, h("h3", l.T("ex.running")))
	if len(p.Detectors) == 0 {
		out = append(out, h("p", attr{"id", "running"}, l.T("ex.nothing")))
	} else {
		out = append(out, a.detectorList("running", false))
	}
	integrity := make([]string, len(wire.Integrity))
	for i, k := range wire.Integrity {
		integrity[i] = l.Kind(k)
	}
	out = append(out, h("p", class("hint"), l.T("tr.integrity")+" "+strings.Join(integrity, ", ")))
	if p.NeedsCamera() {
		a.facesText = browser.Text("")
		out = append(out, h("p", class("live"), a.facesText))
	}
	if p.NeedsMicrophone() {
		a.vText = browser.Text("")
		out = append(out, h("p", class("live"), a.vText))
	}
	if a.on[wire.CameraLost] {
		out = append(out, h("p", class("warn"), attr{"role", "alert"}, l.T("ex.cameraLost")))
	}
	if _, ok := p.Enabled(wire.FullscreenExit); ok {
		out = append(out, h("p", button("fullscreen", l.T("ex.fullscreen")), " ", h("span", class("hint"), l.T("ex.fsNote"))))
	}
	out = append(out, h("p", class("hint"), l.T("ex.frameNote")))
	switch {
	case a.finishing >= 0:
		s := h("p", attr{"role", "status"}, l.T("ex.finishing", "n", strconv.Itoa(a.finishing)))
		if a.finishErr != "" {
			s.AppendChild(h("br"))
			s.AppendChild(h("span", class("error"), l.T("ex.finishError", "msg", a.finishErr)))
		}
		out = append(out, s)
	default:
		out = append(out, h("p", button("finish", l.T("ex.finish"), attr{"id", "finish"}, class("primary"))))
	}
	out = append(out, h("h3", l.T("ex.sent", "n", strconv.Itoa(len(a.summaries)))))
	if len(a.summaries) == 0 {
		out = append(out, h("p", class("hint"), l.T("ex.none", "n", strconv.Itoa(p.IntervalS))))
	}
	list := h("ol", attr{"id", "summaries"}, attr{"reversed", ""})
	acked, dead := 0, 0
	for i := len(a.summaries) - 1; i >= 0; i-- { // newest first
		s := a.summaries[i]
		status := l.T("ex.queued")
		switch s.Status {
		case "acked":
			status, acked = l.T("ex.acked"), acked+1
		case "dead":
			status, dead = l.T("ex.dead", "reason", s.Reason), dead+1
		}
		details := h("details", h("summary", l.T("ex.json")), h("pre", class("json"), s.JSON))
		if a.openJSON[s.Seq] {
			details.SetAttribute("open", "")
		}
		details.SetAttribute("data-seq", strconv.FormatInt(s.Seq, 10))
		list.AppendChild(h("li", attr{"data-seq", strconv.FormatInt(s.Seq, 10)}, attr{"data-status", s.Status}, class(s.Status),
			h("div", fmt.Sprintf("#%d · ", s.Seq), h("span", class("status"), status)),
			h("div", class("line"), a.summaryLine(s.JSON)), details))
	}
	out = append(out, list)
	a.keepOpenJSON()
	a.panel.ClearChildren()
	for _, e := range out {
		a.panel.AppendChild(e)
	}
	a.body.SetAttribute("data-summaries", strconv.Itoa(len(a.summaries)))
	a.body.SetAttribute("data-summaries-acked", strconv.Itoa(acked))
	a.body.SetAttribute("data-summaries-dead", strconv.Itoa(dead))
	a.liveValues()
}

// liveValues updates the numbers that change every frame without a redraw.
func (a *app) liveValues() {
	a.liveRemaining()
	if a.facesText != nil {
		key := "ex.faces"
		if a.view == "precheck" {
			key = "pc.faces"
		}
		a.facesText.SetTextContent(a.lang.T(key, "n", strconv.Itoa(a.faces)))
	}
	if a.vText != nil {
		v := a.lang.T("no")
		if a.speaking {
			v = a.lang.T("yes")
		}
		a.vText.SetTextContent(a.lang.T("ex.speaking", "v", v))
	}
	if m := browser.ByID("level"); m != nil && a.view == "precheck" {
		// Speech sits around −30 dBFS: map −60..0 dB onto the meter.
		db := 20 * math.Log10(a.level+1e-9)
		m.Value().Set("value", min(1, max(0, (db+60)/60)))
	}
}

func (a *app) end(receiptJSON string) []*browser.Node {
	l := a.lang
	var r wire.SignedReceipt
	_ = json.Unmarshal([]byte(receiptJSON), &r)
	a.body.SetAttribute("data-receipt", strconv.FormatInt(r.Receipt.LastSeq, 10))
	return []*browser.Node{
		h("h2", l.T("end.heading")),
		h("p", l.T("end.receipt")),
		h("pre", class("json"), attr{"id", "receipt"}, pretty(receiptJSON)),
		a.receiptCheck(),
		h("p", attr{"id", "counts"}, a.counts(r.Receipt.Counts)),
		h("p", class("actions"), button("download-receipt", l.T("end.download"), class("primary")), " ", button("record", l.T("end.record"))),
		h("p", class("hint"), l.T("end.verify")),
	}
}

// counts lists a receipt's events per kind.
func (a *app) counts(counts map[wire.Kind]int64) string {
	kinds := make([]wire.Kind, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		return a.lang.T("end.noEvents")
	}
	slices.Sort(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", a.lang.Kind(k), counts[k])
	}
	return a.lang.T("end.counts", "counts", strings.Join(parts, ", "))
}

// record draws the student's own record: what reviewers see, without their
// notes. exam.js puts each session's timeline SVG into its placeholder.
func (a *app) record(recordJSON string) []*browser.Node {
	l := a.lang
	var rec wire.StudentRecord
	if err := wire.DecodeLimited(strings.NewReader(recordJSON), &rec, wire.MaxRecordBytes); err != nil {
		return []*browser.Node{h("p", class("error"), l.T("error.generic", "msg", err.Error()))}
	}
	out := []*browser.Node{
		h("h2", l.T("rec.heading")),
		h("p", l.T("rec.intro")),
		h("p", class("exam-name"), l.T("tr.exam", "name", a.info.Exam.Name, "course", a.info.Exam.Course, "start", a.when(a.info.Exam.Start), "end", a.when(a.info.Exam.End))),
		h("p", class("hint zone"), attr{"id", "zone"}, l.T("zone", "zone", a.zoneName())),
	}
	if len(rec.Sessions) == 0 {
		out = append(out, h("p", l.T("rec.none")))
	}
	for _, s := range rec.Sessions {
		ss := s.Session
		sec := h("section", class("card"), attr{"data-session", ss.ID})
		status := l.T("rec.open")
		if ss.Finished != nil {
			status = l.T("rec.finished", "at", a.when(*ss.Finished))
		}
		sec.AppendChild(h("h3", l.T("rec.session", "id", ss.ID)))
		sec.AppendChild(h("p", l.T("rec.started", "at", a.when(ss.Started))+", "+status))
		_, fa := ss.Policy.Enabled(wire.FaceAbsent)
		_, la := ss.Policy.Enabled(wire.LookingAway)
		unreliable := s.Unreliable
		if unreliable && (fa || la) {
			sec.AppendChild(h("p", class("note"), l.T("rec.unreliable")))
		}
		sec.AppendChild(h("h4", l.T("rec.timeline")))
		sec.AppendChild(h("div", class("timeline"), attr{"data-timeline", ss.ID}))
		sec.AppendChild(h("h4", l.T("rec.events")))
		if len(s.Events) == 0 {
			sec.AppendChild(h("p", class("hint"), l.T("rec.noEvents")))
		} else {
			ul := h("ul", class("events"))
			for _, e := range s.Events {
				li := h("li", attr{"data-kind", string(e.Kind)}, l.T("rec.event", "kind", l.Kind(e.Kind), "start", a.clock(e.Start), "end", a.clock(e.End),
					"dur", strconv.FormatFloat(float64(e.End-e.Start)/1000, 'f', 1, 64)))
				if unreliable && (e.Kind == wire.FaceAbsent || e.Kind == wire.LookingAway) {
					li.SetAttribute("class", "unreliable")
					li.AppendChild(h("span", class("tag"), " ("+l.T("rec.unrelTag")+")"))
				}
				ul.AppendChild(li)
			}
			sec.AppendChild(ul)
		}
		sec.AppendChild(h("h4", l.T("rec.marks")))
		if len(s.Marks) == 0 {
			sec.AppendChild(h("p", class("hint"), l.T("rec.noMarks")))
		}
		for _, m := range s.Marks {
			p := h("p", l.T("rec.mark", "kind", l.T("mark."+m.Kind), "by", m.By, "at", a.when(m.At), "reason", m.Reason))
			if m.Removed != nil {
				p.AppendChild(h("span", " "+l.T("rec.removed", "at", a.when(*m.Removed))))
			}
			sec.AppendChild(p)
		}
		if s.Receipt != nil {
			receipt, _ := json.Marshal(s.Receipt)
			sec.AppendChild(h("details", h("summary", l.T("rec.receipt")), h("pre", class("json"), pretty(string(receipt)))))
		}
		out = append(out, sec)
	}
	views := h("section", class("card"), h("h3", l.T("rec.views")))
	if len(rec.Views) == 0 {
		views.AppendChild(h("p", class("hint"), l.T("rec.noViews")))
	}
	ul := h("ul", attr{"id", "views"})
	for _, v := range rec.Views {
		ul.AppendChild(h("li", l.T("rec.view", "who", v.Who, "at", a.when(v.At), "what", v.What)))
	}
	views.AppendChild(ul)
	return append(out, views, h("p", class("actions"), button("back", l.T("rec.back"))))
}

// exampleSummary is the transparency screen's example: a summary exactly as
// this policy would send it, with one event of each enabled kind.
func exampleSummary(p wire.Policy, build string, now int64) string {
	interval := int64(max(p.IntervalS, 1)) * 1000
	s := wire.Summary{
		Session: "s-example",
		Seq:     1,
		Prev:    wire.Genesis,
		Build:   build,
		Window:  wire.Window{From: now, To: now + interval},
		Events:  []wire.Event{},
	}
	if p.NeedsCamera() {
		s.Health = wire.Health{Frames: 5 * int64(max(p.IntervalS, 1)), FPS: 5}
	}
	for i, d := range p.Detectors {
		start := now + int64(i+1)*1000
		end := min(start+int64(max(d.ThresholdS, 2)*1000), s.Window.To)
		peak := 1.0
		switch d.Kind {
		case wire.MultipleFaces:
			peak = 2
		case wire.LookingAway:
			peak = 0.42
		case wire.Paste:
			end = start
		}
		s.Events = append(s.Events, wire.Event{Kind: d.Kind, Start: start, End: end, Peak: peak})
	}
	b, _ := json.MarshalIndent(wire.SignedSummary{Summary: s, Sig: "(the Ed25519 signature, 88 characters of base64)"}, "", "  ")
	return string(b)
}

func pretty(s string) string {
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(s), "", "  ") != nil {
		return s
	}
	return buf.String()
}

// wall is the wall clock at ms in the server's zone (a.zone, from GET
// /api/v1/clock): every page shows the one clock the server's timelines
// and exports use, whatever zone this computer is in. Go's WebAssembly has
// no zone database, so the browser's Intl converts; sv-SE writes
// "2006-01-02 15:04:05".
func (a *app) wall(ms int64) time.Time {
	if a.zone == "" {
		return time.UnixMilli(ms).UTC()
	}
	s := js.Global().Get("Date").New(float64(ms)).Call("toLocaleString", "sv-SE", map[string]any{"timeZone": a.zone, "hour12": false}).String()
	t, err := time.Parse("2006-01-02 15:04:05", strings.ReplaceAll(s, "\u00a0", " "))
	if err != nil {
		return time.UnixMilli(ms).UTC()
	}
	return t.Add(time.Duration(ms%1000) * time.Millisecond)
}

func (a *app) zoneName() string {
	if a.zone == "" {
		return "UTC"
	}
	return a.zone
}

// when is a date and time in the language's one format.
func (a *app) when(t time.Time) string { return a.lang.Date(a.wall(t.UnixMilli())) }

func (a *app) clock(ms int64) string { return a.wall(ms).Format("15:04:05") }

// summaryLine says in words what a sent summary holds: its window and
// what was seen, e.g. "14:05:10–14:05:15: Speech 2.1 s, Paste 1". body is
// the signed body or the bare summary.
func (a *app) summaryLine(body string) string {
	var signed wire.SignedSummary
	if json.Unmarshal([]byte(body), &signed) != nil || signed.Summary.Window.To == 0 {
		if json.Unmarshal([]byte(body), &signed.Summary) != nil {
			return ""
		}
	}
	s := signed.Summary
	seen := make([]string, 0, len(s.Events))
	for _, e := range s.Events {
		switch {
		case e.Kind == wire.Paste:
			seen = append(seen, fmt.Sprintf("%s %g", a.lang.Kind(e.Kind), max(e.Peak, 1)))
		case e.End > e.Start:
			seen = append(seen, fmt.Sprintf("%s %.1f s", a.lang.Kind(e.Kind), float64(e.End-e.Start)/1000))
		default:
			seen = append(seen, a.lang.Kind(e.Kind))
		}
	}
	what := strings.Join(seen, ", ")
	if what == "" {
		what = a.lang.T("ex.nothingSeen")
	}
	return a.lang.T("ex.line", "from", a.clock(s.Window.From), "to", a.clock(s.Window.To), "seen", what)
}

// keepOpenJSON remembers which summaries' JSON the student opened, so a
// redraw (a new summary, an acknowledgement) does not close them.
func (a *app) keepOpenJSON() {
	open := js.Global().Get("document").Call("querySelectorAll", "#summaries details[open][data-seq]")
	a.openJSON = map[int64]bool{}
	for i := 0; i < open.Length(); i++ {
		if n, err := strconv.ParseInt(open.Index(i).Call("getAttribute", "data-seq").String(), 10, 64); err == nil {
			a.openJSON[n] = true
		}
	}
}

// liveRemaining shows the time left until the exam's end, every tick
// without a redraw.
func (a *app) liveRemaining() {
	if a.remaining == nil || a.view != "exam" {
		return
	}
	end := a.info.Exam.End.UnixMilli()
	left := (end - int64(js.Global().Get("Date").Call("now").Float()) + 999) / 1000
	endAt := a.wall(end).Format("15:04")
	a.body.SetAttribute("data-remaining-s", strconv.FormatInt(max(left, 0), 10))
	if left <= 0 {
		a.remaining.SetTextContent(a.lang.T("ex.over", "end", endAt))
		return
	}
	a.remaining.SetTextContent(a.lang.T("ex.remaining", "left", fmt.Sprintf("%d:%02d:%02d", left/3600, left/60%60, left%60), "end", endAt))
}

// receiptCheck is the end screen's line on the in-page check of the
// receipt's signature (exam.js runs it with WebCrypto, receiptVerified
// reports it).
func (a *app) receiptCheck() *browser.Node {
	p := h("p", attr{"id", "receipt-check"}, attr{"role", "status"})
	switch {
	case a.receiptOK == nil:
		p.AppendChild(h("span", a.lang.T("end.checking")))
	case *a.receiptOK:
		p.SetAttribute("data-verified", "true")
		p.SetAttribute("class", "ok")
		p.AppendChild(h("strong", a.lang.T("end.verified", "key", a.receiptKey)))
	default:
		p.SetAttribute("data-verified", "false")
		p.SetAttribute("class", "error")
		p.AppendChild(h("strong", a.lang.T("end.notVerified", "msg", a.receiptErr)))
	}
	return p
}

func setHidden(e *browser.Node, hidden bool) {
	if e == nil {
		return
	}
	if hidden {
		e.SetAttribute("hidden", "")
	} else {
		e.RemoveAttribute("hidden")
	}
}

// objection is where to object: the server's configured contact, or, when
// none is configured (empty), the exam committee in the student's language.
func (a *app) objection() string {
	if a.info.Objection == "" {
		return a.lang.T("tr.objectTo")
	}
	return a.info.Objection
}
