//go:build !js

package main

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestEveryPageIsPublished: every page routes.go serves is written for the
// Worker's static assets too (a page missing here answered 500 there).
func TestEveryPageIsPublished(t *testing.T) {
	b, err := os.ReadFile("../../../httpapi/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range pages {
		files = append(files, f)
	}
	for _, m := range regexp.MustCompile(`Page\("([a-z0-9-]+\.html)"\)`).FindAllSubmatch(b, -1) {
		if !slices.Contains(files, string(m[1])) {
			t.Errorf("routes.go serves %s, which publicgen does not write", m[1])
		}
	}
}
