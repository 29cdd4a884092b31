package httpapi

// What a modified exam client tries, and what the server must refuse or
// show (docs/security.md: "A modified exam client"). Each test drives the
// API as such a client would: with its own keys and hand-made summaries.

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// startAgain asks for another session with a fresh key, as a script that
// wants a clean record would.
func (e *env) startAgain(token string) *http.Response {
	pub, _, _ := ed25519.GenerateKey(nil)
	return e.as(token, "POST", "/api/v1/student/sessions", e.startRequest(pub, true)).Result()
}

func TestOneSessionPerStudent(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	links := e.importStudents(ex.ID, "s1,a@example.edu", "s2,b@example.edu")
	p := e.start(links[0].token(), true)
	s1 := p.summary(1, wire.Genesis, t0, event(wire.FocusLost, 5*time.Second, 9*time.Second))
	wantStatus(t, p.send(s1.Sign(p.priv)), http.StatusOK)
	stored := e.examRows()

	// A second start, to abandon the session with events: refused, open
	// or finished.
	pub, _, _ := ed25519.GenerateKey(nil)
	wantError(t, e.as(links[0].token(), "POST", "/api/v1/student/sessions", e.startRequest(pub, true)), http.StatusConflict, "session_exists")
	wantStatus(t, p.finish(1, s1.Hash()), http.StatusOK)
	wantError(t, e.as(links[0].token(), "POST", "/api/v1/student/sessions", e.startRequest(pub, true)), http.StatusConflict, "session_exists")
	if after := e.examRows(); after["sessions"] != stored["sessions"] {
		t.Errorf("sessions %d → %d", stored["sessions"], after["sessions"])
	}

	// Many starts at once: exactly one session.
	wantStatus(t, e.as(links[1].token(), "POST", "/api/v1/student/choice", map[string]string{"choice": "proctored"}), http.StatusOK)
	const n = 16
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { codes[i] = e.startAgain(links[1].token()).StatusCode })
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("a concurrent start answered %d", c)
		}
	}
	sessions := countRows(t, e.raw, "sessions s JOIN students st ON st.id = s.student_id WHERE st.external_id = 's2'")
	if created != 1 || sessions != 1 {
		t.Errorf("%d of %d concurrent starts created a session, %d stored; want 1", created, n, sessions)
	}

	// The student and the reviewer see the one session.
	info := decodeJSON[wire.StudentInfo](t, e.as(links[0].token(), "GET", "/api/v1/student", nil))
	rows := decodeJSON[[]reviewRow](t, e.do("GET", "/api/v1/review/exams/"+ex.ID+"/sessions", nil, true))
	if len(info.Sessions) != 1 || len(rows) != 2 || len(rows[0].Sessions) != 1 || rows[0].Sessions[0].ID != p.policy.Session {
		t.Errorf("student sees %+v, reviewer %+v", info.Sessions, rows)
	}
}

func TestChoiceFrozenOnceSessionExists(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	l := e.importStudents(ex.ID, "s1,a@example.edu")[0]
	choose := func(c server.Choice) *http.Response {
		return e.as(l.token(), "POST", "/api/v1/student/choice", map[string]string{"choice": string(c)}).Result()
	}
	stored := func() (string, int64) {
		var c string
		var at int64
		if err := e.raw.QueryRow("SELECT choice, choice_ms FROM students WHERE id = ?", l.ID).Scan(&c, &at); err != nil {
			t.Fatal(err)
		}
		return c, at
	}

	// Before a session the student may change their mind.
	e.now = t0.Add(-20 * time.Minute)
	if r := choose(server.ChoiceAlternative); r.StatusCode != http.StatusOK {
		t.Fatalf("alternative: %d", r.StatusCode)
	}
	e.now = t0.Add(-10 * time.Minute)
	p := e.start(l.token(), true) // chooses proctored, then starts
	wantStatus(t, p.send(p.summary(1, wire.Genesis, t0).Sign(p.priv)), http.StatusOK)
	c, at := stored()
	if c != "proctored" || at != t0.Add(-10*time.Minute).UnixMilli() {
		t.Fatalf("stored choice %q at %d", c, at)
	}

	// After sitting proctored: no switch to the alternative, during the
	// exam or after it; the same choice again changes nothing.
	for _, now := range []time.Time{t0, ex.End.Add(time.Hour)} {
		e.now = now
		wantError(t, e.as(l.token(), "POST", "/api/v1/student/choice", map[string]string{"choice": "alternative"}), http.StatusConflict, "choice_frozen")
		wantStatus(t, e.as(l.token(), "POST", "/api/v1/student/choice", map[string]string{"choice": "proctored"}), http.StatusOK)
		if c2, at2 := stored(); c2 != c || at2 != at {
			t.Errorf("at %v the choice moved to %q at %d", now, c2, at2)
		}
	}
	rows := decodeJSON[[]reviewRow](t, e.do("GET", "/api/v1/review/exams/"+ex.ID+"/sessions", nil, true))
	if rows[0].Student.Choice != server.ChoiceProctored || len(rows[0].Sessions) != 1 {
		t.Errorf("review row %+v", rows[0])
	}
}

func TestSummaryWindowsAdvance(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	p := e.start(e.importStudents(ex.ID, "s1,a@example.edu")[0].token(), true)
	s1 := p.summary(1, wire.Genesis, t0.Add(time.Minute))
	wantStatus(t, p.send(s1.Sign(p.priv)), http.StatusOK)
	stored := e.examRows()

	for name, from := range map[string]time.Time{
		"overlapping": t0.Add(time.Minute + 10*time.Second),
		"backwards":   t0,
		"the same":    t0.Add(time.Minute),
	} {
		s := p.summary(2, s1.Hash(), from, event(wire.FocusLost, from.Sub(t0)+time.Second, from.Sub(t0)+2*time.Second))
		wantError(t, p.send(s.Sign(p.priv)), http.StatusConflict, wire.CodeWindowOverlap)
		if after := e.examRows(); !reflect.DeepEqual(stored, after) {
			t.Errorf("%s window stored something: %v → %v", name, stored, after)
		}
	}
	// Right after the previous window, or later (a gap: the page was
	// closed), is fine.
	s2 := p.summary(2, s1.Hash(), time.UnixMilli(s1.Window.To))
	wantStatus(t, p.send(s2.Sign(p.priv)), http.StatusOK)
	s3 := p.summary(3, s2.Hash(), t0.Add(10*time.Minute))
	wantStatus(t, p.send(s3.Sign(p.priv)), http.StatusOK)
}

func TestSummaryAfterTheWindowCloses(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	p := e.start(e.importStudents(ex.ID, "s1,a@example.edu")[0].token(), true)
	s1 := p.summary(1, wire.Genesis, ex.End.Add(-time.Minute))
	wantStatus(t, p.send(s1.Sign(p.priv)), http.StatusOK)

	// A window reaching past the close plus the grace, sent in time.
	far := p.summary(2, s1.Hash(), ex.End.Add(100*time.Second)) // to: End + 2 min 10 s
	wantError(t, p.send(far.Sign(p.priv)), http.StatusUnprocessableEntity, wire.CodeOutsideWindow)

	// In the grace period, the last window is taken.
	e.now = ex.End.Add(server.SummaryGrace - time.Second)
	s2 := p.summary(2, s1.Hash(), ex.End.Add(-30*time.Second))
	wantStatus(t, p.send(s2.Sign(p.priv)), http.StatusOK)
	stored := e.examRows()

	// After it, by the server's clock, nothing new: whatever the window
	// claims.
	e.now = ex.End.Add(server.SummaryGrace + time.Second)
	s3 := p.summary(3, s2.Hash(), ex.End, event(wire.FocusLost, ex.End.Sub(t0)+time.Second, ex.End.Sub(t0)+2*time.Second))
	wantError(t, p.send(s3.Sign(p.priv)), http.StatusUnprocessableEntity, wire.CodeOutsideWindow)
	if after := e.examRows(); !reflect.DeepEqual(stored, after) {
		t.Errorf("a late summary stored something: %v → %v", stored, after)
	}
	// A resend of what was stored is still acknowledged, and the session
	// still finishes.
	p.wantDuplicate(t, s2)
	wantStatus(t, p.finish(2, s2.Hash()), http.StatusOK)
}

func TestSummaryFloodCapped(t *testing.T) {
	e := newEnv(t)
	// A 10-minute exam at 30 s: 42 minutes of windows (30 min before, 2
	// after), 84 intervals, plus the slack.
	ex := e.createExam(func(b map[string]any) { b["end"] = t0.Add(5 * time.Minute).Format(time.RFC3339) })
	p := e.start(e.importStudents(ex.ID, "s1,a@example.edu")[0].token(), true)
	limit := server.MaxSummaries(p.policy)
	if want := int64(84 + server.SummarySlack); limit != want {
		t.Fatalf("MaxSummaries %d, want %d", limit, want)
	}

	// Short windows, each with events: as many as the flood can send.
	from := ex.Start.Add(-server.WindowTolerance)
	full := func(seq int64, prev string) wire.Summary {
		f := from.Add(time.Duration(seq-1) * time.Second)
		s := p.summary(seq, prev, f)
		s.Window.To = f.Add(time.Second).UnixMilli()
		for i := range wire.MaxEvents {
			s.Events = append(s.Events, wire.Event{Kind: wire.FocusLost, Start: f.UnixMilli() + int64(i), End: f.UnixMilli() + int64(i), Peak: 1})
		}
		return s
	}
	prev := wire.Genesis
	var last wire.Summary
	for seq := int64(1); seq <= limit; seq++ {
		last = full(seq, prev)
		if w := p.send(last.Sign(p.priv)); w.Code != http.StatusOK {
			t.Fatalf("seq %d: %d %s", seq, w.Code, w.Body.String())
		}
		prev = last.Hash()
	}
	stored := e.examRows()
	if stored["summaries"] != int(limit) || stored["events"] != int(limit)*wire.MaxEvents {
		t.Fatalf("rows %v", stored)
	}
	wantError(t, p.send(full(limit+1, prev).Sign(p.priv)), http.StatusUnprocessableEntity, wire.CodeTooMany)
	// More events in one summary than wire allows: refused too.
	over := full(limit+1, prev)
	over.Events = append(over.Events, over.Events[0])
	wantError(t, p.send(over.Sign(p.priv)), http.StatusBadRequest, wire.CodeInvalid)
	if after := e.examRows(); !reflect.DeepEqual(stored, after) {
		t.Errorf("the flood stored more: %v → %v", stored, after)
	}
	// What was stored is still acknowledged as such, and the session
	// finishes.
	p.wantDuplicate(t, last)
	wantStatus(t, p.finish(limit, prev), http.StatusOK)
}

func TestPrecheckWithoutFaceShown(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	other := e.createExam(func(b map[string]any) { b["name"] = "Statistics 2" })
	links := e.importStudents(ex.ID, "s1,a@example.edu", "s2,b@example.edu", "s3,c@example.edu")
	e.start(links[0].token(), false) // a client claiming no face
	e.start(links[1].token(), true)
	e.start(links[2].token(), false)

	type listing struct {
		ID         string `json:"id"`
		Sessions   int    `json:"sessions"`
		Unreliable int    `json:"unreliable_sessions"`
	}
	for _, path := range []string{"/api/v1/review/exams", "/api/v1/exams"} {
		got := map[string]listing{}
		for _, l := range decodeJSON[[]listing](t, e.do("GET", path, nil, true)) {
			got[l.ID] = l
		}
		if want := (listing{ex.ID, 3, 2}); got[ex.ID] != want {
			t.Errorf("%s: %+v, want %+v", path, got[ex.ID], want)
		}
		if want := (listing{other.ID, 0, 0}); got[other.ID] != want {
			t.Errorf("%s: %+v, want %+v", path, got[other.ID], want)
		}
	}

	type row struct {
		Student  reviewStudent `json:"student"`
		Sessions []struct {
			Unreliable bool          `json:"unreliable"`
			Precheck   wire.Precheck `json:"precheck"`
		} `json:"sessions"`
	}
	var marked []string
	for _, r := range decodeJSON[[]row](t, e.do("GET", "/api/v1/review/exams/"+ex.ID+"/sessions", nil, true)) {
		s := r.Sessions[0]
		if s.Unreliable != !s.Precheck.FaceFound || s.Precheck.Frames != 30 {
			t.Errorf("%s: %+v", r.Student.StudentID, s)
		}
		if s.Unreliable {
			marked = append(marked, r.Student.StudentID)
		}
	}
	if fmt.Sprint(marked) != "[s1 s3]" {
		t.Errorf("marked %v, want s1 and s3", marked)
	}
}
