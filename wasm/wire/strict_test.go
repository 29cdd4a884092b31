package wire

import (
	"encoding/json"
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
