// Package timeline draws one exam session as an SVG timeline for the
// reviewer and the student: a row per detector over the exam window, each
// event a bar, integrity events in their own colour and the periods in which
// a detector could not see hatched as unreliable. It shows events only:
// reviewer notes, scores and rankings have no place in it.
//
// The output is a pure function of its input, so the reviewer and the
// student see byte for byte the same picture. It uses presentation
// attributes only, no <style>, so it renders under a CSP without
// 'unsafe-inline'.
package timeline

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/lang"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Join merges the pieces of one kind that summary windows cut apart: a
// piece that starts at or before the end of the previous piece of its kind
// continues it. The result is sorted by start, then kind.
func Join(events []wire.Event) []wire.Event {
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b wire.Event) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End))
	})
	out := []wire.Event{}
	for _, e := range sorted {
		if n := len(out); n > 0 && out[n-1].Kind == e.Kind && e.Start <= out[n-1].End {
			last := &out[n-1]
			last.End = max(last.End, e.End)
			last.Peak = joinPeak(e.Kind, last.Peak, e.Peak)
			continue
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b wire.Event) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// joinPeak combines the peaks of two pieces as wire.Event defines them.
func joinPeak(k wire.Kind, a, b float64) float64 {
	switch k {
	case wire.LookingAway: // the lowest frontal ratio
		return min(a, b)
	case wire.Paste: // a count
		return a + b
	}
	return max(a, b)
}

// Session is what the timeline shows of one session.
type Session struct {
	From, To time.Time // the exam window
	Started  time.Time
	// Ended is when the session finished, or the end of its last summary;
	// zero while nothing has arrived.
	Ended time.Time
	// Kinds are the detectors the session ran: each gets a row, with
	// events or without. Kinds of events not listed get a row too, and
	// the integrity kinds always have one.
	Kinds  []wire.Kind
	Events []wire.Event // joined
	// Unreliable: the pre-check did not find the face, so face_absent and
	// looking_away mean little for the whole session.
	Unreliable bool
	Location   *time.Location // for tick labels; nil is UTC
	Lang       lang.Lang      // the reader's; "" is English
}

// Layout, in SVG user units.
const (
	width    = 960.0
	left     = 150.0 // row labels
	right    = 20.0
	top      = 40.0 // date and tick labels
	rowH     = 26.0
	barH     = 14.0
	legendH  = 56.0
	minWidth = 2.0 // an instant event stays visible

	colourEvent      = "#1f5f99"
	colourIntegrity  = "#b36b00"
	colourUnreliable = "#a6a6a6"
	colourGrid       = "#d9d9d9"
	colourText       = "#222222"
)

// tickSteps are the tick spacings to choose from; the smallest that gives
// at most maxTicks ticks wins.
var tickSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

const maxTicks = 10

// SVG renders the session.
func SVG(s Session) []byte {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	l := s.Lang
	if l == "" {
		l = lang.EN
	}
	rows := rowKinds(s)
	lo, hi := span(s)
	plotW := width - left - right
	x := func(ms int64) float64 { return left + float64(ms-lo)/float64(hi-lo)*plotW }
	height := top + float64(len(rows))*rowH + legendH
	periods := stalled(s, l)

	var b svgBuilder
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="lokaal-timeline-title" font-family="sans-serif" font-size="12">`+"\n",
		num(width), num(height), num(width), num(height))
	b.printf(`<title id="lokaal-timeline-title">%s</title>`+"\n",
		esc(l.T("tl.title", "from", l.Date(time.UnixMilli(lo).In(loc)), "to", time.UnixMilli(hi).In(loc).Format("15:04 MST"))))
	b.printf(`<defs><pattern id="lokaal-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
		`<rect width="6" height="6" fill="#f0f0f0"/><line x1="0" y1="0" x2="0" y2="6" stroke="` + colourUnreliable + `" stroke-width="2"/></pattern></defs>` + "\n")

	// Date, ticks and grid.
	bottom := top + float64(len(rows))*rowH
	b.printf(`<text class="date" x="4" y="14" fill="%s">%s</text>`+"\n", colourText, esc(l.Date(time.UnixMilli(lo).In(loc))+" ("+time.UnixMilli(lo).In(loc).Format("MST")+")"))
	for _, t := range ticks(lo, hi, loc) {
		tx := x(t.UnixMilli())
		b.printf(`<line class="tick" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(tx), num(top-6), num(tx), num(bottom), colourGrid)
		b.printf(`<text class="tick" x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`+"\n", num(tx), num(top-10), colourText, esc(t.Format("15:04")))
	}
	for _, w := range []struct {
		label string
		t     time.Time
	}{{l.T("tl.starts"), s.From}, {l.T("tl.ends"), s.To}} {
		wx := x(w.t.UnixMilli())
		b.printf(`<line class="window" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-dasharray="4 3"><title>%s</title></line>`+"\n",
			num(wx), num(top-4), num(wx), num(bottom), colourText, esc(w.label+" "+w.t.In(loc).Format("15:04")))
	}

	for i, k := range rows {
		y := top + float64(i)*rowH
		barY := y + (rowH-barH)/2
		whole := s.Unreliable && (k == wire.FaceAbsent || k == wire.LookingAway)
		b.printf(`<g class="row" data-kind="%s">`+"\n", esc(string(k)))
		labelY := y + rowH/2 + 4
		if whole {
			labelY = y + rowH/2 - 1
		}
		b.printf(`<text class="label" x="%s" y="%s" text-anchor="end" fill="%s">%s</text>`+"\n", num(left-8), num(labelY), colourText, esc(kindName(l, k)))
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(left), num(y+rowH), num(width-right), num(y+rowH), colourGrid)
		var unreliable []period
		if whole {
			end := s.Ended
			if end.IsZero() {
				end = s.To
			}
			unreliable = []period{{s.Started.UnixMilli(), max(end.UnixMilli(), s.Started.UnixMilli()), l.T("tl.noFace")}}
		}
		if usesCamera(k) {
			unreliable = append(unreliable, periods...)
		}
		for _, p := range unreliable {
			x0, x1 := x(p.from), x(p.to)
			b.printf(`<rect class="period" x="%s" y="%s" width="%s" height="%s" fill="url(#lokaal-hatch)"><title>%s</title></rect>`+"\n",
				num(x0), num(y+2), num(max(x1-x0, minWidth)), num(rowH-4), esc(p.why))
		}
		if whole {
			b.printf(`<text class="note" x="%s" y="%s" text-anchor="end" fill="%s" font-size="9" font-style="italic">%s</text>`+"\n", num(left-8), num(y+rowH-3), colourText, esc(l.T("tl.unreliable")))
		}
		for _, e := range s.Events {
			if e.Kind != k {
				continue
			}
			class, fill := "event", colourEvent
			switch {
			case wire.IsIntegrity(k):
				class, fill = "event integrity", colourIntegrity
			case overlaps(e, unreliable):
				class, fill = "event unreliable", colourUnreliable
			}
			x0, x1 := x(e.Start), x(e.End)
			w := x1 - x0
			if w < minWidth {
				x0, w = x0-minWidth/2, minWidth
			}
			b.printf(`<rect class="%s" data-kind="%s" data-start="%d" data-end="%d" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n",
				class, esc(string(k)), e.Start, e.End, num(x0), num(barY), num(w), num(barH), fill, esc(describe(e, loc, l)))
		}
		b.printf("</g>\n")
	}

	// Legend; a fill of "" is the exam window's dashed line.
	ly := bottom + 20
	for i, l := range []struct{ fill, label string }{
		{colourEvent, l.T("tl.event")},
		{colourIntegrity, l.T("tl.integrity")},
		{"url(#lokaal-hatch)", l.T("tl.unseen")},
		{"", l.T("tl.window")},
	} {
		lx := left + float64(i%2)*360
		yy := ly + float64(i/2)*20
		if l.fill == "" {
			b.printf(`<line class="legend" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-dasharray="4 3"/>`, num(lx+7), num(yy-11), num(lx+7), num(yy+1), colourText)
		} else {
			b.printf(`<rect class="legend" x="%s" y="%s" width="14" height="10" fill="%s"/>`, num(lx), num(yy-9), l.fill)
		}
		b.printf(`<text class="legend" x="%s" y="%s" fill="%s">%s</text>`+"\n", num(lx+20), num(yy), colourText, esc(l.label))
	}
	b.printf("</svg>\n")
	return b.Bytes()
}

// rowKinds lists the rows: the session's detectors and any other detector
// kind with events, in catalogue order, then every integrity kind.
func rowKinds(s Session) []wire.Kind {
	want := map[wire.Kind]bool{}
	for _, k := range s.Kinds {
		want[k] = true
	}
	for _, e := range s.Events {
		want[e.Kind] = true
	}
	var rows []wire.Kind
	for _, d := range wire.Catalogue {
		if want[d.Kind] {
			rows = append(rows, d.Kind)
			delete(want, d.Kind)
		}
	}
	rows = append(rows, wire.Integrity...)
	for _, k := range wire.Integrity {
		delete(want, k)
	}
	// Kinds outside the catalogue cannot pass the server's checks; drawn
	// anyway, sorted, so nothing stored is hidden.
	rest := make([]wire.Kind, 0, len(want))
	for k := range want {
		rest = append(rest, k)
	}
	slices.Sort(rest)
	return append(rows, rest...)
}

// span is the axis: the exam window, widened to every event and the
// session itself, since summaries may lie within the tolerance outside it.
func span(s Session) (lo, hi int64) {
	lo, hi = s.From.UnixMilli(), s.To.UnixMilli()
	for _, t := range []time.Time{s.Started, s.Ended} {
		if !t.IsZero() {
			lo, hi = min(lo, t.UnixMilli()), max(hi, t.UnixMilli())
		}
	}
	for _, e := range s.Events {
		lo, hi = min(lo, e.Start), max(hi, e.End)
	}
	if hi <= lo {
		hi = lo + time.Minute.Milliseconds()
	}
	return lo, hi
}

// ticks returns the tick times: multiples of a round step counted from
// local midnight.
func ticks(lo, hi int64, loc *time.Location) []time.Time {
	d := time.Duration(hi-lo) * time.Millisecond
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if d/s <= maxTicks {
			step = s
			break
		}
	}
	first := time.UnixMilli(lo).In(loc)
	t := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	for t.UnixMilli() < lo {
		t = t.Add(step)
	}
	var out []time.Time
	for ; t.UnixMilli() <= hi; t = t.Add(step) {
		out = append(out, t)
	}
	return out
}

type period struct {
	from, to int64
	why      string
}

// stalled returns the periods in which the camera detectors saw nothing.
func stalled(s Session, l lang.Lang) []period {
	var ps []period
	for _, e := range s.Events {
		switch e.Kind {
		case wire.CameraLost:
			ps = append(ps, period{e.Start, e.End, l.T("tl.cameraLost")})
		case wire.DetectorStalled:
			ps = append(ps, period{e.Start, e.End, l.T("tl.stalled")})
		}
	}
	return ps
}

func usesCamera(k wire.Kind) bool {
	d, ok := wire.CatalogueEntry(k)
	return ok && d.Camera
}

func overlaps(e wire.Event, ps []period) bool {
	for _, p := range ps {
		if e.Start <= p.to && e.End >= p.from {
			return true
		}
	}
	return false
}

// kindName is k's name in the reader's language, or k itself for a kind
// the catalogue does not know.
func kindName(l lang.Lang, k wire.Kind) string {
	if n := l.Kind(k); n != "kind."+string(k) {
		return n
	}
	return string(k)
}

// describe is an event's tooltip.
func describe(e wire.Event, loc *time.Location, l lang.Lang) string {
	start, end := time.UnixMilli(e.Start).In(loc), time.UnixMilli(e.End).In(loc)
	s := kindName(l, e.Kind) + " " + start.Format("15:04:05")
	if e.End > e.Start {
		s += "–" + end.Format("15:04:05") + " (" + (time.Duration(e.End-e.Start) * time.Millisecond).Round(time.Second).String() + ")"
	}
	switch e.Kind {
	case wire.MultipleFaces:
		s += ", " + l.T("tl.mostFaces", "n", strconv.FormatFloat(e.Peak, 'f', -1, 64))
	case wire.LookingAway:
		s += ", " + l.T("tl.frontal", "n", strconv.FormatFloat(e.Peak, 'f', 2, 64))
	case wire.Paste:
		s += ", " + l.T("tl.pastes", "n", strconv.FormatFloat(e.Peak, 'f', -1, 64))
	}
	return s
}

type svgBuilder struct{ bytes.Buffer }

func (b *svgBuilder) printf(format string, args ...any) { fmt.Fprintf(b, format, args...) }

// esc escapes text and attribute values.
func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// num formats a coordinate with one decimal: deterministic and short.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
