// Package kiosk is the kiosk's bookkeeping in plain Go: the running interval
// tally that becomes a wire.CountBatch, and the latency and frame-rate
// statistics shown on screen. The js/wasm glue in wasm/cmd/kiosk only moves
// values between this package, the counter and the browser, so everything
// that decides what leaves the device is tested natively.
package kiosk

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/lokaal-nl/lokaal/wasm/counter"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Tally counts the crossings of the running interval. It is persisted after
// every change (as JSON) so a reload seals it instead of losing it.
type Tally struct {
	Start   int64            `json:"start"`   // interval start, Unix ms
	Updated int64            `json:"updated"` // last crossing, Unix ms: where a restored tally ends
	Lines   []wire.LineCount `json:"lines"`
}

// NewTally starts an empty interval at start (Unix ms) for the given lines.
func NewTally(lines []wire.Line, start int64) *Tally {
	t := &Tally{Start: start, Updated: start, Lines: make([]wire.LineCount, len(lines))}
	for i, l := range lines {
		t.Lines[i].Line = l.Name
	}
	return t
}

// Add counts one crossing at now (Unix ms).
func (t *Tally) Add(c counter.Crossing, now int64) {
	if c.Dir == counter.In {
		t.Lines[c.Line].In++
	} else {
		t.Lines[c.Line].Out++
	}
	t.Updated = max(t.Updated, now)
}

// Due reports whether the interval that started at Start is over at now.
func (t *Tally) Due(now int64, intervalS int) bool {
	return now-t.Start >= int64(intervalS)*1000
}

// Seal turns the interval into a batch ending at end and starts the next
// interval there. build is the hex SHA-256 of the running kiosk.wasm, as
// the page hashed the bytes it instantiated. The batch has no seq yet:
// Number gives it one.
//
// A laptop that slept for hours would produce an interval longer than the
// wire format allows; its counts are kept and the batch is cut at the
// longest span, because a count in the wrong hour beats a lost count.
func (t *Tally) Seal(device, build string, end int64) wire.CountBatch {
	b := wire.CountBatch{
		Device: device,
		Build:  build,
		Start:  t.Start,
		End:    min(max(end, t.Start+1), t.Start+wire.MaxBatchSpanMS),
		Lines:  append([]wire.LineCount(nil), t.Lines...),
	}
	for i := range t.Lines {
		t.Lines[i].In, t.Lines[i].Out = 0, 0
	}
	t.Start, t.Updated = max(end, b.End), max(end, b.End)
	return b
}

// Empty reports whether nothing was counted in the interval.
func (t *Tally) Empty() bool {
	for _, l := range t.Lines {
		if l.In != 0 || l.Out != 0 {
			return false
		}
	}
	return true
}

// RestoreTally reads a tally persisted by a previous page load. The reload
// seals it at its last crossing: the page was not counting after that.
func RestoreTally(data []byte) (*Tally, error) {
	var t Tally
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, err
	}
	if t.Start < wire.MinTimeMS || t.Updated < t.Start || len(t.Lines) == 0 {
		return nil, errors.New("kiosk: persisted tally is inconsistent")
	}
	return &t, nil
}

// Number gives a sealed batch (JSON) its seq and checks it as the server
// will, as exam.Chain does for a summary. The browser allocates seq in the
// IndexedDB transaction that queues the batch, so a seq is never used twice
// or skipped by a crash in between.
func Number(batchJSON []byte, seq int64) ([]byte, error) {
	var b wire.CountBatch
	if err := wire.Decode(bytes.NewReader(batchJSON), &b); err != nil {
		return nil, err
	}
	b.Seq = seq
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(b)
}

// Envelope returns what the device key signs for a batch the browser has
// numbered, and the POST /api/v1/counts body around the signature
// (wire.Envelope). It decodes strictly and validates, so the browser can
// only sign what the server will accept. build is the running build: it is
// filled into a batch queued by a release that did not record builds, so an
// upgrade does not turn the queue into rejected batches.
func Envelope(batchJSON []byte, build string) (wire.Envelope, error) {
	b, err := decodeBatch(batchJSON, build)
	if err != nil {
		return wire.Envelope{}, err
	}
	return b.Envelope(), nil
}

func decodeBatch(batchJSON []byte, build string) (wire.CountBatch, error) {
	var b wire.CountBatch
	if err := wire.Decode(bytes.NewReader(batchJSON), &b); err != nil {
		return b, err
	}
	if b.Build == "" {
		b.Build = build
	}
	return b, b.Validate()
}
