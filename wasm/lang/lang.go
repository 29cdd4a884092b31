// Package lang holds the student pages' texts in Dutch and English. It is
// plain Go so that a test can check that both languages say the same things:
// every key in both tables, the same {placeholders} in each.
//
// Placeholders are named ({name}) rather than positional, because Dutch and
// English put them in different places in a sentence.
package lang

import (
	"strconv"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Lang is a supported language.
type Lang string

const (
	NL Lang = "nl"
	EN Lang = "en"
)

// Pick chooses the language for a BCP 47 tag such as navigator.language:
// Dutch for any nl tag, English otherwise.
func Pick(tag string) Lang {
	if t := strings.ToLower(tag); t == "nl" || strings.HasPrefix(t, "nl-") {
		return NL
	}
	return EN
}

// Other is the language the toggle switches to.
func (l Lang) Other() Lang {
	if l == NL {
		return EN
	}
	return NL
}

// T returns the text of key with its placeholders filled from pairs
// (name, value, name, value, …). A missing key returns the key itself, so
// a gap shows on screen instead of an empty element.
func (l Lang) T(key string, pairs ...string) string {
	s, ok := tables[l][key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, "{"+pairs[i]+"}", pairs[i+1])
	}
	return s
}

// Kind is the short name of an event kind.
func (l Lang) Kind(k wire.Kind) string { return l.T("kind." + string(k)) }

// Meaning explains in plain words what an event of kind k means, with the
// threshold filled in.
func (l Lang) Meaning(k wire.Kind, thresholdS string) string {
	return l.T("meaning."+string(k), "t", thresholdS)
}

var tables = map[Lang]map[string]string{NL: nl, EN: en}

// Date is the one date format of the language: t's own wall clock (the
// caller puts t in the server's zone), e.g. "2 Dec 2026, 15:04".
func (l Lang) Date(t time.Time) string {
	return l.T("date", "d", strconv.Itoa(t.Day()), "month", l.T("month."+strconv.Itoa(int(t.Month()))),
		"y", strconv.Itoa(t.Year()), "time", t.Format("15:04"))
}
