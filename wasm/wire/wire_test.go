package wire

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func sampleBatch() CountBatch {
	return CountBatch{
		Device: "k-1a2b", Seq: 7, Build: strings.Repeat("c0", 32), Start: 1_764_000_000_000, End: 1_764_000_060_000,
		Lines: []LineCount{{Line: "entry", In: 3, Out: 1}, {Line: "exit", In: 0, Out: 2}},
	}
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestSigningBytesAreStable(t *testing.T) {
	got := string(sampleBatch().SigningBytes())
	want := "lokaal/count-batch/v1\n" +
		`{"device":"k-1a2b","seq":7,"build":"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0","start":1764000000000,"end":1764000060000,` +
		`"lines":[{"line":"entry","in":3,"out":1},{"line":"exit","in":0,"out":2}]}`
	if got != want {
		t.Fatalf("signing bytes changed; old clients would break.\n got %s\nwant %s", got, want)
	}
}

func TestSignVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	signed := sampleBatch().Sign(priv)
	if err := signed.Verify(pub); err != nil {
		t.Fatalf("valid signature rejected: %v", err)
	}
	tampered := signed
	tampered.Batch.Lines = []LineCount{{Line: "entry", In: 30, Out: 1}, {Line: "exit", In: 0, Out: 2}}
	if code(tampered.Verify(pub)) != CodeBadSignature {
		t.Fatal("tampered batch accepted")
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if code(signed.Verify(other)) != CodeBadSignature {
		t.Fatal("signature accepted under another key")
	}
	signed.Sig = "not base64!"
	if code(signed.Verify(pub)) != CodeBadSignature {
		t.Fatal("garbage signature accepted")
	}
}

func TestDecodeRejects(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	good := sampleBatch().Sign(priv)
	goodJSON := `{"batch":` + string(good.Batch.SigningBytes()[len(countBatchDomain):]) + `,"sig":"` + good.Sig + `"}`
	if _, err := DecodeSignedCountBatch(strings.NewReader(goodJSON)); err != nil {
		t.Fatalf("good batch rejected: %v", err)
	}
	image := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 200))
	cases := []struct {
		name, body, code string
	}{
		{"not json", `hello`, CodeMalformed},
		{"unknown field", strings.Replace(goodJSON, `"seq":7`, `"seq":7,"frame":"x"`, 1), CodeMalformed},
		{"trailing data", goodJSON + `{}`, CodeMalformed},
		{"fractional seq", strings.Replace(goodJSON, `"seq":7`, `"seq":7.5`, 1), CodeMalformed},
		{"string count", strings.Replace(goodJSON, `"in":3`, `"in":"3"`, 1), CodeMalformed},
		{"oversized", strings.Replace(goodJSON, `"sig":"`, `"sig":"`+strings.Repeat("A", MaxBodyBytes), 1), CodeTooLarge},
		{"image in device", strings.Replace(goodJSON, `"k-1a2b"`, `"`+image[:1000]+`"`, 1), CodeInvalid},
		{"image in line name", strings.Replace(goodJSON, `"entry"`, `"`+image[:1000]+`"`, 1), CodeInvalid},
		{"seq zero", strings.Replace(goodJSON, `"seq":7`, `"seq":0`, 1), CodeInvalid},
		{"no build", strings.Replace(goodJSON, `"build":"`+strings.Repeat("c0", 32)+`",`, ``, 1), CodeInvalid},
		{"empty build", strings.Replace(goodJSON, `"build":"`+strings.Repeat("c0", 32)+`"`, `"build":""`, 1), CodeInvalid},
		{"uppercase build", strings.Replace(goodJSON, strings.Repeat("c0", 32), strings.Repeat("C0", 32), 1), CodeInvalid},
		{"short build", strings.Replace(goodJSON, strings.Repeat("c0", 32), strings.Repeat("c0", 31), 1), CodeInvalid},
		{"seq beyond 2^53", strings.Replace(goodJSON, `"seq":7`, `"seq":9007199254740993`, 1), CodeInvalid},
		{"negative count", strings.Replace(goodJSON, `"in":3`, `"in":-3`, 1), CodeInvalid},
		{"huge count", strings.Replace(goodJSON, `"in":3`, `"in":100001`, 1), CodeInvalid},
		{"end before start", strings.Replace(goodJSON, `"end":1764000060000`, `"end":1763999999999`, 1), CodeInvalid},
		{"span too long", strings.Replace(goodJSON, `"end":1764000060000`, `"end":1764010000000`, 1), CodeInvalid},
		{"no lines", strings.Replace(goodJSON, `"lines":[{"line":"entry","in":3,"out":1},{"line":"exit","in":0,"out":2}]`, `"lines":[]`, 1), CodeInvalid},
		{"duplicate line", strings.Replace(goodJSON, `"exit"`, `"entry"`, 1), CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeSignedCountBatch(strings.NewReader(c.body))
			if got := code(err); got != c.code {
				t.Fatalf("code %q (err %v), want %q", got, err, c.code)
			}
		})
	}
}

func TestValidateLines(t *testing.T) {
	entry := Line{Name: "entry", A: [2]float64{0, 0.725}, B: [2]float64{1, 0.725}, Mode: Immediate}
	if err := ValidateLines([]Line{entry}); err != nil {
		t.Fatalf("good line rejected: %v", err)
	}
	bad := []Line{
		{Name: "x", A: [2]float64{0, 0}, B: [2]float64{0.01, 0}, Mode: Immediate},            // too short
		{Name: "x", A: [2]float64{-0.1, 0}, B: [2]float64{1, 0}, Mode: Immediate},            // outside the frame
		{Name: "x", A: [2]float64{0, 0}, B: [2]float64{1, 0}, Mode: "sometimes"},             // unknown mode
		{Name: "Entry Door", A: [2]float64{0, 0}, B: [2]float64{1, 0}, Mode: Deferred},       // name
		{Name: "x", A: [2]float64{0, 0}, B: [2]float64{1, 0}, Mode: Immediate, Inside: "up"}, // unknown side
	}
	for _, side := range []Side{"", Left, Right, Through} {
		l := entry
		l.Inside = side
		if err := ValidateLines([]Line{l}); err != nil {
			t.Errorf("inside %q rejected: %v", side, err)
		}
	}
	for i, l := range bad {
		if code(ValidateLines([]Line{l})) != CodeInvalid {
			t.Errorf("bad line %d accepted: %+v", i, l)
		}
	}
	if code(ValidateLines([]Line{entry, entry})) != CodeInvalid {
		t.Error("duplicate line names accepted")
	}
	if code(ValidateLines(nil)) != CodeInvalid {
		t.Error("no lines accepted")
	}
}

func TestEnrolRequestValidate(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	req := EnrolRequest{Code: "ABCD-EFGH-1234", PublicKey: base64.StdEncoding.EncodeToString(pub)}
	got, err := req.Validate()
	if err != nil || !bytes.Equal(got, pub) {
		t.Fatalf("good request rejected: %v", err)
	}
	req.PublicKey = base64.StdEncoding.EncodeToString(pub[:31])
	if _, err := req.Validate(); code(err) != CodeInvalid {
		t.Fatal("short key accepted")
	}
	req.Code = "short"
	if _, err := req.Validate(); code(err) != CodeInvalid {
		t.Fatal("short code accepted")
	}
}

func TestEnters(t *testing.T) {
	c := LineCount{Line: "door", In: 5, Out: 2}
	for side, want := range map[Side][2]int64{Left: {5, 2}, Right: {2, 5}, Through: {0, 0}, "": {0, 0}} {
		if in, out := c.Enters(side); in != want[0] || out != want[1] {
			t.Errorf("%q: %d entered, %d left, want %v", side, in, out, want)
		}
	}
}

// The digest the server stores comes from the same bytes that were
// verified, and a bad signature still fails with it.
func TestVerifyDigest(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	signed := sampleBatch().Sign(priv)
	got, err := signed.VerifyDigest(pub)
	if err != nil || got != sha256.Sum256(signed.Batch.SigningBytes()) {
		t.Fatalf("digest %x, err %v", got, err)
	}
	s := sampleSummary().Sign(priv)
	if h, err := s.VerifyHash(pub); err != nil || h != s.Summary.Hash() {
		t.Fatalf("hash %q, want %q, err %v", h, s.Summary.Hash(), err)
	}
	want, _ := json.Marshal(s.Summary)
	if body, h := s.Summary.JSONHash(); !bytes.Equal(body, want) || h != s.Summary.Hash() {
		t.Fatalf("JSONHash: %s %q, want %s %q", body, h, want, s.Summary.Hash())
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if _, err := signed.VerifyDigest(other); code(err) != CodeBadSignature {
		t.Fatalf("batch under another key: %v", err)
	}
	if _, err := s.VerifyHash(other); code(err) != CodeBadSignature {
		t.Fatalf("summary under another key: %v", err)
	}
}
