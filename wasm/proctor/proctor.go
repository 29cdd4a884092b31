// Package proctor turns what the exam page observes (faces per camera frame,
// voice-activity decisions, page signals) into the events of the signed
// summaries it sends. It is plain Go: the browser, `lokaal replay` and the
// tests run the same rules.
//
// A condition becomes an event only after it has held for the policy's
// threshold, and ends only after it has been absent for Release, so one
// flickering frame neither starts nor ends an event. An event starts where
// its condition began. Summaries are complete on their own: an event running
// when a window closes is reported up to the window's end and again from the
// next window's start.
package proctor

import (
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const (
	// AwayBelow is the face.Frontal value under which a present face counts
	// as looking away. For BlazeFace faces Frontal falls under it exactly
	// when |yaw| exceeds face.YawAway (TestYawCut). For pigo faces
	// (replay with the cascade), measured in TestAwayCut: no frame of face-present
	// falls under 0.86 of its own baseline; on face-turning, labelled by eye,
	// every turned-away frame with a face is under 0.52 and every facing one
	// but the last four is over 0.54. 0.5 sits just under that gap: it
	// misses the three least-turned frames rather than flag facing ones.
	// The tilted heads of two-faces dip under it in 4 % of frames, for
	// 0.2 s at a time, which the thresholds absorb.
	AwayBelow = 0.5

	// DefaultBaseline stands in for the pre-check's face score when it found
	// no face. It matters only for pigo faces (lokaal replay with the
	// cascade): a BlazeFace face has keypoints, and face.Frontal then uses
	// its yaw, not the score. The value is pigo's median best-face score of
	// the facing fixtures (face-present 156, two-faces 135, both 145). Such
	// sessions are reported unreliable for face_absent and looking_away.
	DefaultBaseline = 145

	// Release is how long a condition must be absent before its event ends.
	// It has to outlast the detector's flicker: on two-faces the cascade
	// drops the second tilted face for up to 15 frames (0.5 s at 30 fps),
	// and the facing moments between turns on face-turning last 0.27 and
	// 0.43 s. 1 s bridges those even at a few frames a second, and is no
	// longer than the shortest threshold (wire.MinThresholdS), so events are
	// joined only across gaps shorter than any event. Page signals use it
	// too, so leaving and returning within a second is one event.
	Release = 1000 // ms

	// DefaultIntervalS is the summary interval when the policy sets none.
	DefaultIntervalS = 30
)

// Config is what a session's proctor runs.
type Config struct {
	Policy   wire.Policy // Session set
	Build    string      // hex SHA-256 of the running wasm
	Baseline float32     // pre-check face score (face.Frontal's baseline); 0 means DefaultBaseline
}

// Proctor collects one session's events window by window. It is not safe
// for concurrent use. Times are Unix ms; a time earlier than one already
// seen is taken as that one, so a clock stepping back cannot reorder events
// (the page reports the step itself as clock_skew).
type Proctor struct {
	session, build string
	baseline       float32
	interval       int64 // ms
	camera         bool  // a camera detector is on: frames are expected
	paste          bool  // the policy counts pastes

	from, now int64 // current window start; latest time seen
	frames    int64 // in this window
	lastFrame int64 // time of the last frame, or of New

	runs  map[wire.Kind]*run // the conditions this policy tracks
	stall run
	done  []piece // ended events (and instants) not yet sealed
	burst int     // index in done of the paste burst still growing, or -1
}

// piece is an event, or the rest of one after a window cut it.
type piece struct {
	wire.Event
	cont bool // an earlier piece was sealed: Start is a window start
}

// run tracks one condition with hysteresis.
type run struct {
	kind    wire.Kind
	min     int64                   // ms the condition must hold to become an event
	timeout bool                    // per-frame condition: ends when observations stop for wire.StallS
	better  func(a, b float64) bool // whether peak a is stronger than b

	open   bool  // pending or an event
	event  bool  // it has held for min
	holds  bool  // the last observation had the condition
	onset  int64 // when the condition began
	start  int64 // start of the piece not yet sealed: onset, or a window start
	cont   bool  // a piece was sealed already
	ceased int64 // when the condition last stopped holding (while !holds)
	seen   int64 // last observation
	peak   float64
	last   float64 // the latest observed value, which a new piece starts from
}

func higher(a, b float64) bool { return a > b }
func lower(a, b float64) bool  { return a < b }

// Kinds the page reports through Set and Instant.
var (
	setKinds     = []wire.Kind{wire.FocusLost, wire.FullscreenExit, wire.ExtraScreen, wire.CameraLost}
	instantKinds = []wire.Kind{wire.PageReloaded, wire.ClockSkew, wire.Paste}
)

// New starts a session's first window at now (Unix ms).
func New(c Config, now int64) (*Proctor, error) {
	p := c.Policy
	if !wire.ValidSessionID(p.Session) {
		return nil, errors.New("proctor: policy.session must be set to a session id")
	}
	if b, err := hex.DecodeString(c.Build); err != nil || len(b) != 32 || hex.EncodeToString(b) != c.Build {
		return nil, errors.New("proctor: build must be 64 lowercase hex digits")
	}
	ds := slices.Clone(p.Detectors)
	if err := wire.ValidateDetectors(ds); err != nil {
		return nil, fmt.Errorf("proctor: %w", err)
	}
	if p.IntervalS == 0 {
		p.IntervalS = DefaultIntervalS
	}
	if p.IntervalS < 5 || p.IntervalS > 300 {
		return nil, errors.New("proctor: interval_s must be 5..300")
	}
	if now < wire.MinTimeMS || now > wire.MaxTimeMS {
		return nil, errors.New("proctor: now must be Unix milliseconds between 2020 and 2100")
	}
	if !(c.Baseline >= 0) || math.IsInf(float64(c.Baseline), 0) {
		return nil, errors.New("proctor: baseline must be a finite score ≥ 0")
	}
	pr := &Proctor{
		session: p.Session, build: c.Build, baseline: c.Baseline,
		interval: int64(p.IntervalS) * 1000,
		from:     now, now: now, lastFrame: now,
		runs:  map[wire.Kind]*run{},
		stall: run{kind: wire.DetectorStalled, better: higher},
		burst: -1,
	}
	if pr.baseline == 0 {
		pr.baseline = DefaultBaseline
	}
	for _, d := range ds {
		entry, _ := wire.CatalogueEntry(d.Kind)
		pr.camera = pr.camera || entry.Camera
		if d.Kind == wire.Paste {
			pr.paste = true // an instant, not a condition
			continue
		}
		r := &run{kind: d.Kind, min: int64(math.Round(d.ThresholdS * 1000)), better: higher}
		r.timeout = entry.Camera || entry.Microphone
		if d.Kind == wire.LookingAway {
			r.better = lower
		}
		pr.runs[d.Kind] = r
	}
	pr.runs[wire.CameraLost] = &run{kind: wire.CameraLost, better: higher}
	return pr, nil
}

// clock keeps time from running backwards.
func (p *Proctor) clock(t int64) int64 {
	p.now = max(p.now, t)
	return p.now
}

// Faces records one processed camera frame: faces as face.Detector.Detect
// returned them, best first. Nothing of faces is kept.
func (p *Proctor) Faces(t int64, faces []face.Face) {
	t = p.clock(t)
	p.advance(t)
	if p.stall.open {
		p.finish(&p.stall, t)
	}
	p.frames++
	p.lastFrame = t
	n := len(faces)
	if r := p.runs[wire.FaceAbsent]; r != nil {
		p.observe(r, t, n == 0, 1)
	}
	if r := p.runs[wire.MultipleFaces]; r != nil {
		p.observe(r, t, n >= 2, float64(n))
	}
	if r := p.runs[wire.LookingAway]; r != nil {
		// A lost face is face_absent's business, so it ends looking away.
		v := face.Frontal(faces, p.baseline)
		p.observe(r, t, n > 0 && v < AwayBelow, math.Round(float64(v)*100)/100)
	}
}

// Speech records one voice-activity decision (10 ms) made at t.
func (p *Proctor) Speech(t int64, speaking bool) {
	t = p.clock(t)
	p.advance(t)
	if r := p.runs[wire.Speech]; r != nil {
		p.observe(r, t, speaking, 1)
	}
}

// Set records a page signal switching on or off: focus_lost,
// fullscreen_exit, extra_screen, camera_lost. Other kinds, and kinds the
// policy does not enable, are ignored.
func (p *Proctor) Set(t int64, k wire.Kind, on bool) {
	t = p.clock(t)
	p.advance(t)
	if r := p.runs[k]; r != nil && slices.Contains(setKinds, k) {
		p.observe(r, t, on, 1)
	}
}

// Instant records a moment: page_reloaded, clock_skew or one paste. Pastes
// less than Release apart are one event whose peak counts them. Other kinds,
// and kinds the policy does not allow, are ignored.
func (p *Proctor) Instant(t int64, k wire.Kind) {
	t = p.clock(t)
	p.advance(t)
	switch {
	case !slices.Contains(instantKinds, k) || (k == wire.Paste && !p.paste):
		return
	case k == wire.Paste && p.burst >= 0 && t-p.done[p.burst].End < Release:
		p.done[p.burst].End = t
		p.done[p.burst].Peak++
		return
	case k == wire.Paste:
		p.burst = len(p.done)
	}
	p.done = append(p.done, piece{Event: wire.Event{Kind: k, Start: t, End: t, Peak: 1}})
}

// Due reports whether the window that started at the last Seal (or New)
// has lasted the policy's interval. It also notices a stalled detector.
func (p *Proctor) Due(t int64) bool {
	t = p.clock(t)
	p.advance(t)
	return t-p.from >= p.interval
}

// Seal closes the window at t and returns its summary, without Seq and
// Prev (see Chain). A window longer than wire.MaxSummarySpanMS (a page that
// was frozen) closes at that span instead and Due stays true, so the caller
// seals again until it has caught up: every summary validates.
func (p *Proctor) Seal(t int64) wire.Summary {
	t = p.clock(t)
	to := min(max(t, p.from+1), p.from+wire.MaxSummarySpanMS)
	p.now = max(p.now, to)
	p.advance(to)
	evs := []wire.Event{}
	keep := p.done[:0]
	for _, d := range p.done {
		if d.Start > to { // observed after a capped window's end
			keep = append(keep, d)
			continue
		}
		evs = p.emit(evs, d, min(d.End, to))
		if d.End > to {
			d.Start, d.cont = to, true
			keep = append(keep, d)
		}
	}
	p.done, p.burst = keep, -1
	runs := []*run{&p.stall}
	for _, r := range p.runs {
		runs = append(runs, r)
	}
	for _, r := range runs {
		if r.open && r.event && r.start <= to {
			evs = p.emit(evs, piece{wire.Event{Kind: r.kind, Start: r.start, Peak: r.peak}, r.cont}, to)
			r.start, r.cont, r.peak = to, true, r.last
		}
	}
	fps := float64(p.frames) * 1000 / float64(to-p.from)
	s := wire.Summary{
		Session: p.session,
		Build:   p.build,
		Window:  wire.Window{From: p.from, To: to},
		Events:  capEvents(evs),
		Health:  wire.Health{Frames: p.frames, FPS: min(wire.MaxFPS, math.Round(fps*100)/100)},
	}
	p.from, p.frames = to, 0
	return s
}

// emit appends the piece of an event that falls in the current window,
// ending at end. A continued piece that ended before this window (released
// just after the last seal, which already reported it up to the window end)
// adds nothing.
func (p *Proctor) emit(evs []wire.Event, pc piece, end int64) []wire.Event {
	// An event starts where its condition began, at most one threshold
	// before the window; the clamp only matters for frames that arrive
	// seconds apart around a 120 s threshold.
	start := max(pc.Start, p.from-wire.MaxThresholdS*1000)
	if end < start || end < p.from || (pc.cont && end == start) {
		return evs
	}
	return append(evs, wire.Event{Kind: pc.Kind, Start: start, End: end, Peak: pc.Peak})
}

// capEvents orders the events by start and keeps at most wire.MaxEvents by
// joining, again and again, the two events of one kind with the smallest gap
// between them. Nothing is dropped: an over-full window (a student tabbing
// out every second) reports coarser periods, each covering the originals.
// There are fewer kinds than MaxEvents, so joining always gets there.
func capEvents(evs []wire.Event) []wire.Event {
	slices.SortFunc(evs, func(a, b wire.Event) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End))
	})
	for len(evs) > wire.MaxEvents {
		best := -1
		for i := 0; i+1 < len(evs); i++ {
			if evs[i].Kind == evs[i+1].Kind && (best < 0 || evs[i+1].Start-evs[i].End < evs[best+1].Start-evs[best].End) {
				best = i
			}
		}
		a, b := &evs[best], evs[best+1]
		a.End = max(a.End, b.End)
		switch a.Kind {
		case wire.LookingAway:
			a.Peak = min(a.Peak, b.Peak)
		case wire.Paste:
			a.Peak = min(wire.MaxPeak, a.Peak+b.Peak)
		default:
			a.Peak = max(a.Peak, b.Peak)
		}
		evs = slices.Delete(evs, best+1, best+2)
	}
	slices.SortFunc(evs, func(a, b wire.Event) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.End, b.End))
	})
	return evs
}

// advance ends the runs whose condition has been absent for Release or
// whose observations stopped, and notices a stalled camera detector.
func (p *Proctor) advance(t int64) {
	for _, r := range p.runs {
		switch {
		case !r.open:
		case !r.holds && t-r.ceased >= Release:
			p.finish(r, r.ceased)
		case r.timeout && t-r.seen >= wire.StallS*1000:
			// Nothing is known after the last observation.
			end := r.seen
			if !r.holds {
				end = r.ceased
			}
			p.finish(r, end)
		}
	}
	if p.camera && !p.stall.open && t-p.lastFrame >= wire.StallS*1000 {
		// The stall began with the last frame.
		p.stall = run{kind: wire.DetectorStalled, better: higher, open: true, event: true, holds: true,
			onset: p.lastFrame, start: p.lastFrame, peak: 1, last: 1}
	}
}

// observe feeds one observation of r's condition at t, with its value for
// the peak. advance(t) must have run.
func (p *Proctor) observe(r *run, t int64, cond bool, v float64) {
	r.seen = t
	switch {
	case cond && !r.open:
		r.open, r.event, r.holds, r.cont = true, false, true, false
		r.onset, r.start, r.peak, r.last = t, t, v, v
	case cond:
		r.holds, r.last = true, v // bridges an absence shorter than Release
		if r.better(v, r.peak) {
			r.peak = v
		}
	case r.open && r.holds:
		r.holds, r.ceased = false, t
	}
	if r.open && !r.event {
		until := t
		if !r.holds {
			until = r.ceased
		}
		r.event = until-r.onset >= r.min
	}
}

// finish closes r at end; a run that never became an event leaves nothing.
func (p *Proctor) finish(r *run, end int64) {
	if r.event {
		p.done = append(p.done, piece{wire.Event{Kind: r.kind, Start: r.start, End: end, Peak: r.peak}, r.cont})
	}
	r.open = false
}

// Chain numbers a sealed summary and links it to the previous one's Hash
// (wire.Genesis for seq 1).
func Chain(s wire.Summary, seq int64, prev string) wire.Summary {
	s.Seq, s.Prev = seq, prev
	return s
}

// Precheck judges a pre-check from the faces found in each frame (best
// first, as face.Detector.Detect returns them). The face counts as found when
// it was in most frames; the baseline is the median best-face score of the
// frames that had one, the reference face.Frontal needs. Microphone is the
// page's to set.
func Precheck(frames [][]face.Face) wire.Precheck {
	pc := wire.Precheck{Frames: len(frames), Camera: len(frames) > 0}
	var scores []float64
	for _, f := range frames {
		if len(f) > 0 {
			scores = append(scores, float64(f[0].Score))
		}
	}
	pc.FaceFrames = len(scores)
	pc.FaceFound = 2*pc.FaceFrames > pc.Frames
	if len(scores) > 0 {
		slices.Sort(scores)
		m := scores[len(scores)/2]
		if len(scores)%2 == 0 {
			m = (m + scores[len(scores)/2-1]) / 2
		}
		pc.Baseline = math.Round(m*10) / 10
	}
	return pc
}
