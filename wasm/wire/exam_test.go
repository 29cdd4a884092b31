package wire

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
)

func sampleSummary() Summary {
	return Summary{
		Session: "s-0011aabb", Seq: 1, Prev: Genesis, Build: strings.Repeat("ab", 32),
		Window: Window{From: 1_764_000_000_000, To: 1_764_000_030_000},
		Events: []Event{{Kind: FaceAbsent, Start: 1_763_999_995_000, End: 1_764_000_030_000, Peak: 1}},
		Health: Health{Frames: 150, FPS: 5},
	}
}

func TestSummarySigningBytesAreStable(t *testing.T) {
	got := string(sampleSummary().SigningBytes())
	want := "lokaal/exam-summary/v1\n" +
		`{"session":"s-0011aabb","seq":1,"prev":"` + Genesis + `","build":"` + strings.Repeat("ab", 32) + `",` +
		`"window":{"from":1764000000000,"to":1764000030000},` +
		`"events":[{"kind":"face_absent","start":1763999995000,"end":1764000030000,"peak":1}],` +
		`"health":{"frames":150,"fps":5}}`
	if got != want {
		t.Fatalf("signing bytes changed; old clients would break.\n got %s\nwant %s", got, want)
	}
}

func TestSummaryChainAndSignature(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	first := sampleSummary()
	second := sampleSummary()
	second.Seq, second.Prev = 2, first.Hash()
	second.Window = Window{From: first.Window.To, To: first.Window.To + 30_000}
	second.Events = nil
	if second.Prev == Genesis || len(second.Prev) != 64 {
		t.Fatalf("hash %q", second.Prev)
	}
	signed := second.Sign(priv)
	if err := signed.Verify(pub); err != nil {
		t.Fatal(err)
	}
	signed.Summary.Prev = Genesis
	if code(signed.Verify(pub)) != CodeBadSignature {
		t.Fatal("a summary moved to another place in the chain kept its signature")
	}
	// A count batch's signature never verifies as a summary: domains differ.
	batch := sampleBatch().Sign(priv)
	if code(SignedSummary{Summary: second, Sig: batch.Sig}.Verify(pub)) != CodeBadSignature {
		t.Fatal("cross-message signature accepted")
	}
}

func TestSummaryValidate(t *testing.T) {
	if err := sampleSummary().Validate(); err != nil {
		t.Fatalf("good summary rejected: %v", err)
	}
	cases := []struct {
		name string
		edit func(*Summary)
		code string
	}{
		{"first prev not genesis", func(s *Summary) { s.Prev = strings.Repeat("1", 64) }, CodeChainBroken},
		{"prev not hex", func(s *Summary) { s.Seq, s.Prev = 2, strings.Repeat("G", 64) }, CodeInvalid},
		{"build not hex", func(s *Summary) { s.Build = "dev" }, CodeInvalid},
		{"unknown kind", func(s *Summary) { s.Events[0].Kind = "keystrokes" }, CodeInvalid},
		{"event after window", func(s *Summary) { s.Events[0].End = s.Window.To + 1 }, CodeInvalid},
		{"event long before window", func(s *Summary) { s.Events[0].Start = s.Window.From - 121_000 }, CodeInvalid},
		{"event ends before window", func(s *Summary) { s.Events[0].End = s.Window.From - 1 }, CodeInvalid},
		{"event reversed", func(s *Summary) { s.Events[0].Start = s.Events[0].End + 1 }, CodeInvalid},
		{"negative peak", func(s *Summary) { s.Events[0].Peak = -1 }, CodeInvalid},
		{"window reversed", func(s *Summary) { s.Window.To = s.Window.From }, CodeInvalid},
		{"window too long", func(s *Summary) { s.Window.To = s.Window.From + MaxSummarySpanMS + 1 }, CodeInvalid},
		{"too many events", func(s *Summary) {
			for len(s.Events) <= MaxEvents {
				s.Events = append(s.Events, s.Events[0])
			}
		}, CodeInvalid},
		{"fps out of range", func(s *Summary) { s.Health.FPS = 1000 }, CodeInvalid},
		{"session id", func(s *Summary) { s.Session = "S 1" }, CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := sampleSummary()
			s.Events = append([]Event(nil), s.Events...)
			c.edit(&s)
			if got := code(s.Validate()); got != c.code {
				t.Fatalf("code %q, want %q", got, c.code)
			}
		})
	}
}

func TestDecodeSignedSummaryRejectsExtraFields(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	s := sampleSummary().Sign(priv)
	body := `{"summary":` + string(s.Summary.SigningBytes()[len(summaryDomain):]) + `,"sig":"` + s.Sig + `"}`
	if _, err := DecodeSignedSummary(strings.NewReader(body)); err != nil {
		t.Fatalf("good body rejected: %v", err)
	}
	withFrame := strings.Replace(body, `"health":`, `"frame":"/9j/4AAQ","health":`, 1)
	if _, err := DecodeSignedSummary(strings.NewReader(withFrame)); code(err) != CodeMalformed {
		t.Fatalf("a summary with an extra field was accepted: %v", err)
	}
}

func TestValidateDetectors(t *testing.T) {
	ds := []DetectorSetting{{Kind: FaceAbsent}, {Kind: Paste, ThresholdS: 9}, {Kind: Speech, ThresholdS: 7}}
	if err := ValidateDetectors(ds); err != nil {
		t.Fatal(err)
	}
	if ds[0].ThresholdS != 10 || ds[1].ThresholdS != 0 || ds[2].ThresholdS != 7 {
		t.Fatalf("defaults not applied: %+v", ds)
	}
	for _, bad := range [][]DetectorSetting{
		{{Kind: "gaze_heatmap"}},
		{{Kind: Speech}, {Kind: Speech}},
		{{Kind: Speech, ThresholdS: 0.5}},
		{{Kind: Speech, ThresholdS: 121}},
		{{Kind: CameraLost}}, // integrity kinds are always on, not configurable
	} {
		if code(ValidateDetectors(bad)) != CodeInvalid {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestPolicyDevices(t *testing.T) {
	p := Policy{Detectors: []DetectorSetting{{Kind: FocusLost}, {Kind: Paste}}}
	if p.NeedsCamera() || p.NeedsMicrophone() {
		t.Fatal("browser-only policy asks for devices")
	}
	if !p.Allows(PageReloaded) || p.Allows(Speech) || !p.Allows(Paste) {
		t.Fatal("Allows wrong")
	}
	p.Detectors = append(p.Detectors, DetectorSetting{Kind: LookingAway, ThresholdS: 10})
	if !p.NeedsCamera() || p.NeedsMicrophone() {
		t.Fatal("looking_away needs the camera only")
	}
	p.Detectors = append(p.Detectors, DetectorSetting{Kind: Speech, ThresholdS: 5})
	if !p.NeedsMicrophone() {
		t.Fatal("speech needs the microphone")
	}
}

func TestReceiptVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := Receipt{Session: "s-1", Exam: "e-1", LastSeq: 3, Head: Genesis, Counts: map[Kind]int64{Speech: 2, FaceAbsent: 1}, Issued: 1_764_000_000_000}
	signed := r.Sign(priv)
	if err := signed.Verify(pub); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.SigningBytes()), `"counts":{"face_absent":1,"speech":2}`) {
		t.Fatalf("counts not in a stable order: %s", r.SigningBytes())
	}
	tampered := signed
	tampered.Receipt.Counts = map[Kind]int64{Speech: 0}
	if code(tampered.Verify(pub)) != CodeBadSignature {
		t.Fatal("tampered receipt verified")
	}
	otherPub, _, _ := ed25519.GenerateKey(nil)
	if code(signed.Verify(otherPub)) != CodeBadSignature {
		t.Fatal("receipt verified under another key")
	}
}

func TestFinishAndStart(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	f := Finish{Session: "s-1", Seq: 0, Head: Genesis, At: 1_764_000_000_000}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := f.Sign(priv).Verify(pub); err != nil {
		t.Fatal(err)
	}
	if code((Finish{Session: "s-1", Head: "x", At: 1_764_000_000_000}).Validate()) != CodeInvalid {
		t.Fatal("bad head accepted")
	}
	req := StartRequest{PublicKey: "AAAA", Build: Genesis}
	if _, err := req.Validate(); code(err) != CodeInvalid {
		t.Fatal("short key accepted")
	}
	req.PublicKey = base64.StdEncoding.EncodeToString(pub)
	req.Precheck = Precheck{Frames: 10, FaceFrames: 11}
	if _, err := req.Validate(); code(err) != CodeInvalid {
		t.Fatal("face_frames > frames accepted")
	}
	req.Precheck = Precheck{Frames: 10, FaceFrames: 9, FaceFound: true, Baseline: 80}
	if _, err := req.Validate(); err != nil {
		t.Fatal(err)
	}
}
