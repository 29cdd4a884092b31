package wire

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The hand-written matchers must accept exactly what the patterns they
// replaced accepted: the rules the server has enforced since the first
// release.
func TestMatchersAgreeWithPatterns(t *testing.T) {
	cases := []struct {
		name    string
		pattern *regexp.Regexp
		match   func(string) bool
	}{
		{"ValidID", regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`), ValidID},
		{"ValidLineName", regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`), ValidLineName},
		{"ValidBuild", regexp.MustCompile(`^[0-9a-f]{64}$`), ValidBuild},
	}
	const alphabet = "az09fg-_A.\n\x00é"
	fixed := []string{"", "a", "-a", "_a", "a-", "a_", strings.Repeat("a", 32), strings.Repeat("a", 33),
		strings.Repeat("a", 40), strings.Repeat("a", 41), strings.Repeat("f", 64), strings.Repeat("f", 65), Genesis, "A", "a\n"}
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		in := append([]string(nil), fixed...)
		for range 20000 {
			n := r.IntN(70)
			b := make([]byte, 0, n)
			for range n {
				b = append(b, alphabet[r.IntN(len(alphabet))])
			}
			in = append(in, string(b))
		}
		for _, s := range in {
			if got, want := c.match(s), c.pattern.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the pattern says %v", c.name, s, got, want)
			}
		}
	}
}
