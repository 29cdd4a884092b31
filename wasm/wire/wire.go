// Package wire is everything a lokaal browser client may send to the server,
// and nothing else. The server imports it, so it accepts exactly what the
// audited client emits: strict JSON, small bodies, range-checked numbers.
//
// Signed messages are sent as readable JSON so that anyone watching the
// network sees exactly what leaves the device. The signature covers the
// canonical encoding (encoding/json of the struct, fields in declaration
// order) behind a domain-separation prefix, so a signature made for one kind
// of message can never be replayed as another.
package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Error is a rejection with a stable machine-readable code. The server
// answers it as {"code","message"} with a 4xx status.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes shared by client and server.
const (
	CodeMalformed     = "malformed"      // not JSON, unknown field, trailing data
	CodeInvalid       = "invalid"        // well-formed but out of range or inconsistent
	CodeTooLarge      = "body_too_large" // over the body limit
	CodeBadSignature  = "bad_signature"
	CodeUnknownDevice = "unknown_device"
	CodeConflict      = "seq_conflict" // same seq, different content
	CodeBadCode       = "bad_enrolment_code"
	// CodeBuildNotAllowed: the message names a client build (hex SHA-256 of
	// its wasm) that this server neither serves nor was configured to accept.
	CodeBuildNotAllowed = "build_not_allowed"
	// CodeRolledUp: the batch is older than the count retention period and
	// already counted in the hourly totals; the kiosk sets it aside.
	CodeRolledUp = "rolled_up"
)

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Limits. A count batch is a few hundred bytes; the limits leave room for
// eight lines and nothing that could carry an image or audio.
const (
	MaxBodyBytes   = 4096
	MaxLines       = 8
	MaxCount       = 100_000         // crossings per line and direction in one batch
	MaxSeq         = 1<<53 - 1       // exact in a JavaScript number
	MaxBatchSpanMS = 2 * 3600 * 1000 // longest interval a batch may cover
	MinTimeMS      = 1577836800000   // 2020-01-01: earlier clocks are broken clocks
	MaxTimeMS      = 4102444800000   // 2100-01-01
)

// ValidID reports whether s is a well-formed device or kiosk identifier:
// 1 to 40 of [a-z0-9-], not starting with '-'.
func ValidID(s string) bool { return token(s, 1, 40, "-") }

// ValidLineName reports whether s is a well-formed counting-line name: 1 to
// 32 of [a-z0-9_-], not starting with '_' or '-'.
func ValidLineName(s string) bool { return token(s, 1, 32, "_-") }

// token reports whether s is min to max bytes of lowercase letters, digits
// and the bytes in extra, with a letter or digit first. It stands in for
// regexp, which would add about 150 KB to each client's download.
func token(s string, min, max int, extra string) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			continue
		}
		if i == 0 || strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

// Mode says when a crossing is counted.
type Mode string

const (
	// Immediate counts a track the moment it crosses.
	Immediate Mode = "immediate"
	// Deferred counts when the track ends, so a U-turn cancels.
	Deferred Mode = "deferred"
)

// Side says where a line's room is, seen along A→B: a crossing towards
// Left is counted "in", towards Right "out".
type Side string

const (
	// Left: the room is on the left of A→B; "in" enters it, "out" leaves.
	Left Side = "left"
	// Right: the room is on the right; "out" enters it, "in" leaves.
	Right Side = "right"
	// Through: a pass-through counter, which never changes occupancy.
	Through Side = "none"
)

// Line is a counting line in normalised frame coordinates (0..1, origin top
// left). "in" is a crossing towards the screen-left of A→B: for A=(0,0.8),
// B=(1,0.8) that is moving up the screen. Inside says which side the room
// is on; empty lets the server choose (see the server's defaults).
type Line struct {
	Name   string     `json:"name"`
	A      [2]float64 `json:"a"`
	B      [2]float64 `json:"b"`
	Mode   Mode       `json:"mode"`
	Inside Side       `json:"inside,omitempty"`
}

// Validate checks a line's name, coordinates and mode.
func (l Line) Validate() error {
	if !ValidLineName(l.Name) {
		return errorf(CodeInvalid, "line name %q must be 1-32 of a-z, 0-9, _ and -", l.Name)
	}
	for _, v := range []float64{l.A[0], l.A[1], l.B[0], l.B[1]} {
		if !(v >= 0 && v <= 1) { // also rejects NaN
			return errorf(CodeInvalid, "line %s: coordinates must be within 0..1", l.Name)
		}
	}
	if dx, dy := l.B[0]-l.A[0], l.B[1]-l.A[1]; dx*dx+dy*dy < 0.05*0.05 {
		return errorf(CodeInvalid, "line %s is shorter than 5%% of the frame", l.Name)
	}
	if l.Mode != Immediate && l.Mode != Deferred {
		return errorf(CodeInvalid, "line %s: mode must be %q or %q", l.Name, Immediate, Deferred)
	}
	switch l.Inside {
	case "", Left, Right, Through:
	default:
		return errorf(CodeInvalid, "line %s: inside must be %q, %q or %q", l.Name, Left, Right, Through)
	}
	return nil
}

// ValidateLines checks a device's set of lines: 1..MaxLines, unique names.
func ValidateLines(lines []Line) error {
	if len(lines) == 0 || len(lines) > MaxLines {
		return errorf(CodeInvalid, "a kiosk needs 1 to %d lines, got %d", MaxLines, len(lines))
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if err := l.Validate(); err != nil {
			return err
		}
		if seen[l.Name] {
			return errorf(CodeInvalid, "line name %q is used twice", l.Name)
		}
		seen[l.Name] = true
	}
	return nil
}

// LineCount is the number of crossings of one line in one batch interval.
type LineCount struct {
	Line string `json:"line"`
	In   int64  `json:"in"`
	Out  int64  `json:"out"`
}

// Enters returns how many of the crossings entered the room of a line
// whose room is on side, and how many left it; a pass-through line's
// enter and leave nothing. The server's occupancy and the kiosk's "here"
// both count by it.
func (c LineCount) Enters(side Side) (enter, leave int64) {
	switch side {
	case Left:
		return c.In, c.Out
	case Right:
		return c.Out, c.In
	}
	return 0, 0
}

// CountBatch is what a kiosk reports for one interval. It holds counts only,
// and the build that counted them, so the server can refuse counts from a
// client nobody published.
type CountBatch struct {
	Device string      `json:"device"`
	Seq    int64       `json:"seq"`   // 1, 2, 3, … per device
	Build  string      `json:"build"` // hex SHA-256 of the running kiosk.wasm
	Start  int64       `json:"start"` // interval start, Unix milliseconds
	End    int64       `json:"end"`   // interval end, Unix milliseconds
	Lines  []LineCount `json:"lines"`
}

const countBatchDomain = "lokaal/count-batch/v1\n"

// SigningBytes is the exact byte string a device signs.
func (b CountBatch) SigningBytes() []byte {
	return signingBytes(countBatchDomain, b)
}

// signingBytes is what a signature covers: domain, which keeps a signature
// of one kind of message from passing for another, then v's JSON. v holds
// only strings, integers and finite numbers (Validate rejects NaN), so
// Marshal cannot fail.
func signingBytes(domain string, v any) []byte {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return append([]byte(domain), body...)
}

// Validate checks ranges and internal consistency. It does not know which
// lines the device has; the server checks that against the kiosk.
func (b CountBatch) Validate() error {
	switch {
	case !ValidID(b.Device):
		return errorf(CodeInvalid, "device must be 1-40 of a-z, 0-9 and -")
	case b.Seq < 1 || b.Seq > MaxSeq:
		return errorf(CodeInvalid, "seq must be between 1 and %d", int64(MaxSeq))
	case !ValidBuild(b.Build):
		return errorf(CodeInvalid, "build must be 64 lowercase hex digits")
	case b.Start < MinTimeMS || b.End > MaxTimeMS:
		return errorf(CodeInvalid, "start and end must be Unix milliseconds between 2020 and 2100")
	case b.End <= b.Start:
		return errorf(CodeInvalid, "end must be after start")
	case b.End-b.Start > MaxBatchSpanMS:
		return errorf(CodeInvalid, "a batch may cover at most %d ms", MaxBatchSpanMS)
	case len(b.Lines) == 0 || len(b.Lines) > MaxLines:
		return errorf(CodeInvalid, "a batch needs 1 to %d lines", MaxLines)
	}
	seen := map[string]bool{}
	for _, l := range b.Lines {
		if !ValidLineName(l.Line) {
			return errorf(CodeInvalid, "line name must be 1-32 of a-z, 0-9, _ and -")
		}
		if seen[l.Line] {
			return errorf(CodeInvalid, "line %q appears twice", l.Line)
		}
		seen[l.Line] = true
		if l.In < 0 || l.In > MaxCount || l.Out < 0 || l.Out > MaxCount {
			return errorf(CodeInvalid, "line %q: counts must be between 0 and %d", l.Line, MaxCount)
		}
	}
	return nil
}

// SignedCountBatch is the body of POST /api/v1/counts.
type SignedCountBatch struct {
	Batch CountBatch `json:"batch"`
	Sig   string     `json:"sig"` // standard base64 of the Ed25519 signature of Batch.SigningBytes()
}

// Verify checks the signature against the device's public key.
func (s SignedCountBatch) Verify(pub ed25519.PublicKey) error {
	_, err := s.VerifyDigest(pub)
	return err
}

// VerifyDigest is Verify that also returns the SHA-256 of the signing
// bytes, which the server stores to know a resend: the bytes are
// marshalled once for both.
func (s SignedCountBatch) VerifyDigest(pub ed25519.PublicKey) ([sha256.Size]byte, error) {
	msg := s.Batch.SigningBytes()
	return sha256.Sum256(msg), verify(pub, msg, s.Sig, "batch")
}

// Sign signs the batch with a private key (tests and native tools; the
// browser signs SigningBytes with WebCrypto).
func (b CountBatch) Sign(priv ed25519.PrivateKey) SignedCountBatch {
	return SignedCountBatch{Batch: b, Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, b.SigningBytes()))}
}

// DecodeSignedCountBatch reads one batch strictly and validates it. It does
// not verify the signature: that needs the device's key.
func DecodeSignedCountBatch(r io.Reader) (SignedCountBatch, error) {
	var s SignedCountBatch
	if err := Decode(r, &s); err != nil {
		return s, err
	}
	return s, s.Batch.Validate()
}

// EnrolRequest is the body of POST /api/v1/enrol: a one-time code and the
// device's new public key.
type EnrolRequest struct {
	Code      string `json:"code"`
	PublicKey string `json:"public_key"` // standard base64 of the raw 32-byte Ed25519 key
}

// Validate checks the shapes of the code and the key and returns the key.
func (e EnrolRequest) Validate() (ed25519.PublicKey, error) {
	if len(e.Code) < 8 || len(e.Code) > 64 {
		return nil, errorf(CodeInvalid, "code must be 8-64 characters")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(e.PublicKey)
	if err != nil {
		return nil, errorf(CodeInvalid, "public_key must be a base64 raw Ed25519 key of %d bytes", ed25519.PublicKeySize)
	}
	if err := checkPublicKey(key); err != nil {
		return nil, err
	}
	return ed25519.PublicKey(key), nil
}

// KioskConfig is what an enrolled kiosk needs to count: its lines and how
// often to report. It carries no secret.
type KioskConfig struct {
	Kiosk     string `json:"kiosk"`
	Name      string `json:"name"`
	Room      string `json:"room"`
	IntervalS int    `json:"interval_s"`
	Lines     []Line `json:"lines"`
}

// EnrolResponse answers a successful enrolment.
type EnrolResponse struct {
	Device string      `json:"device"`
	Config KioskConfig `json:"config"`
}

// Decode reads exactly one JSON value into v as DecodeLimited does, at
// most MaxBodyBytes.
func Decode(r io.Reader, v any) error { return DecodeLimited(r, v, MaxBodyBytes) }
