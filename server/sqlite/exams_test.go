//go:build !js

package sqlite

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var examStart = time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)

func exam(id string) server.Exam {
	return server.Exam{
		ID: id, Name: "Statistiek 1", Course: "STAT1", Start: examStart, End: examStart.Add(3 * time.Hour),
		Announced: examStart.Add(-20 * 24 * time.Hour), LegalBasis: "OER art. 4.2", Alternatives: "oral exam: too many students",
		AlternativeExam: "on campus, 14 December", URL: "/sample-exam", IntervalS: 30,
		Detectors: []wire.DetectorSetting{{Kind: wire.FaceAbsent, ThresholdS: 10}, {Kind: wire.Paste}},
	}
}

// byAdmin is who makes the tests' changes, for the access log.
var byAdmin = server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: examStart}

const build = "abababababababababababababababababababababababababababababababab"

// startLogin sets up exam e-1 with student st-1 (student_id 1001) and an
// unfinished session s-1 of it.
func startLogin(t *testing.T, db *DB) server.Session {
	t.Helper()
	if err := db.CreateExam(ctx, exam("e-1"), byAdmin); err != nil {
		t.Fatal(err)
	}
	addStudent(t, db, "st-1", "e-1", "1001")
	pub, _, _ := ed25519.GenerateKey(nil)
	ss := server.Session{
		ID: "s-1", Student: "st-1", PublicKey: pub, Build: build, Started: examStart,
		Precheck: wire.Precheck{Camera: true, FaceFound: true, Baseline: 4.5, FaceFrames: 9, Frames: 10},
		Policy:   wire.Policy{Session: "s-1", Detectors: exam("").Detectors, IntervalS: 30, From: examStart.UnixMilli(), To: examStart.Add(3 * time.Hour).UnixMilli()},
	}
	if err := db.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	return ss
}

// addStudent adds a student to an exam who chose the proctored exam, and
// so may start a session.
func addStudent(t *testing.T, db *DB, id, exam, external string) {
	t.Helper()
	if err := db.AddStudents(ctx, []server.Student{{ID: id, Exam: exam, External: external, Email: id + "@uni.nl"}}, [][]byte{[]byte(id)}, byAdmin); err != nil {
		t.Fatal(err)
	}
	if err := db.SetChoice(ctx, id, server.ChoiceProctored, examStart); err != nil {
		t.Fatal(err)
	}
}

// summary is window seq of a session, with events.
func summary(session string, seq int64, prev string, events ...wire.Event) wire.Summary {
	from := examStart.UnixMilli() + (seq-1)*30000
	return wire.Summary{Session: session, Seq: seq, Prev: prev, Build: build, Window: wire.Window{From: from, To: from + 30000},
		Events: events, Health: wire.Health{Frames: 300, FPS: 10}}
}

func event(k wire.Kind, seq int64, from, to int64) wire.Event {
	w := examStart.UnixMilli() + (seq-1)*30000
	return wire.Event{Kind: k, Start: w + from, End: w + to, Peak: 1}
}

func appendSummary(t *testing.T, db *DB, s wire.Summary) {
	t.Helper()
	if res, err := db.AppendSummary(ctx, server.StoredSummary{Summary: s, Sig: "sig", Received: examStart}); err != nil || res != server.Stored {
		t.Fatalf("seq %d: %v %v", s.Seq, res, err)
	}
}

func TestExams(t *testing.T) {
	db := openNew(t)
	e := exam("e-1")
	e.Crisis = "pandemic"
	if err := db.CreateExam(ctx, e, byAdmin); err != nil {
		t.Fatal(err)
	}
	got, err := db.Exam(ctx, "e-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Created.IsZero() {
		t.Error("created not stamped")
	}
	got.Created = time.Time{}
	if !sameExam(got, e) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, e)
	}

	e.Name, e.Detectors, e.End = "Statistiek 2", nil, e.End.Add(time.Hour)
	if err := db.UpdateExam(ctx, e, byAdmin); err != nil {
		t.Fatal(err)
	}
	e.Detectors = []wire.DetectorSetting{}
	if got, _ := db.Exam(ctx, "e-1"); !sameExam(got, e) {
		t.Errorf("after update:\n got %+v\nwant %+v", got, e)
	}

	later := exam("e-2")
	later.Start = later.Start.Add(24 * time.Hour)
	if err := db.CreateExam(ctx, later, byAdmin); err != nil {
		t.Fatal(err)
	}
	if es, err := db.Exams(ctx); err != nil || len(es) != 2 || es[0].ID != "e-2" {
		t.Errorf("exams %+v %v", es, err)
	}
	if _, err := db.Exam(ctx, "e-3"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown exam: %v", err)
	}
	if err := db.UpdateExam(ctx, exam("e-3"), byAdmin); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("update unknown exam: %v", err)
	}
}

// sameExam compares all but Created, with times as instants.
func sameExam(a, b server.Exam) bool {
	times := a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Announced.Equal(b.Announced)
	a.Start, a.End, a.Announced, a.Created = b.Start, b.End, b.Announced, b.Created
	return times && reflect.DeepEqual(a, b)
}

func TestStudents(t *testing.T) {
	db := openNew(t)
	if err := db.CreateExam(ctx, exam("e-1"), byAdmin); err != nil {
		t.Fatal(err)
	}
	err := db.AddStudents(ctx, []server.Student{
		{ID: "st-2", Exam: "e-1", External: "1002", Email: "b@uni.nl"},
		{ID: "st-1", Exam: "e-1", External: "1001", Email: "a@uni.nl", Off: []wire.Kind{wire.Paste}},
	}, [][]byte{{2}, {1}}, byAdmin)
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.StudentByToken(ctx, []byte{2})
	if err != nil || st.ID != "st-2" || st.Exam != "e-1" || st.External != "1002" || st.Email != "b@uni.nl" ||
		st.Off == nil || len(st.Off) != 0 || st.Choice != server.ChoiceNone || st.ChoiceAt != nil {
		t.Errorf("by token: %+v %v", st, err)
	}
	if _, err := db.StudentByToken(ctx, []byte{3}); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	if sts, err := db.Students(ctx, "e-1"); err != nil || len(sts) != 2 || sts[0].External != "1001" || !reflect.DeepEqual(sts[0].Off, []wire.Kind{wire.Paste}) {
		t.Errorf("students %+v %v", sts, err)
	}
	if _, err := db.Students(ctx, "e-2"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("students of unknown exam: %v", err)
	}

	if err := db.SetAccommodations(ctx, "st-2", []wire.Kind{wire.FaceAbsent, wire.Speech}, byAdmin); err != nil {
		t.Fatal(err)
	}
	at := examStart.Add(-time.Hour)
	if err := db.SetChoice(ctx, "st-2", server.ChoiceAlternative, at); err != nil {
		t.Fatal(err)
	}
	st, err = db.Student(ctx, "st-2")
	if err != nil || !reflect.DeepEqual(st.Off, []wire.Kind{wire.FaceAbsent, wire.Speech}) || st.Choice != server.ChoiceAlternative || st.ChoiceAt == nil || !st.ChoiceAt.Equal(at) {
		t.Errorf("after accommodations and choice: %+v %v", st, err)
	}
	if err := db.SetChoice(ctx, "st-2", "maybe", at); err == nil {
		t.Error("a choice outside proctored/alternative was stored")
	}
	for _, err := range []error{
		db.SetAccommodations(ctx, "st-9", nil, byAdmin),
		db.SetChoice(ctx, "st-9", server.ChoiceProctored, at),
		db.AddStudents(ctx, []server.Student{{ID: "st-9", Exam: "e-9", External: "1009"}}, [][]byte{{9}}, byAdmin),
	} {
		if !errors.Is(err, server.ErrNotFound) {
			t.Errorf("unknown student or exam: %v", err)
		}
	}
	if _, err := db.Student(ctx, "st-9"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown student: %v", err)
	}
}

func TestAddStudentsAllOrNothing(t *testing.T) {
	db := openNew(t)
	for _, id := range []string{"e-1", "e-2"} {
		if err := db.CreateExam(ctx, exam(id), byAdmin); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddStudents(ctx, []server.Student{{ID: "st-1", Exam: "e-1", External: "1001"}}, [][]byte{{1}}, byAdmin); err != nil {
		t.Fatal(err)
	}
	for name, batch := range map[string][]server.Student{
		"already on the exam": {{ID: "st-2", Exam: "e-1", External: "1002"}, {ID: "st-3", Exam: "e-1", External: "1001"}},
		"twice in the list":   {{ID: "st-2", Exam: "e-1", External: "1002"}, {ID: "st-3", Exam: "e-1", External: "1002"}},
	} {
		err := db.AddStudents(ctx, batch, [][]byte{{2}, {3}}, byAdmin)
		var we *wire.Error
		if !errors.As(err, &we) || we.Code != wire.CodeInvalid || !strings.Contains(we.Message, batch[1].External) {
			t.Errorf("%s: %v", name, err)
		}
		if n := count(t, db, "SELECT count(*) FROM students"); n != 1 {
			t.Errorf("%s: %d students stored", name, n)
		}
	}
	// The same student number on another exam is another student.
	if err := db.AddStudents(ctx, []server.Student{{ID: "st-4", Exam: "e-2", External: "1001"}}, [][]byte{{4}}, byAdmin); err != nil {
		t.Error(err)
	}
}

func TestSessions(t *testing.T) {
	db := openNew(t)
	want := startLogin(t, db)
	got, err := db.Session(ctx, "s-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Exam != "e-1" || got.LastSeq != 0 || got.Head != wire.Genesis || got.Finished != nil || got.Receipt != nil ||
		!got.Started.Equal(want.Started) {
		t.Errorf("new session %+v", got)
	}
	if !want.PublicKey.Equal(got.PublicKey) || got.Build != want.Build || got.Precheck != want.Precheck || !reflect.DeepEqual(got.Policy, want.Policy) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}

	addStudent(t, db, "st-2", "e-1", "1002")
	want.ID, want.Student, want.Started = "s-2", "st-2", want.Started.Add(time.Minute)
	if err := db.CreateSession(ctx, want); err != nil {
		t.Fatal(err)
	}
	appendSummary(t, db, summary("s-2", 1, wire.Genesis, event(wire.Paste, 1, 0, 0)))
	for name, c := range map[string]struct {
		list func() ([]server.Session, error)
		want []string
	}{
		"exam":    {func() ([]server.Session, error) { return db.Sessions(ctx, "e-1") }, []string{"s-1", "s-2"}},
		"student": {func() ([]server.Session, error) { return db.StudentSessions(ctx, "st-2") }, []string{"s-2"}},
	} {
		ss, err := c.list()
		var ids []string
		for _, s := range ss {
			ids = append(ids, s.ID)
		}
		if err != nil || !slices.Equal(ids, c.want) || ss[len(ss)-1].LastSeq != 1 {
			t.Errorf("sessions of %s: %+v %v", name, ss, err)
		}
	}

	want.ID, want.Student = "s-3", "st-9"
	if err := db.CreateSession(ctx, want); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("session of unknown student: %v", err)
	}
	if _, err := db.Session(ctx, "s-9"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	if _, err := db.Sessions(ctx, "e-9"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("sessions of unknown exam: %v", err)
	}
	if _, err := db.StudentSessions(ctx, "st-9"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("sessions of unknown student: %v", err)
	}
}

func TestAppendSummaryChain(t *testing.T) {
	db := openNew(t)
	startLogin(t, db)
	s1 := summary("s-1", 1, wire.Genesis, event(wire.FaceAbsent, 1, 10000, 30000))
	for i, want := range []server.IngestResult{server.Stored, server.Duplicate, server.Duplicate} {
		if got, err := db.AppendSummary(ctx, server.StoredSummary{Summary: s1, Sig: "sig", Received: examStart}); err != nil || got != want {
			t.Fatalf("send %d: %v %v", i, got, err)
		}
	}
	other := s1
	other.Health.Frames = 299
	s2 := summary("s-1", 2, s1.Hash(), event(wire.FaceAbsent, 2, 0, 5000), event(wire.Paste, 2, 9000, 9000))
	gap := summary("s-1", 3, s2.Hash())
	wrongPrev := summary("s-1", 2, other.Hash())
	for name, c := range map[string]struct {
		s    wire.Summary
		want error
	}{
		"other content, stored seq": {other, server.ErrSeqConflict},
		"gap":                       {gap, server.ErrChainBroken},
		"wrong prev":                {wrongPrev, server.ErrChainBroken},
		"unknown session":           {summary("s-9", 1, wire.Genesis), server.ErrNotFound},
	} {
		if _, err := db.AppendSummary(ctx, server.StoredSummary{Summary: c.s, Sig: "sig", Received: examStart}); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM summaries"); n != 1 {
		t.Errorf("%d summaries after rejections", n)
	}
	appendSummary(t, db, s2)
	appendSummary(t, db, gap) // no longer a gap

	got, err := db.Summaries(ctx, "s-1")
	if err != nil || len(got) != 3 {
		t.Fatalf("summaries %+v %v", got, err)
	}
	for i, want := range []wire.Summary{s1, s2, gap} {
		if !reflect.DeepEqual(got[i].Summary, want) || got[i].Hash != want.Hash() || got[i].Sig != "sig" || !got[i].Received.Equal(examStart) {
			t.Errorf("summary %d:\n got %+v\nwant %+v", i+1, got[i], want)
		}
	}
	ss, _ := db.Session(ctx, "s-1")
	if ss.LastSeq != 3 || ss.Head != gap.Hash() {
		t.Errorf("session after three summaries: %+v", ss)
	}
	if _, err := db.Summaries(ctx, "s-9"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("summaries of unknown session: %v", err)
	}
}

// An event the database refuses aborts its whole summary: no summary row,
// no earlier event, no moved head.
func TestAppendSummaryAllOrNothing(t *testing.T) {
	db := openNew(t)
	startLogin(t, db)
	good := event(wire.Paste, 1, 1000, 1000)
	for name, bad := range map[string]wire.Event{
		"end before start": {Kind: wire.FaceAbsent, Start: good.Start, End: good.Start - 1, Peak: 1},
		"negative peak":    {Kind: wire.FaceAbsent, Start: good.Start, End: good.Start, Peak: -1},
		"empty kind":       {Start: good.Start, End: good.Start, Peak: 1},
	} {
		if _, err := db.AppendSummary(ctx, server.StoredSummary{Summary: summary("s-1", 1, wire.Genesis, good, bad), Received: examStart}); err == nil {
			t.Errorf("%s: stored", name)
		}
		for _, table := range []string{"summaries", "events"} {
			if n := count(t, db, "SELECT count(*) FROM "+table); n != 0 {
				t.Errorf("%s: %d rows in %s", name, n, table)
			}
		}
		if ss, _ := db.Session(ctx, "s-1"); ss.LastSeq != 0 || ss.Head != wire.Genesis {
			t.Errorf("%s: session moved to %d %s", name, ss.LastSeq, ss.Head)
		}
	}
	appendSummary(t, db, summary("s-1", 1, wire.Genesis, good))
}

// Two servers (two connection pools on one file) receive different
// summaries for the same seq at once: the database lets exactly one extend
// the chain.
func TestAppendSummaryConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	a := open(t, path)
	b := open(t, path)
	base := startLogin(t, a)
	for i := range 20 {
		id := fmt.Sprintf("c-%d", i)
		s := base
		s.ID, s.Student = id, "st-"+id
		addStudent(t, a, s.Student, "e-1", id)
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		sent := make([]wire.Summary, 2)
		for j, db := range []*DB{a, b} {
			sent[j] = summary(id, 1, wire.Genesis)
			sent[j].Health.Frames = int64(j)
			wg.Go(func() {
				<-start
				_, errs[j] = db.AppendSummary(ctx, server.StoredSummary{Summary: sent[j], Received: examStart})
			})
		}
		close(start)
		wg.Wait()
		winner := 0
		if errs[0] != nil {
			winner = 1
		}
		if errs[winner] != nil || !errors.Is(errs[1-winner], server.ErrSeqConflict) {
			t.Fatalf("%s: errors %v", id, errs)
		}
		got, err := b.Summaries(ctx, id)
		if err != nil || len(got) != 1 || got[0].Hash != sent[winner].Hash() {
			t.Fatalf("%s: stored %+v %v", id, got, err)
		}
		if ss, _ := a.Session(ctx, id); ss.Head != sent[winner].Hash() {
			t.Errorf("%s: head %s is not the stored summary's", id, ss.Head)
		}
	}
}

func TestFinishSession(t *testing.T) {
	db := openNew(t)
	startLogin(t, db)
	s1 := summary("s-1", 1, wire.Genesis, event(wire.FaceAbsent, 1, 10000, 30000))
	s2 := summary("s-1", 2, s1.Hash(), event(wire.FaceAbsent, 2, 0, 5000), event(wire.Paste, 2, 9000, 9000))
	appendSummary(t, db, s1)
	appendSummary(t, db, s2)

	key, err := db.ReceiptKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[wire.Kind]int64{wire.FaceAbsent: 2, wire.Paste: 1} // the caller counts; the store signs what it is given
	signed := 0
	sign := func(ss server.Session) wire.SignedReceipt {
		signed++
		if ss.Finished == nil {
			t.Error("sign got an unfinished session")
		}
		return wire.Receipt{Session: ss.ID, Exam: ss.Exam, LastSeq: ss.LastSeq, Head: ss.Head, Counts: counts, Issued: ss.Finished.UnixMilli()}.Sign(key)
	}
	at := examStart.Add(time.Hour)
	if _, err := db.FinishSession(ctx, "s-1", 1, s1.Hash(), at, sign); !errors.Is(err, server.ErrChainBroken) || signed != 0 {
		t.Errorf("finishing behind the stored chain: %v", err)
	}
	r, err := db.FinishSession(ctx, "s-1", 2, s2.Hash(), at, sign)
	if err != nil {
		t.Fatal(err)
	}
	want := wire.Receipt{Session: "s-1", Exam: "e-1", LastSeq: 2, Head: s2.Hash(),
		Counts: map[wire.Kind]int64{wire.FaceAbsent: 2, wire.Paste: 1}, Issued: at.UnixMilli()}
	if !reflect.DeepEqual(r.Receipt, want) || r.Verify(key.Public().(ed25519.PublicKey)) != nil {
		t.Errorf("receipt %+v, want %+v", r.Receipt, want)
	}

	again, err := db.FinishSession(ctx, "s-1", 2, s2.Hash(), at.Add(time.Minute), sign)
	if err != nil || !reflect.DeepEqual(again, r) || signed != 1 {
		t.Errorf("finishing again: %+v %v, signed %d times", again, err, signed)
	}
	ss, _ := db.Session(ctx, "s-1")
	if ss.Finished == nil || !ss.Finished.Equal(at) || ss.Receipt == nil || !reflect.DeepEqual(*ss.Receipt, r) {
		t.Errorf("finished session %+v", ss)
	}
	for name, s := range map[string]wire.Summary{"next": summary("s-1", 3, s2.Hash()), "resend": s2} {
		if _, err := db.AppendSummary(ctx, server.StoredSummary{Summary: s, Received: at}); !errors.Is(err, server.ErrFinished) {
			t.Errorf("%s after finish: %v", name, err)
		}
	}
	if _, err := db.FinishSession(ctx, "s-9", 0, wire.Genesis, at, sign); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
}

func TestReceiptKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	a := open(t, path)
	b := open(t, path)
	// Two servers asking for the first time at once agree on one key.
	keys := make([]ed25519.PrivateKey, 2)
	var wg sync.WaitGroup
	for i, db := range []*DB{a, b} {
		wg.Go(func() {
			var err error
			if keys[i], err = db.ReceiptKey(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(keys[0]) != ed25519.PrivateKeySize || !keys[0].Equal(keys[1]) {
		t.Fatalf("keys differ: %x %x", keys[0], keys[1])
	}
	a.Close()
	b.Close()
	c := open(t, path)
	if k, err := c.ReceiptKey(ctx); err != nil || !k.Equal(keys[0]) {
		t.Errorf("after re-open: %x %v", k, err)
	}
}

func TestMarksNotesViews(t *testing.T) {
	db := openNew(t)
	startLogin(t, db)
	at := examStart.Add(24 * time.Hour)
	m1, err := db.AddMark(ctx, server.Mark{Session: "s-1", Kind: server.MarkFraud, Reason: "second voice"}, server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: at})
	if err != nil || m1.ID == 0 {
		t.Fatalf("mark %+v %v", m1, err)
	}
	m2, err := db.AddMark(ctx, server.Mark{Session: "s-1", Kind: server.MarkAppeal, Reason: "student appeals"}, server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: at.Add(time.Hour)})
	if err != nil || m2.ID == m1.ID {
		t.Fatalf("mark %+v %v", m2, err)
	}
	removed := at.Add(2 * time.Hour)
	if err := db.RemoveMark(ctx, "s-1", m1.ID, "the voice was the invigilator", server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: removed}, false); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveMark(ctx, "s-1", m1.ID, "again", server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: removed.Add(time.Hour)}, false); err != nil {
		t.Errorf("lifting again: %v", err)
	}
	marks, err := db.Marks(ctx, "s-1")
	if err != nil || len(marks) != 2 || marks[0].ID != m1.ID || marks[0].Removed == nil || !marks[0].Removed.Equal(removed) ||
		marks[0].RemovedBy != "Jansen" || marks[0].RemovedReason != "the voice was the invigilator" || marks[1].RemovedReason != "" ||
		marks[1].Removed != nil || marks[1].Kind != server.MarkAppeal || marks[1].By != "admin" || marks[1].Reason != "student appeals" || !marks[1].At.Equal(at.Add(time.Hour)) {
		t.Errorf("marks %+v %v", marks, err)
	}
	if _, err := db.AddMark(ctx, server.Mark{Session: "s-1", Kind: "cheater"}, byAdmin); err == nil {
		t.Error("a mark of an unknown kind was stored")
	}

	n, err := db.AddNote(ctx, server.Note{Session: "s-1", Text: "voice is a radio"}, server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: at})
	if err != nil || n.ID == 0 {
		t.Fatalf("note %+v %v", n, err)
	}
	if notes, err := db.Notes(ctx, "s-1"); err != nil || len(notes) != 1 || notes[0] != (server.Note{ID: n.ID, Session: "s-1", Text: "voice is a radio", By: "Jansen", At: notes[0].At}) || !notes[0].At.Equal(at) {
		t.Errorf("notes %+v %v", notes, err)
	}

	for i, who := range []string{"Jansen", "admin"} {
		if err := db.LogView(ctx, "st-1", "session s-1", server.Actor{Kind: server.ActorStaff, ID: "u-" + who, Who: who, At: at.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if views, err := db.Views(ctx, "st-1"); err != nil || len(views) != 2 || views[0].Who != "Jansen" || views[1].What != "session s-1" || !views[1].At.Equal(at.Add(time.Minute)) {
		t.Errorf("views %+v %v", views, err)
	}

	for name, err := range map[string]error{
		"mark on unknown session": func() error {
			_, err := db.AddMark(ctx, server.Mark{Session: "s-9", Kind: server.MarkFraud}, byAdmin)
			return err
		}(),
		"lift unknown mark":          db.RemoveMark(ctx, "s-1", 999, "r", byAdmin, true),
		"lift mark of other session": db.RemoveMark(ctx, "s-9", m2.ID, "r", byAdmin, true),
		"marks of unknown session":   func() error { _, err := db.Marks(ctx, "s-9"); return err }(),
		"note on unknown session":    func() error { _, err := db.AddNote(ctx, server.Note{Session: "s-9"}, byAdmin); return err }(),
		"notes of unknown session":   func() error { _, err := db.Notes(ctx, "s-9"); return err }(),
		"view of unknown student":    db.LogView(ctx, "st-9", "x", byAdmin),
		"views of unknown student":   func() error { _, err := db.Views(ctx, "st-9"); return err }(),
	} {
		if !errors.Is(err, server.ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReviewers(t *testing.T) {
	db := openNew(t)
	created := examStart.Add(-time.Hour)
	r1 := server.Reviewer{ID: "r-1", Name: "Jansen", Created: created, Expires: created.Add(90 * 24 * time.Hour)}
	if err := db.CreateReviewer(ctx, r1, []byte{1}, byAdmin); err != nil {
		t.Fatal(err)
	}
	if r, err := db.ReviewerByToken(ctx, []byte{1}, examStart); err != nil || r.ID != "r-1" || r.Name != "Jansen" || !r.Expires.Equal(r1.Expires) {
		t.Errorf("reviewer %+v %v", r, err)
	}
	if _, err := db.ReviewerByToken(ctx, []byte{2}, examStart); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	if _, err := db.ReviewerByToken(ctx, []byte{1}, r1.Expires); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("expired token: %v", err)
	}
	if err := db.CreateReviewer(ctx, server.Reviewer{ID: "r-2", Name: "Pietersen", Created: created, Expires: r1.Expires}, []byte{1}, byAdmin); err == nil {
		t.Error("two reviewers share a token hash")
	}

	// Assignment: tokens and reviewer accounts, all or nothing.
	if err := db.CreateExam(ctx, exam("e-1"), byAdmin); err != nil {
		t.Fatal(err)
	}
	for _, u := range []server.User{{ID: "u-rev", Name: "rita", Role: server.RoleReviewer}, {ID: "u-adm", Name: "ada", Role: server.RoleAdmin}} {
		if err := db.CreateUser(ctx, u, "", byAdmin); err != nil {
			t.Fatal(err)
		}
	}
	for _, ids := range [][]string{{"r-1", "u-adm"}, {"r-9"}, {"u-rev", "x"}} {
		if err := db.SetExamReviewers(ctx, "e-1", ids, byAdmin); !errors.Is(err, server.ErrNotReviewer) {
			t.Errorf("assign %v: %v", ids, err)
		}
	}
	if err := db.SetExamReviewers(ctx, "e-9", []string{"r-1"}, byAdmin); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("assign to an unknown exam: %v", err)
	}
	if ids, err := db.ExamReviewers(ctx, "e-1"); err != nil || len(ids) != 0 {
		t.Errorf("refused assignments stored %v %v", ids, err)
	}
	if err := db.SetExamReviewers(ctx, "e-1", []string{"u-rev", "r-1", "r-1"}, byAdmin); err != nil {
		t.Fatal(err)
	}
	if ids, err := db.ExamReviewers(ctx, "e-1"); err != nil || strings.Join(ids, ",") != "r-1,u-rev" {
		t.Errorf("exam reviewers %v %v", ids, err)
	}
	for id, want := range map[string]bool{"r-1": true, "u-rev": true, "u-adm": false, "r-2": false} {
		if ok, err := db.Assigned(ctx, "e-1", id); err != nil || ok != want {
			t.Errorf("assigned %s: %v %v", id, ok, err)
		}
	}

	// Revoking works at once, keeps the row and its first time.
	rv, err := db.RevokeReviewer(ctx, "r-1", byAdmin)
	if err != nil || rv.Revoked == nil || !rv.Revoked.Equal(byAdmin.At) || len(rv.Exams) != 1 {
		t.Fatalf("revoke %+v %v", rv, err)
	}
	if _, err := db.ReviewerByToken(ctx, []byte{1}, examStart); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("revoked token: %v", err)
	}
	later := byAdmin
	later.At = later.At.Add(time.Hour)
	if rv, err := db.RevokeReviewer(ctx, "r-1", later); err != nil || !rv.Revoked.Equal(byAdmin.At) {
		t.Errorf("revoking again %+v %v", rv, err)
	}
	if _, err := db.RevokeReviewer(ctx, "r-9", byAdmin); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	list, err := db.Reviewers(ctx)
	if err != nil || len(list) != 1 || list[0].ID != "r-1" || list[0].Revoked == nil || strings.Join(list[0].Exams, ",") != "e-1" {
		t.Errorf("reviewers %+v %v", list, err)
	}
}

// A database created before the exams existed gains them on the next
// Open, keeping its kiosks.
func TestMigrateFrom0001(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	raw := migratedBefore(t, path, "0002")
	if _, err := raw.Exec(`INSERT INTO kiosks VALUES ('k-1', 'a', 'hall', 60, '[{"name":"door","a":[0,0.8],"b":[1,0.8],"mode":"immediate"}]', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db := open(t, path)
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	if n := count(t, db, "SELECT count(*) FROM schema_migrations"); n != len(names) {
		t.Errorf("%d migrations recorded", n)
	}
	if k, err := db.Kiosk(ctx, "k-1"); err != nil || k.Lines[0].Name != "door" {
		t.Errorf("kiosk after migration: %+v %v", k, err)
	}
	startLogin(t, db)
	appendSummary(t, db, summary("s-1", 1, wire.Genesis, event(wire.Paste, 1, 0, 0)))
}

// TestRepeatedViewsLoggedOnce: a reviewer refreshing a session's page is
// one view per ViewWindow, in the views the student sees and in the access
// log; another reviewer (by kind and id, not name), another session or a
// later look is a new entry.
func TestRepeatedViewsLoggedOnce(t *testing.T) {
	db := openNew(t)
	startLogin(t, db)
	at := examStart.Add(24 * time.Hour)
	jansen := func(d time.Duration) server.Actor {
		return server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: at.Add(d)}
	}
	_, before, _ := verify(t, db)
	n0, _, _ := verify(t, db)
	for _, v := range []struct {
		what string
		by   server.Actor
	}{
		{"session s-1", jansen(0)},
		{"session s-1", jansen(20 * time.Second)}, // refreshes
		{"session s-1", jansen(2 * time.Minute)},
		{"session s-1", jansen(server.ViewWindow - time.Second)},
		{"timeline of session s-1", jansen(time.Minute)}, // another view
		{"session s-1", server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: at.Add(time.Minute)}}, // another actor
		{"session s-1", jansen(server.ViewWindow)}, // a later look
		// Two reviewer tokens of one name are two reviewers.
		{"session s-1", server.Actor{Kind: server.ActorReviewerToken, ID: "r-1", Who: "Committee", At: at.Add(time.Minute)}},
		{"session s-1", server.Actor{Kind: server.ActorReviewerToken, ID: "r-2", Who: "Committee", At: at.Add(2 * time.Minute)}},
	} {
		if err := db.LogView(ctx, "st-1", v.what, v.by); err != nil {
			t.Fatal(err)
		}
	}
	views, err := db.Views(ctx, "st-1")
	if err != nil || len(views) != 6 {
		t.Fatalf("%d views, want 6: %+v %v", len(views), views, err)
	}
	if n, seq, err := verify(t, db); err != nil || seq != before || n != n0+6 {
		t.Errorf("access log: %d entries (want %d), broken at %d: %v", n, n0+6, seq, err)
	}
}
