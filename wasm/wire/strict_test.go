package wire

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDecodeStrict(t *testing.T) {
	type inner struct {
		Line string `json:"line"`
		In   int    `json:"in"`
	}
	type body struct {
		Seq   int               `json:"seq"`
		Lines []inner           `json:"lines"`
		Tags  map[string]string `json:"tags"`
		Raw   json.RawMessage   `json:"raw"`
		Ptr   *inner            `json:"ptr"`
	}
	for _, c := range []struct {
		in string
		ok bool
	}{
		{`{"seq":1,"lines":[{"line":"a","in":2}],"tags":{"x":"y"},"raw":{"any":1},"ptr":{"in":3}}`, true},
		{`{"seq":1,"lines":null}`, true}, // a nil slice marshals as null: fields may be null
		{`null`, false},
		{` null `, false},
		{`{"SEQ":1}`, false},
		{`{"Seq":1}`, false},
		{`{"seq":1,"seq":2}`, false},
		{`{"lines":[{"line":"a","Line":"b"}]}`, false},
		{`{"lines":[{"line":"a","line":"b"}]}`, false},
		{`{"ptr":{"IN":3}}`, false},
		{`{"tags":{"x":"1","x":"2"}}`, false},
		{`{"raw":{"k":1,"k":2}}`, false},
		{`{"extra":1}`, false},
		{`{"seq":1}{}`, false},
	} {
		var v body
		err := Decode(strings.NewReader(c.in), &v)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.in, err, c.ok)
		}
		if err != nil && code(err) != CodeMalformed {
			t.Errorf("%s: code %q, want malformed", c.in, code(err))
		}
	}
}

// A signed batch with its count repeated: the signature covers one
// reading, a lenient decoder would store the other.
func TestDecodeSignedBatchDuplicateKey(t *testing.T) {
	in := `{"batch":{"device":"d","seq":1,"build":"` + strings.Repeat("a", 64) + `","start":0,"end":60000,` +
		`"lines":[{"line":"entry","in":1,"in":99999,"out":0}]},"sig":"AAAA"}`
	if _, err := DecodeSignedCountBatch(strings.NewReader(in)); code(err) != CodeMalformed {
		t.Errorf("duplicate key: %v", err)
	}
}

// Embedded structs' fields are promoted, as encoding/json promotes them.
func TestDecodeStrictEmbedded(t *testing.T) {
	type Base struct {
		ID string `json:"id"`
	}
	type outer struct {
		Base
		Name string `json:"name"`
	}
	var v outer
	if err := Decode(strings.NewReader(`{"id":"x","name":"y"}`), &v); err != nil || v.ID != "x" {
		t.Errorf("embedded: %v %+v", err, v)
	}
	if err := Decode(strings.NewReader(`{"ID":"x"}`), &v); err == nil {
		t.Error("embedded field in another case accepted")
	}
}

// scanStrict, checkStrict's fast path, must never pass what the token walk
// refuses, and must pass the bodies the API really takes (else every body
// pays for the walk again).
func TestScanStrictAgreesWithWalk(t *testing.T) {
	seed := sha256.Sum256([]byte("scan strict"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	batch := CountBatch{Device: "d-1", Seq: 7, Build: strings.Repeat("ab", 32), Start: 1767225600000, End: 1767225660000,
		Lines: []LineCount{{Line: "door", In: 3, Out: -1}, {Line: "zij ingang", In: 12}}}.Sign(priv)
	summary := Summary{Session: "s-1", Seq: 2, Prev: Genesis, Build: strings.Repeat("cd", 32), Window: Window{From: 1767225600000, To: 1767225630000},
		Events: []Event{{Kind: "looking_away", Start: 1767225601000, End: 1767225602500, Peak: 0.42}}, Health: Health{Frames: 60, FPS: 2}}.Sign(priv)
	var bodies [][]byte
	for _, v := range []any{batch, summary} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	types := []reflect.Type{reflect.TypeFor[*SignedCountBatch](), reflect.TypeFor[*SignedSummary]()}
	for i, b := range bodies {
		if !scanStrict(b, types[i]) {
			t.Errorf("the fast path declines a real body: %s", b)
		}
		for _, indented := range [][]byte{append([]byte(" \n\t"), b...), bytes.ReplaceAll(b, []byte(","), []byte(" ,\r\n "))} {
			if !scanStrict(indented, types[i]) {
				t.Errorf("the fast path declines a real body with white space: %s", indented)
			}
		}
	}

	agree := func(body []byte, typ reflect.Type) {
		t.Helper()
		if scanStrict(body, typ) {
			if err := walkBody(body, typ); err != nil {
				t.Fatalf("the fast path passes %q, which the walk refuses: %v", body, err)
			}
		}
	}
	for _, c := range []string{
		`{"batch":{"device":"d","Seq":1},"sig":""}`, `{"batch":{"device":"d","device":"e"}}`, `{"batch":{"lines":[{"line":"a","in":1,"in":2}]}}`,
		`{"batch":{"seq":01}}`, `{"batch":{"seq":1.}}`, `{"batch":{"seq":-}}`, `{"batch":{"seq":1e}}`, `{"batch":{"seq":tru}}`,
		`{"batch":{"device":"a` + "\x01" + `"}}`, `{"batch":{"device":"\x"}}`, `{"batch":{"device":"\u12"}}`, `{"batch":{"device":"open`,
		`{"b\u0061tch":{}}`, `{"bätch":{}}`, `{"batch" {}}`, `{"batch":{},}`, `{"batch":[}`, `{,}`, `[1,]`, `null`, ` null`, ``, `{`,
		`{"batch":{"lines":[{"line":"x"} {"line":"y"}]}}`, `{"sig":"x"}trailing`, strings.Repeat("[", 20000),
	} {
		agree([]byte(c), types[0])
	}
	// Every one-byte edit of the real bodies, with bytes JSON gives meaning to.
	alphabet := []byte(`{}[],:"\ 0-1eE.+tfnul` + "\x00\x7f\xc3")
	for i, b := range bodies {
		for at := range b {
			for _, c := range alphabet {
				edited := slices.Clone(b)
				edited[at] = c
				agree(edited, types[i])
				agree(slices.Insert(slices.Clone(b), at, c), types[i])
			}
			agree(slices.Delete(slices.Clone(b), at, at+1), types[i])
		}
	}
}

func FuzzScanStrict(f *testing.F) {
	f.Add([]byte(`{"batch":{"device":"d","seq":1,"lines":[{"line":"a","in":1}]},"sig":"AAAA"}`))
	f.Add([]byte(`{"batch":{"seq":1,"seq":2}}`))
	f.Add([]byte(`{"batch":{"SEQ":1}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		typ := reflect.TypeFor[*SignedCountBatch]()
		if scanStrict(body, typ) {
			if err := walkBody(body, typ); err != nil {
				t.Fatalf("the fast path passes %q, which the walk refuses: %v", body, err)
			}
		}
	})
}

func TestStringAt(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{`{"batch":{"device":"d-1","seq":1},"sig":"x"}`, "d-1", true},
		{` { "sig" : "x" , "batch" : { "lines" : [ {"device":"no"} ], "device" : "d-2" } } `, "d-2", true},
		{`{"batch":{"seq":1}}`, "", false},
		{`{"batch":{"device":7}}`, "", false},
		{`{"batch":{"dev\u0069ce":"d-1"}}`, "", false}, // bodyKey decodes these
		{`{"batch":{"device":"d\u002d1"}}`, "", false},
		{`{"batch":{"device":"d-1"`, "d-1", true}, // found before the fault, which the decoder refuses
		{`{"batch" {"device":"d-1"}}`, "", false},
		{`{"x":[1,}, "batch":{"device":"d-1"}}`, "", false},
		{`["batch",{"device":"d-1"}]`, "", false},
	} {
		got, ok := StringAt([]byte(c.in), "batch", "device")
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
	// On every one-byte edit of a real batch that is still strict, it
	// finds what a decoder finds, or says it cannot.
	seed := sha256.Sum256([]byte("string at"))
	body, _ := json.Marshal(CountBatch{Device: "d-1", Seq: 7, Build: strings.Repeat("ab", 32), Start: 1767225600000, End: 1767225660000,
		Lines: []LineCount{{Line: "door", In: 3}}}.Sign(ed25519.NewKeyFromSeed(seed[:])))
	typ := reflect.TypeFor[*SignedCountBatch]()
	for at := range body {
		for _, c := range []byte(`{}[],:"\ 0-dx`) {
			edited := slices.Clone(body)
			edited[at] = c
			got, ok := StringAt(edited, "batch", "device")
			var v SignedCountBatch
			if !ok || walkBody(edited, typ) != nil || json.Unmarshal(edited, &v) != nil {
				continue
			}
			if got != v.Batch.Device {
				t.Fatalf("%s: %q, a decoder reads %q", edited, got, v.Batch.Device)
			}
		}
	}
}
