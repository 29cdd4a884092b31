// Package exam is the exam page's messages in plain Go: it numbers and
// links sealed summaries, makes the bytes the page signs and the bodies it
// posts, the finish message, and the bytes of a receipt the page checks.
// The js/wasm glue in wasm/cmd/exam only moves values between this package,
// the proctor and the browser, so everything that decides what leaves the
// device is tested natively, as wasm/kiosk is for the kiosk. Every message
// from JavaScript is decoded strictly (wire.Decode): a field the server
// would refuse is refused here first.
package exam

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/lokaal-nl/lokaal/wasm/proctor"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Kinds of signed message.
const (
	KindSummary = "summary"
	KindFinish  = "finish"
)

// Chain numbers a sealed summary (JSON) seq and links it to prev, the hash
// of the summary before it. It returns the linked summary's JSON and hash.
func Chain(summary []byte, seq int64, prev string) (linked []byte, hash string, err error) {
	var s wire.Summary
	if err := wire.Decode(bytes.NewReader(summary), &s); err != nil {
		return nil, "", err
	}
	s = proctor.Chain(s, seq, prev)
	if err := s.Validate(); err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(s)
	return b, s.Hash(), err
}

// Envelope returns what to sign for msg, a KindSummary or a KindFinish
// (JSON), and its POST body around the signature (wire.Envelope).
func Envelope(kind string, msg []byte) (wire.Envelope, error) {
	switch kind {
	case KindSummary:
		s, err := decodeSummary(msg)
		if err != nil {
			return wire.Envelope{}, err
		}
		return s.Envelope(), nil
	case KindFinish:
		f, err := decodeFinish(msg)
		if err != nil {
			return wire.Envelope{}, err
		}
		return f.Envelope(), nil
	}
	return wire.Envelope{}, fmt.Errorf("unknown message %q", kind)
}

// FinishMessage returns the wire.Finish JSON that closes session after the
// last summary the server acknowledged (seq, with hash head), at Unix ms.
func FinishMessage(session string, seq int64, head string, at int64) ([]byte, error) {
	f := wire.Finish{Session: session, Seq: seq, Head: head, At: at}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(f)
}

// ReceiptBytes decodes a receipt the student kept and returns it with the
// exact bytes its signature covers, made from its fields, so a changed
// count changes them.
func ReceiptBytes(receipt []byte) (wire.SignedReceipt, []byte, error) {
	var r wire.SignedReceipt
	if err := wire.Decode(bytes.NewReader(receipt), &r); err != nil {
		return r, nil, fmt.Errorf("not a lokaal receipt: %w", err)
	}
	return r, r.Receipt.SigningBytes(), nil
}

func decodeSummary(msg []byte) (wire.Summary, error) {
	var s wire.Summary
	if err := wire.Decode(bytes.NewReader(msg), &s); err != nil {
		return s, err
	}
	return s, s.Validate()
}

func decodeFinish(msg []byte) (wire.Finish, error) {
	var f wire.Finish
	if err := wire.Decode(bytes.NewReader(msg), &f); err != nil {
		return f, err
	}
	return f, f.Validate()
}
