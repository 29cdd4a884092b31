package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// An envelope's body, its signature filled in, is the signed message's
// own JSON, which the server's decoders take and whose signature verifies.
func TestEnvelope(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	sig := func(e Envelope) string { return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, e.Msg)) }
	b := sampleBatch()
	s := sampleSummary()
	f := Finish{Session: s.Session, Seq: 1, Head: s.Hash(), At: s.Window.To}
	for name, c := range map[string]struct {
		env    Envelope
		signed func(sig string) any
		verify func(body []byte) error
	}{
		"batch": {b.Envelope(), func(sig string) any { return SignedCountBatch{Batch: b, Sig: sig} }, func(body []byte) error {
			got, err := DecodeSignedCountBatch(bytes.NewReader(body))
			if err == nil {
				err = got.Verify(pub)
			}
			return err
		}},
		"summary": {s.Envelope(), func(sig string) any { return SignedSummary{Summary: s, Sig: sig} }, func(body []byte) error {
			got, err := DecodeSignedSummary(bytes.NewReader(body))
			if err == nil {
				err = got.Verify(pub)
			}
			return err
		}},
		"finish": {f.Envelope(), func(sig string) any { return SignedFinish{Finish: f, Sig: sig} }, func(body []byte) error {
			var got SignedFinish
			err := Decode(bytes.NewReader(body), &got)
			if err == nil {
				err = got.Verify(pub)
			}
			return err
		}},
	} {
		sg := sig(c.env)
		body := c.env.Head + sg + c.env.Tail
		want, _ := json.Marshal(c.signed(sg))
		if body != string(want) {
			t.Errorf("%s: body\n%s\nwant\n%s", name, body, want)
		}
		if err := c.verify([]byte(body)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
