package httpapi

import (
	"crypto/tls"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// apiRoute is one operation (method and path) of /api/openapi.json.
type apiRoute struct {
	method, path string
	page         bool // a GET answering text/html
}

// apiRoutes reads the served OpenAPI document.
func (e *env) apiRoutes() []apiRoute {
	e.t.Helper()
	w := e.do("GET", "/api/openapi.json", nil, false)
	wantStatus(e.t, w, http.StatusOK)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		e.t.Fatal(err)
	}
	var ops []apiRoute
	for path, methods := range doc.Paths {
		for method, op := range methods {
			_, html := op.Responses["200"].Content["text/html"]
			ops = append(ops, apiRoute{strings.ToUpper(method), path, method == "get" && html})
		}
	}
	slices.SortFunc(ops, func(a, b apiRoute) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	return ops
}

// concrete fills a path template's parameters with a placeholder.
func concrete(path string) string {
	return regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x-0000000000000000")
}

// TestHeadersEveryRoute walks every route in openapi.json: every page and
// every API answer carries the strict headers, and only /kiosk (camera) and
// /exam (camera and microphone) may use a device, only /sample-exam be
// framed (by this origin).
func TestHeadersEveryRoute(t *testing.T) {
	e := newEnv(t)
	ops := e.apiRoutes()
	var pages []string
	for _, op := range ops {
		if op.page {
			pages = append(pages, op.path)
		}
	}
	for _, want := range []string{"/", "/kiosk", "/exam", "/admin", "/review", "/sample-exam"} {
		if !slices.Contains(pages, want) {
			t.Errorf("page %s not found in openapi.json (pages: %v)", want, pages)
		}
	}
	for _, op := range ops {
		w := e.do(op.method, concrete(op.path), nil, false)
		h := w.Header()
		name := op.method + " " + op.path
		csp := h.Get("Content-Security-Policy")
		directives := map[string]string{}
		for _, d := range strings.Split(csp, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(d), " ")
			directives[k] = v
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(strings.ReplaceAll(csp, "'wasm-unsafe-eval'", ""), "unsafe-eval") ||
			directives["script-src"] != "'self' 'wasm-unsafe-eval'" || directives["style-src"] != "'self'" ||
			directives["default-src"] != "'self'" || directives["object-src"] != "'none'" || directives["base-uri"] != "'none'" {
			t.Errorf("%s: CSP %q", name, csp)
		}
		frameAncestors := "'none'"
		if op.path == "/sample-exam" {
			frameAncestors = "'self'" // framed by /exam
		}
		if directives["frame-ancestors"] != frameAncestors {
			t.Errorf("%s: frame-ancestors %q, want %q", name, directives["frame-ancestors"], frameAncestors)
		}
		if fs, ok := directives["frame-src"]; ok != (op.path == "/exam") || (ok && fs != "'self' "+frameOrigin) {
			t.Errorf("%s: frame-src %q", name, fs)
		}
		perm := map[string]string{"camera": "()", "microphone": "()"}
		switch op.path {
		case "/kiosk":
			perm["camera"] = "(self)"
		case "/exam":
			perm["camera"], perm["microphone"], perm["fullscreen"] = "(self)", "(self)", "(self)"
		}
		got := map[string]string{}
		for _, p := range strings.Split(h.Get("Permissions-Policy"), ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			got[k] = v
		}
		if !maps.Equal(got, perm) {
			t.Errorf("%s: Permissions-Policy %q, want %v", name, h.Get("Permissions-Policy"), perm)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
			"Cross-Origin-Opener-Policy": "same-origin", "Strict-Transport-Security": ""} {
			if h.Get(k) != v {
				t.Errorf("%s: %s %q, want %q", name, k, h.Get(k), v)
			}
		}
	}

	// Over TLS, browsers are told to stay on it.
	req := newRequest("GET", "/", "")
	req.TLS = &tls.ConnectionState{}
	if got := serve(e.h, req).Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HSTS over TLS: %q", got)
	}
}

var (
	htmlTag    = regexp.MustCompile(`(?is)<([a-z][a-z0-9-]*)\b((?:[^>"']|"[^"]*"|'[^']*')*)>`)
	inlineAttr = regexp.MustCompile(`(?i)(?:^|\s)(on[a-z]+|style)\s*=`)
	srcAttr    = regexp.MustCompile(`(?i)(?:^|\s)src\s*=`)
	jsURL      = regexp.MustCompile(`(?i)(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:`)
)

// inlineCode lists what a page runs or styles inline: <script> without src
// (or with content), <style>, style= and on*= attributes, javascript: URLs.
func inlineCode(page string) []string {
	var found []string
	for _, m := range htmlTag.FindAllStringSubmatchIndex(page, -1) {
		name, attrs := strings.ToLower(page[m[2]:m[3]]), page[m[4]:m[5]]
		if a := inlineAttr.FindStringSubmatch(attrs); a != nil {
			found = append(found, "<"+name+"> "+a[1]+"=")
		}
		if jsURL.MatchString(attrs) {
			found = append(found, "<"+name+"> javascript: URL")
		}
		switch name {
		case "style":
			found = append(found, "<style>")
		case "script":
			end := strings.Index(strings.ToLower(page[m[1]:]), "</script>")
			if !srcAttr.MatchString(attrs) || end < 0 || strings.TrimSpace(page[m[1]:m[1]+end]) != "" {
				found = append(found, "inline <script"+attrs+">")
			}
		}
	}
	return found
}

// TestPagesHaveNoInlineCode scans every page in static/: the CSP refuses
// inline script and style, so a page that had any would break in the
// browser. Scripts load by src, styles by <link>, handlers from the scripts.
func TestPagesHaveNoInlineCode(t *testing.T) {
	files, err := filepath.Glob("../../static/*.html")
	if err != nil || len(files) < 6 {
		t.Fatalf("pages %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if found := inlineCode(string(b)); len(found) > 0 {
			t.Errorf("%s: %v", filepath.Base(f), found)
		}
	}
}

// TestInlineCodeFound keeps the scan honest: it finds what it looks for,
// and only that.
func TestInlineCodeFound(t *testing.T) {
	for page, want := range map[string]int{
		`<button onclick="go()">`:                                 1,
		`<div STYLE='color:red'>`:                                 1,
		`<img src=x onerror=alert(1)>`:                            1,
		`<a data-x="a>b" onmouseover="x()">`:                      1,
		`<a href="javascript:go()">`:                              1,
		`<script>go()</script>`:                                   1,
		`<script src="/assets/a.js">go()</script>`:                1,
		"<style>p{}</style>":                                      1,
		`<script src="/assets/a.js" defer></script>`:              0,
		`<input data-onclick="x" class="one"><p title="style=x">`: 0,
		`<link rel="stylesheet" href="/assets/style.css">`:        0,
	} {
		if got := inlineCode(page); len(got) != want {
			t.Errorf("%s: found %v, want %d", page, got, want)
		}
	}
}
