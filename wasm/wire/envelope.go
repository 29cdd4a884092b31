package wire

import (
	"encoding/json"
	"strings"
)

// Envelope is a message ready for a signature made outside Go, as the
// browser's WebCrypto makes it (asynchronously, with a key Go never sees):
// Msg is the exact bytes to sign, and the signed body is Head, the
// standard base64 signature, then Tail. So a client hands a message to Go
// once per signature and needs no second call for the body.
type Envelope struct {
	Msg        []byte
	Head, Tail string
}

// sigSlot is how an empty signature ends a signed body: Sig is the last
// field of every signed message.
const sigSlot = `"sig":""}`

// envelope cuts the JSON of signed, whose Sig is empty, at the signature's
// place. A base64 signature needs no JSON escaping, so it fits there as it
// is.
func envelope(msg []byte, signed any) Envelope {
	body, err := json.Marshal(signed)
	if err != nil {
		panic(err) // as signingBytes: the message marshalled already
	}
	head, ok := strings.CutSuffix(string(body), sigSlot)
	if !ok {
		panic("wire: a signed message must end with its sig")
	}
	return Envelope{Msg: msg, Head: head + `"sig":"`, Tail: `"}`}
}

// Envelope is b's envelope: the POST /api/v1/counts body around its
// signature.
func (b CountBatch) Envelope() Envelope {
	return envelope(b.SigningBytes(), SignedCountBatch{Batch: b})
}

// Envelope is s's envelope: the POST /api/v1/summaries body around its
// signature.
func (s Summary) Envelope() Envelope {
	return envelope(s.SigningBytes(), SignedSummary{Summary: s})
}

// Envelope is f's envelope: the finish request's body around its
// signature.
func (f Finish) Envelope() Envelope {
	return envelope(f.SigningBytes(), SignedFinish{Finish: f})
}
