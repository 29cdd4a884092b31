// Package videotest reads clips frame by frame for tests.
package videotest

import (
	"errors"
	"io"
	"testing"

	"github.com/lokaal-nl/lokaal/internal/video"
)

// Each calls f with every frame of the clip at path, failing the test if
// the clip cannot be read.
func Each(t testing.TB, path string, f func(video.Frame)) {
	t.Helper()
	r, _, c, err := video.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for {
		fr, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		f(fr)
	}
}
