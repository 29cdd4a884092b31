package httpapi

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const day = 24 * time.Hour

// examBody is a valid exam running from 5 minutes before t0 for two hours,
// announced 11 days before; change adjusts it.
func examBody(change func(b map[string]any)) map[string]any {
	b := map[string]any{
		"name":                    "Statistics 1",
		"course":                  "STAT101",
		"start":                   t0.Add(-5 * time.Minute).Format(time.RFC3339),
		"end":                     t0.Add(2 * time.Hour).Format(time.RFC3339),
		"announced":               t0.Add(-11 * day).Format(time.RFC3339),
		"legal_basis":             "Exam regulations art. 4.2",
		"alternatives_considered": "An oral exam on campus: not feasible for 400 students.",
		"alternative_exam":        "A written exam on campus the week after.",
		"url":                     "/sample-exam",
		"detectors": []wire.DetectorSetting{
			{Kind: wire.FaceAbsent}, {Kind: wire.MultipleFaces, ThresholdS: 5}, {Kind: wire.FocusLost}, {Kind: wire.Speech},
		},
	}
	if change != nil {
		change(b)
	}
	return b
}

func (e *env) createExam(change func(b map[string]any)) server.Exam {
	e.t.Helper()
	w := e.do("POST", "/api/v1/exams", examBody(change), true)
	wantStatus(e.t, w, http.StatusCreated)
	return decodeJSON[server.Exam](e.t, w)
}

func (e *env) csv(token, exam, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/api/v1/exams/"+exam+"/students", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+token)
	return serve(e.h, req)
}

type link struct {
	ID        string `json:"id"`
	StudentID string `json:"student_id"`
	Email     string `json:"email"`
	Link      string `json:"link"`
}

func (l link) token() string { return strings.TrimPrefix(l.Link, "/exam#access=") }

func (e *env) importStudents(exam string, lines ...string) []link {
	e.t.Helper()
	w := e.csv(adminToken, exam, strings.Join(lines, "\n")+"\n")
	wantStatus(e.t, w, http.StatusCreated)
	return decodeJSON[struct{ Students []link }](e.t, w).Students
}

// examRows counts what the exam API writes.
func (e *env) examRows() map[string]int {
	e.t.Helper()
	n := map[string]int{}
	for _, table := range []string{"exams", "students", "sessions", "summaries", "events", "marks", "notes", "views", "reviewers"} {
		n[table] = countRows(e.t, e.raw, table)
	}
	var seq, finished, receipts int
	if err := e.raw.QueryRow("SELECT coalesce(sum(last_seq), 0), count(finished_ms), count(receipt) FROM sessions").Scan(&seq, &finished, &receipts); err != nil {
		e.t.Fatal(err)
	}
	n["last_seq"], n["finished"], n["receipts"] = seq, finished, receipts
	return n
}

// proctor is a browser session whose key the test holds.
type proctor struct {
	e      *env
	priv   ed25519.PrivateKey
	policy wire.Policy
	build  string
}

var testBuild = strings.Repeat("ab", 32)

func precheck(faceFound bool) wire.Precheck {
	p := wire.Precheck{Camera: true, FaceFound: faceFound, Baseline: 80, Frames: 30, FaceFrames: 30}
	if !faceFound {
		p.Baseline, p.FaceFrames = 0, 3
	}
	return p
}

func (e *env) startRequest(pub ed25519.PublicKey, faceFound bool) wire.StartRequest {
	return wire.StartRequest{PublicKey: base64.StdEncoding.EncodeToString(pub), Build: testBuild, Precheck: precheck(faceFound)}
}

// start chooses the proctored exam and starts a session.
func (e *env) start(token string, faceFound bool) *proctor {
	e.t.Helper()
	wantStatus(e.t, e.as(token, "POST", "/api/v1/student/choice", map[string]string{"choice": "proctored"}), http.StatusOK)
	pub, priv, _ := ed25519.GenerateKey(nil)
	w := e.as(token, "POST", "/api/v1/student/sessions", e.startRequest(pub, faceFound))
	wantStatus(e.t, w, http.StatusCreated)
	p := &proctor{e: e, priv: priv, policy: decodeJSON[wire.Policy](e.t, w), build: testBuild}
	if !strings.HasPrefix(p.policy.Session, "s-") {
		e.t.Fatalf("policy %+v has no session", p.policy)
	}
	return p
}

// summary covers the 30 s from from.
func (p *proctor) summary(seq int64, prev string, from time.Time, events ...wire.Event) wire.Summary {
	if events == nil {
		events = []wire.Event{}
	}
	return wire.Summary{Session: p.policy.Session, Seq: seq, Prev: prev, Build: p.build,
		Window: wire.Window{From: from.UnixMilli(), To: from.Add(30 * time.Second).UnixMilli()},
		Events: events, Health: wire.Health{Frames: 450, FPS: 15}}
}

func (p *proctor) send(s wire.SignedSummary) *httptest.ResponseRecorder {
	return p.e.do("POST", "/api/v1/summaries", s, false)
}

// wantDuplicate sends s again: it is acknowledged as stored before.
func (p *proctor) wantDuplicate(t testing.TB, s wire.Summary) {
	t.Helper()
	w := p.send(s.Sign(p.priv))
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[map[string]any](t, w); got["result"] != "duplicate" {
		t.Errorf("resend of seq %d: %v", s.Seq, got)
	}
}

func (p *proctor) finish(seq int64, head string) *httptest.ResponseRecorder {
	f := wire.Finish{Session: p.policy.Session, Seq: seq, Head: head, At: p.e.now.UnixMilli()}.Sign(p.priv)
	return p.e.do("POST", "/api/v1/sessions/"+p.policy.Session+"/finish", f, false)
}

func event(k wire.Kind, from, to time.Duration) wire.Event {
	return wire.Event{Kind: k, Start: t0.Add(from).UnixMilli(), End: t0.Add(to).UnixMilli(), Peak: 1}
}

func TestExamNoticeRule(t *testing.T) {
	e := newEnv(t)
	short := func(b map[string]any) { b["announced"] = t0.Add(-9 * day).Format(time.RFC3339) }

	before := e.examRows()
	wantError(t, e.do("POST", "/api/v1/exams", examBody(short), true), http.StatusUnprocessableEntity, "notice_too_short")
	if after := e.examRows(); !reflect.DeepEqual(before, after) {
		t.Errorf("refused exam stored: %v → %v", before, after)
	}

	// A recorded crisis reason allows short notice.
	crisis := e.createExam(func(b map[string]any) { short(b); b["crisis"] = "Campus closed by the municipality" })
	if crisis.Crisis != "Campus closed by the municipality" {
		t.Errorf("crisis %q", crisis.Crisis)
	}
	// Exactly 10 days is enough; no detectors needs no notice at all.
	e.createExam(func(b map[string]any) { b["announced"] = t0.Add(-5*time.Minute - 10*day).Format(time.RFC3339) })
	e.createExam(func(b map[string]any) { short(b); b["detectors"] = []wire.DetectorSetting{} })

	// Editing an exam applies the rule too, and a refusal changes nothing.
	ex := e.createExam(nil)
	wantError(t, e.do("PUT", "/api/v1/exams/"+ex.ID, examBody(short), true), http.StatusUnprocessableEntity, "notice_too_short")
	w := e.do("GET", "/api/v1/exams/"+ex.ID, nil, true)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[server.Exam](t, w); !got.Announced.Equal(t0.Add(-11 * day)) {
		t.Errorf("announced changed to %v by a refused update", got.Announced)
	}
	w = e.do("PUT", "/api/v1/exams/"+ex.ID, examBody(func(b map[string]any) { b["name"] = "Statistics 2" }), true)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[server.Exam](t, w); got.Name != "Statistics 2" || got.ID != ex.ID || !got.Created.Equal(ex.Created) {
		t.Errorf("updated exam %+v", got)
	}
	wantError(t, e.do("PUT", "/api/v1/exams/e-nope", examBody(nil), true), http.StatusNotFound, "not_found")
}

func TestExamValidation(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	if ex.IntervalS != 30 || !strings.HasPrefix(ex.ID, "e-") || !ex.Created.Equal(t0) {
		t.Errorf("defaults: %+v", ex)
	}
	// Thresholds default from the catalogue; instant kinds have none.
	want := []wire.DetectorSetting{{Kind: wire.FaceAbsent, ThresholdS: 10}, {Kind: wire.MultipleFaces, ThresholdS: 5}, {Kind: wire.FocusLost}, {Kind: wire.Speech, ThresholdS: 5}}
	if !reflect.DeepEqual(ex.Detectors, want) {
		t.Errorf("detectors %+v", ex.Detectors)
	}
	e.createExam(func(b map[string]any) { b["url"] = frameOrigin + "/exams/42?x=1" })
	e.createExam(func(b map[string]any) { b["url"] = "" })

	w := e.do("GET", "/api/v1/exams", nil, true)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[[]server.Exam](t, w); len(got) != 3 {
		t.Errorf("%d exams listed", len(got))
	}

	before := e.examRows()
	for name, c := range map[string]struct {
		change func(b map[string]any)
		field  string // in the message
	}{
		"no legal basis":    {func(b map[string]any) { delete(b, "legal_basis") }, "legal_basis"},
		"no alternatives":   {func(b map[string]any) { b["alternatives_considered"] = "  " }, "alternatives_considered"},
		"no announcement":   {func(b map[string]any) { delete(b, "announced") }, "announced"},
		"end before start":  {func(b map[string]any) { b["end"] = t0.Add(-time.Hour).Format(time.RFC3339) }, "end"},
		"interval":          {func(b map[string]any) { b["interval_s"] = 4 }, "interval_s"},
		"unknown detector":  {func(b map[string]any) { b["detectors"] = []map[string]any{{"kind": "mood"}} }, "catalogue"},
		"integrity enabled": {func(b map[string]any) { b["detectors"] = []map[string]any{{"kind": "camera_lost"}} }, "catalogue"},
		"threshold":         {func(b map[string]any) { b["detectors"] = []map[string]any{{"kind": "face_absent", "threshold_s": 500}} }, "threshold_s"},
		"formula name":      {func(b map[string]any) { b["name"] = "=HYPERLINK(1)" }, "name"},
		"http url":          {func(b map[string]any) { b["url"] = "http://exams.example.org/x" }, "url"},
		"other origin":      {func(b map[string]any) { b["url"] = "https://evil.example/x" }, "url"},
		"scheme-relative":   {func(b map[string]any) { b["url"] = "//evil.example/x" }, "url"},
		"javascript url":    {func(b map[string]any) { b["url"] = "javascript:alert(1)" }, "url"},
		"long text":         {func(b map[string]any) { b["legal_basis"] = strings.Repeat("x", 2001) }, "legal_basis"},
		"future announcement": {func(b map[string]any) {
			b["start"], b["end"] = t0.Add(3*day).Format(time.RFC3339), t0.Add(3*day+time.Hour).Format(time.RFC3339)
			b["announced"], b["crisis"] = t0.Add(day).Format(time.RFC3339), "a crisis does not make a future announcement true"
		}, "later than today"},
	} {
		w := e.do("POST", "/api/v1/exams", examBody(c.change), true)
		wantError(t, w, http.StatusBadRequest, wire.CodeInvalid)
		if msg := decodeJSON[wire.Error](t, w).Message; !strings.Contains(msg, c.field) {
			t.Errorf("%s: message %q does not name %s", name, msg, c.field)
		}
	}
	wantError(t, e.do("POST", "/api/v1/exams", examBody(func(b map[string]any) { b["bonus"] = 1 }), true), http.StatusBadRequest, wire.CodeMalformed)
	// A date alone, or a time without its offset, is refused in words that
	// name the format, not with Go's parse error.
	for _, bad := range []any{"2026-12-01", "2026-12-01T09:00:00", "1 December 2026", 1764576000000} {
		w := e.do("POST", "/api/v1/exams", examBody(func(b map[string]any) { b["announced"] = bad }), true)
		wantError(t, w, http.StatusBadRequest, wire.CodeMalformed)
		if msg := decodeJSON[wire.Error](t, w).Message; !strings.Contains(msg, "RFC 3339") || !strings.Contains(msg, "2026-06-01T09:00:00+02:00") || strings.Contains(msg, "cannot parse") {
			t.Errorf("announced %v: message %q does not say which format is expected", bad, msg)
		}
	}
	wantError(t, e.do("POST", "/api/v1/exams", examBody(func(b map[string]any) { b["alternatives_considered"] = strings.Repeat("x", 70<<10) }), true),
		http.StatusRequestEntityTooLarge, wire.CodeTooLarge)
	if after := e.examRows(); !reflect.DeepEqual(before, after) {
		t.Errorf("rejected exams stored: %v → %v", before, after)
	}
	// Today is fine: an exam announced this morning with a crisis recorded.
	e.createExam(func(b map[string]any) {
		b["announced"], b["crisis"] = t0.Add(-10*time.Minute).Format(time.RFC3339), "flooding"
	})
}

func TestStudentsImport(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	links := e.importStudents(ex.ID, "\ufeffstudent_id,email", "s1001,ann@example.edu", " s1002 , bob@example.edu")
	if len(links) != 2 || links[0].StudentID != "s1001" || links[1].StudentID != "s1002" || links[1].Email != "bob@example.edu" {
		t.Fatalf("links %+v", links)
	}
	for _, l := range links {
		tok := l.token()
		if len(tok) != 32 || strings.Trim(tok, "0123456789abcdef") != "" {
			t.Errorf("token %q is not 32 hex digits", tok)
		}
		// Only the token's hash is stored.
		var stored string
		if err := e.raw.QueryRow("SELECT token_hash FROM students WHERE id = ?", l.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256([]byte(tok)); stored != hex.EncodeToString(sum[:]) {
			t.Errorf("stored %q, want the token's SHA-256", stored)
		}
		// The link opens the exam.
		wantStatus(t, e.as(tok, "GET", "/api/v1/student", nil), http.StatusOK)
	}

	before := e.examRows()
	for name, c := range map[string]struct {
		csv  string
		line string // named in the message
	}{
		"bad email":      {"s2001,a@example.edu\ns2002,not-an-email\n", "line 2"},
		"display name":   {"s2001,Ann <a@example.edu>\n", "line 1"},
		"no domain":      {"student_id,email\ns2001,a@localhost\n", "line 2"},
		"formula":        {"s2001,a@example.edu\n\n=cmd|' /C calc'!A0,b@example.edu\n", "line 3"},
		"formula email":  {"s2001,+1@example.edu\n", "line 1"},
		"three fields":   {"s2001,a@example.edu,x\n", "line 1"},
		"duplicate":      {"s2001,a@example.edu\ns2002,b@example.edu\ns2001,c@example.edu\n", "line 3"},
		"already there":  {"s2001,a@example.edu\ns1002,b@example.edu\n", "line 2"},
		"quote":          {"s2001,a@example.edu\n\"s2002,b@example.edu\n", "line 2"},
		"empty":          {"student_id,email\n", "no students"},
		"control":        {"s20\x0101,a@example.edu\n", "line 1"},
		"long student":   {strings.Repeat("x", 65) + ",a@example.edu\n", "line 1"},
		"leading hyphen": {"-2001,a@example.edu\n", "line 1"},
	} {
		w := e.csv(adminToken, ex.ID, c.csv)
		wantError(t, w, http.StatusBadRequest, wire.CodeInvalid)
		if msg := decodeJSON[wire.Error](t, w).Message; !strings.Contains(msg, c.line) {
			t.Errorf("%s: message %q does not name %q", name, msg, c.line)
		}
	}
	req := httptest.NewRequest("POST", "/api/v1/exams/"+ex.ID+"/students", strings.NewReader(`[{"student_id":"x"}]`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken)
	wantError(t, serve(e.h, req), http.StatusUnsupportedMediaType, wire.CodeMalformed)
	big := strings.Repeat("s9999999,someone.with.a.long.name@example.edu\n", 6000)
	wantError(t, e.csv(adminToken, ex.ID, big), http.StatusRequestEntityTooLarge, wire.CodeTooLarge)
	wantError(t, e.csv(adminToken, "e-nope", "s1,a@example.edu\n"), http.StatusNotFound, "not_found")
	if after := e.examRows(); !reflect.DeepEqual(before, after) {
		t.Errorf("a rejected import stored something: %v → %v", before, after)
	}
}

func kinds(p wire.Policy) []wire.Kind {
	var ks []wire.Kind
	for _, d := range p.Detectors {
		ks = append(ks, d.Kind)
	}
	return ks
}

func TestAccommodations(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	links := e.importStudents(ex.ID, "s1,a@example.edu", "s2,b@example.edu")
	a, b := links[0], links[1]

	w := e.do("PUT", "/api/v1/students/"+a.ID+"/accommodations", map[string]any{"off": []wire.Kind{wire.Speech, wire.MultipleFaces}}, true)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[server.Student](t, w); !reflect.DeepEqual(got.Off, []wire.Kind{wire.Speech, wire.MultipleFaces}) || got.ID != a.ID {
		t.Errorf("student %+v", got)
	}
	for _, off := range [][]wire.Kind{{wire.CameraLost}, {"mood"}, {wire.Speech, wire.Speech}} {
		wantError(t, e.do("PUT", "/api/v1/students/"+a.ID+"/accommodations", map[string]any{"off": off}, true), http.StatusBadRequest, wire.CodeInvalid)
	}
	wantError(t, e.do("PUT", "/api/v1/students/st-nope/accommodations", map[string]any{"off": []wire.Kind{}}, true), http.StatusNotFound, "not_found")

	// The transparency screen and the session get the student's policy.
	info := decodeJSON[wire.StudentInfo](t, e.as(a.token(), "GET", "/api/v1/student", nil))
	if got := kinds(info.Policy); !reflect.DeepEqual(got, []wire.Kind{wire.FaceAbsent, wire.FocusLost}) {
		t.Errorf("a's policy %v", got)
	}
	if info.Retention.Days != 45 || info.Retention.MarkedMonths != 6 || info.Objection != "" ||
		info.Exam.URL != "/sample-exam" || info.Student.StudentID != "s1" || info.Policy.From != ex.Start.UnixMilli() || info.Policy.IntervalS != 30 {
		t.Errorf("student info %+v", info)
	}
	info = decodeJSON[wire.StudentInfo](t, e.as(b.token(), "GET", "/api/v1/student", nil))
	if got := kinds(info.Policy); len(got) != 4 {
		t.Errorf("b's policy %v", got)
	}

	p := e.start(a.token(), true)
	if got := kinds(p.policy); !reflect.DeepEqual(got, []wire.Kind{wire.FaceAbsent, wire.FocusLost}) {
		t.Errorf("session policy %v", got)
	}
	// The server holds the browser to it.
	before := e.examRows()
	s := p.summary(1, wire.Genesis, t0, event(wire.Speech, 5*time.Second, 12*time.Second))
	wantError(t, p.send(s.Sign(p.priv)), http.StatusUnprocessableEntity, wire.CodeKindNotAllowed)
	if after := e.examRows(); !reflect.DeepEqual(before, after) {
		t.Errorf("stored: %v → %v", before, after)
	}
	// Integrity kinds are always allowed.
	s = p.summary(1, wire.Genesis, t0, event(wire.FocusLost, 5*time.Second, 12*time.Second), event(wire.ClockSkew, 3*time.Second, 3*time.Second))
	wantStatus(t, p.send(s.Sign(p.priv)), http.StatusOK)

	// The reviewer sees the accommodations.
	rows := decodeJSON[[]reviewRow](t, e.do("GET", "/api/v1/review/exams/"+ex.ID+"/sessions", nil, true))
	if len(rows) != 2 || !reflect.DeepEqual(rows[0].Student.Accommodations, []wire.Kind{wire.Speech, wire.MultipleFaces}) || len(rows[1].Student.Accommodations) != 0 {
		t.Errorf("review rows %+v", rows)
	}
}

type reviewRow struct {
	Student struct {
		ID             string        `json:"id"`
		StudentID      string        `json:"student_id"`
		Email          string        `json:"email"`
		Choice         server.Choice `json:"choice"`
		Accommodations []wire.Kind   `json:"accommodations"`
	} `json:"student"`
	Sessions []struct {
		ID             string              `json:"id"`
		Build          string              `json:"build"`
		PublishedBuild bool                `json:"published_build"`
		Unreliable     bool                `json:"unreliable"`
		Counts         map[wire.Kind]int64 `json:"counts"`
		Marks          []server.Mark       `json:"marks"`
	} `json:"sessions"`
}

func TestAlternativeChoice(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	l := e.importStudents(ex.ID, "s1,a@example.edu")[0]
	pub, _, _ := ed25519.GenerateKey(nil)

	// Without a choice, no session.
	wantError(t, e.as(l.token(), "POST", "/api/v1/student/sessions", e.startRequest(pub, true)), http.StatusConflict, "no_choice")

	wantError(t, e.as(l.token(), "POST", "/api/v1/student/choice", map[string]string{"choice": "maybe"}), http.StatusBadRequest, wire.CodeInvalid)
	e.now = t0.Add(-time.Hour)
	w := e.as(l.token(), "POST", "/api/v1/student/choice", map[string]string{"choice": "alternative"})
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[map[string]string](t, w); got["choice"] != "alternative" || got["student_id"] != "s1" || got["id"] != l.ID {
		t.Errorf("choice answer %v", got)
	}
	e.now = t0
	before := e.examRows()
	wantError(t, e.as(l.token(), "POST", "/api/v1/student/sessions", e.startRequest(pub, true)), http.StatusConflict, "no_choice")
	if after := e.examRows(); after["sessions"] != 0 || !reflect.DeepEqual(before, after) {
		t.Errorf("a session was stored: %v", after)
	}

	// The choice is recorded, with its time, for the reviewer and the student.
	var choice string
	var at int64
	if err := e.raw.QueryRow("SELECT choice, choice_ms FROM students WHERE id = ?", l.ID).Scan(&choice, &at); err != nil {
		t.Fatal(err)
	}
	if choice != "alternative" || at != t0.Add(-time.Hour).UnixMilli() {
		t.Errorf("stored choice %q at %d", choice, at)
	}
	rows := decodeJSON[[]reviewRow](t, e.do("GET", "/api/v1/review/exams/"+ex.ID+"/sessions", nil, true))
	if len(rows) != 1 || rows[0].Student.Choice != server.ChoiceAlternative || len(rows[0].Sessions) != 0 {
		t.Errorf("review rows %+v", rows)
	}
	if info := decodeJSON[wire.StudentInfo](t, e.as(l.token(), "GET", "/api/v1/student", nil)); info.Student.Choice != string(server.ChoiceAlternative) || len(info.Sessions) != 0 {
		t.Errorf("student info %+v", info)
	}
}

func TestStartOutsideWindow(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	l := e.importStudents(ex.ID, "s1,a@example.edu")[0]
	wantStatus(t, e.as(l.token(), "POST", "/api/v1/student/choice", map[string]string{"choice": "proctored"}), http.StatusOK)
	pub, _, _ := ed25519.GenerateKey(nil)
	for _, now := range []time.Time{ex.Start.Add(-31 * time.Minute), ex.End} {
		e.now = now
		wantError(t, e.as(l.token(), "POST", "/api/v1/student/sessions", e.startRequest(pub, true)), http.StatusUnprocessableEntity, wire.CodeOutsideWindow)
	}
	e.now = ex.Start.Add(-29 * time.Minute)
	wantStatus(t, e.as(l.token(), "POST", "/api/v1/student/sessions", e.startRequest(pub, true)), http.StatusCreated)
	// A bad key or build is refused before anything is stored.
	bad := e.startRequest(pub, true)
	bad.PublicKey = base64.StdEncoding.EncodeToString(pub[:31])
	wantError(t, e.as(l.token(), "POST", "/api/v1/student/sessions", bad), http.StatusBadRequest, wire.CodeInvalid)
	if n := e.examRows()["sessions"]; n != 1 {
		t.Errorf("%d sessions", n)
	}
}

// TestSession runs a whole session: summaries stored, every kind of bad
// summary refused with nothing stored, finish and a receipt that verifies
// with the published key.
func TestSession(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	links := e.importStudents(ex.ID, "s1,a@example.edu", "s2,b@example.edu")
	p := e.start(links[0].token(), true)
	other := e.start(links[1].token(), true)
	if got := kinds(p.policy); len(got) != 4 || p.policy.From != ex.Start.UnixMilli() || p.policy.To != ex.End.UnixMilli() || p.policy.IntervalS != 30 {
		t.Fatalf("policy %+v", p.policy)
	}

	// face_absent runs across the first window's end: two pieces, one event.
	s1 := p.summary(1, wire.Genesis, t0, event(wire.FaceAbsent, 18*time.Second, 30*time.Second))
	s2 := p.summary(2, s1.Hash(), t0.Add(30*time.Second), event(wire.FaceAbsent, 30*time.Second, 45*time.Second))
	s3 := p.summary(3, s2.Hash(), t0.Add(60*time.Second), event(wire.FocusLost, 70*time.Second, 75*time.Second),
		event(wire.PageReloaded, 61*time.Second, 61*time.Second))
	for _, s := range []wire.Summary{s1, s2, s3} {
		w := p.send(s.Sign(p.priv))
		wantStatus(t, w, http.StatusOK)
		if got := decodeJSON[map[string]any](t, w); got["result"] != "stored" || got["seq"] != float64(s.Seq) {
			t.Errorf("seq %d: %v", s.Seq, got)
		}
	}
	stored := e.examRows()
	if stored["summaries"] != 3 || stored["last_seq"] != 3 {
		t.Fatalf("rows %v", stored)
	}

	// A resend is acknowledged again and stores nothing.
	p.wantDuplicate(t, s2)

	s4 := p.summary(4, s3.Hash(), t0.Add(90*time.Second), event(wire.MultipleFaces, 95*time.Second, 100*time.Second))
	tampered := s4.Sign(p.priv)
	tampered.Summary.Events[0].End += 1000
	otherKey := s4.Sign(other.priv)
	wrongPrev := s4
	wrongPrev.Prev = s2.Hash()
	gap := s4
	gap.Seq = 5
	speech := p.summary(4, s3.Hash(), t0.Add(90*time.Second), event(wire.Speech, 95*time.Second, 100*time.Second))
	speech.Events[0].Kind = wire.LookingAway // not in the exam's policy
	late := p.summary(4, s3.Hash(), ex.End.Add(31*time.Minute))
	early := p.summary(4, s3.Hash(), ex.Start.Add(-31*time.Minute))
	replay := p.summary(2, s1.Hash(), t0.Add(30*time.Second)) // seq 2 again, other content
	unknown := s4
	unknown.Session = "s-0000000000000000"
	oversized, _ := json.Marshal(s4.Sign(p.priv))
	oversized = append(oversized, bytes.Repeat([]byte(" "), wire.MaxBodyBytes)...)

	for name, c := range map[string]struct {
		body   any
		status int
		code   string
	}{
		"tampered":          {tampered, http.StatusUnauthorized, wire.CodeBadSignature},
		"another's key":     {otherKey, http.StatusUnauthorized, wire.CodeBadSignature},
		"broken chain":      {wrongPrev.Sign(p.priv), http.StatusConflict, wire.CodeChainBroken},
		"gap":               {gap.Sign(p.priv), http.StatusConflict, wire.CodeChainBroken},
		"kind outside":      {speech.Sign(p.priv), http.StatusUnprocessableEntity, wire.CodeKindNotAllowed},
		"after the window":  {late.Sign(p.priv), http.StatusUnprocessableEntity, wire.CodeOutsideWindow},
		"before the window": {early.Sign(p.priv), http.StatusUnprocessableEntity, wire.CodeOutsideWindow},
		"replayed seq":      {replay.Sign(p.priv), http.StatusConflict, wire.CodeConflict},
		"unknown session":   {unknown.Sign(p.priv), http.StatusNotFound, wire.CodeUnknownSession},
		"oversized":         {string(oversized), http.StatusRequestEntityTooLarge, wire.CodeTooLarge},
		"malformed":         {`{"summary":`, http.StatusBadRequest, wire.CodeMalformed},
		"unknown field":     {`{"summary":{},"sig":"","image":"..."}`, http.StatusBadRequest, wire.CodeMalformed},
	} {
		w := e.do("POST", "/api/v1/summaries", c.body, false)
		if w.Code != c.status {
			t.Errorf("%s: status %d, want %d: %s", name, w.Code, c.status, w.Body.String())
			continue
		}
		wantError(t, w, c.status, c.code)
		if after := e.examRows(); !reflect.DeepEqual(stored, after) {
			t.Errorf("%s stored something: %v → %v", name, stored, after)
		}
	}

	// Finish names what the browser holds; the server must hold the same.
	wantError(t, p.finish(2, s2.Hash()), http.StatusConflict, wire.CodeChainBroken)
	wantError(t, p.finish(3, s2.Hash()), http.StatusConflict, wire.CodeChainBroken)
	f := wire.Finish{Session: p.policy.Session, Seq: 3, Head: s3.Hash(), At: t0.UnixMilli()}
	wantError(t, e.do("POST", "/api/v1/sessions/"+p.policy.Session+"/finish", f.Sign(other.priv), false), http.StatusUnauthorized, wire.CodeBadSignature)
	wantError(t, e.do("POST", "/api/v1/sessions/"+other.policy.Session+"/finish", f.Sign(p.priv), false), http.StatusBadRequest, wire.CodeInvalid)
	if after := e.examRows(); !reflect.DeepEqual(stored, after) {
		t.Errorf("refused finish stored something: %v → %v", stored, after)
	}

	e.now = t0.Add(2 * time.Minute)
	w := p.finish(3, s3.Hash())
	wantStatus(t, w, http.StatusOK)
	receipt := decodeJSON[wire.SignedReceipt](t, w)
	published := decodeJSON[map[string]string](t, e.do("GET", "/api/v1/receipt-key", nil, false))["key"]
	key, err := base64.StdEncoding.DecodeString(published)
	if err != nil {
		t.Fatal(err)
	}
	if err := receipt.Verify(key); err != nil {
		t.Errorf("receipt does not verify with the published key: %v", err)
	}
	want := wire.Receipt{Session: p.policy.Session, Exam: ex.ID, LastSeq: 3, Head: s3.Hash(),
		Counts: map[wire.Kind]int64{wire.FaceAbsent: 1, wire.FocusLost: 1, wire.PageReloaded: 1}, Issued: e.now.UnixMilli()}
	if !reflect.DeepEqual(receipt.Receipt, want) {
		t.Errorf("receipt %+v, want %+v", receipt.Receipt, want)
	}
	tamperedReceipt := receipt
	tamperedReceipt.Receipt.Counts = map[wire.Kind]int64{wire.PageReloaded: 1}
	if tamperedReceipt.Verify(key) == nil {
		t.Error("a tampered receipt verifies")
	}

	// Finishing again answers the same receipt; nothing more is accepted.
	e.now = t0.Add(3 * time.Minute)
	w = p.finish(3, s3.Hash())
	wantStatus(t, w, http.StatusOK)
	if again := decodeJSON[wire.SignedReceipt](t, w); !reflect.DeepEqual(again, receipt) {
		t.Errorf("second finish answered %+v", again)
	}
	finished := e.examRows()
	if finished["finished"] != 1 || finished["receipts"] != 1 {
		t.Errorf("rows after finish %v", finished)
	}
	wantError(t, p.send(s4.Sign(p.priv)), http.StatusConflict, wire.CodeFinished)
	if after := e.examRows(); !reflect.DeepEqual(finished, after) {
		t.Errorf("summary after finish stored: %v → %v", finished, after)
	}

	// A session without summaries finishes at the genesis head.
	w = other.finish(0, wire.Genesis)
	wantStatus(t, w, http.StatusOK)
	if r := decodeJSON[wire.SignedReceipt](t, w); r.Receipt.LastSeq != 0 || r.Receipt.Head != wire.Genesis || len(r.Receipt.Counts) != 0 || r.Verify(key) != nil {
		t.Errorf("empty session's receipt %+v", r)
	}
}

func TestReview(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	// Imported out of order: the review sorts by student number.
	links := e.importStudents(ex.ID, "s3,c@example.edu", "s1,a@example.edu", "s2,b@example.edu")
	p := e.start(links[1].token(), false) // the pre-check did not find s1's face
	s1 := p.summary(1, wire.Genesis, t0, event(wire.FaceAbsent, 18*time.Second, 30*time.Second))
	s2 := p.summary(2, s1.Hash(), t0.Add(30*time.Second), event(wire.FaceAbsent, 30*time.Second, 45*time.Second), event(wire.FocusLost, 50*time.Second, 52*time.Second))
	for _, s := range []wire.Summary{s1, s2} {
		wantStatus(t, p.send(s.Sign(p.priv)), http.StatusOK)
	}

	w := e.do("POST", "/api/v1/reviewers", map[string]string{"name": "Dr. Jansen"}, true)
	wantStatus(t, w, http.StatusCreated)
	created := decodeJSON[struct {
		Reviewer server.Reviewer `json:"reviewer"`
		Token    string          `json:"token"`
	}](t, w)
	rev := created.Token
	if created.Reviewer.Name != "Dr. Jansen" || !strings.HasPrefix(created.Reviewer.ID, "r-") || len(rev) != 32 {
		t.Fatalf("reviewer %+v", created)
	}
	e.assign(ex.ID, created.Reviewer.ID)

	w = e.as(rev, "GET", "/api/v1/review/exams", nil)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[[]server.Exam](t, w); len(got) != 1 || got[0].ID != ex.ID {
		t.Errorf("review exams %+v", got)
	}
	if n := e.examRows()["views"]; n != 0 {
		t.Errorf("listing exams logged %d views", n)
	}

	// The sessions list: every student, by student number, one view each.
	w = e.as(rev, "GET", "/api/v1/review/exams/"+ex.ID+"/sessions", nil)
	wantStatus(t, w, http.StatusOK)
	rows := decodeJSON[[]reviewRow](t, w)
	var order []string
	for _, r := range rows {
		order = append(order, r.Student.StudentID)
	}
	if strings.Join(order, ",") != "s1,s2,s3" {
		t.Fatalf("rows in order %v", order)
	}
	if s := rows[0].Sessions; len(s) != 1 || s[0].ID != p.policy.Session || !s[0].Unreliable ||
		!reflect.DeepEqual(s[0].Counts, map[wire.Kind]int64{wire.FaceAbsent: 1, wire.FocusLost: 1}) || s[0].Marks == nil {
		t.Errorf("s1's sessions %+v", s)
	}
	// The list says which build each session ran: the test client is not
	// the one this server publishes.
	if s := rows[0].Sessions; len(s) != 1 || s[0].Build != testBuild || s[0].PublishedBuild {
		t.Errorf("s1's session build %+v, want %s, not the published %s", s, testBuild, examBuild(t))
	}
	// Refreshing the list a few minutes later logs nothing new; ten
	// minutes after the first look it is a new view.
	e.now = e.now.Add(3 * time.Minute)
	wantStatus(t, e.as(rev, "GET", "/api/v1/review/exams/"+ex.ID+"/sessions", nil), http.StatusOK)
	if n := e.examRows()["views"]; n != 3 {
		t.Errorf("a refresh within 10 minutes logged views: %d, want 3", n)
	}
	if strings.Contains(w.Body.String(), "score") || strings.Contains(w.Body.String(), "rank") {
		t.Errorf("the list scores or ranks: %s", w.Body.String())
	}
	var views []struct{ Student, Who, What string }
	q, err := e.raw.Query("SELECT student_id, who, what FROM views ORDER BY student_id")
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var v struct{ Student, Who, What string }
		q.Scan(&v.Student, &v.Who, &v.What)
		views = append(views, v)
	}
	q.Close()
	if len(views) != 3 {
		t.Fatalf("views %+v", views)
	}
	e.now = e.now.Add(-3 * time.Minute)
	for _, v := range views {
		if v.Who != "Dr. Jansen" || !strings.Contains(v.What, ex.ID) {
			t.Errorf("view %+v", v)
		}
	}

	// One session, read with the admin token: logged as admin.
	w = e.do("GET", "/api/v1/review/sessions/"+p.policy.Session, nil, true)
	wantStatus(t, w, http.StatusOK)
	d := decodeJSON[sessionDetail](t, w)
	wantEvents := []wire.Event{event(wire.FaceAbsent, 18*time.Second, 45*time.Second), event(wire.FocusLost, 50*time.Second, 52*time.Second)}
	if !reflect.DeepEqual(d.Events, wantEvents) || d.Summaries != 2 || d.Exam.ID != ex.ID || d.Session.Build != testBuild || d.Session.LastSeq != 2 {
		t.Errorf("session detail %+v", d)
	}
	if d.PublishedBuild != examBuild(t) {
		t.Errorf("published build %q", d.PublishedBuild)
	}
	if len(d.Views) != 2 || d.Views[len(d.Views)-1].Who != adminTokenLabel || d.Views[len(d.Views)-1].Kind != server.ActorAdminToken || !strings.Contains(d.Views[len(d.Views)-1].What, p.policy.Session) {
		t.Errorf("views %+v", d.Views)
	}
	wantError(t, e.as(rev, "GET", "/api/v1/review/sessions/s-0000000000000000", nil), http.StatusNotFound, wire.CodeUnknownSession)

	// Timeline, note and marks.
	w = e.as(rev, "GET", "/api/v1/review/sessions/"+p.policy.Session+"/timeline.svg", nil)
	wantStatus(t, w, http.StatusOK)
	svg := w.Body.String()
	if w.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, `data-kind="face_absent" data-start="`) ||
		!strings.Contains(svg, "unreliable for this session") {
		t.Errorf("timeline %s: %s", w.Header().Get("Content-Type"), svg)
	}
	w = e.as(rev, "POST", "/api/v1/review/sessions/"+p.policy.Session+"/notes", map[string]string{"text": "Secret: check the webcam angle"})
	wantStatus(t, w, http.StatusCreated)
	if n := decodeJSON[server.Note](t, w); n.By != "Dr. Jansen" || n.Session != p.policy.Session || !n.At.Equal(t0) {
		t.Errorf("note %+v", n)
	}
	wantError(t, e.as(rev, "POST", "/api/v1/review/sessions/"+p.policy.Session+"/notes", map[string]string{"text": " "}), http.StatusBadRequest, wire.CodeInvalid)
	w = e.as(rev, "POST", "/api/v1/review/sessions/"+p.policy.Session+"/marks", map[string]string{"kind": "suspected_fraud", "reason": "a second voice for minutes"})
	wantStatus(t, w, http.StatusCreated)
	fraud := decodeJSON[server.Mark](t, w)
	if fraud.Kind != server.MarkFraud || fraud.By != "Dr. Jansen" || fraud.Reason != "a second voice for minutes" {
		t.Errorf("mark %+v", fraud)
	}
	wantStatus(t, e.as(rev, "POST", "/api/v1/review/sessions/"+p.policy.Session+"/marks", map[string]string{"kind": "appeal", "reason": "student appealed"}), http.StatusCreated)
	wantError(t, e.as(rev, "POST", "/api/v1/review/sessions/"+p.policy.Session+"/marks", map[string]string{"kind": "cheater", "reason": "x"}), http.StatusBadRequest, wire.CodeInvalid)
	wantError(t, e.as(rev, "POST", "/api/v1/review/sessions/"+p.policy.Session+"/marks", map[string]string{"kind": "appeal", "reason": ""}), http.StatusBadRequest, wire.CodeInvalid)
	lift := map[string]string{"reason": "the second voice was the invigilator"}
	fraudPath := "/api/v1/review/sessions/" + p.policy.Session + "/marks/" + strconv.FormatInt(fraud.ID, 10)
	wantError(t, e.as(rev, "DELETE", fraudPath, nil), http.StatusBadRequest, "reason_required")
	wantError(t, e.as(rev, "DELETE", fraudPath, map[string]string{"reason": "  "}), http.StatusBadRequest, "reason_required")
	w = e.as(rev, "DELETE", fraudPath, lift)
	wantStatus(t, w, http.StatusNoContent)
	wantError(t, e.as(rev, "DELETE", "/api/v1/review/sessions/"+p.policy.Session+"/marks/999", lift), http.StatusNotFound, "not_found")
	wantError(t, e.as(rev, "DELETE", "/api/v1/review/sessions/"+p.policy.Session+"/marks/x", lift), http.StatusNotFound, "not_found")

	// The student's own record: the same events and marks, every view,
	// no notes.
	w = e.as(links[1].token(), "GET", "/api/v1/student/record", nil)
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "webcam angle") || strings.Contains(w.Body.String(), `"notes"`) {
		t.Errorf("the record shows reviewer notes: %s", w.Body.String())
	}
	record := decodeRecord(t, w)
	if record.Student.ID != links[1].ID || len(record.Sessions) != 1 {
		t.Fatalf("record %+v", record)
	}
	rs := record.Sessions[0]
	if !reflect.DeepEqual(rs.Events, wantEvents) || !rs.Unreliable || len(rs.Marks) != 2 || rs.Receipt != nil {
		t.Errorf("record session %+v", rs)
	}
	var lifted int
	for _, m := range rs.Marks {
		if m.Removed != nil {
			lifted++
		}
	}
	if lifted != 1 {
		t.Errorf("marks %+v: want the fraud mark lifted", rs.Marks)
	}
	var who []string
	for _, v := range record.Views {
		who = append(who, v.Who)
	}
	if strings.Join(who, ",") != "Dr. Jansen,admin token,Dr. Jansen" {
		t.Errorf("the student sees views by %v", who)
	}

	// The student's timeline is the reviewer's, byte for byte; another
	// student cannot draw it.
	w = e.as(links[1].token(), "GET", "/api/v1/student/sessions/"+p.policy.Session+"/timeline.svg", nil)
	wantStatus(t, w, http.StatusOK)
	if w.Body.String() != svg {
		t.Error("the student's timeline differs from the reviewer's")
	}
	wantError(t, e.as(links[0].token(), "GET", "/api/v1/student/sessions/"+p.policy.Session+"/timeline.svg", nil), http.StatusNotFound, wire.CodeUnknownSession)
}

// TestExamAuth checks every new route without a token and with each token
// of the wrong role.
func TestExamAuth(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	l := e.importStudents(ex.ID, "s1,a@example.edu")[0]
	p := e.start(l.token(), true)
	w := e.do("POST", "/api/v1/reviewers", map[string]string{"name": "R"}, true)
	wantStatus(t, w, http.StatusCreated)
	rev := decodeJSON[map[string]any](t, w)["token"].(string)
	sess := p.policy.Session

	tokens := map[string]string{"none": "", "bogus": "0123456789abcdef0123456789abcdef", "admin": adminToken, "reviewer": rev, "student": l.token()}
	allowed := map[string][]string{"admin": {"admin"}, "staff": {"admin", "reviewer"}, "student": {"student"}}
	before := e.examRows()
	for _, r := range []struct{ role, method, path string }{
		{"admin", "POST", "/api/v1/exams"},
		{"admin", "GET", "/api/v1/exams"},
		{"admin", "GET", "/api/v1/exams/" + ex.ID},
		{"admin", "PUT", "/api/v1/exams/" + ex.ID},
		{"admin", "POST", "/api/v1/exams/" + ex.ID + "/students"},
		{"admin", "PUT", "/api/v1/students/" + l.ID + "/accommodations"},
		{"admin", "POST", "/api/v1/reviewers"},
		{"staff", "GET", "/api/v1/review/exams"},
		{"staff", "GET", "/api/v1/review/exams/" + ex.ID + "/sessions"},
		{"staff", "GET", "/api/v1/review/sessions/" + sess},
		{"staff", "GET", "/api/v1/review/sessions/" + sess + "/timeline.svg"},
		{"staff", "POST", "/api/v1/review/sessions/" + sess + "/marks"},
		{"staff", "DELETE", "/api/v1/review/sessions/" + sess + "/marks/1"},
		{"staff", "POST", "/api/v1/review/sessions/" + sess + "/notes"},
		{"student", "GET", "/api/v1/student"},
		{"student", "POST", "/api/v1/student/choice"},
		{"student", "POST", "/api/v1/student/sessions"},
		{"student", "GET", "/api/v1/student/record"},
		{"student", "GET", "/api/v1/student/sessions/" + sess + "/timeline.svg"},
	} {
		for name, token := range tokens {
			if slices.Contains(allowed[r.role], name) {
				continue
			}
			var body any
			if r.method == "POST" || r.method == "PUT" {
				body = "{}"
			}
			w := e.as(token, r.method, r.path, body)
			// A reviewer is known, just not an admin: 403, not 401.
			if r.role == "admin" && name == "reviewer" {
				wantError(t, w, http.StatusForbidden, codeForbidden)
				continue
			}
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%s %s with %s token: %d, want 401", r.method, r.path, name, w.Code)
				continue
			}
			wantError(t, w, http.StatusUnauthorized, "unauthorized")
			if w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: no WWW-Authenticate", r.method, r.path)
			}
		}
	}
	if after := e.examRows(); !reflect.DeepEqual(before, after) {
		t.Errorf("refused requests stored something: %v → %v", before, after)
	}
	// The published key needs no token.
	wantStatus(t, e.do("GET", "/api/v1/receipt-key", nil, false), http.StatusOK)
}

func TestExamPageHeaders(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]struct{ permissions, csp, notCSP string }{
		"/exam":               {"camera=(self), microphone=(self), fullscreen=(self)", "frame-src 'self' " + frameOrigin, "frame-ancestors 'self'"},
		"/sample-exam":        {"camera=(), microphone=()", "frame-ancestors 'self'", "frame-ancestors 'none'"},
		"/review":             {"camera=(), microphone=()", "frame-ancestors 'none'", "frame-src"},
		"/kiosk":              {"camera=(self), microphone=()", "frame-ancestors 'none'", "frame-src"},
		"/api/v1/receipt-key": {"camera=(), microphone=()", "frame-ancestors 'none'", "frame-src"},
	} {
		w := e.do("GET", path, nil, false)
		wantStatus(t, w, http.StatusOK)
		csp := w.Header().Get("Content-Security-Policy")
		if got := w.Header().Get("Permissions-Policy"); got != want.permissions {
			t.Errorf("%s: Permissions-Policy %q, want %q", path, got, want.permissions)
		}
		if !strings.Contains(csp, want.csp) || strings.Contains(csp, want.notCSP) || !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}

// TestStudentSeesPolicyInForce: the retention a student reads before the
// exam is the policy in force, as /transparency shows it, not the default.
func TestStudentSeesPolicyInForce(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	a := e.importStudents(ex.ID, "s1,a@example.edu")[0]
	body := map[string]any{"session_days": 30, "marked_months": 12, "count_days": 400, "access_log_years": 2, "review_days": 14,
		"reason": "faculty board decision"}
	wantStatus(t, e.do("PUT", "/api/v1/retention", body, true), http.StatusOK)
	info := decodeJSON[wire.StudentInfo](t, e.as(a.token(), "GET", "/api/v1/student", nil))
	if info.Retention.Days != 30 || info.Retention.MarkedMonths != 12 {
		t.Errorf("retention shown %+v, want the policy in force: 30 days, 12 months", info.Retention)
	}
}

// TestListStudents: an admin lists an exam's students (no link, only what
// is stored), the read is logged, and an unknown exam is 404.
func TestListStudents(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	e.importStudents(ex.ID, "s1,a@example.edu", "s2,b@example.edu")
	before := len(e.accessLog())
	w := e.do("GET", "/api/v1/exams/"+ex.ID+"/students", nil, true)
	wantStatus(t, w, http.StatusOK)
	got := decodeJSON[struct {
		Students []server.Student `json:"students"`
	}](t, w)
	var emails []string
	for _, s := range got.Students {
		emails = append(emails, s.External+" "+s.Email)
		if s.Off == nil || s.Exam != ex.ID {
			t.Errorf("student %+v", s)
		}
	}
	slices.Sort(emails)
	if !reflect.DeepEqual(emails, []string{"s1 a@example.edu", "s2 b@example.edu"}) || strings.Contains(w.Body.String(), "access=") {
		t.Errorf("students %s", w.Body.String())
	}
	log := e.accessLog()
	if len(log) != before+1 || log[len(log)-1].Action != server.ActionReadStudents || log[len(log)-1].Subject != "students of exam "+ex.ID {
		t.Errorf("access log after the read: %+v", log[before:])
	}
	wantError(t, e.do("GET", "/api/v1/exams/e-nope/students", nil, true), http.StatusNotFound, "not_found")
	wantError(t, e.do("GET", "/api/v1/exams/"+ex.ID+"/students", nil, false), http.StatusUnauthorized, codeUnauthorized)
}

// decodeRecord reads GET /api/v1/student/record as the exam page does:
// strictly, into wire.StudentRecord. Encoding what it read again must give
// the server's answer back, so no field the server sends is dropped.
func decodeRecord(t testing.TB, w *httptest.ResponseRecorder) wire.StudentRecord {
	t.Helper()
	var rec wire.StudentRecord
	if err := wire.DecodeLimited(bytes.NewReader(w.Body.Bytes()), &rec, wire.MaxRecordBytes); err != nil {
		t.Fatalf("the exam page cannot read the record: %v\n%s", err, w.Body.String())
	}
	again, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(again), strings.TrimSpace(w.Body.String()); got != want {
		t.Errorf("the record does not round-trip:\n got %s\nwant %s", got, want)
	}
	return rec
}

// TestStudentRecordWire: the record a finished, marked and viewed session
// gives decodes strictly into the type the exam page reads, with every
// part filled, and a renamed key anywhere in it is refused.
func TestStudentRecordWire(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	l := e.importStudents(ex.ID, "s1,a@example.edu")[0]
	p := e.start(l.token(), true)
	s1 := p.summary(1, wire.Genesis, t0, event(wire.FaceAbsent, 5*time.Second, 20*time.Second))
	wantStatus(t, p.send(s1.Sign(p.priv)), http.StatusOK)
	e.now = t0.Add(time.Minute)
	wantStatus(t, p.finish(1, s1.Hash()), http.StatusOK)
	sess := "/api/v1/review/sessions/" + p.policy.Session
	wantStatus(t, e.do("GET", sess, nil, true), http.StatusOK) // a view
	w := e.do("POST", sess+"/marks", map[string]string{"kind": "appeal", "reason": "student appealed"}, true)
	wantStatus(t, w, http.StatusCreated)
	mark := decodeJSON[struct{ ID int64 }](t, w).ID
	wantStatus(t, e.do("DELETE", sess+"/marks/"+strconv.FormatInt(mark, 10), map[string]string{"reason": "withdrawn"}, true), http.StatusNoContent)

	w = e.as(l.token(), "GET", "/api/v1/student/record", nil)
	wantStatus(t, w, http.StatusOK)
	rec := decodeRecord(t, w)
	if rec.Student.ID != l.ID || rec.Student.StudentID != "s1" || rec.Student.ChoiceAt == nil || rec.Exam.ID != ex.ID || len(rec.Sessions) != 1 {
		t.Fatalf("record %+v", rec)
	}
	s := rec.Sessions[0]
	if s.Session.ID != p.policy.Session || s.Session.Finished == nil || s.Session.Receipt == nil || s.Receipt == nil ||
		s.Session.LastSeq != 1 || !s.Session.Precheck.FaceFound || len(s.Session.Policy.Detectors) == 0 || len(s.Events) != 1 {
		t.Errorf("session %+v", s)
	}
	if len(s.Marks) != 1 || s.Marks[0].Kind != "appeal" || s.Marks[0].Removed == nil || s.Marks[0].RemovedReason != "withdrawn" || s.Marks[0].ByKind == "" {
		t.Errorf("marks %+v", s.Marks)
	}
	if len(rec.Views) == 0 || rec.Views[0].WhoKind == "" || rec.Views[0].What == "" {
		t.Errorf("views %+v", rec.Views)
	}

	// Every key, renamed on the server's side only, is refused.
	body := w.Body.String()
	for _, key := range []string{"student", "student_id", "choice_at", "exam", "alternatives_considered", "sessions", "session",
		"precheck", "face_found", "last_seq", "unreliable", "events", "marks", "by_kind", "removed_reason", "receipt", "views", "who_kind"} {
		quoted := `"` + key + `":`
		if !strings.Contains(body, quoted) {
			t.Errorf("the record has no %s", quoted)
			continue
		}
		renamed := strings.Replace(body, quoted, `"`+key+`_renamed":`, 1)
		var rec wire.StudentRecord
		if err := wire.DecodeLimited(strings.NewReader(renamed), &rec, wire.MaxRecordBytes); err == nil {
			t.Errorf("the record with %s renamed decoded", key)
		}
	}
}
