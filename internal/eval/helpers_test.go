package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// errCase is an input a parser must reject, and text its error must hold.
type errCase struct{ in, want string }

// wantErrors checks that parse rejects each input with an error holding the
// case's text, and that the error is none of not: the parsers' sentinels
// for "not this kind of file", which are no complaint about a line.
func wantErrors(t *testing.T, parse func(in string) error, cases []errCase, not ...error) {
	t.Helper()
	for _, tc := range cases {
		err := parse(tc.in)
		if err == nil || slices.Contains(not, err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

// runJSON runs `lokaal eval --json dir` and decodes its report.
func runJSON(t *testing.T, dir string) Report {
	t.Helper()
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"--json", dir}, &out, &out); err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	return rep
}

// evaluateDir scores every labelled item under dir.
func evaluateDir(t *testing.T, dir string) Report {
	t.Helper()
	rep, err := evaluate(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
