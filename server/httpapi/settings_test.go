package httpapi

import (
	"strings"
	"testing"
)

func TestParseFrameOrigins(t *testing.T) {
	got, err := ParseFrameOrigins(" https://Exams.Example.org, https://lms.example.org:8443/ ,,https://exams.example.org")
	if err != nil || strings.Join(got, " ") != "https://exams.example.org https://lms.example.org:8443" {
		t.Errorf("ParseFrameOrigins = %q, %v", got, err)
	}
	if got, err := ParseFrameOrigins(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %q, %v", got, err)
	}
	for _, bad := range []string{"http://exams.example.org", "https://exams.example.org/path", "exams.example.org", "https://*.example.org", "https://a.example.org; script-src *", "https://u@a.example.org"} {
		if _, err := ParseFrameOrigins(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseBuilds(t *testing.T) {
	a, b := strings.Repeat("ab", 32), strings.Repeat("0f", 32)
	got, err := ParseBuilds(" " + a + "," + b + ",")
	if err != nil || len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("ParseBuilds: %q, %v", got, err)
	}
	for _, bad := range []string{"dev", strings.ToUpper(a), a[:62], a + "," + "xyz"} {
		if _, err := ParseBuilds(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got, err := ParseBuilds(""); err != nil || got != nil {
		t.Errorf("empty: %q, %v", got, err)
	}
}
