package exam

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

func sealed() wire.Summary {
	return wire.Summary{
		Session: "s-0011aabb", Build: strings.Repeat("ab", 32),
		Window: wire.Window{From: 1_764_000_000_000, To: 1_764_000_030_000},
		Events: []wire.Event{{Kind: wire.FaceAbsent, Start: 1_763_999_995_000, End: 1_764_000_030_000, Peak: 1}},
		Health: wire.Health{Frames: 150, FPS: 5},
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSignedSession walks what the page does, as the page does it: chain
// two summaries, sign each and the finish with the session key, and post
// bodies the server's own decoders and verifiers accept.
func TestSignedSession(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	sign := func(kind string, msg []byte) []byte {
		e, err := Envelope(kind, msg)
		if err != nil {
			t.Fatalf("%s envelope: %v", kind, err)
		}
		return []byte(e.Head + base64.StdEncoding.EncodeToString(ed25519.Sign(priv, e.Msg)) + e.Tail)
	}
	prev := wire.Genesis
	for seq := int64(1); seq <= 2; seq++ {
		s := sealed()
		s.Window.From += (seq - 1) * 30_000
		s.Window.To += (seq - 1) * 30_000
		linked, hash, err := Chain(mustJSON(t, s), seq, prev)
		if err != nil {
			t.Fatalf("chain %d: %v", seq, err)
		}
		got, err := wire.DecodeSignedSummary(bytes.NewReader(sign(KindSummary, linked)))
		if err != nil {
			t.Fatalf("summary %d refused by the server's decoder: %v", seq, err)
		}
		if err := got.Verify(pub); err != nil {
			t.Fatalf("summary %d: %v", seq, err)
		}
		if got.Summary.Seq != seq || got.Summary.Prev != prev || got.Summary.Hash() != hash {
			t.Fatalf("summary %d: seq %d prev %s hash %s, want %d %s %s", seq, got.Summary.Seq, got.Summary.Prev, got.Summary.Hash(), seq, prev, hash)
		}
		prev = hash
	}
	fin, err := FinishMessage("s-0011aabb", 2, prev, 1_764_000_100_000)
	if err != nil {
		t.Fatal(err)
	}
	var sf wire.SignedFinish
	if err := wire.Decode(bytes.NewReader(sign(KindFinish, fin)), &sf); err != nil {
		t.Fatal(err)
	}
	if err := sf.Verify(pub); err != nil || sf.Finish.Head != prev || sf.Finish.Seq != 2 {
		t.Fatalf("finish %+v: %v", sf.Finish, err)
	}
}

// TestMessagesRefused: what the page is handed is decoded strictly, so a
// summary carrying anything more (a frame, say) is never signed or sent.
func TestMessagesRefused(t *testing.T) {
	good := mustJSON(t, sealed())
	withFrame := bytes.Replace(good, []byte(`"health":`), []byte(`"frame":"/9j/4AAQ","health":`), 1)
	if bytes.Equal(withFrame, good) {
		t.Fatal("test summary has no health field")
	}
	linked, _, err := Chain(good, 1, wire.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	linkedFrame := bytes.Replace(linked, []byte(`"health":`), []byte(`"frame":"/9j/4AAQ","health":`), 1)
	for name, f := range map[string]func() error{
		"chain with an extra field": func() error { _, _, err := Chain(withFrame, 1, wire.Genesis); return err },
		"chain of no JSON":          func() error { _, _, err := Chain([]byte(`{"session":`), 1, wire.Genesis); return err },
		"chain with a bad prev":     func() error { _, _, err := Chain(good, 1, "nope"); return err },
		"chain at seq 0":            func() error { _, _, err := Chain(good, 0, wire.Genesis); return err },
		"signing an extra field":    func() error { _, err := Envelope(KindSummary, linkedFrame); return err },
		"signing an unknown kind":   func() error { _, err := Envelope("frame", linked); return err },
		"finish with a bad head":    func() error { _, err := FinishMessage("s-0011aabb", 1, "x", 1_764_000_100_000); return err },
		"finish with a bad session": func() error { _, err := FinishMessage("S 1", 1, wire.Genesis, 1_764_000_100_000); return err },
		"signing a finish with extra": func() error {
			_, err := Envelope(KindFinish, []byte(`{"session":"s-1","seq":0,"head":"`+wire.Genesis+`","at":1764000100000,"x":1}`))
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestReceiptBytes(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	r := wire.Receipt{Session: "s-0011aabb", Exam: "e-1", LastSeq: 2, Head: wire.Genesis, Counts: map[wire.Kind]int64{wire.FaceAbsent: 1}, Issued: 1_764_000_100_000}
	kept := mustJSON(t, r.Sign(priv))
	got, msg, err := ReceiptBytes(kept)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(msg, r.SigningBytes()) || got.Sig == "" || got.Key == "" {
		t.Fatalf("receipt bytes %q", msg)
	}
	// A changed count changes the bytes, so the signature no longer holds.
	changed := bytes.Replace(kept, []byte(`"face_absent":1`), []byte(`"face_absent":0`), 1)
	if _, msg2, err := ReceiptBytes(changed); err != nil || bytes.Equal(msg2, msg) {
		t.Fatalf("a changed count: err %v, same bytes %v", err, bytes.Equal(msg2, msg))
	}
	for _, bad := range []string{`{"receipt":{},"key":"k","sig":"s","extra":1}`, `not json`, ``} {
		if _, _, err := ReceiptBytes([]byte(bad)); err == nil || !strings.Contains(err.Error(), "not a lokaal receipt") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
