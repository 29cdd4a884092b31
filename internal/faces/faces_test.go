package faces

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/cascades"
)

func needCascades(t *testing.T) {
	t.Helper()
	if _, err := cascades.Dir(); err != nil {
		t.Skip(err)
	}
}

func run(args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = Run(context.Background(), args, &o, &e)
	return o.String(), e.String(), err
}

func TestUsageAndFlags(t *testing.T) {
	needCascades(t)
	for _, args := range [][]string{
		{},
		{"--roll", "x", "a.png"},
		{"--downscale", "0", "a.png"},
		{"--cascades", t.TempDir(), "a.png"},
	} {
		if _, _, err := run(args...); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// A blank PNG gives an empty list (not null), and an unreadable file is
// named on stderr without stopping the others.
func TestBlankAndUnreadable(t *testing.T) {
	needCascades(t)
	dir := t.TempDir()
	blank := filepath.Join(dir, "blank.png")
	f, err := os.Create(blank)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 320, 240))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	text := filepath.Join(dir, "notes.jpg")
	if err := os.WriteFile(text, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.jpg")

	out, errOut, err := run(text, blank, missing)
	if err == nil || !strings.Contains(err.Error(), "2 of 3") {
		t.Errorf("err %v, want 2 of 3 failed", err)
	}
	for _, name := range []string{text, missing} {
		if !strings.Contains(errOut, name) {
			t.Errorf("stderr %q does not name %s", errOut, name)
		}
	}
	if want := `{"file":"` + blank + `","faces":[]}` + "\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
}

func TestFixtureStills(t *testing.T) {
	needCascades(t)
	obama, two := fixtures.Path(t, "faces/obama.jpg"), fixtures.Path(t, "faces/two_people.jpg")
	out, _, err := run(obama, two)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out)
	}
	for i, want := range []struct {
		file  string
		faces int
	}{{obama, 1}, {two, 2}} {
		var r struct {
			File  string           `json:"file"`
			Faces []map[string]any `json:"faces"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatal(err)
		}
		if r.File != want.file || len(r.Faces) != want.faces {
			t.Errorf("line %d: %s with %d faces, want %s with %d", i, r.File, len(r.Faces), want.file, want.faces)
			continue
		}
		for _, k := range []string{"x", "y", "w", "h", "score", "pupils"} {
			if _, ok := r.Faces[0][k]; !ok {
				t.Errorf("line %d: face lacks %q: %s", i, k, lines[i])
			}
		}
	}
}
