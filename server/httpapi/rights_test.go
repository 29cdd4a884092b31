package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// rightsCase is an exam with two students: a, who sat a proctored session
// (summaries with events, finished with a receipt, a reviewer's note and
// view, optionally an active mark), and b, who sat one too.
type rightsCase struct {
	ex   server.Exam
	a, b link
	pa   *proctor
	pb   *proctor
}

func (e *env) rightsCase(mark bool) rightsCase {
	e.t.Helper()
	c := rightsCase{ex: e.createExam(nil)}
	links := e.importStudents(c.ex.ID, "s1,a@example.edu", "s2,b@example.edu")
	c.a, c.b = links[0], links[1]
	wantStatus(e.t, e.do("PUT", "/api/v1/students/"+c.a.ID+"/accommodations", map[string]any{"off": []wire.Kind{wire.Speech}}, true), http.StatusOK)
	c.pa, c.pb = e.start(c.a.token(), true), e.start(c.b.token(), true)
	for _, p := range []*proctor{c.pa, c.pb} {
		s1 := p.summary(1, wire.Genesis, t0, event(wire.FaceAbsent, 18*time.Second, 30*time.Second))
		wantStatus(e.t, p.send(s1.Sign(p.priv)), http.StatusOK)
		wantStatus(e.t, p.finish(1, s1.Hash()), http.StatusOK)
		sess := "/api/v1/review/sessions/" + p.policy.Session
		wantStatus(e.t, e.do("POST", sess+"/notes", map[string]string{"text": "checked the timeline"}, true), http.StatusCreated)
		wantStatus(e.t, e.do("GET", sess, nil, true), http.StatusOK)
	}
	if mark {
		w := e.do("POST", "/api/v1/review/sessions/"+c.pa.policy.Session+"/marks", map[string]string{"kind": "appeal", "reason": "the student appealed"}, true)
		wantStatus(e.t, w, http.StatusCreated)
	}
	return c
}

// studentRows counts the rows of one student and their sessions in every
// table that holds them; a granted deletion request is the record that
// stays.
func (e *env) studentRows(student string, sessions ...string) map[string]int {
	e.t.Helper()
	bySession := "session_id IN ('" + strings.Join(sessions, "','") + "')"
	n := map[string]int{}
	for table, where := range map[string]string{
		"students": "id = ?", "sessions": "student_id = ?", "views": "student_id = ?", "objections": "student_id = ?",
		"deletion_requests": "student_id = ? AND status <> 'granted'",
		"summaries":         bySession, "events": bySession, "marks": bySession, "notes": bySession,
	} {
		var args []any
		if strings.Contains(where, "?") {
			args = append(args, student)
		}
		n[table] = countRows(e.t, e.raw, table+" WHERE "+where, args...)
	}
	return n
}

func TestRightsExport(t *testing.T) {
	e := newEnv(t)
	c := e.rightsCase(true)
	wantStatus(t, e.as(c.a.token(), "POST", "/api/v1/student/objection", map[string]string{"reason": "I object to face detection"}), http.StatusCreated)
	wantStatus(t, e.as(c.b.token(), "POST", "/api/v1/student/objection", map[string]string{"reason": "b objects too"}), http.StatusCreated)
	wantStatus(t, e.as(c.a.token(), "PUT", "/api/v1/student/email", map[string]string{"email": "a.new@example.edu"}), http.StatusOK)
	wantStatus(t, e.as(c.a.token(), "POST", "/api/v1/student/deletion-request", map[string]string{"reason": "done"}), http.StatusAccepted)

	e.now = t0.Add(3 * time.Hour)
	w := e.as(c.a.token(), "GET", "/api/v1/student/export", nil)
	wantStatus(t, w, http.StatusOK)
	plain := w.Body.Bytes()

	// Every section is filled for a student with a full history.
	var sections map[string]json.RawMessage
	if err := json.Unmarshal(plain, &sections); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"generated", "student", "exam", "policy", "choice", "accommodations", "sessions", "marks", "notes",
		"objections", "deletion_requests", "views", "access_log"} {
		if s := string(sections[k]); s == "" || s == "null" || s == "[]" || s == "{}" || s == `""` {
			t.Errorf("section %s is empty: %s", k, s)
		}
	}
	if len(sections) != 13 {
		t.Errorf("%d sections, want 13", len(sections))
	}
	doc := decodeJSON[exportDoc](t, w)
	switch {
	case doc.Student.ID != c.a.ID || doc.Student.StudentID != "s1" || doc.Student.Email != "a.new@example.edu" || doc.Student.Exam != c.ex.ID:
		t.Errorf("student %+v", doc.Student)
	case doc.Exam.ID != c.ex.ID || len(doc.Policy.Detectors) != 3 || doc.Choice.Choice != server.ChoiceProctored || doc.Choice.At == nil:
		t.Errorf("exam %+v policy %+v choice %+v", doc.Exam, doc.Policy, doc.Choice)
	case len(doc.Accommodations) != 1 || doc.Accommodations[0] != wire.Speech:
		t.Errorf("accommodations %v", doc.Accommodations)
	case len(doc.Sessions) != 1 || doc.Sessions[0].Session.ID != c.pa.policy.Session || len(doc.Sessions[0].Summaries) != 1 ||
		len(doc.Sessions[0].Events) != 1 || !doc.Sessions[0].Session.Precheck.FaceFound || doc.Sessions[0].Session.Receipt == nil ||
		doc.Sessions[0].Session.Finished == nil:
		t.Errorf("sessions %+v", doc.Sessions)
	case len(doc.Marks) != 1 || doc.Marks[0].Reason != "the student appealed" || len(doc.Notes) != 1:
		t.Errorf("marks %+v notes %+v", doc.Marks, doc.Notes)
	case len(doc.Objections) != 1 || doc.Objections[0].Reason != "I object to face detection":
		t.Errorf("objections %+v", doc.Objections)
	case len(doc.DeletionRequests) != 1 || doc.DeletionRequests[0].Status != server.DeletionPending:
		t.Errorf("deletion requests %+v", doc.DeletionRequests)
	case len(doc.Views) != 1 || doc.Views[0].Who != adminTokenLabel:
		t.Errorf("views %+v", doc.Views)
	}
	// Who accessed the data, and every change about it: the accommodations,
	// the view, the note and the mark on the session, the student's own
	// objection, correction and request.
	actions := map[string]bool{}
	for _, a := range doc.AccessLog {
		actions[a.Action] = true
		if !strings.Contains(a.Subject, c.a.ID) && !strings.Contains(a.Subject, c.pa.policy.Session) {
			t.Errorf("entry about someone else: %+v", a)
		}
	}
	for _, a := range []string{server.ActionSetAccommodations, server.ActionView, server.ActionAddNote, server.ActionAddMark,
		server.ActionObject, server.ActionRectifyEmail, server.ActionRequestDeletion} {
		if !actions[a] {
			t.Errorf("the access log section lacks %q: %v", a, actions)
		}
	}

	// Nothing of b's is in a's export.
	for _, s := range []string{c.b.ID, c.pb.policy.Session, "b@example.edu", "b objects too", `"s2"`} {
		if bytes.Contains(plain, []byte(s)) {
			t.Errorf("a's export holds %q of b", s)
		}
	}

	// The archive is the same JSON, compressed with zstd.
	w = e.as(c.a.token(), "GET", "/api/v1/student/export.json.zst", nil)
	wantStatus(t, w, http.StatusOK)
	if ct, cd := w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"); ct != "application/zstd" || !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".json.zst") {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	unpacked, err := dec.DecodeAll(w.Body.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unpacked, plain) {
		t.Errorf("the archive holds\n%s\nthe JSON export is\n%s", unpacked, plain)
	}
	if w.Body.Len() >= len(plain) {
		t.Errorf("archive %d bytes, JSON %d", w.Body.Len(), len(plain))
	}

	for _, path := range []string{"/api/v1/student/export", "/api/v1/student/export.json.zst"} {
		wantError(t, e.as("", "GET", path, nil), http.StatusUnauthorized, codeUnauthorized)
		wantError(t, e.do("GET", path, nil, true), http.StatusUnauthorized, codeUnauthorized) // the admin is no student
	}
}

func TestObjectionShownInReview(t *testing.T) {
	e := newEnv(t)
	c := e.rightsCase(false)
	w := e.as(c.a.token(), "POST", "/api/v1/student/objection", map[string]string{"reason": "Camera proctoring is disproportionate."})
	wantStatus(t, w, http.StatusCreated)
	o := decodeJSON[server.Objection](t, w)
	if o.ID == 0 || o.Student != c.a.ID || !o.At.Equal(e.now) {
		t.Errorf("objection %+v", o)
	}

	w = e.do("GET", "/api/v1/review/exams/"+c.ex.ID+"/sessions", nil, true)
	wantStatus(t, w, http.StatusOK)
	var rows []struct {
		Student    struct{ ID string }
		Objections []server.Objection `json:"objections"`
	}
	json.Unmarshal(w.Body.Bytes(), &rows)
	if len(rows) != 2 || rows[0].Student.ID != c.a.ID || len(rows[0].Objections) != 1 ||
		rows[0].Objections[0].Reason != "Camera proctoring is disproportionate." || rows[1].Objections == nil || len(rows[1].Objections) != 0 {
		t.Errorf("review list %s", w.Body.String())
	}
	w = e.do("GET", "/api/v1/review/sessions/"+c.pa.policy.Session, nil, true)
	wantStatus(t, w, http.StatusOK)
	var d struct {
		Objections []server.Objection `json:"objections"`
	}
	json.Unmarshal(w.Body.Bytes(), &d)
	if len(d.Objections) != 1 || d.Objections[0].ID != o.ID {
		t.Errorf("session view objections %+v", d.Objections)
	}
}

func TestRightsBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.rightsCase(false)
	tok := c.a.token()
	objections := func() int { return countRows(t, e.raw, "objections") }
	for name, body := range map[string]any{
		"no reason":     map[string]string{},
		"blank reason":  map[string]string{"reason": "  \n "},
		"too long":      map[string]string{"reason": strings.Repeat("é", maxObjectionChars+1)},
		"control chars": map[string]string{"reason": "a\x00b"},
	} {
		w := e.as(tok, "POST", "/api/v1/student/objection", body)
		wantError(t, w, http.StatusBadRequest, wire.CodeInvalid)
		if name == "no reason" && !strings.Contains(w.Body.String(), "reason is required") {
			t.Errorf("%s: %s", name, w.Body.String())
		}
	}
	wantError(t, e.as(tok, "POST", "/api/v1/student/objection", `{"reason":"x","extra":1}`), http.StatusBadRequest, wire.CodeMalformed)
	wantError(t, e.as(tok, "POST", "/api/v1/student/objection", `{"reason":"x"} {}`), http.StatusBadRequest, wire.CodeMalformed)
	wantError(t, e.as(tok, "POST", "/api/v1/student/objection", `{"reason":"`+strings.Repeat("x", rightsBodyBytes)+`"}`),
		http.StatusRequestEntityTooLarge, wire.CodeTooLarge)
	req := newRequest("POST", "/api/v1/student/objection", `{"reason":"x"}`)
	req.Header.Set("Authorization", "Bearer "+tok)
	wantError(t, serve(e.h, req), http.StatusUnsupportedMediaType, wire.CodeMalformed) // no Content-Type
	if n := objections(); n != 0 {
		t.Errorf("%d objections stored from bad input", n)
	}
	// The cap.
	for i := 0; i < server.MaxObjections; i++ {
		wantStatus(t, e.as(tok, "POST", "/api/v1/student/objection", map[string]string{"reason": "again"}), http.StatusCreated)
	}
	wantError(t, e.as(tok, "POST", "/api/v1/student/objection", map[string]string{"reason": "again"}), http.StatusConflict, wire.CodeConflict)

	// Deletion requests: the reason is optional but bounded.
	wantError(t, e.as(tok, "POST", "/api/v1/student/deletion-request", map[string]string{"reason": strings.Repeat("x", maxDeletionChars+1)}),
		http.StatusBadRequest, wire.CodeInvalid)
	wantError(t, e.as(tok, "POST", "/api/v1/student/deletion-request", `{"why":"x"}`), http.StatusBadRequest, wire.CodeMalformed)
	if n := countRows(t, e.raw, "deletion_requests"); n != 0 {
		t.Errorf("%d deletion requests stored from bad input", n)
	}
}

func TestRectifyEmail(t *testing.T) {
	e := newEnv(t)
	c := e.rightsCase(false)
	email := func() string {
		var s string
		e.raw.QueryRow("SELECT email FROM students WHERE id = ?", c.a.ID).Scan(&s)
		return s
	}
	for _, bad := range []string{"", "not an address", "a@b.nl, c@d.nl", "Name <a@example.edu>", " a@example.edu", "a@localhost",
		"=cmd@example.edu", strings.Repeat("a", 250) + "@example.edu"} {
		wantError(t, e.as(c.a.token(), "PUT", "/api/v1/student/email", map[string]string{"email": bad}), http.StatusBadRequest, wire.CodeInvalid)
	}
	wantError(t, e.as(c.a.token(), "PUT", "/api/v1/student/email", `{"email":1}`), http.StatusBadRequest, wire.CodeMalformed)
	if got := email(); got != "a@example.edu" {
		t.Fatalf("bad input changed the email to %q", got)
	}
	w := e.as(c.a.token(), "PUT", "/api/v1/student/email", map[string]string{"email": "a.student@uni.example.nl"})
	wantStatus(t, w, http.StatusOK)
	if got := email(); got != "a.student@uni.example.nl" {
		t.Errorf("email %q", got)
	}
	var who, subject, reason string
	e.raw.QueryRow("SELECT who, subject, reason FROM access_log WHERE action = ?", server.ActionRectifyEmail).Scan(&who, &subject, &reason)
	if who != server.WhoStudent || subject != "student "+c.a.ID || strings.Contains(reason, "@") {
		t.Errorf("log entry %q %q %q", who, subject, reason)
	}
	// b's email is b's.
	var b string
	e.raw.QueryRow("SELECT email FROM students WHERE id = ?", c.b.ID).Scan(&b)
	if b != "b@example.edu" {
		t.Errorf("b's email %q", b)
	}
}

func TestDeletionRequestRule(t *testing.T) {
	type response struct {
		Status  server.DeletionStatus  `json:"status"`
		Message string                 `json:"message"`
		Request server.DeletionRequest `json:"request"`
	}
	t.Run("marked: pending", func(t *testing.T) {
		e := newEnv(t)
		c := e.rightsCase(true)
		e.now = c.ex.End.Add(time.Hour)
		w := e.as(c.a.token(), "POST", "/api/v1/student/deletion-request", map[string]string{"reason": "I left the university"})
		wantStatus(t, w, http.StatusAccepted)
		if r := decodeJSON[response](t, w); r.Status != server.DeletionPending || !strings.Contains(r.Message, "mark") || strings.Contains(r.Message, "window") {
			t.Errorf("response %+v", r)
		}
		if rows := e.studentRows(c.a.ID, c.pa.policy.Session); rows["students"] != 1 || rows["sessions"] != 1 || rows["summaries"] != 1 {
			t.Errorf("rows %v", rows)
		}
	})
	t.Run("window open: pending", func(t *testing.T) {
		e := newEnv(t)
		c := e.rightsCase(false)
		e.now = c.ex.End.Add(-time.Minute)
		w := e.as(c.a.token(), "POST", "/api/v1/student/deletion-request", map[string]string{})
		wantStatus(t, w, http.StatusAccepted)
		if r := decodeJSON[response](t, w); r.Status != server.DeletionPending || !strings.Contains(r.Message, "review period runs until 23 March 2026") || !strings.Contains(r.Message, " CET;") || strings.Contains(r.Message, "is active on one") {
			t.Errorf("response %+v", r)
		}
		wantStatus(t, e.as(c.a.token(), "GET", "/api/v1/student", nil), http.StatusOK)
	})
	// Evidence waits for review: a request the second the window closes is
	// pending, and so is one after a mark was set and lifted (with a
	// reason) inside the review period; after the period it is granted.
	t.Run("review period: pending, a lifted mark does not shorten it", func(t *testing.T) {
		e := newEnv(t)
		c := e.rightsCase(false)
		ask := func() *httptest.ResponseRecorder {
			return e.as(c.a.token(), "POST", "/api/v1/student/deletion-request", map[string]string{})
		}
		e.now = c.ex.End
		wantStatus(t, ask(), http.StatusAccepted)
		marks := "/api/v1/review/sessions/" + c.pa.policy.Session + "/marks"
		w := e.do("POST", marks, map[string]string{"kind": "suspected_fraud", "reason": "a second voice"}, true)
		wantStatus(t, w, http.StatusCreated)
		id := decodeJSON[server.Mark](t, w).ID
		e.now = c.ex.End.Add(10 * 24 * time.Hour)
		wantError(t, e.do("DELETE", marks+"/"+strconv.FormatInt(id, 10), map[string]string{}, true), http.StatusBadRequest, "reason_required")
		wantStatus(t, e.do("DELETE", marks+"/"+strconv.FormatInt(id, 10), map[string]string{"reason": "the invigilator spoke"}, true), http.StatusNoContent)
		e.now = c.ex.End.Add(15 * 24 * time.Hour)
		wantStatus(t, ask(), http.StatusAccepted)
		if rows := e.studentRows(c.a.ID, c.pa.policy.Session); rows["sessions"] != 1 || rows["events"] == 0 {
			t.Fatalf("evidence gone inside the review period: %v", rows)
		}
		e.now = server.DefaultRetention.ReviewEnds(c.ex.End)
		wantStatus(t, ask(), http.StatusOK)
	})
	t.Run("clean: granted", func(t *testing.T) {
		e := newEnv(t)
		c := e.rightsCase(false)
		wantStatus(t, e.as(c.a.token(), "POST", "/api/v1/student/objection", map[string]string{"reason": "no"}), http.StatusCreated)
		wantStatus(t, e.as(c.b.token(), "POST", "/api/v1/student/objection", map[string]string{"reason": "no"}), http.StatusCreated)
		before := e.studentRows(c.a.ID, c.pa.policy.Session)
		other := e.studentRows(c.b.ID, c.pb.policy.Session)
		for _, table := range []string{"students", "sessions", "summaries", "events", "notes", "views", "objections"} {
			if before[table] == 0 || other[table] == 0 {
				t.Fatalf("setup: no %s rows: %v %v", table, before, other)
			}
		}
		e.now = server.DefaultRetention.ReviewEnds(c.ex.End)
		w := e.as(c.a.token(), "POST", "/api/v1/student/deletion-request", map[string]string{"reason": "I left the university"})
		wantStatus(t, w, http.StatusOK)
		r := decodeJSON[response](t, w)
		if r.Status != server.DeletionGranted || !strings.Contains(r.Message, "no longer works") || r.Request.Reason != "" || r.Request.Deleted["sessions"] != 1 {
			t.Errorf("response %+v", r)
		}
		for table, n := range e.studentRows(c.a.ID, c.pa.policy.Session) {
			if n != 0 {
				t.Errorf("%d rows of a left in %s", n, table)
			}
		}
		after := e.studentRows(c.b.ID, c.pb.policy.Session)
		for table, n := range other {
			if after[table] != n {
				t.Errorf("b's %s: %d rows, were %d", table, after[table], n)
			}
		}
		wantError(t, e.as(c.a.token(), "GET", "/api/v1/student/export", nil), http.StatusUnauthorized, codeUnauthorized)
		wantStatus(t, e.as(c.b.token(), "GET", "/api/v1/student/export", nil), http.StatusOK)
		// The access log keeps its entries and records the deletion.
		if n := countRows(t, e.raw, "access_log WHERE action = ? AND subject LIKE ?", server.ActionDeleteStudent, "student "+c.a.ID+" %"); n != 1 {
			t.Errorf("%d deletion entries", n)
		}
	})
}

func TestDecideDeletionRequest(t *testing.T) {
	e := newEnv(t)
	c := e.rightsCase(true)
	e.now = c.ex.End.Add(time.Hour)
	wantStatus(t, e.as(c.a.token(), "POST", "/api/v1/student/deletion-request", map[string]string{"reason": "please"}), http.StatusAccepted)

	type item struct {
		Request server.DeletionRequest `json:"request"`
		Student *struct {
			StudentID string `json:"student_id"`
		}
		ActiveMarks  int  `json:"active_marks"`
		WindowClosed bool `json:"window_closed"`
	}
	list := func(q string) []item {
		w := e.do("GET", "/api/v1/deletion-requests"+q, nil, true)
		wantStatus(t, w, http.StatusOK)
		return decodeJSON[struct{ Requests []item }](t, w).Requests
	}
	items := list("")
	if len(items) != 1 || items[0].Student == nil || items[0].Student.StudentID != "s1" || items[0].ActiveMarks != 1 || !items[0].WindowClosed ||
		items[0].Request.Reason != "please" {
		t.Fatalf("pending %+v", items)
	}
	id := items[0].Request.ID
	if views := countRows(t, e.raw, "views WHERE student_id = ? AND what LIKE 'deletion request%'", c.a.ID); views != 1 {
		t.Errorf("reading the request logged %d views", views)
	}
	wantError(t, e.do("GET", "/api/v1/deletion-requests?status=maybe", nil, true), http.StatusBadRequest, wire.CodeInvalid)

	decide := "/api/v1/deletion-requests/" + jsonInt(id) + "/decision"
	for _, body := range []any{map[string]any{"grant": false}, map[string]any{"grant": true, "reason": " "}, map[string]any{"reason": "why"}} {
		wantError(t, e.do("POST", decide, body, true), http.StatusBadRequest, wire.CodeInvalid)
	}
	wantError(t, e.as(c.a.token(), "POST", decide, map[string]any{"grant": true, "reason": "myself"}), http.StatusUnauthorized, codeUnauthorized)
	wantError(t, e.do("POST", "/api/v1/deletion-requests/999/decision", map[string]any{"grant": true, "reason": "x"}, true), http.StatusNotFound, "not_found")
	if got := list(""); len(got) != 1 {
		t.Fatalf("refused decisions changed the request: %+v", got)
	}

	w := e.do("POST", decide, map[string]any{"grant": false, "reason": "The appeal is still running."}, true)
	wantStatus(t, w, http.StatusOK)
	if d := decodeJSON[server.DeletionRequest](t, w); d.Status != server.DeletionRefused || d.Decision != "The appeal is still running." || d.DecidedBy != adminTokenLabel {
		t.Errorf("decision %+v", d)
	}
	wantError(t, e.do("POST", decide, map[string]any{"grant": true, "reason": "x"}, true), http.StatusConflict, wire.CodeConflict)
	if len(list("")) != 0 || len(list("?status=refused")) != 1 || len(list("?status=all")) != 1 {
		t.Error("lists by status")
	}
	// The student sees the decision; the data is kept.
	doc := decodeJSON[exportDoc](t, e.as(c.a.token(), "GET", "/api/v1/student/export", nil))
	if len(doc.DeletionRequests) != 1 || doc.DeletionRequests[0].Status != server.DeletionRefused ||
		doc.DeletionRequests[0].Decision != "The appeal is still running." || len(doc.Sessions) != 1 {
		t.Errorf("export after refusal %+v", doc.DeletionRequests)
	}
	var reason string
	e.raw.QueryRow("SELECT reason FROM access_log WHERE action = ?", server.ActionRefuseDeletion).Scan(&reason)
	if reason != "The appeal is still running." {
		t.Errorf("logged reason %q", reason)
	}

	// Asked again, granted by the admin despite the mark.
	w = e.as(c.a.token(), "POST", "/api/v1/student/deletion-request", map[string]string{})
	wantStatus(t, w, http.StatusAccepted)
	id2 := list("")[0].Request.ID
	w = e.do("POST", "/api/v1/deletion-requests/"+jsonInt(id2)+"/decision", map[string]any{"grant": true, "reason": "Appeal withdrawn."}, true)
	wantStatus(t, w, http.StatusOK)
	if d := decodeJSON[server.DeletionRequest](t, w); d.Status != server.DeletionGranted || d.Deleted["marks"] != 1 {
		t.Errorf("grant %+v", d)
	}
	for table, n := range e.studentRows(c.a.ID, c.pa.policy.Session) {
		if n != 0 {
			t.Errorf("%d rows of a left in %s", n, table)
		}
	}
	if all := list("?status=all"); len(all) != 1 || all[0].Student != nil || all[0].Request.Status != server.DeletionGranted {
		t.Errorf("after the grant %+v", all)
	}
	wantError(t, e.as(c.a.token(), "GET", "/api/v1/student", nil), http.StatusUnauthorized, codeUnauthorized)
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
