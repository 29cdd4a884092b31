package replay

import (
	"cmp"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/proctor"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// SyntheticResult is what `replay --synthetic-hour` prints: the schedule it
// made up and what the exam page would have sent for it.
type SyntheticResult struct {
	Seed     uint64    `json:"seed"`
	Episodes []Episode `json:"episodes"`
	ExamResult
	MaxBodyBytes int `json:"max_body_bytes"` // the largest summary request body
}

// Episode is one stretch of the made-up session. Event tells whether it
// lasts its detector's threshold, so that the proctor must report it; the
// shorter ones (a glance aside, a cough, a face the camera loses for a
// moment) must leave nothing.
type Episode struct {
	Kind  wire.Kind `json:"kind"`
	Start int64     `json:"start"` // Unix ms
	End   int64     `json:"end"`   // for paste, the last paste of the burst
	Event bool      `json:"event"`
}

// Synthetic session shape. The camera is processed at the exam page's 5
// frames per second and the voice-activity detector decides every 10 ms.
const (
	SyntheticHourMS  = 3600 * 1000
	syntheticFrameMS = 200
	syntheticVoiceMS = 10
	// syntheticBaseline is the pre-check's face score: a typical facing
	// score on the fixtures (proctor.DefaultBaseline is their median).
	syntheticBaseline = 150
	// syntheticMargin keeps the episodes clear of the pre-check and of the
	// session's end; syntheticGap is the least time between two episodes on
	// one track, well over proctor.Release so that they stay apart.
	syntheticMargin = 10 * 1000
	syntheticGap    = 5 * 1000
)

// episodeSpec is how many episodes of a kind an hour holds, and how long
// each lasts (ms).
type episodeSpec struct {
	kind     wire.Kind
	n        int
	min, max int64
}

// The synthetic hour, by track. Episodes on one track never overlap: the
// camera shows one situation at a time, and the page's signals are spread
// out so that each is its own event. Long episodes last comfortably more
// than the catalogue's default threshold, short ones comfortably less.
var (
	cameraTrack = []episodeSpec{
		{wire.FaceAbsent, 3, 12_000, 45_000},   // leaves the desk
		{wire.FaceAbsent, 8, 1_000, 6_000},     // leans out of view
		{wire.LookingAway, 3, 11_000, 25_000},  // reads notes aside
		{wire.LookingAway, 10, 1_000, 6_000},   // glances away
		{wire.MultipleFaces, 1, 4_000, 10_000}, // someone stands behind
		{wire.MultipleFaces, 2, 500, 2_000},    // someone walks past
	}
	microphoneTrack = []episodeSpec{
		{wire.Speech, 3, 6_000, 15_000}, // talks
		{wire.Speech, 12, 400, 3_000},   // coughs, mutters
	}
	pageTrack = []episodeSpec{
		{wire.FocusLost, 3, 2_000, 20_000},
		{wire.FullscreenExit, 2, 3_000, 15_000},
		{wire.ExtraScreen, 1, 20_000, 60_000},
		{wire.Paste, 1, 0, 0},     // one paste
		{wire.Paste, 1, 300, 300}, // a burst of two
	}
)

// SyntheticPolicy enables the whole catalogue at its default thresholds,
// with summaries every proctor.DefaultIntervalS.
func SyntheticPolicy() wire.Policy {
	p := wire.Policy{Session: "replay", IntervalS: proctor.DefaultIntervalS}
	for _, d := range wire.Catalogue {
		p.Detectors = append(p.Detectors, wire.DetectorSetting{Kind: d.Kind, ThresholdS: d.DefaultS})
	}
	return p
}

// SyntheticHour runs an hour-long made-up exam session through the proctor
// engine, as the exam page runs it, and signs and chains every summary it
// would send. The session is generated from seed and is the same for the
// same seed on every machine:
//
//   - the camera is processed at 5 frames/s: one face facing the screen
//     (score 0.8–1.15 × 150, a typical facing score), which the detector
//     misses in 2 % of frames; episodes with no face, with the face turned
//     away (0.2–0.45 × 150), or with a second face (dropped in 15 % of
//     frames);
//   - the microphone is decided every 10 ms: silence with a rare false
//     decision (0.2 %), and speech episodes in which 85 % of the decisions
//     are speech;
//   - the page reports focus losses, full-screen exits, an extra screen for
//     a while, a paste, and a burst of two pastes;
//   - the first 2 s are the pre-check and set the face baseline.
//
// The episodes are placed at random on three tracks (camera, microphone,
// page; cameraTrack, microphoneTrack and pageTrack list them), none in the
// first or last 10 s. Each detector has long episodes, which the proctor must report, and short
// ones, which it must not (see Episode). The detectors run only when pol
// enables them, as on the page; the pre-check and the clock do not depend
// on it.
func SyntheticHour(seed uint64, pol wire.Policy) (SyntheticResult, error) {
	res := SyntheticResult{Seed: seed}
	rng := rand.New(rand.NewPCG(seed, 0x6c6f6b61616c)) // "lokaal"
	thresholds := map[wire.Kind]int64{}
	for _, d := range pol.Detectors {
		thresholds[d.Kind] = int64(d.ThresholdS * 1000)
	}
	var camera, voice, page []Episode
	for _, track := range []struct {
		specs []episodeSpec
		out   *[]Episode
	}{{cameraTrack, &camera}, {microphoneTrack, &voice}, {pageTrack, &page}} {
		*track.out = schedule(rng, track.specs, thresholds)
		res.Episodes = append(res.Episodes, *track.out...)
	}
	slices.SortStableFunc(res.Episodes, func(a, b Episode) int { return cmp.Compare(a.Start, b.Start) })

	// What each processed frame shows, and the pre-check from the first 2 s.
	nFrames := SyntheticHourMS / syntheticFrameMS
	frames := make([][]face.Face, nFrames)
	for i := range frames {
		frames[i] = syntheticFaces(rng, active(camera, Epoch+int64(i)*syntheticFrameMS))
	}
	res.Precheck = proctor.Precheck(frames[:precheckMS/syntheticFrameMS])
	res.Precheck.Microphone = pol.NeedsMicrophone()

	cfg := proctor.Config{Policy: pol, Build: replayBuild(), Baseline: float32(res.Precheck.Baseline)}
	p, err := proctor.New(cfg, Epoch)
	if err != nil {
		return res, err
	}
	s := newSender(&res.ExamResult, pol)
	// The page's signals, in time order: on at an episode's start, off at
	// its end; pastes at the start and, for a burst, again at the end.
	type signal struct {
		t    int64
		kind wire.Kind
		on   bool
	}
	var signals []signal
	for _, e := range page {
		if e.Kind == wire.Paste {
			signals = append(signals, signal{e.Start, e.Kind, true})
			if e.End > e.Start {
				signals = append(signals, signal{e.End, e.Kind, true})
			}
			continue
		}
		signals = append(signals, signal{e.Start, e.Kind, true}, signal{e.End, e.Kind, false})
	}
	slices.SortStableFunc(signals, func(a, b signal) int { return cmp.Compare(a.t, b.t) })
	next := 0
	camOn, micOn := pol.NeedsCamera(), pol.NeedsMicrophone()
	for t := int64(Epoch); t < Epoch+SyntheticHourMS; t += syntheticVoiceMS {
		if err := s.sealDue(p, t); err != nil {
			return res, err
		}
		for ; next < len(signals) && signals[next].t <= t; next++ {
			if sg := signals[next]; sg.kind == wire.Paste {
				p.Instant(t, sg.kind)
			} else {
				p.Set(t, sg.kind, sg.on)
			}
		}
		if camOn && (t-Epoch)%syntheticFrameMS == 0 {
			p.Faces(t, frames[(t-Epoch)/syntheticFrameMS])
		}
		if micOn {
			p.Speech(t, rng.Float64() < speechChance(active(voice, t)))
		}
	}
	end := int64(Epoch + SyntheticHourMS)
	if err := s.sealDue(p, end); err != nil {
		return res, err
	}
	if end > s.from { // an interval that does not divide the hour: the last, partial window, sent at finish
		if err := s.seal(p, end); err != nil {
			return res, err
		}
	}
	res.MaxBodyBytes = s.maxBody
	res.Events = join(s.sums)
	res.BytesPerHour = int(math.Round(float64(res.BytesSent) / float64(len(s.sums)) * 3600e3 / float64(s.interval)))
	return res, nil
}

// schedule places the specs' episodes on one track in an order and with
// gaps drawn from rng, between syntheticMargin from the session's start and
// its end, at least syntheticGap apart. An episode is an Event when it
// lasts its kind's threshold (pastes always are).
func schedule(rng *rand.Rand, specs []episodeSpec, thresholds map[wire.Kind]int64) []Episode {
	var eps []Episode
	var busy int64
	for _, sp := range specs {
		for range sp.n {
			d := sp.min + rng.Int64N(sp.max-sp.min+1)
			d -= d % syntheticVoiceMS
			eps = append(eps, Episode{Kind: sp.kind, End: d})
			busy += d
		}
	}
	rng.Shuffle(len(eps), func(i, j int) { eps[i], eps[j] = eps[j], eps[i] })
	free := SyntheticHourMS - 2*syntheticMargin - busy - int64(len(eps)+1)*syntheticGap
	weights := make([]float64, len(eps)+1)
	var sum float64
	for i := range weights {
		weights[i] = rng.Float64()
		sum += weights[i]
	}
	t := int64(Epoch + syntheticMargin)
	for i := range eps {
		gap := syntheticGap + int64(float64(free)*weights[i]/sum)
		t += gap - gap%syntheticVoiceMS
		d := eps[i].End
		th, on := thresholds[eps[i].Kind]
		eps[i].Start, eps[i].End, eps[i].Event = t, t+d, on && d >= th
		t += d
	}
	return eps
}

// active returns the kind of the episode running at t, or "".
func active(eps []Episode, t int64) wire.Kind {
	for _, e := range eps {
		if t >= e.Start && t < e.End {
			return e.Kind
		}
	}
	return ""
}

// syntheticFaces is what the face detector finds in a frame showing what.
func syntheticFaces(rng *rand.Rand, what wire.Kind) []face.Face {
	score := func(lo, hi float64) float32 {
		return float32(syntheticBaseline * (lo + (hi-lo)*rng.Float64()))
	}
	student := face.Face{X: 320, Y: 220, W: 150, H: 150}
	switch what {
	case wire.FaceAbsent:
		return nil
	case wire.LookingAway:
		student.Score = score(0.2, 0.45)
		return []face.Face{student}
	}
	if rng.Float64() < 0.02 { // the detector misses the face
		return nil
	}
	student.Score = score(0.8, 1.15)
	faces := []face.Face{student}
	if what == wire.MultipleFaces && rng.Float64() >= 0.15 {
		other := face.Face{X: 480, Y: 160, W: 90, H: 90, Score: score(0.3, 0.7)}
		faces = append(faces, other) // best first: the student's is the surer
	}
	return faces
}

// speechChance is the chance that a 10 ms decision is speech.
func speechChance(what wire.Kind) float64 {
	if what == wire.Speech {
		return 0.85
	}
	return 0.002
}

// sender seals, chains and signs summaries as the page does, counting the
// bytes of each request body.
type sender struct {
	res      *ExamResult
	interval int64
	prev     string
	from     int64
	sums     []wire.Summary
	maxBody  int
	key      ed25519.PrivateKey
}

func newSender(res *ExamResult, pol wire.Policy) *sender {
	interval := int64(pol.IntervalS) * 1000
	if interval == 0 {
		interval = proctor.DefaultIntervalS * 1000
	}
	return &sender{res: res, interval: interval, prev: wire.Genesis, from: Epoch, key: ReplayKey()}
}

// sealDue seals the windows that ended by t, each at its end, as the page's
// timer would.
func (s *sender) sealDue(p *proctor.Proctor, t int64) error {
	for t >= s.from+s.interval {
		if err := s.seal(p, s.from+s.interval); err != nil {
			return err
		}
	}
	return nil
}

// seal closes the window at to, then chains, signs and counts its summary.
func (s *sender) seal(p *proctor.Proctor, to int64) error {
	sum := proctor.Chain(p.Seal(to), int64(len(s.sums)+1), s.prev)
	if err := sum.Validate(); err != nil {
		return fmt.Errorf("summary %d: %w", sum.Seq, err)
	}
	signed := sum.Sign(s.key)
	body, err := json.Marshal(signed)
	if err != nil {
		return err
	}
	s.res.BytesSent += len(body)
	s.maxBody = max(s.maxBody, len(body))
	s.res.Summaries = append(s.res.Summaries, signed)
	s.sums = append(s.sums, sum)
	s.prev, s.from = sum.Hash(), sum.Window.To
	return nil
}

// replaySynthetic is `replay --synthetic-hour`.
func replaySynthetic(seed uint64, policyPath string, stdout io.Writer) error {
	pol := SyntheticPolicy()
	if policyPath != "" {
		var err error
		if pol, err = ReadPolicy(policyPath); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
	}
	res, err := SyntheticHour(seed, pol)
	if err != nil {
		return fmt.Errorf("replay: synthetic hour: %w", err)
	}
	return json.NewEncoder(stdout).Encode(res)
}
