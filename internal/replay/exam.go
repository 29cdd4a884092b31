package replay

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/faces"
	"github.com/lokaal-nl/lokaal/internal/video"
	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/face/cascade"
	"github.com/lokaal-nl/lokaal/wasm/proctor"
	"github.com/lokaal-nl/lokaal/wasm/speech"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// ExamResult is what `replay --policy` prints: what the exam page would
// send for the recording.
type ExamResult struct {
	Precheck wire.Precheck `json:"precheck"`
	// Events are the summaries' events with the pieces that windows cut
	// joined again, as the reviewer's timeline shows them.
	Events    []wire.Event         `json:"events"`
	Summaries []wire.SignedSummary `json:"summaries"`
	BytesSent int                  `json:"bytes_sent"` // the summary request bodies
	// BytesPerHour is the mean body times the summaries an hour holds.
	BytesPerHour int `json:"bytes_per_hour"`
}

const (
	// Epoch is the replayed session's clock at the first frame: a fixed
	// time, so the output does not change from run to run.
	Epoch = 1767225600000 // 2026-01-01T00:00:00Z
	// precheckMS of the recording's start serve as the pre-check, which
	// sets the baseline face score.
	precheckMS = 2000
)

var instants = []wire.Kind{wire.Paste, wire.PageReloaded, wire.ClockSkew}

// ReplayKey signs replayed summaries. It is derived from a public string,
// so anybody can verify the output and nobody can mistake it for a
// session's key.
func ReplayKey() ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("lokaal replay throwaway key"))
	return ed25519.NewKeyFromSeed(seed[:])
}

// replayBuild is the build hash replayed summaries carry: the hash of a
// name, not of a wasm binary.
func replayBuild() string {
	h := sha256.Sum256([]byte("lokaal replay"))
	return hex.EncodeToString(h[:])
}

// ReadPolicy reads a wire.Policy from a JSON file, strictly. An empty
// session becomes "replay"; the exam window is not used.
func ReadPolicy(path string) (wire.Policy, error) {
	var p wire.Policy
	f, err := os.Open(path)
	if err != nil {
		return p, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	if p.Session == "" {
		p.Session = "replay"
	}
	if err := wire.ValidateDetectors(p.Detectors); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Exam replays a session: frame i of r at i/fps s after Epoch (every
// k-th frame processed, as a browser that cannot keep up), the clip's voice
// decisions at their own times, through the face detector, the
// voice-activity detector and the proctor engine as the exam page runs them,
// with a summary due every interval. The session lasts as long as the
// video; audio past it is ignored. The camera and the microphone are only
// used when the policy enables a detector that needs them. clip may be nil
// when the policy does not enable speech.
func Exam(ctx context.Context, r video.Reader, fps float64, every int, clip *audio.Clip, pol wire.Policy) (ExamResult, error) {
	var res ExamResult
	cfg := proctor.Config{Policy: pol, Build: replayBuild()}
	if _, err := proctor.New(cfg, Epoch); err != nil {
		return res, err // before the slow part
	}
	var det *cascade.Detector
	if pol.NeedsCamera() {
		var err error
		if det, err = faces.NewDetector("", cascade.DefaultParams()); err != nil {
			return res, err
		}
	}
	var voice []speech.FrameDecision
	if pol.NeedsMicrophone() {
		if clip == nil {
			return res, errors.New("the policy enables speech: give --audio")
		}
		var err error
		if voice, _, err = decide(ctx, *clip); err != nil {
			return res, err
		}
	}
	// Detect first: the pre-check's baseline must be known before the
	// engine starts. Only the faces are kept, not the frames.
	var frames [][]face.Face // nil entries for frames not processed
	n, err := eachFrame(ctx, r, func(n int, f video.Frame) error {
		if det == nil || n%every != 0 {
			frames = append(frames, nil)
			return nil
		}
		fs, err := det.Detect(f.Gray, f.W, f.H)
		if err != nil {
			return fmt.Errorf("frame %d: %w", n, err)
		}
		for i := range fs {
			fs[i].Pupils = nil // not used by the engine; Detect reuses their memory
		}
		frames = append(frames, slices.Clone(fs))
		return nil
	})
	if err != nil {
		return res, err
	}
	if n == 0 {
		return res, errors.New("no frames")
	}
	at := func(i int) int64 { return Epoch + int64(math.Round(float64(i)*1000/fps)) }
	var pre [][]face.Face
	for i := 0; det != nil && i < n && at(i) < Epoch+precheckMS; i += every {
		pre = append(pre, frames[i])
	}
	res.Precheck = proctor.Precheck(pre)
	res.Precheck.Microphone = len(voice) > 0
	cfg.Baseline = float32(res.Precheck.Baseline)
	p, err := proctor.New(cfg, Epoch)
	if err != nil {
		return res, err
	}
	interval := int64(pol.IntervalS) * 1000
	if interval == 0 {
		interval = proctor.DefaultIntervalS * 1000
	}
	key, prev := ReplayKey(), wire.Genesis
	var sums []wire.Summary
	from := int64(Epoch)
	seal := func(t int64) error {
		s := proctor.Chain(p.Seal(t), int64(len(sums)+1), prev)
		if err := s.Validate(); err != nil {
			return fmt.Errorf("summary %d: %w", s.Seq, err)
		}
		signed := s.Sign(key)
		body, err := json.Marshal(signed)
		if err != nil {
			return err
		}
		res.BytesSent += len(body)
		res.Summaries = append(res.Summaries, signed)
		sums = append(sums, s)
		prev, from = s.Hash(), s.Window.To
		return nil
	}
	// sealDue seals the windows that ended by t, each at its end, as the
	// page's timer would.
	sealDue := func(t int64) error {
		for t >= from+interval {
			if err := seal(from + interval); err != nil {
				return err
			}
		}
		return nil
	}
	v := 0
	// voiceUntil feeds the voice decisions made before t.
	voiceUntil := func(t int64) error {
		for ; v < len(voice); v++ {
			tv := Epoch + int64(voice[v].Index)*10
			if tv >= t {
				break
			}
			if err := sealDue(tv); err != nil {
				return err
			}
			p.Speech(tv, voice[v].Speech)
		}
		return nil
	}
	for i := 0; i < n; i += every {
		t := at(i)
		if err := voiceUntil(t); err != nil {
			return res, err
		}
		if err := sealDue(t); err != nil {
			return res, err
		}
		if det != nil {
			p.Faces(t, frames[i])
		}
	}
	end := at(n)
	if err := voiceUntil(end); err != nil {
		return res, err
	}
	if err := sealDue(end); err != nil {
		return res, err
	}
	if end > from { // the last, partial window, sent at finish
		if err := seal(end); err != nil {
			return res, err
		}
	}
	res.Events = join(sums)
	res.BytesPerHour = int(math.Round(float64(res.BytesSent) / float64(len(sums)) * 3600e3 / float64(interval)))
	return res, nil
}

// join returns the summaries' events with each piece that continues an
// event at a window start added to the event it continues. Instants
// (pastes, reloads, clock skews) never continue: one at a window's start is
// a new one.
func join(sums []wire.Summary) []wire.Event {
	out := []wire.Event{}
	for _, s := range sums {
		for _, e := range s.Events {
			i := slices.IndexFunc(out, func(o wire.Event) bool { return o.Kind == e.Kind && o.End == s.Window.From })
			if i < 0 || e.Start != s.Window.From || slices.Contains(instants, e.Kind) {
				out = append(out, e)
				continue
			}
			out[i].End = e.End
			if e.Kind == wire.LookingAway {
				out[i].Peak = min(out[i].Peak, e.Peak)
			} else {
				out[i].Peak = max(out[i].Peak, e.Peak)
			}
		}
	}
	return out
}
