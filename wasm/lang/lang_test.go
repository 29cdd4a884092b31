package lang

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

// Both languages have every key, with the same placeholders.
func TestTablesMatch(t *testing.T) {
	for key, e := range en {
		n, ok := nl[key]
		if !ok {
			t.Errorf("%q has no Dutch text", key)
			continue
		}
		pe, pn := placeholder.FindAllString(e, -1), placeholder.FindAllString(n, -1)
		slices.Sort(pe)
		slices.Sort(pn)
		if !slices.Equal(pe, pn) {
			t.Errorf("%q: English has %v, Dutch %v", key, pe, pn)
		}
		if e == "" || n == "" {
			t.Errorf("%q is empty", key)
		}
	}
	for key := range nl {
		if _, ok := en[key]; !ok {
			t.Errorf("%q has no English text", key)
		}
	}
}

// Every kind the wire format knows has a name and a meaning, so the
// transparency screen never shows a bare identifier.
func TestEveryKindExplained(t *testing.T) {
	kinds := slices.Clone(wire.Integrity)
	for _, d := range wire.Catalogue {
		kinds = append(kinds, d.Kind)
	}
	for _, l := range []Lang{NL, EN} {
		for _, k := range kinds {
			if l.Kind(k) == "kind."+string(k) {
				t.Errorf("%s: no name for %s", l, k)
			}
			if m := l.Meaning(k, "7"); m == "meaning."+string(k) || placeholder.MatchString(m) {
				t.Errorf("%s: meaning of %s is %q", l, k, m)
			}
		}
	}
}

func TestT(t *testing.T) {
	if got := EN.T("tr.exam", "name", "Stats", "course", "S1", "start", "9:00", "end", "11:00"); got != "Stats (S1), 9:00 to 11:00" {
		t.Errorf("EN tr.exam = %q", got)
	}
	if got := NL.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key", got)
	}
}

func TestPick(t *testing.T) {
	for tag, want := range map[string]Lang{"nl": NL, "nl-BE": NL, "NL-nl": NL, "en-GB": EN, "de": EN, "": EN, "nld": EN} {
		if got := Pick(tag); got != want {
			t.Errorf("Pick(%q) = %s, want %s", tag, got, want)
		}
	}
	if NL.Other() != EN || EN.Other() != NL {
		t.Error("Other does not toggle")
	}
}

func TestDate(t *testing.T) {
	at := time.Date(2026, 3, 5, 9, 7, 0, 0, time.UTC)
	for l, want := range map[Lang]string{EN: "5 Mar 2026, 09:07", NL: "5 mrt 2026, 09:07"} {
		if got := l.Date(at); got != want {
			t.Errorf("%s: %q, want %q", l, got, want)
		}
	}
}
