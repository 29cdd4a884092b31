// Package assets serves the embedded pages and client files, compressed once
// at start, under content-hashed names that browsers may cache forever.
//
// Convention: a page (or a script or style sheet) refers to another file as
// /assets/NAME, e.g. /assets/kiosk.js. At start every such reference to a
// file that exists is rewritten to /assets/BASE.HASH8.EXT. The unhashed name
// keeps working, revalidated on every use, for tools and for references
// built at run time.
//
// Pages also carry Subresource Integrity for what they run: a
// <script src="/assets/NAME"> gets integrity="sha256-…", a
// data-wasm="/assets/NAME" (the WebAssembly a page's script fetches) gets
// data-integrity="sha256-…" for that script's fetch, and a model,
// data-KIND-model="/assets/NAME" (weights the exam's detection worker
// fetches), gets data-KIND-model-integrity="sha256-…". The values come with
// the page itself, so a changed script, wasm or model fails to load.
package assets

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Prefix is where assets are served.
const Prefix = "/assets/"

// ref matches a reference to an asset in a page, script or style sheet.
var ref = regexp.MustCompile(`/assets/([A-Za-z0-9_][A-Za-z0-9_.-]*)`)

// sri matches the references in a page that get an integrity value: a
// script's src, data-wasm and data-KIND-model.
var sri = regexp.MustCompile(`(<script\b[^>]*?\ssrc|\sdata-wasm|\sdata-[a-z]+-model)="/assets/([A-Za-z0-9_][A-Za-z0-9_.-]*)"`)

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".wasm": "application/wasm",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
}

// file is one asset, ready to send in each encoding that is smaller.
type file struct {
	name        string // NAME as referred to
	hashed      string // BASE.HASH8.EXT
	contentType string
	etag        string
	raw         []byte
	zstd, gzip  []byte
	refs        []string // other assets this one refers to
	models      []string // the models a page names (data-KIND-model)
}

// Set is the loaded asset tree.
type Set struct {
	files   map[string]*file // by plain name
	byHash  map[string]*file // by hashed name
	pages   map[string]*file // HTML, by file name
	missing map[string]bool  // names referred to that do not exist
	log     *slog.Logger
}

// Load reads every file at the root and under build/ of fsys. Referenced
// files are hashed before the files that refer to them, so a page's hash
// changes whenever anything it loads changes. Missing referenced files (the
// client before `make build`) are logged, and pages that need them answer
// 500 saying so.
func Load(fsys fs.FS, log *slog.Logger) (*Set, error) {
	s := &Set{files: map[string]*file{}, byHash: map[string]*file{}, pages: map[string]*file{}, missing: map[string]bool{}, log: log}
	for _, dir := range []string{".", "build"} {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if _, dup := s.files[e.Name()]; dup {
				return nil, fmt.Errorf("asset %s exists twice", e.Name())
			}
			raw, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			ct, ok := contentTypes[path.Ext(e.Name())]
			if !ok {
				ct = "application/octet-stream"
			}
			s.files[e.Name()] = &file{name: e.Name(), contentType: ct, raw: raw}
		}
	}
	// Leaves first, then style sheets, scripts, and pages last.
	order := map[string]int{".css": 1, ".js": 2, ".mjs": 2, ".html": 3}
	names := make([]string, 0, len(s.files))
	for n := range s.files {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := order[path.Ext(names[i])], order[path.Ext(names[j])]
		return oi < oj || oi == oj && names[i] < names[j]
	})
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	for _, n := range names {
		f := s.files[n]
		if path.Ext(n) == ".html" {
			f.raw = s.integrity(f) // before rewrite: it matches the plain names
		}
		if order[path.Ext(n)] > 0 {
			f.raw = s.rewrite(f)
		}
		if err := f.seal(enc); err != nil {
			return nil, err
		}
		if path.Ext(n) == ".html" {
			s.pages[n] = f
		} else {
			s.byHash[f.hashed] = f
		}
	}
	for n := range s.missing {
		log.Error("asset missing: run `make build` (or `make wasm`) to build the kiosk client into static/build/", "asset", n)
	}
	return s, nil
}

// rewrite replaces /assets/NAME by the hashed name of NAME if that is known
// by now, and records what f refers to.
func (s *Set) rewrite(f *file) []byte {
	return ref.ReplaceAllFunc(f.raw, func(m []byte) []byte {
		name := string(m[len(Prefix):])
		f.refs = append(f.refs, name)
		target, ok := s.files[name]
		if !ok {
			s.missing[name] = true
			return m
		}
		if target.hashed == "" || target == f {
			return m // not sealed yet (a script referring to a script): served revalidated
		}
		return []byte(Prefix + target.hashed)
	})
}

// integrity adds the Subresource Integrity of each script and wasm a page
// loads. Pages are sealed last, so everything they refer to is final.
func (s *Set) integrity(page *file) []byte {
	return sri.ReplaceAllFunc(page.raw, func(m []byte) []byte {
		sub := sri.FindSubmatch(m)
		if bytes.HasSuffix(sub[1], []byte("-model")) && !slices.Contains(page.models, string(sub[2])) {
			page.models = append(page.models, string(sub[2]))
		}
		target, ok := s.files[string(sub[2])]
		if !ok || target.hashed == "" {
			return m // missing: the page answers 500 saying so
		}
		attr := " integrity="
		switch {
		case bytes.HasSuffix(sub[1], []byte("data-wasm")):
			attr = " data-integrity="
		case bytes.HasSuffix(sub[1], []byte("-model")):
			attr = " " + strings.TrimSpace(string(sub[1])) + "-integrity="
		}
		return []byte(string(m) + attr + `"` + target.sri() + `"`)
	})
}

// sri is f's Subresource Integrity value.
func (f *file) sri() string {
	sum := sha256.Sum256(f.raw)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// seal hashes the final content and compresses it.
func (f *file) seal(enc *zstd.Encoder) error {
	sum := sha256.Sum256(f.raw)
	h := hex.EncodeToString(sum[:])
	ext := path.Ext(f.name)
	f.hashed = strings.TrimSuffix(f.name, ext) + "." + h[:8] + ext
	f.etag = `"` + h[:32] + `"`

	if z := enc.EncodeAll(f.raw, nil); len(z) < len(f.raw) {
		f.zstd = z
	}
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, flate.BestCompression)
	if err != nil {
		return err
	}
	if _, err := gz.Write(f.raw); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if buf.Len() < len(f.raw) {
		f.gzip = buf.Bytes()
	}
	return nil
}

// Handler serves /assets/{name}: hashed names are immutable, plain names
// are revalidated on every use.
func (s *Set) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if f, ok := s.byHash[name]; ok {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			serve(w, r, f)
			return
		}
		if f, ok := s.files[name]; ok && path.Ext(name) != ".html" {
			w.Header().Set("Cache-Control", "no-cache")
			serve(w, r, f)
			return
		}
		http.NotFound(w, r)
	})
}

// Page serves an HTML page, revalidated on every use so that a new release
// is picked up at once. A page that needs a missing file answers 500 with
// the fix, rather than a blank screen.
func (s *Set) Page(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := s.pages[name]
		if !ok {
			s.log.Error("page missing from static/", "page", name)
			notBuilt(w, []string{name})
			return
		}
		if missing := s.needs(f, map[string]bool{}); len(missing) > 0 {
			notBuilt(w, missing)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		serve(w, r, f)
	})
}

// HasPage reports whether static/ holds the named page (the Worker's set
// holds none: Workers static assets serve its pages).
func (s *Set) HasPage(name string) bool {
	if s == nil {
		return false
	}
	_, ok := s.pages[name]
	return ok
}

// SHA256 returns the hex SHA-256 of the named file as served: for the exam
// client, the build its browsers report, so a review can tell whether a
// session ran the published client.
func (s *Set) SHA256(name string) (string, bool) {
	f, ok := s.files[name]
	if !ok {
		return "", false
	}
	sum := sha256.Sum256(f.raw)
	return hex.EncodeToString(sum[:]), true
}

// Models returns the model files a page names (data-KIND-model), sorted:
// with its wasm, what the exam's build covers (wire.ManifestBuild).
func (s *Set) Models(page string) []string {
	f, ok := s.files[page]
	if !ok {
		return nil
	}
	return slices.Sorted(slices.Values(f.models))
}

// needs returns the missing files f refers to, directly or through others.
func (s *Set) needs(f *file, seen map[string]bool) []string {
	var missing []string
	for _, n := range f.refs {
		if seen[n] {
			continue
		}
		seen[n] = true
		if s.missing[n] {
			missing = append(missing, n)
		} else if g := s.files[n]; g != nil {
			missing = append(missing, s.needs(g, seen)...)
		}
	}
	slices.Sort(missing)
	return missing
}

func notBuilt(w http.ResponseWriter, missing []string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>lokaal: not built</title>"+
		"<h1>This page is not built yet</h1><p>Missing: %s.</p>"+
		"<p>Run <code>make build</code> to build the kiosk client into static/build/, then restart the server.</p>",
		strings.Join(missing, ", "))
}

// serve writes f in the best encoding the client accepts.
func serve(w http.ResponseWriter, r *http.Request, f *file) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Add("Vary", "Accept-Encoding")
	if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.raw
	switch negotiate(r.Header.Values("Accept-Encoding"), f.zstd != nil, f.gzip != nil) {
	case "zstd":
		h.Set("Content-Encoding", "zstd")
		body = f.zstd
	case "gzip":
		h.Set("Content-Encoding", "gzip")
		body = f.gzip
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// etagMatch implements If-None-Match's weak comparison.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// negotiate picks zstd, gzip or identity ("") by q-value, preferring zstd,
// then gzip, on ties.
func negotiate(accept []string, haveZstd, haveGzip bool) string {
	q := map[string]float64{}
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			v := 1.0
			if k, val, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					v = f
				}
			}
			q[coding] = v
		}
	}
	pick := func(coding string) float64 {
		if v, ok := q[coding]; ok {
			return v
		}
		return q["*"] // absent "*" is 0: not acceptable
	}
	best, bestQ := "", 0.0
	if haveZstd && pick("zstd") > bestQ {
		best, bestQ = "zstd", pick("zstd")
	}
	if haveGzip && pick("gzip") > bestQ {
		best, bestQ = "gzip", pick("gzip")
	}
	if id, ok := q["identity"]; ok && id > bestQ {
		best = ""
	}
	return best
}
