//go:build !js

package sqlite

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// afterExam is when exam e-1's window has closed.
var afterExam = examStart.Add(4 * time.Hour)

// history gives st-1 (session s-1) every kind of row: summaries with events,
// a finish with receipt, a lifted mark, a note, a view and an objection; and
// adds st-2 on the same exam with session s-2 and rows of its own, which
// must survive st-1's deletion.
func history(t *testing.T) *DB {
	t.Helper()
	db := openNew(t)
	startLogin(t, db)
	s1 := summary("s-1", 1, wire.Genesis, event(wire.FaceAbsent, 1, 10000, 30000))
	appendSummary(t, db, s1)
	key, _ := db.ReceiptKey(ctx)
	if _, err := db.FinishSession(ctx, "s-1", 1, s1.Hash(), examStart.Add(time.Hour), func(ss server.Session) wire.SignedReceipt {
		return wire.Receipt{Session: ss.ID, Exam: ss.Exam, LastSeq: 1, Head: ss.Head, Issued: ss.Finished.UnixMilli()}.Sign(key)
	}); err != nil {
		t.Fatal(err)
	}
	addStudent(t, db, "st-2", "e-1", "1002")
	pub, _, _ := ed25519.GenerateKey(nil)
	if err := db.CreateSession(ctx, server.Session{ID: "s-2", Student: "st-2", PublicKey: pub, Build: build, Started: examStart}); err != nil {
		t.Fatal(err)
	}
	appendSummary(t, db, summary("s-2", 1, wire.Genesis, event(wire.Paste, 1, 0, 0)))
	for _, s := range []string{"s-1", "s-2"} {
		m, err := db.AddMark(ctx, server.Mark{Session: s, Kind: server.MarkAppeal, Reason: "student appealed"}, server.Actor{Kind: server.ActorStaff, ID: "u-Dr. J", Who: "Dr. J", At: examStart})
		if err != nil {
			t.Fatal(err)
		}
		// Lifted behind the API, so the test does not depend on how a
		// removal is made: the rule reads only removed_ms.
		db.db.Exec("UPDATE marks SET removed_ms = ? WHERE id = ?", examStart.Add(time.Hour).UnixMilli(), m.ID)
		if _, err := db.AddNote(ctx, server.Note{Session: s, Text: "looked fine"}, server.Actor{Kind: server.ActorStaff, ID: "u-Dr. J", Who: "Dr. J", At: examStart}); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []string{"st-1", "st-2"} {
		if err := db.LogView(ctx, st, "session", server.Actor{Kind: server.ActorStaff, ID: "u-Dr. J", Who: "Dr. J", At: examStart}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddObjection(ctx, server.Objection{Student: st, Reason: "I object", At: examStart}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// rowsOf counts, in every table that has a student_id or session_id column
// (tables other migrations add included), the rows of student st or of its
// sessions; granted deletion requests are the records that stay.
func rowsOf(t *testing.T, db *DB, st string, sessions ...string) map[string]int {
	t.Helper()
	rows, err := db.db.Query(`SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND p.name IN ('student_id', 'session_id')`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		rows.Scan(&c.table, &c.column)
		cols = append(cols, c)
	}
	rows.Close()
	n := map[string]int{"students": count(t, db, "SELECT count(*) FROM students WHERE id = '"+st+"'")}
	for _, c := range cols {
		q := "SELECT count(*) FROM " + c.table + " WHERE student_id = '" + st + "'"
		if c.column == "session_id" {
			q = "SELECT count(*) FROM " + c.table + " WHERE session_id IN ('" + strings.Join(sessions, "','") + "')"
		}
		if c.table == "deletion_requests" {
			q += " AND status <> 'granted'"
		}
		n[c.table] += count(t, db, q)
	}
	return n
}

func total(n map[string]int) int {
	sum := 0
	for _, v := range n {
		sum += v
	}
	return sum
}

func TestDeletionRule(t *testing.T) {
	t.Run("marked: pending", func(t *testing.T) {
		db := history(t)
		if _, err := db.AddMark(ctx, server.Mark{Session: "s-1", Kind: server.MarkFraud, Reason: "two faces"}, server.Actor{Kind: server.ActorStaff, ID: "u-Dr. J", Who: "Dr. J", At: examStart}); err != nil {
			t.Fatal(err)
		}
		before := rowsOf(t, db, "st-1", "s-1")
		d, err := db.RequestDeletion(ctx, "st-1", "I finished my studies", afterExam)
		if err != nil || d.Status != server.DeletionPending || d.Reason != "I finished my studies" || d.Exam != "e-1" {
			t.Fatalf("request %+v %v", d, err)
		}
		after := rowsOf(t, db, "st-1", "s-1")
		after["deletion_requests"]--
		if total(before) != total(after) {
			t.Errorf("rows before %v, after %v", before, after)
		}
		// Asking again while pending returns the same request.
		again, err := db.RequestDeletion(ctx, "st-1", "again", afterExam.Add(time.Hour))
		if err != nil || again.ID != d.ID || count(t, db, "SELECT count(*) FROM deletion_requests") != 1 {
			t.Errorf("second request %+v %v", again, err)
		}
	})
	t.Run("window open: pending", func(t *testing.T) {
		db := history(t)
		d, err := db.RequestDeletion(ctx, "st-1", "", examStart.Add(3*time.Hour-time.Millisecond))
		if err != nil || d.Status != server.DeletionPending || rowsOf(t, db, "st-1", "s-1")["sessions"] != 1 {
			t.Fatalf("request %+v %v", d, err)
		}
	})
	t.Run("closed, in the review period: pending", func(t *testing.T) {
		db := history(t)
		end := examStart.Add(3 * time.Hour)
		for _, at := range []time.Time{end, end.Add(time.Second), server.DefaultRetention.ReviewEnds(end).Add(-time.Millisecond)} {
			d, err := db.RequestDeletion(ctx, "st-1", "", at)
			if err != nil || d.Status != server.DeletionPending || rowsOf(t, db, "st-1", "s-1")["sessions"] != 1 {
				t.Fatalf("at %v: request %+v %v", at, d, err)
			}
		}
	})
	t.Run("clean and closed: granted", func(t *testing.T) {
		db := history(t)
		before := rowsOf(t, db, "st-1", "s-1")
		other := rowsOf(t, db, "st-2", "s-2")
		for table, n := range map[string]int{"students": 1, "sessions": 1, "summaries": 1, "events": 1, "marks": 1, "notes": 1, "views": 1, "objections": 1} {
			if before[table] != n || other[table] != n {
				t.Fatalf("setup: %s has %d rows of st-1, %d of st-2", table, before[table], other[table])
			}
		}
		nLog, _, _ := verify(t, db)
		// The review period's end itself counts as passed.
		at := server.DefaultRetention.ReviewEnds(examStart.Add(3 * time.Hour))
		d, err := db.RequestDeletion(ctx, "st-1", "I finished my studies", at)
		if err != nil || d.Status != server.DeletionGranted || d.DecidedBy != server.WhoAutomatic || d.Decided == nil || !d.Decided.Equal(at) {
			t.Fatalf("request %+v %v", d, err)
		}
		if got := rowsOf(t, db, "st-1", "s-1"); total(got) != 0 {
			t.Errorf("left of st-1: %v", got)
		}
		if got := rowsOf(t, db, "st-2", "s-2"); total(got) != total(other) {
			t.Errorf("st-2's rows %v, were %v", got, other)
		}
		// The record keeps counts only: the student's reason is gone.
		want := map[string]int{"students": 1, "sessions": 1, "summaries": 1, "events": 1, "marks": 1, "notes": 1, "views": 1, "objections": 1, "deletion_requests": 0}
		recs, _ := db.DeletionRequests(ctx, server.DeletionGranted)
		if len(recs) != 1 || recs[0].Reason != "" || len(recs[0].Deleted) != len(want) {
			t.Fatalf("records %+v", recs)
		}
		for k, v := range want {
			if recs[0].Deleted[k] != v {
				t.Errorf("deleted %s: %d, want %d", k, recs[0].Deleted[k], v)
			}
		}
		// The log keeps its entries, still verifies, and records the
		// request and the deletion; the student's text is in neither.
		n, bad, err := verify(t, db)
		if err != nil || bad != 0 || n != nLog+2 {
			t.Fatalf("log: %d entries (were %d), %d %v", n, nLog, bad, err)
		}
		es, _ := db.AccessEntries(ctx, int64(nLog+1), 0)
		if es[0].Action != server.ActionRequestDeletion || es[1].Action != server.ActionDeleteStudent || es[1].Who != server.WhoAutomatic ||
			!strings.HasPrefix(es[1].Subject, "student st-1 ") {
			t.Errorf("entries %+v", es)
		}
		for _, e := range es {
			if strings.Contains(e.Reason+e.Subject, "studies") {
				t.Errorf("the log holds the student's reason: %+v", e)
			}
		}
		if _, err := db.Student(ctx, "st-1"); !errors.Is(err, server.ErrNotFound) {
			t.Errorf("student after deletion: %v", err)
		}
		if _, err := db.StudentByToken(ctx, []byte{1}); !errors.Is(err, server.ErrNotFound) {
			t.Errorf("token after deletion: %v", err)
		}
	})
}

func TestDecideDeletion(t *testing.T) {
	db := history(t)
	d, err := db.RequestDeletion(ctx, "st-1", "please", examStart) // window open: pending
	if err != nil || d.Status != server.DeletionPending {
		t.Fatal(d, err)
	}
	admin := server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: afterExam}
	refused, err := db.DecideDeletion(ctx, d.ID, false, "the appeal is still running", admin)
	if err != nil || refused.Status != server.DeletionRefused || refused.Decision != "the appeal is still running" || refused.DecidedBy != "admin" {
		t.Fatalf("refused %+v %v", refused, err)
	}
	if rowsOf(t, db, "st-1", "s-1")["sessions"] != 1 {
		t.Error("refusing deleted data")
	}
	if _, err := db.DecideDeletion(ctx, d.ID, true, "changed my mind", admin); !errors.Is(err, server.ErrDecided) {
		t.Errorf("deciding twice: %v", err)
	}
	if _, err := db.DecideDeletion(ctx, 999, true, "x", admin); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown request: %v", err)
	}
	es, _ := db.AccessEntries(ctx, 1, 0)
	if last := es[len(es)-1]; last.Action != server.ActionRefuseDeletion || last.Reason != "the appeal is still running" || last.Who != "admin" {
		t.Errorf("last entry %+v", last)
	}

	// A new request, granted by the admin although a mark is active.
	if _, err := db.AddMark(ctx, server.Mark{Session: "s-1", Kind: server.MarkFraud, Reason: "r"}, server.Actor{Kind: server.ActorStaff, ID: "u-Dr. J", Who: "Dr. J", At: examStart}); err != nil {
		t.Fatal(err)
	}
	// The rule sees the new mark, not the lifted one.
	end := examStart.Add(3 * time.Hour)
	if e, err := db.Erasure(ctx, "st-1"); err != nil || e.Exam != "e-1" || !e.WindowEnd.Equal(end) ||
		!e.ReviewEnds.Equal(server.DefaultRetention.ReviewEnds(end)) || e.ActiveMarks != 1 {
		t.Errorf("erasure %+v %v", e, err)
	}
	if _, err := db.Erasure(ctx, "st-9"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("erasure of unknown student: %v", err)
	}
	d2, err := db.RequestDeletion(ctx, "st-1", "", afterExam)
	if err != nil || d2.Status != server.DeletionPending || d2.ID == d.ID {
		t.Fatal(d2, err)
	}
	granted, err := db.DecideDeletion(ctx, d2.ID, true, "the committee closed the case", admin)
	if err != nil || granted.Status != server.DeletionGranted || granted.Deleted["marks"] != 2 || granted.Deleted["deletion_requests"] != 1 {
		t.Fatalf("granted %+v %v", granted, err)
	}
	if got := rowsOf(t, db, "st-1", "s-1"); total(got) != 0 {
		t.Errorf("left of st-1: %v", got)
	}
	if got := rowsOf(t, db, "st-2", "s-2"); got["sessions"] != 1 || got["objections"] != 1 || got["students"] != 1 {
		t.Errorf("st-2: %v", got)
	}
	es, _ = db.AccessEntries(ctx, 1, 0)
	if last := es[len(es)-1]; last.Action != server.ActionDeleteStudent || last.Reason != "the committee closed the case" {
		t.Errorf("last entry %+v", last)
	}
	if _, err := db.RequestDeletion(ctx, "st-1", "", afterExam); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("a deleted student's request: %v", err)
	}
}

func TestObjectionsAndEmail(t *testing.T) {
	db := history(t)
	os, err := db.Objections(ctx, "st-1")
	if err != nil || len(os) != 1 || os[0].Reason != "I object" || os[0].Student != "st-1" || os[0].ID == 0 {
		t.Fatalf("objections %+v %v", os, err)
	}
	for i := 1; i < server.MaxObjections; i++ {
		if _, err := db.AddObjection(ctx, server.Objection{Student: "st-1", Reason: "again", At: examStart}); err != nil {
			t.Fatal(i, err)
		}
	}
	if _, err := db.AddObjection(ctx, server.Objection{Student: "st-1", Reason: "one too many", At: examStart}); !errors.Is(err, server.ErrTooManyObjections) {
		t.Errorf("over the cap: %v", err)
	}
	if _, err := db.AddObjection(ctx, server.Objection{Student: "st-9", Reason: "x", At: examStart}); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown student: %v", err)
	}

	if err := db.SetEmail(ctx, "st-1", "new@uni.nl", afterExam); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.Student(ctx, "st-1"); st.Email != "new@uni.nl" {
		t.Errorf("email %q", st.Email)
	}
	if err := db.SetEmail(ctx, "st-9", "x@uni.nl", afterExam); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown student: %v", err)
	}
	es, _ := db.AccessEntries(ctx, 1, 0)
	if last := es[len(es)-1]; last.Action != server.ActionRectifyEmail || last.Who != server.WhoStudent || last.Subject != "student st-1" ||
		strings.Contains(last.Reason, "uni.nl") {
		t.Errorf("last entry %+v", last)
	}
}

func TestStudentAccessLog(t *testing.T) {
	db := history(t)
	// Look-alike subjects of other ids must not match.
	for _, subject := range []string{"student st-10", "session s-10 mark 1", "student st-1x", "exam e-1"} {
		if _, err := db.Access(ctx, server.AccessEntry{Kind: server.ActorStaff, Who: "x", Action: "probe", Subject: subject, At: examStart}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := db.StudentAccessLog(ctx, "st-1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Action+" | "+e.Subject)
	}
	want := []string{
		"add mark | session s-1 mark 1 appeal",
		"add note | session s-1 note 1",
		"view | student st-1: session",
		"objection | student st-1 objection 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := db.StudentAccessLog(ctx, "st-9"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown student: %v", err)
	}
}

// A policy stored before review_days existed reads with the default review
// period, not with none (which would grant every request at once).
func TestStoredPolicyKeepsNewDefaults(t *testing.T) {
	db := openNew(t)
	if _, err := db.db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", retentionSetting,
		`{"session_days":30,"marked_months":6,"count_days":400,"access_log_years":2}`); err != nil {
		t.Fatal(err)
	}
	p, err := db.RetentionPolicy(ctx)
	if err != nil || p.ReviewDays != server.DefaultRetention.ReviewDays || p.SessionDays != 30 {
		t.Errorf("policy %+v %v", p, err)
	}
}
