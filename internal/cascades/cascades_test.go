package cascades

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestPigoVersionMatchesGoMod(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`github.com/esimov/pigo ` + regexp.QuoteMeta(PigoVersion) + `\b`).Match(mod) {
		t.Errorf("go.mod does not require pigo %s; update PigoVersion", PigoVersion)
	}
}

func TestDirOverride(t *testing.T) {
	t.Setenv("LOKAAL_PIGO_CASCADES", t.TempDir())
	if _, err := Dir(); err == nil || !strings.Contains(err.Error(), "facefinder") {
		t.Errorf("empty override dir: err %v, want one naming the missing cascade", err)
	}
}

func TestRead(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Skip(err)
	}
	face, pupil, err := Read(dir)
	if err != nil || len(face) == 0 || len(pupil) == 0 {
		t.Fatalf("Read: %d, %d bytes, %v", len(face), len(pupil), err)
	}
}
