// Package doccheck holds the test that keeps the README and docs/ in step
// with the tree: every relative link names a file that exists, and every
// anchor a heading of the page it points to.
package doccheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var (
	link    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	fence   = regexp.MustCompile("(?ms)^```.*?^```")
)

// slug is GitHub's anchor for a heading: lower case, spaces to hyphens,
// everything but letters, digits, hyphens and underscores dropped.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors are a Markdown file's heading anchors, repeats numbered as GitHub
// numbers them.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(text, ""), -1) {
		s := slug(strings.ReplaceAll(m[1], "`", ""))
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// problems lists the broken relative links of the Markdown file at path.
func problems(path string) ([]string, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var bad []string
	for _, m := range link.FindAllStringSubmatch(fence.ReplaceAllString(string(text), ""), -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		file, anchor, _ := strings.Cut(target, "#")
		dest := path
		if file != "" {
			dest = filepath.Join(filepath.Dir(path), file)
			if _, err := os.Stat(dest); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %s: no such file", path, target))
				continue
			}
		}
		if anchor == "" {
			continue
		}
		body, err := os.ReadFile(dest)
		if err != nil || !strings.HasSuffix(dest, ".md") {
			bad = append(bad, fmt.Sprintf("%s: %s: an anchor into a file that is not Markdown", path, target))
			continue
		}
		if !anchors(string(body))[anchor] {
			bad = append(bad, fmt.Sprintf("%s: %s: no such heading", path, target))
		}
	}
	return bad, nil
}

func TestLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	if len(files) < 2 {
		t.Fatalf("found %v: want README.md and docs/*.md", files)
	}
	for _, f := range files {
		bad, err := problems(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Error(b)
		}
	}
}

// TestProblemsFindsBrokenLinks: the checker itself, on a page with one
// link of each kind, good and bad.
func TestProblemsFindsBrokenLinks(t *testing.T) {
	dir := t.TempDir()
	other := "# Other page\n\n## Cloudflare Workers + D1\n\n## `make test`, twice\n\n## Twice\n\n## Twice\n"
	page := "# Page\n\n[a](other.md) [b](other.md#cloudflare-workers--d1) [c](#page) [d](other.md#make-test-twice)\n" +
		"[e](other.md#twice-1) [f](https://example.org/x#y)\n\n" +
		"[g](missing.md) [h](other.md#nowhere) [i](#twice-1)\n\n```\n[j](inside-a-fence.md)\n```\n"
	for name, text := range map[string]string{"other.md": other, "page.md": page} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad, err := problems(filepath.Join(dir, "page.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"missing.md: no such file", "other.md#nowhere: no such heading", "#twice-1: no such heading"}
	if len(bad) != len(want) {
		t.Fatalf("got %q, want %d problems", bad, len(want))
	}
	for i, w := range want {
		if !strings.HasSuffix(bad[i], w) {
			t.Errorf("problem %d is %q, want …%s", i, bad[i], w)
		}
	}
}
