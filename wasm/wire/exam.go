package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
)

// Kind is one kind of event an exam session can report.
type Kind string

// Detectors an exam may enable, each with a threshold in seconds (0 for
// those that fire at once).
const (
	FaceAbsent     Kind = "face_absent"     // no face for ≥ T s
	MultipleFaces  Kind = "multiple_faces"  // two or more faces for ≥ T s
	LookingAway    Kind = "looking_away"    // face turned away for ≥ T s
	Speech         Kind = "speech"          // speech for ≥ T s
	FocusLost      Kind = "focus_lost"      // tab hidden or window blurred
	FullscreenExit Kind = "fullscreen_exit" // left full screen
	Paste          Kind = "paste"           // a count of pastes; the content is never read
	ExtraScreen    Kind = "extra_screen"    // screen.isExtended
)

// Integrity events describe the proctor, not the student, and are always on.
const (
	CameraLost      Kind = "camera_lost"
	DetectorStalled Kind = "detector_stalled" // no frame processed for StallS
	PageReloaded    Kind = "page_reloaded"
	ClockSkew       Kind = "clock_skew" // the wall clock jumped or disagrees with the server
)

// Detector describes one entry of the catalogue.
type Detector struct {
	Kind       Kind    `json:"kind"`
	DefaultS   float64 `json:"default_s"` // default threshold; 0 for instant events
	Camera     bool    `json:"camera"`    // needs the camera
	Microphone bool    `json:"microphone"`
}

// Catalogue is every detector an exam may enable, in display order.
var Catalogue = []Detector{
	{Kind: FaceAbsent, DefaultS: 10, Camera: true},
	{Kind: MultipleFaces, DefaultS: 3, Camera: true},
	{Kind: LookingAway, DefaultS: 10, Camera: true},
	{Kind: Speech, DefaultS: 5, Microphone: true},
	{Kind: FocusLost},
	{Kind: FullscreenExit},
	{Kind: Paste},
	{Kind: ExtraScreen},
}

// Integrity is every always-on integrity kind.
var Integrity = []Kind{CameraLost, DetectorStalled, PageReloaded, ClockSkew}

// CatalogueEntry returns the catalogue entry of k.
func CatalogueEntry(k Kind) (Detector, bool) {
	for _, d := range Catalogue {
		if d.Kind == k {
			return d, true
		}
	}
	return Detector{}, false
}

// IsIntegrity reports whether k is an always-on integrity kind.
func IsIntegrity(k Kind) bool {
	for _, i := range Integrity {
		if i == k {
			return true
		}
	}
	return false
}

// Limits of exam messages.
const (
	MinThresholdS    = 1
	MaxThresholdS    = 120
	MaxEvents        = 32 // per summary; a busy 30 s window has a handful
	MaxSummarySpanMS = 10 * 60 * 1000
	StallS           = 10    // detector_stalled after this long without a frame
	MaxPeak          = 1e6   // a count or a ratio, never a payload
	MaxFrames        = 1e6   // per summary
	MaxFPS           = 240.0 // per summary
)

// DetectorSetting is one enabled detector with its threshold.
type DetectorSetting struct {
	Kind       Kind    `json:"kind"`
	ThresholdS float64 `json:"threshold_s"`
}

// ValidateDetectors checks an exam's detector list: catalogue kinds only,
// each once, thresholds within range (ignored and set to 0 for instant kinds).
func ValidateDetectors(ds []DetectorSetting) error {
	seen := map[Kind]bool{}
	for i, d := range ds {
		c, ok := CatalogueEntry(d.Kind)
		if !ok {
			return errorf(CodeInvalid, "detector %q is not in the catalogue", d.Kind)
		}
		if seen[d.Kind] {
			return errorf(CodeInvalid, "detector %q is listed twice", d.Kind)
		}
		seen[d.Kind] = true
		if c.DefaultS == 0 {
			ds[i].ThresholdS = 0
			continue
		}
		if d.ThresholdS == 0 {
			ds[i].ThresholdS = c.DefaultS
		}
		if !(ds[i].ThresholdS >= MinThresholdS && ds[i].ThresholdS <= MaxThresholdS) {
			return errorf(CodeInvalid, "detector %s: threshold_s must be %d..%d", d.Kind, MinThresholdS, MaxThresholdS)
		}
	}
	return nil
}

// Policy is what one student's browser runs: the exam's detectors minus the
// student's accommodations. The server sends it; the client shows it on the
// transparency screen and runs exactly it.
type Policy struct {
	Session   string            `json:"session,omitempty"` // set once a session is registered
	Detectors []DetectorSetting `json:"detectors"`
	IntervalS int               `json:"interval_s"` // seconds between summaries
	From      int64             `json:"from"`       // exam window, Unix ms
	To        int64             `json:"to"`
}

// Enabled returns the setting of k, if the policy enables it.
func (p Policy) Enabled(k Kind) (DetectorSetting, bool) {
	for _, d := range p.Detectors {
		if d.Kind == k {
			return d, true
		}
	}
	return DetectorSetting{}, false
}

// NeedsCamera and NeedsMicrophone say which devices the page may request.
func (p Policy) NeedsCamera() bool {
	for _, d := range p.Detectors {
		if c, _ := CatalogueEntry(d.Kind); c.Camera {
			return true
		}
	}
	return false
}

func (p Policy) NeedsMicrophone() bool {
	_, ok := p.Enabled(Speech)
	return ok
}

// Allows reports whether a summary of this policy may carry kind k.
func (p Policy) Allows(k Kind) bool {
	_, ok := p.Enabled(k)
	return ok || IsIntegrity(k)
}

// Event is one period of one kind. Peak is the strongest observation in it:
// the most faces for multiple_faces, the lowest frontal ratio for
// looking_away, the number of pastes for paste, 1 otherwise.
//
// An event still running when a summary window closes is reported up to the
// window's end and continues from the next window's start, so every summary
// is complete on its own; reviewers see joined periods. Start may lie before
// the window by up to MaxThresholdS, because an event begins where its
// condition began, not where the threshold was reached.
type Event struct {
	Kind  Kind    `json:"kind"`
	Start int64   `json:"start"` // Unix ms
	End   int64   `json:"end"`
	Peak  float64 `json:"peak"`
}

// Window is a summary's interval, Unix ms.
type Window struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// Health says whether the detectors were running: frames processed and the
// mean frame rate in the window. Zero frames with a camera detector on is
// itself evidence (detector_stalled or camera_lost explain it).
type Health struct {
	Frames int64   `json:"frames"`
	FPS    float64 `json:"fps"`
}

// Summary is everything a proctored browser reports for one window.
type Summary struct {
	Session string  `json:"session"`
	Seq     int64   `json:"seq"`   // 1, 2, 3, … per session
	Prev    string  `json:"prev"`  // Hash of summary seq-1; Genesis for seq 1
	Build   string  `json:"build"` // hex SHA-256 of the running wasm
	Window  Window  `json:"window"`
	Events  []Event `json:"events"`
	Health  Health  `json:"health"`
}

// Genesis is the prev of a session's first summary.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

const summaryDomain = "lokaal/exam-summary/v1\n"

// isHash reports whether s is 64 lowercase hex digits: a SHA-256 as
// crypto.subtle.digest output is written.
func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ValidBuild reports whether s is a build hash: the hex SHA-256 of a wasm
// file, in lowercase as crypto.subtle.digest output is written.
func ValidBuild(s string) bool { return isHash(s) }

// ValidSessionID reports whether s is a well-formed session identifier.
func ValidSessionID(s string) bool { return ValidID(s) }

// SigningBytes is the exact byte string the browser signs.
func (s Summary) SigningBytes() []byte {
	return signingBytes(summaryDomain, s)
}

// Hash is the hex SHA-256 of the signing bytes: the next summary's Prev.
func (s Summary) Hash() string { return hashOf(s.SigningBytes()) }

// JSONHash returns s's JSON, which the server keeps, and its Hash, from one
// marshal: the signing bytes are the domain and then that JSON.
func (s Summary) JSONHash() ([]byte, string) {
	msg := s.SigningBytes()
	return msg[len(summaryDomain):], hashOf(msg)
}

// hashOf is the hex SHA-256 of a summary's signing bytes.
func hashOf(msg []byte) string {
	sum := sha256.Sum256(msg)
	return hex.EncodeToString(sum[:])
}

// Validate checks ranges and internal consistency. It does not know the
// session's policy or chain; the server checks those.
func (s Summary) Validate() error {
	switch {
	case !ValidSessionID(s.Session):
		return errorf(CodeInvalid, "session must be 1-40 of a-z, 0-9 and -")
	case s.Seq < 1 || s.Seq > MaxSeq:
		return errorf(CodeInvalid, "seq must be between 1 and %d", int64(MaxSeq))
	case !isHash(s.Prev):
		return errorf(CodeInvalid, "prev must be 64 lowercase hex digits")
	case s.Seq == 1 && s.Prev != Genesis:
		return errorf(CodeChainBroken, "the first summary's prev must be %s", Genesis)
	case !isHash(s.Build):
		return errorf(CodeInvalid, "build must be 64 lowercase hex digits")
	case s.Window.From < MinTimeMS || s.Window.To > MaxTimeMS:
		return errorf(CodeInvalid, "window times must be Unix milliseconds between 2020 and 2100")
	case s.Window.To <= s.Window.From:
		return errorf(CodeInvalid, "window.to must be after window.from")
	case s.Window.To-s.Window.From > MaxSummarySpanMS:
		return errorf(CodeInvalid, "a summary may cover at most %d ms", MaxSummarySpanMS)
	case len(s.Events) > MaxEvents:
		return errorf(CodeInvalid, "a summary may hold at most %d events", MaxEvents)
	case s.Health.Frames < 0 || s.Health.Frames > MaxFrames:
		return errorf(CodeInvalid, "health.frames must be 0..%d", int64(MaxFrames))
	case !(s.Health.FPS >= 0 && s.Health.FPS <= MaxFPS):
		return errorf(CodeInvalid, "health.fps must be 0..%g", MaxFPS)
	}
	for _, e := range s.Events {
		if _, ok := CatalogueEntry(e.Kind); !ok && !IsIntegrity(e.Kind) {
			return errorf(CodeInvalid, "event kind %q is not in the catalogue", e.Kind)
		}
		if e.Start > e.End || e.End > s.Window.To || e.Start < s.Window.From-MaxThresholdS*1000 || e.End < s.Window.From {
			return errorf(CodeInvalid, "event %s: start and end must lie in the window (start up to %d s before it)", e.Kind, MaxThresholdS)
		}
		if !(e.Peak >= 0 && e.Peak <= MaxPeak) {
			return errorf(CodeInvalid, "event %s: peak must be 0..%g", e.Kind, MaxPeak)
		}
	}
	return nil
}

// SignedSummary is the body of POST /api/v1/summaries.
type SignedSummary struct {
	Summary Summary `json:"summary"`
	Sig     string  `json:"sig"` // base64 Ed25519 signature of Summary.SigningBytes()
}

// Sign signs the summary (tests and replay; the browser uses WebCrypto).
func (s Summary) Sign(priv ed25519.PrivateKey) SignedSummary {
	return SignedSummary{Summary: s, Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, s.SigningBytes()))}
}

// Verify checks the signature against the session's key.
func (s SignedSummary) Verify(pub ed25519.PublicKey) error {
	_, err := s.VerifyHash(pub)
	return err
}

// VerifyHash is Verify that also returns the summary's Hash, the link the
// server stores in the chain: the signing bytes are marshalled once for
// both.
func (s SignedSummary) VerifyHash(pub ed25519.PublicKey) (string, error) {
	msg := s.Summary.SigningBytes()
	return hashOf(msg), verify(pub, msg, s.Sig, "summary")
}

// DecodeSignedSummary reads one summary strictly and validates it; the
// signature needs the session's key.
func DecodeSignedSummary(r io.Reader) (SignedSummary, error) {
	var s SignedSummary
	if err := Decode(r, &s); err != nil {
		return s, err
	}
	return s, s.Summary.Validate()
}

func verify(pub ed25519.PublicKey, msg []byte, sigB64, what string) error {
	sig, err := base64.StdEncoding.Strict().DecodeString(sigB64)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errorf(CodeBadSignature, "sig must be a base64 Ed25519 signature of %d bytes", ed25519.SignatureSize)
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, msg, sig) {
		return errorf(CodeBadSignature, "signature does not match the %s and the key", what)
	}
	return nil
}

// Exam error codes.
const (
	CodeChainBroken    = "chain_broken"     // prev is not the hash of the stored seq-1
	CodeKindNotAllowed = "kind_not_allowed" // the student's policy does not enable this kind
	CodeOutsideWindow  = "outside_window"   // times outside the exam window plus tolerance
	CodeUnknownSession = "unknown_session"
	CodeFinished       = "session_finished"   // no summaries after finish
	CodeWindowOverlap  = "window_overlap"     // the window starts before the previous one ends
	CodeTooMany        = "too_many_summaries" // more summaries than the exam's length allows
)

// Precheck is what the pre-check found, sent once when the session starts.
// It is the student's protection: a face the detector could not find at the
// start makes face_absent and looking_away unreliable for the session.
type Precheck struct {
	Camera     bool    `json:"camera"`      // the camera delivered frames
	FaceFound  bool    `json:"face_found"`  // a face was found in most pre-check frames
	Microphone bool    `json:"microphone"`  // the microphone delivered audio (speech only)
	Baseline   float64 `json:"baseline"`    // median face score facing the screen; 0 if none
	FaceFrames int     `json:"face_frames"` // frames with a face
	Frames     int     `json:"frames"`      // frames examined
}

// Validate checks ranges.
func (p Precheck) Validate() error {
	if p.Frames < 0 || p.Frames > 100_000 || p.FaceFrames < 0 || p.FaceFrames > p.Frames {
		return errorf(CodeInvalid, "precheck frames must satisfy 0 <= face_frames <= frames <= 100000")
	}
	if !(p.Baseline >= 0 && p.Baseline <= MaxPeak) {
		return errorf(CodeInvalid, "precheck baseline must be 0..%g", MaxPeak)
	}
	return nil
}

// StartRequest is the body of POST /api/v1/student/sessions, sent with the
// student's access token: the browser's fresh public key and the pre-check.
type StartRequest struct {
	PublicKey string   `json:"public_key"` // base64 raw Ed25519 key
	Build     string   `json:"build"`
	Precheck  Precheck `json:"precheck"`
}

// Validate checks the key, build and pre-check and returns the key.
func (r StartRequest) Validate() (ed25519.PublicKey, error) {
	key, err := base64.StdEncoding.Strict().DecodeString(r.PublicKey)
	if err != nil {
		return nil, errorf(CodeInvalid, "public_key must be a base64 raw Ed25519 key of %d bytes", ed25519.PublicKeySize)
	}
	if err := checkPublicKey(key); err != nil {
		return nil, err
	}
	if !isHash(r.Build) {
		return nil, errorf(CodeInvalid, "build must be 64 lowercase hex digits")
	}
	return key, r.Precheck.Validate()
}

// Finish closes a session: the last seq and chain head the browser holds,
// signed with the session key so nobody else can close it.
type Finish struct {
	Session string `json:"session"`
	Seq     int64  `json:"seq"`  // last summary seq sent; 0 if none
	Head    string `json:"head"` // its hash; Genesis if none
	At      int64  `json:"at"`   // Unix ms
}

const finishDomain = "lokaal/exam-finish/v1\n"

// SigningBytes is the exact byte string the browser signs.
func (f Finish) SigningBytes() []byte {
	return signingBytes(finishDomain, f)
}

// Validate checks shapes.
func (f Finish) Validate() error {
	switch {
	case !ValidSessionID(f.Session):
		return errorf(CodeInvalid, "session must be 1-40 of a-z, 0-9 and -")
	case f.Seq < 0 || f.Seq > MaxSeq:
		return errorf(CodeInvalid, "seq must be 0..%d", int64(MaxSeq))
	case !isHash(f.Head):
		return errorf(CodeInvalid, "head must be 64 lowercase hex digits")
	case f.At < MinTimeMS || f.At > MaxTimeMS:
		return errorf(CodeInvalid, "at must be Unix milliseconds between 2020 and 2100")
	}
	return nil
}

// SignedFinish is the body of POST /api/v1/sessions/{id}/finish.
type SignedFinish struct {
	Finish Finish `json:"finish"`
	Sig    string `json:"sig"`
}

// Sign signs the finish request (tests and tools).
func (f Finish) Sign(priv ed25519.PrivateKey) SignedFinish {
	return SignedFinish{Finish: f, Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, f.SigningBytes()))}
}

// Verify checks the signature against the session's key.
func (s SignedFinish) Verify(pub ed25519.PublicKey) error {
	return verify(pub, s.Finish.SigningBytes(), s.Sig, "finish request")
}

// Receipt is the server's signed statement of what it stored for a session.
type Receipt struct {
	Session string         `json:"session"`
	Exam    string         `json:"exam"`
	LastSeq int64          `json:"last_seq"`
	Head    string         `json:"head"`   // hash of the last stored summary
	Counts  map[Kind]int64 `json:"counts"` // events per kind; encoding/json sorts the keys
	Issued  int64          `json:"issued"` // Unix ms
}

const receiptDomain = "lokaal/exam-receipt/v1\n"

// SigningBytes is the exact byte string the server signs.
func (r Receipt) SigningBytes() []byte {
	return signingBytes(receiptDomain, r)
}

// SignedReceipt is what finish returns and the student keeps.
type SignedReceipt struct {
	Receipt Receipt `json:"receipt"`
	Key     string  `json:"key"` // base64 server public key, to match against the published one
	Sig     string  `json:"sig"`
}

// Sign signs the receipt with the server's key.
func (r Receipt) Sign(priv ed25519.PrivateKey) SignedReceipt {
	return SignedReceipt{
		Receipt: r,
		Key:     base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)),
		Sig:     base64.StdEncoding.EncodeToString(ed25519.Sign(priv, r.SigningBytes())),
	}
}

// Verify checks the receipt against the server's published public key; the
// embedded Key must be that key.
func (s SignedReceipt) Verify(pub ed25519.PublicKey) error {
	if s.Key != base64.StdEncoding.EncodeToString(pub) {
		return errorf(CodeBadSignature, "the receipt names a different server key")
	}
	return verify(pub, s.Receipt.SigningBytes(), s.Sig, "receipt")
}
