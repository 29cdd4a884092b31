package httpapi

import (
	"maps"
	"net/http"
	"strings"
)

// unmatched answers what no route matches, which the mux has left
// r.Pattern empty for once it routed. A body is bounded by
// defaultBodyBytes, as a route's by its limit. An unknown /api/ path is
// answered with the JSON error every API answer has, any other path with
// the site's HTML 404 page (static/404.html), so a mistyped link shows
// where to go instead of "404 page not found". A path that exists for
// another method keeps the mux's 405.
func unmatched(page http.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&notFoundWriter{ResponseWriter: w, r: r, page: page}, r)
	})
}

// notFoundWriter replaces the mux's own answers to an unmatched request
// as they are written: 413 for a body over the default limit, and the
// 404s above instead of the mux's plain text. A route's answers pass.
type notFoundWriter struct {
	http.ResponseWriter
	r        *http.Request
	page     http.Handler
	wrote    bool // the status is written
	replaced bool
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (n *notFoundWriter) Unwrap() http.ResponseWriter { return n.ResponseWriter }

func (n *notFoundWriter) WriteHeader(code int) {
	if n.wrote || n.r.Pattern != "" {
		n.ResponseWriter.WriteHeader(code)
		return
	}
	n.wrote = true
	// The 413 carries none of the headers the mux set for its answer.
	h := n.Header()
	mux := h.Clone()
	for _, k := range []string{"Allow", "Content-Type", "Location"} {
		h.Del(k)
	}
	if !withinLimit(n.ResponseWriter, n.r, defaultBodyBytes) {
		n.replaced = true
		return
	}
	maps.Copy(h, mux)
	if code != http.StatusNotFound {
		n.ResponseWriter.WriteHeader(code)
		return
	}
	n.replaced = true
	h.Del("Content-Type")
	if strings.HasPrefix(n.r.URL.Path, "/api/") || n.page == nil {
		refuse(n.ResponseWriter, codeNotFound, "no such route: "+n.r.Method+" "+n.r.URL.Path)
		return
	}
	r := n.r.Clone(n.r.Context())
	r.Header.Del("If-None-Match") // always the page, never a bodiless 304
	n.page.ServeHTTP(&statusWriter{ResponseWriter: n.ResponseWriter, status: http.StatusNotFound}, r)
}

func (n *notFoundWriter) Write(b []byte) (int, error) {
	if !n.wrote && n.r.Pattern == "" {
		n.WriteHeader(http.StatusOK)
	}
	if n.replaced {
		return len(b), nil // the mux's text, replaced
	}
	return n.ResponseWriter.Write(b)
}

// statusWriter answers status whatever the handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(int) {
	if !s.wrote {
		s.wrote = true
		s.ResponseWriter.WriteHeader(s.status)
	}
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.WriteHeader(s.status)
	return s.ResponseWriter.Write(b)
}

// fallback404 is the 404 page where static/ holds none (the Worker, whose
// pages are static assets): plain, in both languages, with the way home.
const fallback404 = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Page not found · Pagina niet gevonden · lokaal</title></head>
<body data-page="not-found"><h1>Page not found · Pagina niet gevonden</h1>
<p>There is no page at this address. <a href="/">Home</a> · <a href="/login">Staff login</a></p>
<p lang="nl">Op dit adres staat geen pagina. <a href="/">Startpagina</a> · <a href="/login">Inloggen medewerkers</a></p>
</body></html>
`

func serveFallback404(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte(fallback404))
}
