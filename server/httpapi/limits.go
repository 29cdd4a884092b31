package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// codeRateLimited answers 429: too many requests for one key (an address,
// a device, a session, an account); Retry-After says when to try again.
const codeRateLimited = "rate_limited"

// rateLimited answers 429 with Retry-After in whole seconds, at least one.
func rateLimited(w http.ResponseWriter, wait time.Duration) {
	s := strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
	w.Header().Set("Retry-After", s)
	refuse(w, codeRateLimited, "too many requests: try again in "+s+" s")
}

// The ingest limits. Clients treat 429 as "later" and keep the item queued
// (static/outbox.js), so a limit slows a client down and never loses data;
// still, the numbers are chosen so that an honest client never sees one.
//
//   - A kiosk queues one batch per interval (60 s by default), so a week
//     offline is 10,080 batches, which it sends back to back when it is
//     online again. A device may send 20,000 (two weeks' worth) at once and
//     120 a minute after that: more than the 30 a minute of the shortest
//     interval (2 s), so even a kiosk at that interval catches up.
//   - Kiosks of one building may share an address (NAT): an address may
//     post 60,000 batches at once, five kiosks each draining a week (50,400),
//     and 1,200 a minute after that, the steady state of 1,200 kiosks.
//   - A proctored session sends one summary per interval (5-300 s) for at
//     most the 24 h window plus 30 min either side: 18,000 at 5 s. It may
//     send 20,000 at once and 60 a minute after that (the 5 s interval
//     needs 12).
//   - Finishing is one request, retried with a backoff up to a minute: 20 at
//     once, 10 a minute.
//   - Refused summaries and finishes (a bad signature, an unknown session,
//     anything refused): 600 per address at once, 60 a minute.
//   - Enrolment: 10 refused codes per address at once, 2 a minute after that.
//   - Student links: 60 refused tokens per address at once, 10 a minute.
//   - Staff bearer tokens (the admin token, reviewer tokens): 60 refused per
//     address at once, 10 a minute.
//
// Failure budgets are charged after a failure and only turn failures into
// 429: a request that proves valid credentials (a device's signature, a
// student's token, a code) is never refused because others behind the same
// address failed. An exam hall behind one NAT address must not be locked
// out by one student's script. They bound what floods of failures cost
// and tell a script to slow down; they do not slow guessing, and need not:
// codes and tokens carry 128 random bits. Passwords, which carry fewer,
// have their own limits (see handleLogin).
//
// Device and session ids come from the unverified body: only what is
// stored costs a device or a session a token (a refused request gets it
// back), so a forger cannot spend a kiosk's or a student's budget.
//
// The state is per process and in memory: a restart forgets it, and each
// instance behind a load balancer counts alone. The Workers build (issue 5)
// is stateless per request, so there these limits hold per isolate at best;
// it needs Cloudflare's rate limiting rules or a Durable Object.
type limits struct {
	device        *limiter // POST /api/v1/counts, per device id
	countsIP      *limiter // POST /api/v1/counts, per address
	summaries     *limiter // POST /api/v1/summaries, per session
	finish        *limiter // POST /api/v1/sessions/{id}/finish, per session
	sessionFailIP *limiter // refused summaries and finishes, per address
	enrolFailIP   *limiter // refused enrolment codes, per address
	tokenFailIP   *limiter // refused student tokens, per address
	staffFailIP   *limiter // refused staff bearer tokens, per address
}

func newLimits(now func() time.Time) *limits {
	if now == nil {
		now = time.Now
	}
	return &limits{
		device:        newLimiter(120, 20_000, now),
		countsIP:      newLimiter(1_200, 60_000, now),
		summaries:     newLimiter(60, 20_000, now),
		finish:        newLimiter(10, 20, now),
		sessionFailIP: newLimiter(60, 600, now),
		enrolFailIP:   newLimiter(2, 10, now),
		tokenFailIP:   newLimiter(10, 60, now),
		staffFailIP:   newLimiter(10, 60, now),
	}
}

// counts wraps POST /api/v1/counts.
func (l *limits) counts(next http.Handler) http.Handler {
	return limitBy(l.countsIP, clientIP, refundNone,
		limitBy(l.device, bodyKey("batch", "device"), refundFailure, next))
}

// summary wraps POST /api/v1/summaries.
func (l *limits) summary(next http.Handler) http.Handler {
	return chargeFailures(l.sessionFailIP, clientIP, refused,
		limitBy(l.summaries, bodyKey("summary", "session"), refundFailure, next))
}

// finishing wraps POST /api/v1/sessions/{id}/finish.
func (l *limits) finishing(next http.Handler) http.Handler {
	return chargeFailures(l.sessionFailIP, clientIP, refused,
		limitBy(l.finish, func(r *http.Request) string { return r.PathValue("id") }, refundFailure, next))
}

// enrol wraps POST /api/v1/enrol: only refused codes cost a token.
func (l *limits) enrol(next http.Handler) http.Handler {
	return chargeFailures(l.enrolFailIP, clientIP, refused, next)
}

// studentTokens wraps the routes a student's token opens: only refused
// tokens (401) cost a token.
func (l *limits) studentTokens(next http.Handler) http.Handler {
	return chargeFailures(l.tokenFailIP, clientIP, unauthorized, next)
}

// Refund rules: given the status a request was answered, whether it gets
// its token back. Each is named for what it gives back.
func refundNone(int) bool { return false }

// refundSuccess: a budget of failures (single sign-on's) pays for
// refusals only.
func refundSuccess(status int) bool { return succeeded(status) }

// refundFailure: a device's or session's budget pays only for what it
// stored (or had stored before), never for a request that did not prove to
// be it.
func refundFailure(status int) bool { return !succeeded(status) }

func succeeded(status int) bool { return status >= 200 && status < 300 }

// Failure rules: given the status a request was answered, whether it is a
// failure its address pays for. A 429 is not (the budget that answered it
// has been paid), nor is a 5xx (the server's failure, not the client's).
func refused(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusTooManyRequests
}

// unauthorized: a refused credential, which is what guessing looks like.
func unauthorized(status int) bool { return status == http.StatusUnauthorized }

// chargeFailures lets every request through to next and charges key(r) a
// token only when the answer is a failure; a failure with no token left
// is answered 429 instead. A success is never refused, whatever the
// address's failures. An empty key is not limited here.
func chargeFailures(l *limiter, key func(*http.Request) string, failure func(status int) bool, next http.Handler) http.Handler {
	return byKey(key, next, func(w http.ResponseWriter, r *http.Request, k string) {
		next.ServeHTTP(&failureGate{ResponseWriter: w, charge: func(status int) (bool, time.Duration) {
			if !failure(status) {
				return true, 0
			}
			return l.allow(k)
		}}, r)
	})
}

// failureGate decides at WriteHeader whether the handler's answer goes out
// or is replaced by a 429, whose body then is all that is written.
type failureGate struct {
	http.ResponseWriter
	charge  func(status int) (bool, time.Duration)
	decided bool
	limited bool
}

func (g *failureGate) WriteHeader(status int) {
	if g.decided {
		return
	}
	g.decided = true
	if ok, wait := g.charge(status); !ok {
		g.limited = true
		h := g.Header()
		for k := range h {
			delete(h, k) // what the refused answer set, WWW-Authenticate among it
		}
		rateLimited(g.ResponseWriter, wait)
		return
	}
	g.ResponseWriter.WriteHeader(status)
}

func (g *failureGate) Write(b []byte) (int, error) {
	if !g.decided {
		g.WriteHeader(http.StatusOK)
	}
	if g.limited {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (g *failureGate) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// limitBy takes a token for key(r) before next runs, so concurrent requests
// cannot overdraw a bucket, and gives it back when refund says the answer
// should not have cost one. An empty key is not limited here.
func limitBy(l *limiter, key func(*http.Request) string, refund func(status int) bool, next http.Handler) http.Handler {
	return byKey(key, next, func(w http.ResponseWriter, r *http.Request, k string) {
		if ok, wait := l.allow(k); !ok {
			rateLimited(w, wait)
			return
		}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if refund(rec.status) {
			l.refund(k)
		}
	})
}

// byKey runs limit with r's key; a request whose key is empty goes to
// next unlimited.
func byKey(key func(*http.Request) string, next http.Handler, limit func(w http.ResponseWriter, r *http.Request, k string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := key(r)
		if k == "" {
			next.ServeHTTP(w, r)
			return
		}
		limit(w, r, k)
	})
}

// refund gives key back the token a request took.
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = min(l.burst, b.tokens+1)
	}
}

// clientIP is the address the connection comes from; an IPv6 client is
// keyed by its /64, which one host usually holds whole. Behind a reverse
// proxy this is the proxy: lokaal has no --trust-proxy flag yet, as it is
// served directly (or through a proxy that limits on its own).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if addr.Is4() || addr.Is4In6() {
		return addr.Unmap().String()
	}
	p, _ := addr.Prefix(64)
	return p.String()
}

// bodyKey reads the key (a device or session id) at path in a JSON body
// and puts the body back for the handler, which decodes and checks it
// properly. Only as much as the handler would accept is read here, and
// the key is found without decoding the body (wire.StringAt), unless it is
// written in a way only a decoder reads (an escape).
func bodyKey(path ...string) func(*http.Request) string {
	return func(r *http.Request) string {
		b, err := io.ReadAll(io.LimitReader(r.Body, wire.MaxBodyBytes+1))
		r.Body = readCloser{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
		if err != nil || len(b) > wire.MaxBodyBytes {
			return ""
		}
		if k, ok := wire.StringAt(b, path...); ok {
			return k
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return ""
		}
		for _, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		k, _ := v.(string)
		return k
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// defaultBodyBytes bounds what no route matches: no more than a staff
// form, the most any route takes but the CSV import (routes.go declares
// each route's own limit beside it).
const defaultBodyBytes = staffBodyBytes

// drainBytes bounds the refused bodies that are read to their end.
const drainBytes = 256 << 10

// drain reads and discards a refused body whose declared length is at
// most drainBytes, and reports whether it did. A server that closes a
// connection with request bytes still unread makes the kernel send a
// reset, and the reset discards the 413 the client has not read yet: the
// client sees ECONNRESET instead of the answer. Go's own server lingers
// before it closes, workerd (the Worker) does not, so the handler drains
// small bodies itself, the same on both targets, and the connection stays
// open. A larger or chunked body is cut off with Connection: close
// unread: a client sending that much to a bounded route has ignored the
// documented limit, and reading it would cost the server what the limit
// is there to save.
func drain(r *http.Request) bool {
	if r.ContentLength < 0 || r.ContentLength > drainBytes {
		return false
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r.Body, drainBytes+1))
	return err == nil && n == r.ContentLength
}

// bodyLimit answers 413 to a body over its route's limit, before the
// route's authentication or handler runs. A declared length is checked
// before anything is read; a chunked body is read here, up to one byte
// over the limit, so that no handler (one that ignores its body included)
// answers 2xx to a body of any size. Handlers keep their own exact checks.
type bodyLimit struct {
	limit int64
	next  http.Handler
}

// limitBody bounds the bodies h takes to limit bytes.
func limitBody(limit int64, h http.Handler) http.Handler { return bodyLimit{limit, h} }

func (b bodyLimit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if withinLimit(w, r, b.limit) {
		b.next.ServeHTTP(w, r)
	}
}

// withinLimit reports whether r's body is at most limit bytes, and
// answers it otherwise: 413, or 400 if reading it failed.
func withinLimit(w http.ResponseWriter, r *http.Request, limit int64) bool {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return true
	}
	tooLarge := func() bool {
		if !drain(r) {
			w.Header().Set("Connection", "close")
		}
		refuse(w, wire.CodeTooLarge, "body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
		return false
	}
	if r.ContentLength > limit {
		return tooLarge()
	}
	if r.ContentLength < 0 {
		b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if int64(len(b)) > limit {
			return tooLarge()
		}
		if err != nil {
			refuse(w, wire.CodeMalformed, "reading the body failed")
			return false
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	}
	return true
}

// drainBodies drains what is left of a small body once a request is
// answered. A handler that refused before reading (401, 403, 429), and
// the mux's own 404 and 405, leave the body unread: drained, as for a
// 413, the connection stays usable on workerd too.
func drainBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			drain(r)
		}
	})
}
