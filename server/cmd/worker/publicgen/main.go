//go:build !js

// Command publicgen writes the pages and client files that `lokaal serve`
// serves into a directory for Workers static assets, byte for byte as the
// native server sends them: pages with their /assets/ references rewritten
// to content-hashed names, the files under both names, and a _headers file
// with each page's security headers. It asks the real handler
// (httpapi.NewServer over static.FS), so nothing here repeats its rules.
// With -served FILE it also writes the client files (kiosk.wasm, exam.wasm
// and the models exam.html names) with their SHA-256, as make worker links
// them into the Worker (-X main.builds): its allow-list of client builds.
//
//	go run ./server/cmd/worker/publicgen -o server/cmd/worker/build/public -served server/cmd/worker/build/served
package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/lokaal-nl/lokaal/server/assets"
	"github.com/lokaal-nl/lokaal/server/httpapi"
	"github.com/lokaal-nl/lokaal/static"
)

// pages are the routes that serve a page, and the file each becomes.
var pages = map[string]string{
	"/": "index.html", "/kiosk": "kiosk.html", "/admin": "admin.html", "/exam": "exam.html",
	"/review": "review.html", "/sample-exam": "sample-exam.html",
	"/login": "login.html", "/rights": "rights.html", "/transparency": "transparency.html",
	"/dashboard": "dashboard.html", "/display": "display.html",
}

var ref = regexp.MustCompile(`/assets/([A-Za-z0-9_][A-Za-z0-9_.-]*)`)

// pageHeaders are copied into _headers for pages; assets get Cache-Control
// and the nosniff header there too.
var pageHeaders = []string{"Content-Security-Policy", "Permissions-Policy", "X-Content-Type-Options",
	"Referrer-Policy", "Cross-Origin-Opener-Policy", "Cache-Control"}

func main() {
	out := flag.String("o", "server/cmd/worker/build/public", "output directory")
	served := flag.String("served", "", "write the served client files and their SHA-256 here (name=hex,…)")
	flag.Parse()
	if err := run(*out, *served); err != nil {
		fmt.Fprintln(os.Stderr, "publicgen:", err)
		os.Exit(1)
	}
}

func run(out, servedFile string) error {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	set, err := assets.Load(static.FS, log)
	if err != nil {
		return err
	}
	if servedFile != "" {
		served := map[string]string{}
		for _, name := range append([]string{"kiosk.wasm", "exam.wasm"}, set.Models("exam.html")...) {
			sum, ok := set.SHA256(name)
			if !ok {
				return fmt.Errorf("%s is not built: run make wasm", name)
			}
			served[name] = sum
		}
		if err := os.WriteFile(servedFile, []byte(httpapi.ServedList(served)+"\n"), 0o644); err != nil {
			return err
		}
	}
	h := httpapi.NewServer(httpapi.Deps{Logger: log, Assets: set})
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	get := func(path string) (*http.Response, []byte, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		res := rec.Result()
		if res.StatusCode != http.StatusOK {
			return nil, nil, fmt.Errorf("GET %s: %s", path, res.Status)
		}
		body, err := io.ReadAll(res.Body)
		return res, body, err
	}
	write := func(name string, body []byte) error {
		p := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, body, 0o644)
	}

	var headers strings.Builder
	todo := []string{}
	routes := slices.Sorted(func(yield func(string) bool) {
		for r := range pages {
			if !yield(r) {
				return
			}
		}
	})
	// The administration's sections are the same page at their own
	// addresses; static assets serve /admin/kiosks from admin/kiosks.html.
	for _, sec := range httpapi.AdminSections {
		pages["/admin/"+sec] = "admin/" + sec + ".html"
		routes = append(routes, "/admin/"+sec)
	}
	for _, route := range routes {
		res, body, err := get(route)
		if err != nil {
			return err
		}
		if err := write(pages[route], body); err != nil {
			return err
		}
		fmt.Fprintf(&headers, "%s\n", route)
		for _, k := range pageHeaders {
			if v := res.Header.Get(k); v != "" {
				fmt.Fprintf(&headers, "  %s: %s\n", k, v)
			}
		}
		todo = append(todo, refs(body)...)
	}
	// Every plain name, as the native server answers it for references
	// built at run time, and every hashed name a file refers to.
	for _, dir := range []string{".", "build"} {
		entries, err := fs.ReadDir(static.FS, dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !strings.HasSuffix(e.Name(), ".html") && !strings.HasSuffix(e.Name(), ".go") {
				todo = append(todo, e.Name())
			}
		}
	}
	done := map[string]bool{}
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		if done[name] {
			continue
		}
		done[name] = true
		res, body, err := get("/assets/" + name)
		if err != nil {
			return err
		}
		if err := write("assets/"+name, body); err != nil {
			return err
		}
		fmt.Fprintf(&headers, "/assets/%s\n  Cache-Control: %s\n  X-Content-Type-Options: nosniff\n", name, res.Header.Get("Cache-Control"))
		if ct := res.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") {
			todo = append(todo, refs(body)...)
		}
	}
	if err := write("_headers", []byte(headers.String())); err != nil {
		return err
	}
	fmt.Printf("publicgen: %d pages and %d asset names in %s\n", len(pages), len(done), out)
	return nil
}

func refs(body []byte) []string {
	var out []string
	for _, m := range ref.FindAllSubmatch(body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}
