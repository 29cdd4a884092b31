package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/sqlite/sqlitetest"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// accessLog reads the stored log behind the API's back.
func (e *env) accessLog() []server.AccessEntry {
	e.t.Helper()
	rows, err := e.raw.Query("SELECT seq, actor_kind, actor_id, who, action, subject, reason, prev, hash FROM access_log ORDER BY seq")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var es []server.AccessEntry
	for rows.Next() {
		var a server.AccessEntry
		if err := rows.Scan(&a.Seq, &a.Kind, &a.ActorID, &a.Who, &a.Action, &a.Subject, &a.Reason, &a.Prev, &a.Hash); err != nil {
			e.t.Fatal(err)
		}
		es = append(es, a)
	}
	return es
}

// newReviewer makes a reviewer token assigned to exams and returns it.
func (e *env) newReviewer(name string, exams ...string) string {
	e.t.Helper()
	w := e.do("POST", "/api/v1/reviewers", map[string]string{"name": name}, true)
	wantStatus(e.t, w, http.StatusCreated)
	created := decodeJSON[struct {
		Reviewer server.Reviewer
		Token    string
	}](e.t, w)
	for _, ex := range exams {
		e.assign(ex, created.Reviewer.ID)
	}
	return created.Token
}

// assign adds a reviewer (a token's or an account's id) to an exam.
func (e *env) assign(exam, reviewer string) {
	e.t.Helper()
	w := e.do("GET", "/api/v1/exams/"+exam+"/reviewers", nil, true)
	wantStatus(e.t, w, http.StatusOK)
	ids := append(decodeJSON[struct{ Reviewers []string }](e.t, w).Reviewers, reviewer)
	wantStatus(e.t, e.do("PUT", "/api/v1/exams/"+exam+"/reviewers", map[string]any{"reviewers": ids}, true), http.StatusOK)
}

// Each logged route appends exactly one entry naming who did what; routes
// that answer no personal data append none.
func TestAccessLogged(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	links := e.importStudents(ex.ID, "s1,a@example.edu")
	p := e.start(links[0].token(), true)
	sess := p.policy.Session
	rev := e.newReviewer("Dr. Jansen", ex.ID)
	var markID int64

	crisis := func(b map[string]any) {
		b["announced"] = t0.Add(-2 * day).Format(time.RFC3339)
		b["crisis"] = "Campus closed by the municipality"
	}
	steps := []struct {
		name, token, method string
		path                func() string
		body                any
		status              int
		who, action, reason string // action "" means nothing is logged
		after               func(w *httptest.ResponseRecorder)
	}{
		{name: "create exam", token: adminToken, method: "POST", path: func() string { return "/api/v1/exams" }, body: examBody(crisis),
			status: http.StatusCreated, who: adminTokenLabel, action: server.ActionCreateExam, reason: "crisis: Campus closed by the municipality"},
		{name: "update exam", token: adminToken, method: "PUT", path: func() string { return "/api/v1/exams/" + ex.ID }, body: examBody(nil),
			status: http.StatusOK, who: adminTokenLabel, action: server.ActionUpdateExam},
		{name: "accommodations", token: adminToken, method: "PUT", path: func() string { return "/api/v1/students/" + links[0].ID + "/accommodations" },
			body: map[string]any{"off": []wire.Kind{wire.Speech}}, status: http.StatusOK, who: adminTokenLabel, action: server.ActionSetAccommodations},
		{name: "create reviewer", token: adminToken, method: "POST", path: func() string { return "/api/v1/reviewers" },
			body: map[string]string{"name": "Dr. de Vries"}, status: http.StatusCreated, who: adminTokenLabel, action: server.ActionCreateReviewer},
		{name: "list exams", token: rev, method: "GET", path: func() string { return "/api/v1/review/exams" }, status: http.StatusOK},
		{name: "admin exams", token: adminToken, method: "GET", path: func() string { return "/api/v1/exams/" + ex.ID }, status: http.StatusOK},
		{name: "sessions list", token: rev, method: "GET", path: func() string { return "/api/v1/review/exams/" + ex.ID + "/sessions" },
			status: http.StatusOK, who: "Dr. Jansen", action: server.ActionView},
		{name: "session", token: rev, method: "GET", path: func() string { return "/api/v1/review/sessions/" + sess },
			status: http.StatusOK, who: "Dr. Jansen", action: server.ActionView},
		{name: "session by admin", token: adminToken, method: "GET", path: func() string { return "/api/v1/review/sessions/" + sess },
			status: http.StatusOK, who: adminTokenLabel, action: server.ActionView},
		{name: "timeline", token: rev, method: "GET", path: func() string { return "/api/v1/review/sessions/" + sess + "/timeline.svg" },
			status: http.StatusOK, who: "Dr. Jansen", action: server.ActionView},
		{name: "add mark", token: rev, method: "POST", path: func() string { return "/api/v1/review/sessions/" + sess + "/marks" },
			body: map[string]string{"kind": "suspected_fraud", "reason": "A second voice at 09:12"}, status: http.StatusCreated,
			who: "Dr. Jansen", action: server.ActionAddMark, // the reason stays with the mark
			after: func(w *httptest.ResponseRecorder) { markID = decodeJSON[server.Mark](t, w).ID }},
		{name: "remove mark", token: rev, method: "DELETE", path: func() string { return "/api/v1/review/sessions/" + sess + "/marks/" + strconv.FormatInt(markID, 10) },
			body: map[string]string{"reason": "the voice was the invigilator"}, status: http.StatusNoContent, who: "Dr. Jansen",
			action: server.ActionRemoveMark},
		{name: "add note", token: rev, method: "POST", path: func() string { return "/api/v1/review/sessions/" + sess + "/notes" },
			body: map[string]string{"text": "Check the webcam angle"}, status: http.StatusCreated, who: "Dr. Jansen", action: server.ActionAddNote},
		{name: "failed mark", token: rev, method: "POST", path: func() string { return "/api/v1/review/sessions/s-nope/marks" },
			body: map[string]string{"kind": "appeal", "reason": "x"}, status: http.StatusNotFound},
		{name: "export counts", token: adminToken, method: "GET", path: func() string { return "/api/v1/counts?format=csv" },
			status: http.StatusOK, who: adminTokenLabel, action: server.ActionExportCounts},
		{name: "rooms", token: adminToken, method: "GET", path: func() string { return "/api/v1/rooms" }, status: http.StatusOK},
		{name: "read log", token: adminToken, method: "GET", path: func() string { return "/api/v1/audit?from=2&limit=3" },
			status: http.StatusOK, who: adminTokenLabel, action: server.ActionReadAccessLog},
		{name: "export log", token: adminToken, method: "GET", path: func() string { return "/api/v1/audit/export" },
			status: http.StatusOK, who: adminTokenLabel, action: server.ActionExportAccessLog},
	}
	for _, s := range steps {
		before := e.accessLog()
		w := e.as(s.token, s.method, s.path(), s.body)
		wantStatus(t, w, s.status)
		if s.after != nil {
			s.after(w)
		}
		after := e.accessLog()
		added := after[len(before):]
		switch {
		case s.action == "" && len(added) != 0:
			t.Errorf("%s: logged %+v", s.name, added)
		case s.action == "":
		case len(added) != 1:
			t.Errorf("%s: %d entries appended, want 1: %+v", s.name, len(added), added)
		case added[0].Who != s.who || added[0].Action != s.action || added[0].Reason != s.reason:
			t.Errorf("%s: logged %+v, want who %q action %q reason %q", s.name, added[0], s.who, s.action, s.reason)
		}
	}
	// Students import last: it needs a CSV body.
	before := len(e.accessLog())
	wantStatus(t, e.csv(adminToken, ex.ID, "s2,b@example.edu\ns3,c@example.edu\n"), http.StatusCreated)
	if added := e.accessLog()[before:]; len(added) != 1 || added[0].Who != adminTokenLabel || added[0].Action != server.ActionImportStudents ||
		!strings.Contains(added[0].Subject, "2 students") {
		t.Errorf("import logged %+v", added)
	}

	// Notes, mark reasons and emails stay out of the log: it says who did
	// what, not the data, and names students only by id.
	for _, a := range e.accessLog() {
		if text := a.Subject + " " + a.Reason; strings.Contains(text, "webcam") || strings.Contains(text, "@example.edu") ||
			strings.Contains(text, "second voice") || strings.Contains(text, "invigilator") {
			t.Errorf("entry %+v holds personal data", a)
		}
	}
}

func TestAuditRoutes(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	e.importStudents(ex.ID, "s1,a@example.edu")
	rev := e.newReviewer("Dr. Jansen")

	// Only the admin token reads or exports the log, and a refusal logs nothing.
	n := len(e.accessLog())
	for _, path := range []string{"/api/v1/audit", "/api/v1/audit/export"} {
		for _, token := range []string{"", "wrong"} {
			wantError(t, e.as(token, "GET", path, nil), http.StatusUnauthorized, codeUnauthorized)
		}
		wantError(t, e.as(rev, "GET", path, nil), http.StatusForbidden, codeForbidden) // known, not an admin
	}
	// No route edits or deletes an entry.
	for _, m := range []string{"PUT", "PATCH", "DELETE", "POST"} {
		for _, path := range []string{"/api/v1/audit", "/api/v1/audit/export", "/api/v1/audit/1"} {
			if w := e.as(adminToken, m, path, nil); w.Code != http.StatusMethodNotAllowed && w.Code != http.StatusNotFound {
				t.Errorf("%s %s: %d", m, path, w.Code)
			}
		}
	}
	if got := len(e.accessLog()); got != n {
		t.Errorf("refused requests logged %d entries", got-n)
	}

	for _, q := range []string{"from=0", "from=x", "limit=0", "limit=1001"} {
		wantError(t, e.as(adminToken, "GET", "/api/v1/audit?"+q, nil), http.StatusBadRequest, wire.CodeInvalid)
	}
	w := e.as(adminToken, "GET", "/api/v1/audit?from=2&limit=2", nil)
	wantStatus(t, w, http.StatusOK)
	page := decodeJSON[struct{ Entries []server.AccessEntry }](t, w).Entries
	if len(page) != 2 || page[0].Seq != 2 || page[1].Seq != 3 {
		t.Errorf("page %+v", page)
	}

	w = e.as(adminToken, "GET", "/api/v1/audit/export", nil)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q", ct)
	}
	all := exportedEntries(t, w.Body.Bytes())
	if len(all) != len(e.accessLog()) || all[len(all)-1].Action != server.ActionExportAccessLog {
		t.Errorf("export of %d entries, %d stored: %+v", len(all), len(e.accessLog()), all)
	}
	if seq, err := server.VerifyChainFrom(server.GenesisAnchor, all); err != nil {
		t.Errorf("the exported log breaks at %d: %v", seq, err)
	}
}

// TestAuditExportAfterPrune: once retention deleted the oldest entries, the
// export carries the anchor it starts from, and the chain verifies from it
// (and not from genesis).
func TestAuditExportAfterPrune(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		wantStatus(t, e.do("GET", "/api/v1/audit", nil, true), http.StatusOK)
	}
	e.now = e.now.AddDate(2, 0, 1)
	wantStatus(t, e.do("POST", "/api/v1/retention/run", nil, true), http.StatusOK)

	w := e.do("GET", "/api/v1/audit/export", nil, true)
	wantStatus(t, w, http.StatusOK)
	var anchor server.AccessAnchor
	if _, err := fmt.Sscanf(w.Header().Get("Lokaal-Access-Anchor"), "%d %s", &anchor.Seq, &anchor.Hash); err != nil || anchor.Seq < 3 {
		t.Fatalf("anchor header %q: %v", w.Header().Get("Lokaal-Access-Anchor"), err)
	}
	all := exportedEntries(t, w.Body.Bytes())
	if len(all) == 0 || all[0].Seq != anchor.Seq+1 {
		t.Fatalf("export starts at %+v, anchor %+v", all, anchor)
	}
	if seq, err := server.VerifyChainFrom(anchor, all); err != nil {
		t.Errorf("the exported log breaks at %d: %v", seq, err)
	}
	if _, err := server.VerifyChainFrom(server.GenesisAnchor, all); err == nil {
		t.Error("a pruned export verified from genesis")
	}
	page := decodeJSON[struct{ Anchor server.AccessAnchor }](t, e.do("GET", "/api/v1/audit", nil, true))
	if page.Anchor.Seq != anchor.Seq || page.Anchor.Hash != anchor.Hash {
		t.Errorf("GET /api/v1/audit anchor %+v, export %+v", page.Anchor, anchor)
	}
}

// exportedEntries decodes the access-log export, one entry per line.
func exportedEntries(t *testing.T, body []byte) []server.AccessEntry {
	t.Helper()
	var all []server.AccessEntry
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var a server.AccessEntry
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		all = append(all, a)
	}
	return all
}

// The signed head names the newest entry, verifies with the audit key and
// with no other, and is 503 without a key.
func TestAuditHead(t *testing.T) {
	db := openDB(t, sqlitetest.Open, filepath.Join(t.TempDir(), "lokaal.db"))
	for range 3 {
		if _, err := db.Access(context.Background(), server.AccessEntry{Kind: server.ActorStaff, Who: "admin", Action: server.ActionAddMark, Subject: "session s-1 mark 1"}); err != nil {
			t.Fatal(err)
		}
	}
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, 32))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := func() time.Time { return t0 }
	w := httptest.NewRecorder()
	handleAuditHead(log, db, key, now).ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/audit/head", nil))
	wantStatus(t, w, http.StatusOK)
	h := decodeJSON[server.SignedHead](t, w)
	entries, _ := db.AccessEntries(context.Background(), 1, 0)
	if h.Seq != 3 || h.Hash != entries[2].Hash || h.At != t0.UnixMilli() || h.Verify() != nil {
		t.Errorf("head %+v (verify: %v)", h, h.Verify())
	}
	if h.Key != base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)) {
		t.Errorf("key %s", h.Key)
	}
	h.Hash = entries[1].Hash
	if h.Verify() == nil {
		t.Error("a head with another hash verified")
	}
	w = httptest.NewRecorder()
	handleAuditHead(log, db, nil, now).ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/audit/head", nil))
	wantError(t, w, http.StatusServiceUnavailable, codeUnavailable)
}
