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

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

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
