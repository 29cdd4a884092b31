package timeline

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/lang"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var t0 = time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)

func ms(d time.Duration) int64 { return t0.Add(d).UnixMilli() }

func TestJoin(t *testing.T) {
	pieces := []wire.Event{
		// face_absent runs across the 30 s boundary: two pieces, one event.
		{Kind: wire.FaceAbsent, Start: ms(20 * time.Second), End: ms(30 * time.Second), Peak: 1},
		{Kind: wire.FaceAbsent, Start: ms(30 * time.Second), End: ms(45 * time.Second), Peak: 1},
		// A later, separate face_absent.
		{Kind: wire.FaceAbsent, Start: ms(70 * time.Second), End: ms(85 * time.Second), Peak: 1},
		// Peaks combine by kind: most faces, lowest ratio, summed pastes.
		{Kind: wire.MultipleFaces, Start: ms(25 * time.Second), End: ms(30 * time.Second), Peak: 2},
		{Kind: wire.MultipleFaces, Start: ms(30 * time.Second), End: ms(33 * time.Second), Peak: 3},
		{Kind: wire.LookingAway, Start: ms(10 * time.Second), End: ms(30 * time.Second), Peak: 0.4},
		{Kind: wire.LookingAway, Start: ms(30 * time.Second), End: ms(31 * time.Second), Peak: 0.6},
		{Kind: wire.Paste, Start: ms(28 * time.Second), End: ms(30 * time.Second), Peak: 2},
		{Kind: wire.Paste, Start: ms(30 * time.Second), End: ms(30 * time.Second), Peak: 1},
		{Kind: wire.PageReloaded, Start: ms(31 * time.Second), End: ms(31 * time.Second), Peak: 1},
	}
	want := []wire.Event{
		{Kind: wire.LookingAway, Start: ms(10 * time.Second), End: ms(31 * time.Second), Peak: 0.4},
		{Kind: wire.FaceAbsent, Start: ms(20 * time.Second), End: ms(45 * time.Second), Peak: 1},
		{Kind: wire.MultipleFaces, Start: ms(25 * time.Second), End: ms(33 * time.Second), Peak: 3},
		{Kind: wire.Paste, Start: ms(28 * time.Second), End: ms(30 * time.Second), Peak: 3},
		{Kind: wire.PageReloaded, Start: ms(31 * time.Second), End: ms(31 * time.Second), Peak: 1},
		{Kind: wire.FaceAbsent, Start: ms(70 * time.Second), End: ms(85 * time.Second), Peak: 1},
	}
	// The order the pieces arrive in does not matter.
	for _, in := range [][]wire.Event{pieces, reversed(pieces)} {
		if got := Join(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Join\n got %+v\nwant %+v", got, want)
		}
	}
	if got := Join(nil); got == nil || len(got) != 0 {
		t.Errorf("Join(nil) = %#v, want an empty slice", got)
	}
}

func reversed(es []wire.Event) []wire.Event {
	out := make([]wire.Event, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e
	}
	return out
}

// node is any SVG element, for walking the parsed output.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) num(t *testing.T, name string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("%s %s=%q: %v", n.XMLName.Local, name, n.attr(name), err)
	}
	return f
}

// title is the text of the element's <title> child.
func (n node) title() string {
	for _, c := range n.Nodes {
		if c.XMLName.Local == "title" {
			return c.Text
		}
	}
	return ""
}

// find returns every element below n (depth first) for which keep holds,
// with the data-kind of the row it is in.
func (n node) find(keep func(node) bool) []node {
	var out []node
	for _, c := range n.Nodes {
		if keep(c) {
			out = append(out, c)
		}
		out = append(out, c.find(keep)...)
	}
	return out
}

func hasClass(class string) func(node) bool {
	return func(n node) bool {
		for _, c := range strings.Fields(n.attr("class")) {
			if c == class {
				return true
			}
		}
		return false
	}
}

func parse(t *testing.T, svg []byte) node {
	t.Helper()
	var root node
	if err := xml.Unmarshal(svg, &root); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, svg)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root %v", root.XMLName)
	}
	return root
}

// rows maps each row's kind to the row.
func rows(root node) (kinds []string, byKind map[string]node) {
	byKind = map[string]node{}
	for _, r := range root.find(hasClass("row")) {
		kinds = append(kinds, r.attr("data-kind"))
		byKind[r.attr("data-kind")] = r
	}
	return kinds, byKind
}

func session() Session {
	return Session{
		From: t0, To: t0.Add(2 * time.Hour), Started: t0.Add(-5 * time.Minute), Ended: t0.Add(2 * time.Hour),
		Kinds: []wire.Kind{wire.Speech, wire.FaceAbsent, wire.LookingAway},
		Events: Join([]wire.Event{
			{Kind: wire.FaceAbsent, Start: ms(10 * time.Minute), End: ms(10*time.Minute + 40*time.Second), Peak: 1},
			{Kind: wire.FaceAbsent, Start: ms(60 * time.Minute), End: ms(61 * time.Minute), Peak: 1},
			{Kind: wire.Speech, Start: ms(30 * time.Minute), End: ms(30*time.Minute + 8*time.Second), Peak: 1},
			{Kind: wire.CameraLost, Start: ms(90 * time.Minute), End: ms(95 * time.Minute), Peak: 1},
			{Kind: wire.PageReloaded, Start: ms(40 * time.Minute), End: ms(40 * time.Minute), Peak: 1},
		}),
		Location: time.UTC,
	}
}

func TestSVGRowsAndBars(t *testing.T) {
	s := session()
	root := parse(t, SVG(s))

	// One row per enabled detector, in catalogue order, then the
	// integrity kinds; a row label per row.
	kinds, byKind := rows(root)
	want := []string{"face_absent", "looking_away", "speech", "camera_lost", "detector_stalled", "page_reloaded", "clock_skew"}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("rows %v, want %v", kinds, want)
	}
	for _, k := range want {
		labels := byKind[k].find(hasClass("label"))
		if len(labels) != 1 || labels[0].Text != lang.EN.Kind(wire.Kind(k)) {
			t.Errorf("row %s: labels %+v", k, labels)
		}
	}

	// Every event is one bar in its row, placed in time order, and longer
	// events are wider.
	bars := root.find(hasClass("event"))
	if len(bars) != len(s.Events) {
		t.Fatalf("%d bars, want %d", len(bars), len(s.Events))
	}
	fa := byKind["face_absent"].find(hasClass("event"))
	if len(fa) != 2 {
		t.Fatalf("face_absent bars %d, want 2", len(fa))
	}
	if !(fa[0].num(t, "x") < fa[1].num(t, "x")) || !(fa[0].num(t, "width") < fa[1].num(t, "width")) {
		t.Errorf("face_absent bars not in time order or width: %+v", fa)
	}
	if got := fa[0].attr("data-start"); got != strconv.FormatInt(ms(10*time.Minute), 10) {
		t.Errorf("data-start %s", got)
	}
	if title := fa[0].title(); !strings.Contains(title, "09:10:00–09:10:40") || !strings.Contains(title, "40s") {
		t.Errorf("tooltip %q", title)
	}
	// Integrity events have their own class and colour.
	cl := byKind["camera_lost"].find(hasClass("event"))
	if len(cl) != 1 || !hasClass("integrity")(cl[0]) || cl[0].attr("fill") == fa[0].attr("fill") {
		t.Errorf("camera_lost bar %+v", cl)
	}
	// An instant event stays visible.
	pr := byKind["page_reloaded"].find(hasClass("event"))
	if len(pr) != 1 || pr[0].num(t, "width") < minWidth {
		t.Errorf("page_reloaded bar %+v", pr)
	}
	// A bar's x agrees with the tick of its time.
	var tick1000 float64 = -1
	for _, tk := range root.find(func(n node) bool { return n.XMLName.Local == "text" && hasClass("tick")(n) }) {
		if tk.Text == "10:00" {
			tick1000 = tk.num(t, "x")
		}
	}
	if x := fa[1].num(t, "x"); tick1000 < 0 || x != tick1000 {
		t.Errorf("bar at 10:00 has x %g, tick 10:00 at %g", x, tick1000)
	}

	// The camera loss hatches the camera rows for its period, not speech.
	for k, n := range map[string]int{"face_absent": 1, "looking_away": 1, "speech": 0, "camera_lost": 0} {
		if got := len(byKind[k].find(hasClass("period"))); got != n {
			t.Errorf("row %s: %d unreliable periods, want %d", k, got, n)
		}
	}
	// A legend explains the styles.
	var legend []string
	for _, l := range root.find(func(n node) bool { return n.XMLName.Local == "text" && hasClass("legend")(n) }) {
		legend = append(legend, l.Text)
	}
	if len(legend) != 4 || !strings.Contains(strings.Join(legend, "|"), "unreliable") || !strings.Contains(strings.Join(legend, "|"), "integrity") {
		t.Errorf("legend %q", legend)
	}
}

func TestSVGUnreliableSession(t *testing.T) {
	s := session()
	s.Unreliable = true
	root := parse(t, SVG(s))
	_, byKind := rows(root)
	for _, k := range []string{"face_absent", "looking_away"} {
		notes := byKind[k].find(hasClass("note"))
		if len(notes) != 1 || notes[0].Text != "unreliable for this session" {
			t.Errorf("row %s: notes %+v", k, notes)
		}
		periods := byKind[k].find(hasClass("period"))
		if len(periods) != 2 { // the whole session and the camera loss
			t.Fatalf("row %s: %d unreliable periods", k, len(periods))
		}
		// The whole-session period runs from the session's start to its end.
		whole := periods[0]
		if whole.num(t, "x") != left || whole.num(t, "x")+whole.num(t, "width") != width-right {
			t.Errorf("row %s: whole-session period %+v", k, whole)
		}
	}
	// Events in unreliable rows are greyed, never shown as plain events.
	for _, b := range byKind["face_absent"].find(hasClass("event")) {
		if !hasClass("unreliable")(b) || b.attr("fill") != colourUnreliable {
			t.Errorf("face_absent bar not greyed: %+v", b)
		}
	}
	for _, b := range byKind["speech"].find(hasClass("event")) {
		if hasClass("unreliable")(b) {
			t.Errorf("speech bar greyed: %+v", b)
		}
	}
	if notes := byKind["speech"].find(hasClass("note")); len(notes) != 0 {
		t.Errorf("speech row marked unreliable")
	}
}

func TestSVGEscapesAndIsDeterministic(t *testing.T) {
	s := session()
	// Kinds cannot carry markup past the server's checks; the renderer
	// escapes anyway.
	s.Events = append(s.Events, wire.Event{Kind: `<script>alert("x")</script>&`, Start: ms(time.Minute), End: ms(2 * time.Minute)})
	out := SVG(s)
	if !bytes.Equal(out, SVG(s)) {
		t.Error("two renders differ")
	}
	if bytes.Contains(out, []byte("<script")) {
		t.Errorf("markup not escaped:\n%s", out)
	}
	root := parse(t, out)
	_, byKind := rows(root)
	odd := byKind[`<script>alert("x")</script>&`]
	if labels := odd.find(hasClass("label")); len(labels) != 1 || labels[0].Text != `<script>alert("x")</script>&` {
		t.Errorf("odd kind's label %+v", labels)
	}
	if len(root.find(func(n node) bool { return n.XMLName.Local == "style" || n.XMLName.Local == "script" })) != 0 {
		t.Error("SVG has a style or script element")
	}
}

func TestTicks(t *testing.T) {
	// 2 h: 15-minute steps from 09:00, on round local times.
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip(err)
	}
	from := time.Date(2026, 3, 12, 8, 55, 0, 0, loc)
	got := ticks(from.UnixMilli(), from.Add(2*time.Hour).UnixMilli(), loc)
	var labels []string
	for _, tk := range got {
		labels = append(labels, tk.Format("15:04"))
	}
	want := "09:00 09:15 09:30 09:45 10:00 10:15 10:30 10:45"
	if strings.Join(labels, " ") != want {
		t.Errorf("ticks %v, want %s", labels, want)
	}
}

// TestSVGInDutch: a Dutch reader gets the rows, the legend and the notes in
// Dutch, from the same catalogue as the exam page.
func TestSVGInDutch(t *testing.T) {
	s := Session{From: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC),
		Started: time.Date(2026, 1, 1, 9, 1, 0, 0, time.UTC), Kinds: []wire.Kind{wire.FaceAbsent}, Unreliable: true, Lang: lang.NL}
	out := string(SVG(s))
	for _, want := range []string{lang.NL.Kind(wire.FaceAbsent), "tentamenvenster", "onbetrouwbaar voor deze sessie", "1 jan 2026"} {
		if !strings.Contains(out, want) {
			t.Errorf("Dutch timeline lacks %q", want)
		}
	}
	for _, english := range []string{"exam window", "unreliable for this session", "Face absent"} {
		if strings.Contains(out, english) {
			t.Errorf("Dutch timeline says %q", english)
		}
	}
}
