package assets

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/lokaal-nl/lokaal/static"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var css = bytes.Repeat([]byte("body { margin: 0; color: #123; }\n"), 40)

func testSet(t *testing.T, fsys fstest.MapFS) *Set {
	t.Helper()
	s, err := Load(fsys, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tree() fstest.MapFS {
	return fstest.MapFS{
		"index.html":       {Data: []byte(`<link rel="stylesheet" href="/assets/style.css"><script src="/assets/app.js"></script>`)},
		"kiosk.html":       {Data: []byte(`<script src="/assets/kiosk.js"></script>`)},
		"style.css":        {Data: css},
		"app.js":           {Data: []byte(`1`)}, // too small to compress
		"kiosk.js":         {Data: []byte(`fetch("/assets/kiosk.wasm")`)},
		"build/.gitignore": {Data: []byte("*")},
		"build/kiosk.wasm": {Data: append([]byte("\x00asm"), make([]byte, 8000)...)},
	}
}

// mux serves the set like the HTTP API does.
func mux(s *Set) http.Handler {
	m := http.NewServeMux()
	m.Handle("GET /assets/{name}", s.Handler())
	m.Handle("GET /{$}", s.Page("index.html"))
	m.Handle("GET /kiosk", s.Page("kiosk.html"))
	return m
}

func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

var hashedRef = regexp.MustCompile(`/assets/([a-z]+)\.([0-9a-f]{8})\.([a-z]+)`)

func TestRewriteAndHashedNames(t *testing.T) {
	h := mux(testSet(t, tree()))
	page := get(h, "/")
	if page.Code != 200 || page.Header().Get("Cache-Control") != "no-cache" || page.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("page %d %v", page.Code, page.Header())
	}
	refs := hashedRef.FindAllString(page.Body.String(), -1)
	if len(refs) != 2 || strings.Contains(page.Body.String(), "/assets/style.css") {
		t.Fatalf("page not rewritten: %s", page.Body)
	}
	for _, ref := range refs {
		w := get(h, ref)
		if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d %v", ref, w.Code, w.Header())
		}
	}
	// Scripts are rewritten too, after what they load.
	js := get(h, "/assets/kiosk.js").Body.String()
	if !hashedRef.MatchString(js) {
		t.Errorf("kiosk.js not rewritten: %s", js)
	}
	wasm := get(h, hashedRef.FindString(js))
	if wasm.Code != 200 || wasm.Header().Get("Content-Type") != "application/wasm" {
		t.Errorf("wasm: %d %v", wasm.Code, wasm.Header())
	}
	// Unhashed names work, revalidated.
	plain := get(h, "/assets/style.css")
	if plain.Code != 200 || plain.Header().Get("Cache-Control") != "no-cache" || plain.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("plain: %d %v", plain.Code, plain.Header())
	}
	for _, path := range []string{"/assets/index.html", "/assets/.gitignore", "/assets/style.00000000.css", "/assets/nope.js"} {
		if w := get(h, path); w.Code != 404 {
			t.Errorf("%s: %d, want 404", path, w.Code)
		}
	}
}

func TestHashFollowsContent(t *testing.T) {
	a := get(mux(testSet(t, tree())), "/kiosk").Body.String()
	changed := tree()
	changed["build/kiosk.wasm"] = &fstest.MapFile{Data: []byte("\x00asm changed")}
	b := get(mux(testSet(t, changed)), "/kiosk").Body.String()
	// The page's own reference to kiosk.js changes because kiosk.js refers to the wasm.
	if a == b {
		t.Error("a new wasm did not change the kiosk page's references")
	}
}

func TestEncodingNegotiation(t *testing.T) {
	h := mux(testSet(t, tree()))
	tests := []struct{ accept, want string }{
		{"", ""},
		{"gzip", "gzip"},
		{"zstd", "zstd"},
		{"gzip, deflate, br, zstd", "zstd"},
		{"zstd;q=0.5, gzip", "gzip"},
		{"zstd;q=0, gzip;q=0.1", "gzip"},
		{"zstd;q=0, gzip;q=0", ""},
		{"*", "zstd"},
		{"br", ""},
		{"identity;q=1, gzip;q=0.5", ""},
		{"GZIP", "gzip"},
	}
	for _, tt := range tests {
		w := get(h, "/assets/style.css", "Accept-Encoding", tt.accept)
		if got := w.Header().Get("Content-Encoding"); got != tt.want {
			t.Errorf("Accept-Encoding %q: got %q, want %q", tt.accept, got, tt.want)
		}
		if w.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Vary %q", w.Header().Get("Vary"))
		}
		var body []byte
		var err error
		switch tt.want {
		case "zstd":
			var d *zstd.Decoder
			d, err = zstd.NewReader(w.Body)
			if err == nil {
				body, err = io.ReadAll(d)
				d.Close()
			}
		case "gzip":
			var r *gzip.Reader
			if r, err = gzip.NewReader(w.Body); err == nil {
				body, err = io.ReadAll(r)
			}
		default:
			body = w.Body.Bytes()
		}
		if err != nil || !bytes.Equal(body, css) {
			t.Errorf("%q: body does not decode to the file: %v", tt.accept, err)
		}
		if w.Header().Get("Content-Length") == "" {
			t.Errorf("%q: no Content-Length", tt.accept)
		}
	}
	// A file that does not shrink is sent as it is.
	if w := get(h, "/assets/app.js", "Accept-Encoding", "zstd, gzip"); w.Header().Get("Content-Encoding") != "" || w.Body.String() != "1" {
		t.Errorf("tiny file: %v %q", w.Header(), w.Body)
	}
}

func TestConditional(t *testing.T) {
	h := mux(testSet(t, tree()))
	for _, path := range []string{"/assets/style.css", "/"} {
		w := get(h, path)
		etag := w.Header().Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
			t.Fatalf("%s: ETag %q", path, etag)
		}
		for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
			if w := get(h, path, "If-None-Match", inm, "Accept-Encoding", "zstd"); w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
				t.Errorf("%s If-None-Match %s: %d", path, inm, w.Code)
			}
		}
		if w := get(h, path, "If-None-Match", `"other"`); w.Code != 200 {
			t.Errorf("%s stale ETag: %d", path, w.Code)
		}
	}
}

func TestMissingBuild(t *testing.T) {
	fsys := tree()
	delete(fsys, "build/kiosk.wasm")
	var logs bytes.Buffer
	s, err := Load(fsys, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "make build") || !strings.Contains(logs.String(), "kiosk.wasm") {
		t.Errorf("log %q", logs.String())
	}
	h := mux(s)
	w := get(h, "/kiosk")
	if w.Code != 500 || !strings.Contains(w.Body.String(), "make build") || !strings.Contains(w.Body.String(), "kiosk.wasm") {
		t.Errorf("kiosk page without wasm: %d %s", w.Code, w.Body)
	}
	if w := get(h, "/"); w.Code != 200 {
		t.Errorf("index needs no wasm, got %d", w.Code)
	}
}

// TestIntegrity checks that a page carries the Subresource Integrity of the
// scripts it runs and of the wasm its script fetches, computed over the bytes
// served under the names the page refers to.
func TestIntegrity(t *testing.T) {
	fsys := tree()
	fsys["kiosk.html"] = &fstest.MapFile{Data: []byte(`<script src="/assets/kiosk.js" data-wasm="/assets/kiosk.wasm" defer></script><script data-src="/assets/app.js"></script>`)}
	h := mux(testSet(t, fsys))
	page := get(h, "/kiosk").Body.String()
	m := regexp.MustCompile(`^<script src="(/assets/kiosk\.[0-9a-f]{8}\.js)" integrity="(sha256-[A-Za-z0-9+/=]+)" ` +
		`data-wasm="(/assets/kiosk\.[0-9a-f]{8}\.wasm)" data-integrity="(sha256-[A-Za-z0-9+/=]+)" defer></script>` +
		`<script data-src="/assets/app\.[0-9a-f]{8}\.js"></script>$`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page %s", page)
	}
	for _, c := range [][2]string{{m[1], m[2]}, {m[3], m[4]}} {
		body := get(h, c[0]).Body.Bytes() // identity: no Accept-Encoding
		sum := sha256.Sum256(body)
		if want := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); c[1] != want {
			t.Errorf("%s: integrity %s, served bytes hash to %s", c[0], c[1], want)
		}
	}
	if sum, ok := testSet(t, fsys).SHA256("kiosk.wasm"); !ok || len(sum) != 64 {
		t.Errorf("SHA256(kiosk.wasm) = %q, %v", sum, ok)
	}
}

// TestModelIntegrity: a model a page names (data-KIND-model) gets its
// integrity beside it, and Models lists it, the exam build's files.
func TestModelIntegrity(t *testing.T) {
	fsys := tree()
	fsys["build/face.lknn"] = &fstest.MapFile{Data: []byte("LKNN\x01 weights")}
	fsys["exam.html"] = &fstest.MapFile{Data: []byte(`<script src="/assets/kiosk.js" data-face-model="/assets/face.lknn" data-speech-model="/assets/face.lknn" defer></script>`)}
	set := testSet(t, fsys)
	h := mux(set)
	m := regexp.MustCompile(`data-face-model="(/assets/face\.[0-9a-f]{8}\.lknn)" data-face-model-integrity="(sha256-[A-Za-z0-9+/=]+)" ` +
		`data-speech-model="/assets/face\.[0-9a-f]{8}\.lknn" data-speech-model-integrity="sha256-`).FindStringSubmatch(string(set.pages["exam.html"].raw))
	if m == nil {
		t.Fatalf("page %s", set.pages["exam.html"].raw)
	}
	sum := sha256.Sum256(get(h, m[1]).Body.Bytes())
	if want := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); m[2] != want {
		t.Errorf("integrity %s, served bytes hash to %s", m[2], want)
	}
	if got := set.Models("exam.html"); !slices.Equal(got, []string{"face.lknn"}) {
		t.Errorf("Models = %v", got)
	}
	if got := set.Models("kiosk.html"); len(got) != 0 {
		t.Errorf("kiosk models %v", got)
	}
}

func TestDuplicateName(t *testing.T) {
	fsys := tree()
	fsys["build/style.css"] = &fstest.MapFile{Data: []byte("x")}
	if _, err := Load(fsys, quiet); err == nil {
		t.Error("two style.css loaded")
	}
}

// TestEmbeddedTree loads the real static/ tree: every page's references
// resolve (when the client is built) and content types are right.
func TestEmbeddedTree(t *testing.T) {
	s, err := Load(static.FS, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"index.html", "admin.html", "kiosk.html", "exam.html", "review.html", "sample-exam.html", "transparency.html"} {
		if _, ok := s.pages[page]; !ok {
			t.Errorf("%s missing", page)
		}
	}
	// The pages that run wasm carry its integrity, once the client is built.
	for _, page := range []string{"kiosk.html", "exam.html"} {
		if p := s.pages[page]; p != nil && len(s.needs(p, map[string]bool{})) == 0 &&
			!regexp.MustCompile(`data-wasm="/assets/[a-z]+\.[0-9a-f]{8}\.wasm" data-integrity="sha256-`).Match(p.raw) {
			t.Errorf("%s carries no integrity for its wasm", page)
		}
	}
	// make builds these into static/build; unit tests may run before it.
	// The models (*.lknn) come from node_modules through modelgen.
	built := map[string]bool{"kiosk.wasm": true, "exam.wasm": true, "wasm_exec.js": true, "facefinder": true}
	for name := range s.missing {
		if !built[name] && !strings.HasSuffix(name, ".lknn") {
			t.Errorf("a page refers to /assets/%s, which does not exist", name)
		}
	}
}
