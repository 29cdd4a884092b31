package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

type createdReviewer struct {
	Reviewer server.Reviewer `json:"reviewer"`
	Token    string          `json:"token"`
}

// TestReviewerTokens: tokens expire (90 days unless set at creation), are
// listed with their state, and a revoked one is refused at once.
func TestReviewerTokens(t *testing.T) {
	e := newEnv(t)
	create := func(body map[string]any) createdReviewer {
		t.Helper()
		w := e.do("POST", "/api/v1/reviewers", body, true)
		wantStatus(t, w, http.StatusCreated)
		return decodeJSON[createdReviewer](t, w)
	}
	long := create(map[string]any{"name": "Dr. Jansen"})
	short := create(map[string]any{"name": "Dr. de Vries", "valid_days": 7})
	at := time.UnixMilli(t0.UnixMilli())
	if !long.Reviewer.Expires.Equal(at.AddDate(0, 0, 90)) || !short.Reviewer.Expires.Equal(at.AddDate(0, 0, 7)) || long.Reviewer.Revoked != nil {
		t.Errorf("expiry %v and %v", long.Reviewer.Expires, short.Reviewer.Expires)
	}
	for days, code := range map[any]string{0: wire.CodeInvalid, -1: wire.CodeInvalid, 367: wire.CodeInvalid, "30": wire.CodeMalformed, 1.5: wire.CodeMalformed} {
		wantError(t, e.do("POST", "/api/v1/reviewers", map[string]any{"name": "x", "valid_days": days}, true), http.StatusBadRequest, code)
	}

	me := func(token string) int { return e.as(token, "GET", "/api/v1/me", nil).Code }
	if me(long.Token) != http.StatusOK || me(short.Token) != http.StatusOK {
		t.Fatal("new tokens refused")
	}
	e.now = t0.AddDate(0, 0, 7)
	if me(short.Token) != http.StatusUnauthorized || me(long.Token) != http.StatusOK {
		t.Errorf("after 7 days: %d %d", me(short.Token), me(long.Token))
	}

	w := e.do("GET", "/api/v1/reviewers", nil, true)
	wantStatus(t, w, http.StatusOK)
	list := decodeJSON[struct{ Reviewers []server.Reviewer }](t, w).Reviewers
	if len(list) != 2 {
		t.Fatalf("reviewers %+v", list)
	}

	before := len(e.accessLog())
	w = e.do("DELETE", "/api/v1/reviewers/"+long.Reviewer.ID, nil, true)
	wantStatus(t, w, http.StatusOK)
	if rv := decodeJSON[struct{ Reviewer server.Reviewer }](t, w).Reviewer; rv.Revoked == nil || !rv.Revoked.Equal(e.now) {
		t.Errorf("revoked %+v", rv)
	}
	if code := me(long.Token); code != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", code)
	}
	added := e.accessLog()[before:]
	if len(added) != 1 || added[0].Action != server.ActionRevokeReviewer || added[0].Kind != server.ActorAdminToken ||
		!strings.Contains(added[0].Subject, long.Reviewer.ID) {
		t.Errorf("revocation logged %+v", added)
	}
	wantError(t, e.do("DELETE", "/api/v1/reviewers/r-unknown", nil, true), http.StatusNotFound, codeNotFound)
	e.now = t0.AddDate(0, 0, 90)
	wantStatus(t, e.do("POST", "/api/v1/reviewers", map[string]any{"name": "Dr. Jansen", "valid_days": 366}, true), http.StatusCreated)
}

// TestExamReviewersRoutes: assignment replaces the list, all or nothing,
// and takes only reviewer tokens and reviewer accounts.
func TestExamReviewersRoutes(t *testing.T) {
	w := newWorld(t)
	ex := w.exam.ID
	get := func() []string {
		t.Helper()
		res := w.e.do("GET", "/api/v1/exams/"+ex+"/reviewers", nil, true)
		wantStatus(t, res, http.StatusOK)
		return decodeJSON[examReviewers](t, res).Reviewers
	}
	start := strings.Join(get(), ",")
	for _, body := range []any{
		map[string]any{"reviewers": []string{w.admin.ID}}, // an admin account
		map[string]any{"reviewers": []string{w.rev.ID, "r-nobody"}},
		map[string]any{"reviewers": []string{""}},
	} {
		wantError(t, w.e.do("PUT", "/api/v1/exams/"+ex+"/reviewers", body, true), http.StatusBadRequest, wire.CodeInvalid)
	}
	wantError(t, w.e.do("PUT", "/api/v1/exams/"+ex+"/reviewers", map[string]any{}, true), http.StatusBadRequest, wire.CodeInvalid)
	wantError(t, w.e.do("PUT", "/api/v1/exams/e-nope/reviewers", map[string]any{"reviewers": []string{}}, true), http.StatusNotFound, codeNotFound)
	if got := strings.Join(get(), ","); got != start {
		t.Errorf("refused assignments changed %s to %s", start, got)
	}
	res := w.e.do("PUT", "/api/v1/exams/"+ex+"/reviewers", map[string]any{"reviewers": []string{}}, true)
	wantStatus(t, res, http.StatusOK)
	if got := get(); len(got) != 0 {
		t.Errorf("emptied list %v", got)
	}
	// Unassigned, the reviewer's session is not found any more.
	r := w.request(callReviewerToken, "GET", "/api/v1/review/sessions/"+w.proc.policy.Session, nil)
	wantError(t, serve(w.e.h, r), http.StatusNotFound, wire.CodeUnknownSession)
	if last := w.e.accessLog(); last[len(last)-1].Action != server.ActionAssignReviewers || last[len(last)-1].Reason != "reviewers: none" {
		t.Errorf("assignment logged %+v", last[len(last)-1])
	}
}

// TestActorKinds: the log says what kind of actor acted, from the
// credential; names chosen to look like another kind ("student",
// "lokaal (automatic)", "admin") stay labels.
func TestActorKinds(t *testing.T) {
	w := newWorld(t)
	e := w.e
	sess := w.proc.policy.Session
	impostor := w.createUser("lokaal (automatic)", server.RoleReviewer)
	e.assign(w.exam.ID, impostor.ID)
	admin := w.createUser("admin", server.RoleAdmin)
	res := e.do("POST", "/api/v1/reviewers", map[string]string{"name": "student"}, true)
	wantStatus(t, res, http.StatusCreated)
	student := decodeJSON[createdReviewer](t, res)
	e.assign(w.exam.ID, student.Reviewer.ID)

	type want struct {
		kind server.ActorKind
		id   string
		who  string
	}
	review := func(u server.User) *http.Request {
		r := w.request(callNone, "GET", "/api/v1/review/sessions/"+sess, nil)
		w.signIn(r, u)
		return r
	}
	for _, c := range []struct {
		name string
		req  *http.Request
		want want
	}{
		{"admin token", w.request(callAdminToken, "GET", "/api/v1/review/sessions/"+sess, nil),
			want{server.ActorAdminToken, server.AdminTokenID(sha(adminToken)), adminTokenLabel}},
		{"account named admin", review(admin), want{server.ActorStaff, admin.ID, "admin"}},
		{"account named lokaal (automatic)", review(impostor), want{server.ActorStaff, impostor.ID, "lokaal (automatic)"}},
		{"reviewer token named student", func() *http.Request {
			r := w.request(callNone, "GET", "/api/v1/review/sessions/"+sess, nil)
			r.Header.Set("Authorization", "Bearer "+student.Token)
			return r
		}(), want{server.ActorReviewerToken, student.Reviewer.ID, "student"}},
		{"the student", w.request(callStudent, "POST", "/api/v1/student/objection", []byte(`{"reason":"I object"}`)),
			want{server.ActorStudent, w.studentID, server.WhoStudent}},
	} {
		before := len(e.accessLog())
		res := serve(e.h, c.req)
		if res.Code/100 != 2 {
			t.Fatalf("%s: %d %s", c.name, res.Code, res.Body.String())
		}
		added := e.accessLog()[before:]
		if len(added) != 1 || (want{added[0].Kind, added[0].ActorID, added[0].Who}) != c.want {
			t.Errorf("%s: logged %+v, want %+v", c.name, added, c.want)
		}
	}
	// No entry is the admin token's and says "admin"; no request made an
	// entry of kind system (TestRetentionRunRoute has the system's own),
	// and only the student's is of kind student.
	for _, a := range e.accessLog() {
		switch {
		case a.Kind == server.ActorAdminToken && a.Who == "admin":
			t.Errorf("the admin token logged as admin: %+v", a)
		case a.Kind == server.ActorSystem:
			t.Errorf("system entry %+v", a)
		case a.Kind == server.ActorStudent && a.ActorID != w.studentID:
			t.Errorf("student entry %+v", a)
		case !a.Kind.Known():
			t.Errorf("entry of kind %q: %+v", a.Kind, a)
		}
	}
	// The student sees who read their data by kind too.
	rec := decodeJSON[struct{ Views []server.View }](t, e.as(w.studentToken, "GET", "/api/v1/student/record", nil))
	kinds := map[server.ActorKind]bool{}
	for _, v := range rec.Views {
		kinds[v.Kind] = true
	}
	if !kinds[server.ActorAdminToken] || !kinds[server.ActorStaff] || !kinds[server.ActorReviewerToken] || len(kinds) != 3 {
		t.Errorf("views by kind %v: %+v", kinds, rec.Views)
	}
}

// TestLiftOnlyOwnMark: a reviewer lifts only their own mark, an admin any;
// lifting needs a reason, kept with the mark and out of the log.
func TestLiftOnlyOwnMark(t *testing.T) {
	w := newWorld(t)
	e := w.e
	sess := w.proc.policy.Session
	other := e.newReviewer("Dr. Other", w.exam.ID)
	mark := func(token string) int64 {
		t.Helper()
		res := e.as(token, "POST", "/api/v1/review/sessions/"+sess+"/marks", map[string]string{"kind": string(server.MarkFraud), "reason": "a second voice at 09:12"})
		wantStatus(t, res, http.StatusCreated)
		return decodeJSON[server.Mark](t, res).ID
	}
	lift := func(token string, id int64, body any) *httptest.ResponseRecorder {
		return e.as(token, "DELETE", fmt.Sprintf("/api/v1/review/sessions/%s/marks/%d", sess, id), body)
	}
	marks := func() map[int64]server.Mark {
		t.Helper()
		out := map[int64]server.Mark{}
		for _, m := range decodeJSON[struct{ Marks []server.Mark }](t, e.do("GET", "/api/v1/review/sessions/"+sess, nil, true)).Marks {
			out[m.ID] = m
		}
		return out
	}

	mine := mark(w.reviewerToken)
	before := len(e.accessLog())
	wantError(t, lift(other, mine, map[string]string{"reason": "I disagree"}), http.StatusForbidden, codeForbidden)
	// The reviewer account in the world, another credential, is no author either.
	r := w.request(callReviewerCookie, "DELETE", fmt.Sprintf("/api/v1/review/sessions/%s/marks/%d", sess, mine), []byte(`{"reason":"I disagree"}`))
	wantError(t, serve(e.h, r), http.StatusForbidden, codeForbidden)
	if m := marks()[mine]; m.Removed != nil {
		t.Fatalf("another reviewer lifted the mark: %+v", m)
	}
	wantError(t, lift(w.reviewerToken, mine, map[string]string{"reason": " "}), http.StatusBadRequest, codeReasonRequired)
	wantStatus(t, lift(w.reviewerToken, mine, map[string]string{"reason": "the voice was the invigilator"}), http.StatusNoContent)

	theirs := mark(other)
	wantError(t, lift(adminToken, theirs, nil), http.StatusBadRequest, codeReasonRequired)
	wantStatus(t, lift(adminToken, theirs, map[string]string{"reason": "exam board decision 12"}), http.StatusNoContent)
	got := marks()
	if m := got[mine]; m.RemovedReason != "the voice was the invigilator" || m.RemovedBy != "Dr. Jansen" {
		t.Errorf("own mark %+v", m)
	}
	if m := got[theirs]; m.RemovedReason != "exam board decision 12" || m.RemovedBy != adminTokenLabel || m.ByKind != server.ActorReviewerToken {
		t.Errorf("admin-lifted mark %+v", m)
	}
	for _, a := range e.accessLog()[before:] {
		text := a.Subject + " " + a.Reason
		for _, s := range []string{"second voice", "invigilator", "exam board", "disagree"} {
			if strings.Contains(text, s) {
				t.Errorf("the log holds %q: %+v", s, a)
			}
		}
	}
}
