package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestManifestBuild(t *testing.T) {
	a, b := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	got, err := ManifestBuild(map[string]string{"exam.wasm": a, "blazeface-short.lknn": b})
	if err != nil {
		t.Fatal(err)
	}
	// The manifest is sorted by name, so sha256sum of this text is the build.
	text := "blazeface-short.lknn " + b + "\nexam.wasm " + a + "\n"
	sum := sha256.Sum256([]byte(text))
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("build %s, want sha256 of %q = %s", got, text, want)
	}
	if !ValidBuild(got) {
		t.Errorf("%s is not a valid build", got)
	}
	// A changed model is a changed build.
	other, _ := ManifestBuild(map[string]string{"exam.wasm": a, "blazeface-short.lknn": a})
	if other == got {
		t.Error("changing a model's hash kept the build")
	}
	for _, bad := range []map[string]string{nil, {"exam.wasm": "x"}, {"a b": a}, {"": a}} {
		if _, err := ManifestBuild(bad); err == nil {
			t.Errorf("ManifestBuild(%v) accepted", bad)
		}
	}
}
