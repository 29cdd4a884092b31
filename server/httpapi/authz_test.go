package httpapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/sqlite"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// The callers of the authorisation matrix.
type callerKind string

const (
	callNone           callerKind = "none"
	callAdminCookie    callerKind = "admin session"
	callAdminToken     callerKind = "admin token"
	callReviewerCookie callerKind = "reviewer session"
	callReviewerToken  callerKind = "reviewer token"
	callStudent        callerKind = "student"
	callDevice         callerKind = "device"
)

var callers = []callerKind{callNone, callAdminCookie, callAdminToken, callReviewerCookie, callReviewerToken, callStudent, callDevice}

var roleOf = map[callerKind]string{
	callAdminCookie: "admin", callAdminToken: "admin", callReviewerCookie: "reviewer",
	callReviewerToken: "reviewer", callStudent: "student", callDevice: "device",
}

var knownRoles = []string{"public", "admin", "reviewer", "student", "device"}

// world is a server with one of everything, and a second handle on its
// database to mint staff sessions without the login's rate limit.
type world struct {
	e             *env
	db            *sqlite.DB
	admin, rev    server.User
	victim        server.User // the user DELETE /api/v1/users/{id} disables
	reviewerToken string
	studentToken  string
	studentID     string
	dev           device
	proc          *proctor
	exam          server.Exam
	mark          int64
	seq           int64
	addr          int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := newEnv(t)
	db := openDB(t, sqlite.Open, e.dbPath)
	w := &world{e: e, db: db}
	w.dev = e.newDevice()
	w.exam = e.createExam(nil)
	links := e.importStudents(w.exam.ID, "s1,a@example.edu")
	w.studentToken, w.studentID = links[0].token(), links[0].ID
	w.proc = e.start(w.studentToken, true)
	w.reviewerToken = e.newReviewer("Dr. Jansen", w.exam.ID)
	res := e.as(w.reviewerToken, "POST", "/api/v1/review/sessions/"+w.proc.policy.Session+"/marks",
		map[string]string{"kind": string(server.MarkAppeal), "reason": "appeal filed"})
	wantStatus(t, res, http.StatusCreated)
	w.mark = decodeJSON[server.Mark](t, res).ID
	w.admin = w.createUser("ada", server.RoleAdmin)
	w.rev = w.createUser("rita", server.RoleReviewer)
	w.victim = w.createUser("victor", server.RoleReviewer)
	e.assign(w.exam.ID, w.rev.ID)
	return w
}

func (w *world) createUser(name string, role server.Role) server.User {
	w.e.t.Helper()
	res := w.e.do("POST", "/api/v1/users", map[string]string{"name": name, "role": string(role), "password": "a long password " + name}, true)
	wantStatus(w.e.t, res, http.StatusCreated)
	return decodeJSON[struct{ User server.User }](w.e.t, res).User
}

// session mints a fresh session for u and returns its cookie value and
// CSRF token: each request gets its own, so a logout or a disable in one
// cell of the matrix cannot change another.
func (w *world) session(u server.User) (id, csrf string) {
	w.e.t.Helper()
	id, csrf = randomHex(32), randomHex(32)
	ss := server.StaffSession{User: u, CSRF: csrf, Created: w.e.now, LastSeen: w.e.now, Expires: w.e.now.Add(server.LoginAbsolute)}
	if err := w.db.CreateStaffSession(context.Background(), ss, sha(id), "test"); err != nil {
		w.e.t.Fatal(err)
	}
	return id, csrf
}

var param = regexp.MustCompile(`\{[^}]+\}`)

// fill puts real ids into a path's parameters, chosen by the segment
// before each: /kiosks/{id} is the kiosk, /sessions/{id} the session.
func (w *world) fill(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !param.MatchString(s) {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		v := "x-unknown"
		switch {
		case s == "{name}":
			v = "style.css"
		case s == "{mark}":
			v = fmt.Sprint(w.mark)
		case s == "{device}" || prev == "devices":
			v = w.dev.id
		case prev == "kiosks":
			v = w.e.kioskID
		case prev == "exams":
			v = w.exam.ID
		case prev == "students":
			v = w.studentID
		case prev == "sessions":
			v = w.proc.policy.Session
		case prev == "users":
			v = w.victim.ID
		}
		segs[i] = param.ReplaceAllString(s, v)
	}
	return strings.Join(segs, "/")
}

// body is what caller sends to the operation. The routes a signature
// authenticates get a correctly signed body from the caller holding the
// key (the device, the student's session key) and otherwise the same body
// signed with the caller's own key or a stranger's, so a staff credential
// or the device's key proves nothing there. Elsewhere the device sends its
// signed count batch, others an empty object: allowed callers then get a
// 4xx about the body, never 401 or 403.
func (w *world) body(method, path string, c callerKind) []byte {
	_, stranger, _ := ed25519.GenerateKey(nil)
	signer := stranger
	if c == callDevice {
		signer = w.dev.priv
	}
	w.seq++
	batch := func(priv ed25519.PrivateKey) any {
		b := w.dev.batch(w.seq, w.e.now.Add(-2*time.Minute), 1, 0)
		return b.Batch.Sign(priv)
	}
	var v any
	switch {
	case method == "POST" && path == "/api/v1/counts":
		v = batch(signer)
	case method == "POST" && path == "/api/v1/summaries":
		if c == callStudent {
			signer = w.proc.priv
		}
		v = w.proc.summary(1, wire.Genesis, t0).Sign(signer)
	case method == "POST" && strings.HasSuffix(path, "/finish"):
		if c == callStudent {
			signer = w.proc.priv
		}
		v = wire.Finish{Session: w.proc.policy.Session, Seq: 0, Head: wire.Genesis, At: w.e.now.UnixMilli()}.Sign(signer)
	case c == callDevice:
		v = batch(w.dev.priv)
	case method == "GET" || method == "HEAD":
		return nil
	default:
		return []byte("{}")
	}
	js, err := json.Marshal(v)
	if err != nil {
		w.e.t.Fatal(err)
	}
	return js
}

// signIn makes r u's: a new session's cookie, its CSRF token, and the
// server's own origin.
func (w *world) signIn(r *http.Request, u server.User) {
	id, csrf := w.session(u)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
	r.Header.Set(csrfHeader, csrf)
	r.Header.Set("Origin", "http://"+r.Host)
}

// request builds one cell's request. Each comes from its own address, so
// the per-address rate limits never answer for the authorisation.
func (w *world) request(c callerKind, method, path string, body []byte) *http.Request {
	var r *http.Request
	if body == nil {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	w.addr++
	r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", w.addr>>16&255, w.addr>>8&255, w.addr&255)
	switch c {
	case callAdminCookie:
		w.signIn(r, w.admin)
	case callReviewerCookie:
		w.signIn(r, w.rev)
	case callAdminToken:
		r.Header.Set("Authorization", "Bearer "+adminToken)
	case callReviewerToken:
		r.Header.Set("Authorization", "Bearer "+w.reviewerToken)
	case callStudent:
		r.Header.Set("Authorization", "Bearer "+w.studentToken)
	}
	return r
}

type operation struct {
	method, path string
	roles        []string
}

// operations reads the served OpenAPI document; every operation must say
// who may call it.
func operations(t *testing.T, e *env) []operation {
	t.Helper()
	res := e.do("GET", "/api/openapi.json", nil, false)
	wantStatus(t, res, http.StatusOK)
	var doc struct {
		Paths map[string]map[string]struct {
			Roles *[]string `json:"x-roles"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var ops []operation
	for path, methods := range doc.Paths {
		for m, op := range methods {
			o := operation{strings.ToUpper(m), path, nil}
			switch {
			case op.Roles == nil || len(*op.Roles) == 0:
				t.Errorf("%s %s: no x-roles", o.method, path)
				continue
			case slices.Contains(*op.Roles, "public") && len(*op.Roles) > 1:
				t.Errorf("%s %s: public and other roles %v", o.method, path, *op.Roles)
			}
			for _, r := range *op.Roles {
				if !slices.Contains(knownRoles, r) {
					t.Errorf("%s %s: unknown role %q", o.method, path, r)
				}
			}
			o.roles = *op.Roles
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// TestAuthorisationMatrix walks every operation in /api/openapi.json with
// every caller: the roles it lists get past authentication (no 401 or
// 403), everyone else gets 401 or 403.
func TestAuthorisationMatrix(t *testing.T) {
	w := newWorld(t)
	ops := operations(t, w.e)
	if len(ops) < 50 {
		t.Fatalf("only %d operations", len(ops))
	}
	for _, op := range ops {
		for _, c := range callers {
			allowed := slices.Contains(op.roles, "public") || slices.Contains(op.roles, roleOf[c])
			path := w.fill(op.path)
			res := serve(w.e.h, w.request(c, op.method, path, w.body(op.method, op.path, c)))
			refused := res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden
			switch {
			case allowed && refused:
				t.Errorf("%s %s as %s: %d, want it allowed: %s", op.method, path, c, res.Code, res.Body.String())
			case !allowed && !refused:
				t.Errorf("%s %s as %s: %d, want 401 or 403: %s", op.method, path, c, res.Code, res.Body.String())
			}
			if c == callDevice && op.method == "POST" && op.path == "/api/v1/counts" && res.Code/100 != 2 {
				t.Errorf("the device's signed batch: %d %s", res.Code, res.Body.String())
			}
		}
	}
}

// TestNoStateChangeWithoutCSRF: no operation a staff session may call
// accepts a state change authenticated by the cookie without the session's
// CSRF token, with another session's, or from another origin; and a
// refusal changes nothing.
func TestNoStateChangeWithoutCSRF(t *testing.T) {
	w := newWorld(t)
	n := 0
	for _, op := range operations(t, w.e) {
		if op.method == "GET" || op.method == "HEAD" {
			continue
		}
		var u server.User
		switch {
		case slices.Contains(op.roles, "admin"):
			u = w.admin
		case slices.Contains(op.roles, "reviewer"):
			u = w.rev
		default:
			continue
		}
		n++
		_, otherCSRF := w.session(u)
		for name, change := range map[string]func(r *http.Request){
			"no token":       func(r *http.Request) { r.Header.Del(csrfHeader) },
			"empty token":    func(r *http.Request) { r.Header.Set(csrfHeader, "") },
			"other session":  func(r *http.Request) { r.Header.Set(csrfHeader, otherCSRF) },
			"other origin":   func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
			"opaque origin":  func(r *http.Request) { r.Header.Set("Origin", "null") },
			"lookalike host": func(r *http.Request) { r.Header.Set("Origin", "http://"+r.Host+".evil.example") },
		} {
			c := callAdminCookie
			if u.ID == w.rev.ID {
				c = callReviewerCookie
			}
			r := w.request(c, op.method, w.fill(op.path), []byte("{}"))
			change(r)
			before := len(w.e.accessLog())
			res := serve(w.e.h, r)
			if res.Code != http.StatusForbidden {
				t.Errorf("%s %s, cookie with %s: %d, want 403: %s", op.method, op.path, name, res.Code, res.Body.String())
				continue
			}
			wantError(t, res, http.StatusForbidden, codeCSRF)
			if after := len(w.e.accessLog()); after != before {
				t.Errorf("%s %s refused but logged %d entries", op.method, op.path, after-before)
			}
		}
	}
	if n < 15 {
		t.Errorf("only %d state-changing staff operations", n)
	}
}

// TestReviewerScope walks every operation a reviewer may call as reviewers
// who are not assigned to the world's exam, by session and by token: an
// operation on the exam or one of its sessions is not found, the list of
// exams is empty, and nothing is read, written or logged. An assigned
// reviewer gets the same operations answered (TestAuthorisationMatrix).
func TestReviewerScope(t *testing.T) {
	w := newWorld(t)
	other := w.createUser("otto", server.RoleReviewer)
	otherToken := w.e.newReviewer("Dr. Other")
	// Assigned to another exam, so assignment is per exam, not a flag.
	elsewhere := w.e.createExam(nil).ID
	w.e.assign(elsewhere, other.ID)
	bodies := map[string]any{
		"POST /api/v1/review/sessions/{id}/marks":          map[string]string{"kind": string(server.MarkFraud), "reason": "a second voice"},
		"DELETE /api/v1/review/sessions/{id}/marks/{mark}": map[string]string{"reason": "the invigilator"},
		"POST /api/v1/review/sessions/{id}/notes":          map[string]string{"text": "webcam angle"},
	}
	n := 0
	for _, op := range operations(t, w.e) {
		if !slices.Contains(op.roles, "reviewer") || !strings.HasPrefix(op.path, "/api/v1/review/") {
			continue
		}
		n++
		for _, as := range []string{"session", "token"} {
			r := w.request(callNone, op.method, w.fill(op.path), nil)
			if b, ok := bodies[op.method+" "+op.path]; ok {
				js, _ := json.Marshal(b)
				r = w.request(callNone, op.method, w.fill(op.path), js)
			}
			if as == "session" {
				w.signIn(r, other)
			} else {
				r.Header.Set("Authorization", "Bearer "+otherToken)
			}
			rowsBefore, logBefore := w.e.examRows(), len(w.e.accessLog())
			res := serve(w.e.h, r)
			if strings.Contains(op.path, "{") {
				if res.Code != http.StatusNotFound {
					t.Errorf("%s %s as an unassigned reviewer (%s): %d, want 404: %s", op.method, op.path, as, res.Code, res.Body.String())
				}
			} else {
				want := []string{}
				if as == "session" {
					want = []string{elsewhere}
				}
				var got []string
				for _, e := range decodeJSON[[]server.Exam](t, res) {
					got = append(got, e.ID)
				}
				if res.Code != http.StatusOK || strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s %s as an unassigned reviewer (%s): %d %v, want %v", op.method, op.path, as, res.Code, got, want)
				}
			}
			if strings.Contains(res.Body.String(), "example.edu") || strings.Contains(res.Body.String(), w.studentID) {
				t.Errorf("%s %s (%s) answered the student: %s", op.method, op.path, as, res.Body.String())
			}
			if rows := w.e.examRows(); !maps.Equal(rows, rowsBefore) {
				t.Errorf("%s %s (%s) changed %v to %v", op.method, op.path, as, rowsBefore, rows)
			}
			if after := len(w.e.accessLog()); after != logBefore {
				t.Errorf("%s %s (%s) logged %d entries", op.method, op.path, as, after-logBefore)
			}
		}
	}
	if n < 6 {
		t.Errorf("only %d review operations", n)
	}
	// The assigned reviewer's list has the exam.
	r := w.request(callReviewerToken, "GET", "/api/v1/review/exams", nil)
	if got := decodeJSON[[]server.Exam](t, serve(w.e.h, r)); len(got) != 1 || got[0].ID != w.exam.ID {
		t.Errorf("the assigned reviewer's exams: %+v", got)
	}
}
