package httpapi

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/internal/syncbuf"
	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/sqlite"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// loggedEnv is newEnv with the server's log, at debug level, in a buffer.
func loggedEnv(t *testing.T) (*env, *syncbuf.Buffer) {
	e := newEnv(t)
	var out syncbuf.Buffer
	log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.h = testServer(t, log, e.deps(openDB(t, sqlite.Open, e.dbPath)))
	return e, &out
}

// TestNoPersonalDataInLogs drives a whole exam through the server, from
// distinctive addresses and with distinctive names, and reads the server's
// log: it holds method, route, status and duration per request and none
// of the names, emails, tokens, keys, ids, addresses, queries or bodies.
func TestNoPersonalDataInLogs(t *testing.T) {
	e, out := loggedEnv(t)
	const (
		studentAddr  = "203.0.113.77:4242"
		reviewerAddr = "[2001:db8:77::15]:5151"
		staffName    = "Hendrika Bijlsma-Oosterhuis"
		staffPass    = "correct horse battery 9137"
	)
	secrets := []string{"203.0.113.77", "2001:db8:77", staffName, staffPass, adminToken}
	check := func(name string, w *httptest.ResponseRecorder, status int) {
		t.Helper()
		if w.Code != status {
			t.Fatalf("%s: %d, want %d: %s", name, w.Code, status, w.Body.String())
		}
	}

	ex := e.createExam(nil)
	links := e.importStudents(ex.ID,
		"Zwaantje7781,marieke.vandeberg.7781@student.example.nl",
		"Kwikstaart4410,joost.de.wilde.4410@student.example.nl")
	for _, l := range links {
		secrets = append(secrets, l.StudentID, l.Email, l.ID, l.token())
	}
	tok := links[0].token()

	// The student, from their own address.
	check("choice", e.from(studentAddr, tok, "POST", "/api/v1/student/choice", map[string]string{"choice": "proctored"}), http.StatusOK)
	pub, priv, _ := ed25519.GenerateKey(nil)
	secrets = append(secrets, base64.StdEncoding.EncodeToString(pub))
	w := e.from(studentAddr, tok, "POST", "/api/v1/student/sessions", e.startRequest(pub, true))
	check("start", w, http.StatusCreated)
	p := &proctor{e: e, priv: priv, policy: decodeJSON[wire.Policy](t, w), build: testBuild}
	sess := p.policy.Session
	secrets = append(secrets, sess)
	s1 := p.summary(1, wire.Genesis, t0, event(wire.FaceAbsent, 5*time.Second, 20*time.Second))
	signed := s1.Sign(priv)
	secrets = append(secrets, signed.Sig, s1.Hash())
	check("summary", e.from(studentAddr, "", "POST", "/api/v1/summaries", signed), http.StatusOK)
	check("finish", e.from(studentAddr, "", "POST", "/api/v1/sessions/"+sess+"/finish",
		wire.Finish{Session: sess, Seq: 1, Head: s1.Hash(), At: e.now.UnixMilli()}.Sign(priv)), http.StatusOK)
	check("student", e.from(studentAddr, tok, "GET", "/api/v1/student?email="+links[0].Email, nil), http.StatusOK)
	check("record", e.from(studentAddr, tok, "GET", "/api/v1/student/record", nil), http.StatusOK)
	check("timeline", e.from(studentAddr, tok, "GET", "/api/v1/student/sessions/"+sess+"/timeline.svg", nil), http.StatusOK)
	// A token pasted into a path (no route) or a query, and a wrong one.
	check("token in path", e.from(studentAddr, "", "GET", "/exam/"+tok, nil), http.StatusNotFound)
	check("token in query", e.from(studentAddr, "", "GET", "/exam?access="+tok, nil), http.StatusOK)
	check("wrong token", e.from(studentAddr, "Wrong-"+links[1].StudentID, "GET", "/api/v1/student", nil), http.StatusUnauthorized)

	// Staff: a reviewer by token, and a staff account by password.
	rev := e.newReviewer(staffName, ex.ID)
	secrets = append(secrets, rev)
	reason, note := "Tweede stem hoorbaar bij Zwaantje", "Besproken met Marieke van de Berg"
	secrets = append(secrets, reason, note)
	check("sessions", e.from(reviewerAddr, rev, "GET", "/api/v1/review/exams/"+ex.ID+"/sessions", nil), http.StatusOK)
	check("session", e.from(reviewerAddr, rev, "GET", "/api/v1/review/sessions/"+sess, nil), http.StatusOK)
	check("review timeline", e.from(reviewerAddr, rev, "GET", "/api/v1/review/sessions/"+sess+"/timeline.svg", nil), http.StatusOK)
	check("mark", e.from(reviewerAddr, rev, "POST", "/api/v1/review/sessions/"+sess+"/marks", map[string]string{"kind": string(server.MarkFraud), "reason": reason}), http.StatusCreated)
	check("note", e.from(reviewerAddr, rev, "POST", "/api/v1/review/sessions/"+sess+"/notes", map[string]string{"text": note}), http.StatusCreated)
	e.addUser("bijlsma", server.RoleAdmin, staffPass)
	check("login", e.from(reviewerAddr, "", "POST", "/auth/login", map[string]string{"name": "bijlsma", "password": staffPass}), http.StatusOK)
	check("failed login", e.from(reviewerAddr, "", "POST", "/auth/login", map[string]string{"name": staffName, "password": staffPass + "x"}), http.StatusUnauthorized)

	// Exports and the access log.
	check("audit export", e.from(reviewerAddr, adminToken, "GET", "/api/v1/audit/export", nil), http.StatusOK)
	check("audit", e.from(reviewerAddr, adminToken, "GET", "/api/v1/audit?who="+strings.ReplaceAll(staffName, " ", "+"), nil), http.StatusOK)
	check("student export", e.from(studentAddr, tok, "GET", "/api/v1/student/export", nil), http.StatusOK)

	// The student's rights: rectification and objection.
	newEmail, objection := "m.vandeberg.nieuw.7781@student.example.nl", "Ik maak bezwaar: mijn kamer is ook mijn slaapkamer"
	secrets = append(secrets, newEmail, objection)
	check("email", e.from(studentAddr, tok, "PUT", "/api/v1/student/email", map[string]string{"email": newEmail}), http.StatusOK)
	check("objection", e.from(studentAddr, tok, "POST", "/api/v1/student/objection", map[string]string{"reason": objection}), http.StatusCreated)

	log := out.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("the log holds %q", s)
		}
	}
	// Only the fields logRequests writes, and a route pattern, not a path.
	var patterns recorder
	addRoutes(&patterns, Deps{})
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) < 25 {
		t.Fatalf("%d log lines, want one per request:\n%s", len(lines), log)
	}
	for _, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] != "request" {
			t.Errorf("unexpected log line %s", line)
			continue
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(keys, []string{"level", "method", "ms", "msg", "route", "status", "time"}) {
			t.Errorf("log line with fields %v: %s", keys, line)
		}
		if route, _ := m["route"].(string); route != "(no route)" && !slices.Contains(patterns, route) {
			t.Errorf("route %q is not a pattern", route)
		}
	}
	if !strings.Contains(log, `"route":"GET /api/v1/review/sessions/{id}"`) || !strings.Contains(log, `"route":"(no route)"`) {
		t.Errorf("routes are not logged as patterns:\n%s", log)
	}
}

// TestClientGone: a request whose client went away (its context ended)
// and whose store read failed for it is not a server error: no ERROR line,
// and 499 in the request log, where a live request with the same read
// answers 200.
func TestClientGone(t *testing.T) {
	e, out := loggedEnv(t)
	if w := e.do("GET", "/api/v1/rooms", nil, true); w.Code != http.StatusOK {
		t.Fatalf("live request: %d %s", w.Code, w.Body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/api/v1/rooms", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if w := serve(e.h, req); w.Code != statusClientClosed {
		t.Fatalf("client gone: %d %s", w.Code, w.Body)
	}
	log := out.String()
	if strings.Contains(log, `"level":"ERROR"`) || !strings.Contains(log, `"msg":"client gone"`) || !strings.Contains(log, `"status":499`) {
		t.Fatalf("log:\n%s", log)
	}
}
