package retention_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/retention"
	"github.com/lokaal-nl/lokaal/server/sqlite"
	"github.com/lokaal-nl/lokaal/server/sqlite/sqlitetest"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var ctx = context.Background()

// windowEnd is when the test exam's window closes; day n is windowEnd plus
// n days.
var windowEnd = time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)

func day(n int) time.Time { return windowEnd.Add(time.Duration(n) * 24 * time.Hour) }

var admin = server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: windowEnd.Add(-30 * 24 * time.Hour)}

type env struct {
	t    *testing.T
	db   *sqlite.DB
	raw  *sql.DB // a second connection, to count rows behind the store's back
	path string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lokaal.db")
	db, err := sqlitetest.Open(ctx, path) // LOKAAL_STORE=d1: on the D1 driver
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return &env{t: t, db: db, raw: raw, path: path}
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.raw.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// exam creates exam id whose window ends at end.
func (e *env) exam(id string, end time.Time) {
	e.t.Helper()
	ex := server.Exam{ID: id, Name: "Statistiek", Course: "STAT1", Start: end.Add(-3 * time.Hour), End: end,
		Announced: end.Add(-20 * 24 * time.Hour), LegalBasis: "OER", Alternatives: "oral exam", URL: "/sample-exam", IntervalS: 30,
		Detectors: []wire.DetectorSetting{{Kind: wire.FaceAbsent, ThresholdS: 10}}}
	if err := e.db.CreateExam(ctx, ex, admin); err != nil {
		e.t.Fatal(err)
	}
}

// session adds student st-NAME to the exam with session s-NAME holding two
// summaries with an event each, a note and a view.
func (e *env) session(examID, name string, end time.Time) string {
	e.t.Helper()
	st, id := "st-"+name, "s-"+name
	if err := e.db.AddStudents(ctx, []server.Student{{ID: st, Exam: examID, External: "n" + name, Email: name + "@uni.nl"}},
		[][]byte{[]byte("token-" + name)}, admin); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.SetChoice(ctx, st, server.ChoiceProctored, end.Add(-3*time.Hour)); err != nil {
		e.t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	from := end.Add(-3 * time.Hour).UnixMilli()
	if err := e.db.CreateSession(ctx, server.Session{ID: id, Student: st, PublicKey: pub, Build: strings.Repeat("ab", 32),
		Started: end.Add(-3 * time.Hour), Precheck: wire.Precheck{Camera: true, FaceFound: true, Frames: 10, FaceFrames: 10},
		Policy: wire.Policy{Session: id, IntervalS: 30, From: from, To: end.UnixMilli()}}); err != nil {
		e.t.Fatal(err)
	}
	prev := wire.Genesis
	for seq := int64(1); seq <= 2; seq++ {
		w := from + (seq-1)*30000
		s := wire.Summary{Session: id, Seq: seq, Prev: prev, Build: strings.Repeat("ab", 32), Window: wire.Window{From: w, To: w + 30000},
			Events: []wire.Event{{Kind: wire.FaceAbsent, Start: w, End: w + 1000, Peak: 1}}, Health: wire.Health{Frames: 300, FPS: 10}}
		if _, err := e.db.AppendSummary(ctx, server.StoredSummary{Summary: s, Sig: "sig", Received: end}); err != nil {
			e.t.Fatal(err)
		}
		sums, err := e.db.Summaries(ctx, id)
		if err != nil {
			e.t.Fatal(err)
		}
		prev = sums[len(sums)-1].Hash
	}
	if _, err := e.db.AddNote(ctx, server.Note{Session: id, Text: "webcam angle"}, server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: end}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.LogView(ctx, st, "session "+id, server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: end}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) mark(session string, kind server.MarkKind, at time.Time) server.Mark {
	e.t.Helper()
	m, err := e.db.AddMark(ctx, server.Mark{Session: session, Kind: kind, Reason: "second voice"}, server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: at})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) run(now time.Time) server.DeletionRecord {
	e.t.Helper()
	rec, err := retention.Run(ctx, e.db, now, server.TriggerManual)
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// present reports whether session id and everything stored with it are
// there (true), all gone (false), or fails on a partial deletion.
func (e *env) present(id string) bool {
	e.t.Helper()
	n := map[string]int{}
	for _, table := range []string{"summaries", "events", "notes"} {
		n[table] = e.count("SELECT count(*) FROM "+table+" WHERE session_id = ?", id)
	}
	n["sessions"] = e.count("SELECT count(*) FROM sessions WHERE id = ?", id)
	st := "st-" + strings.TrimPrefix(id, "s-")
	n["students"] = e.count("SELECT count(*) FROM students WHERE id = ?", st)
	n["views"] = e.count("SELECT count(*) FROM views WHERE student_id = ?", st)
	want := map[string]int{"summaries": 2, "events": 2, "notes": 1, "sessions": 1, "students": 1, "views": 1}
	gone := true
	for _, v := range n {
		gone = gone && v == 0
	}
	if gone {
		return false
	}
	for k, v := range want {
		if n[k] != v {
			e.t.Fatalf("session %s partly deleted: %v", id, n)
		}
	}
	return true
}

// TestSessionBoundary: a session is due the moment SessionDays have passed
// since the window ended (now >= end + 45 days): kept on day 44 and a
// millisecond before day 45, gone on day 46. A fresh exam is untouched.
func TestSessionBoundary(t *testing.T) {
	e := newEnv(t)
	e.exam("e-old", windowEnd)
	e.exam("e-new", day(40))
	old := e.session("e-old", "old", windowEnd)
	fresh := e.session("e-new", "fresh", day(40))
	noSession := "st-absent"
	if err := e.db.AddStudents(ctx, []server.Student{{ID: noSession, Exam: "e-old", External: "n-absent", Email: "x@uni.nl"}}, [][]byte{{9}}, admin); err != nil {
		t.Fatal(err)
	}

	for _, now := range []time.Time{day(44), day(45).Add(-time.Millisecond)} {
		if rec := e.run(now); rec.Deleted.Sessions != 0 || !e.present(old) {
			t.Fatalf("%v: deleted %+v", now, rec.Deleted)
		}
	}
	rec := e.run(day(46))
	want := server.DeletionCounts{Sessions: 1, Summaries: 2, Events: 2, Notes: 1, Students: 2, Views: 1}
	if rec.Deleted != want || e.present(old) {
		t.Errorf("day 46: deleted %+v, want %+v", rec.Deleted, want)
	}
	if n := e.count("SELECT count(*) FROM students WHERE id = ?", noSession); n != 0 {
		t.Error("a student without a session outlived the exam's sessions")
	}
	if !e.present(fresh) || e.count("SELECT count(*) FROM exams") != 2 {
		t.Error("the fresh exam's session or an exam was touched")
	}
	// The fresh exam ended on day 40: its day 44 is day 84, and it is due
	// exactly at its end + 45 days, day 85.
	if rec := e.run(day(84)); rec.Deleted.Sessions != 0 || !e.present(fresh) {
		t.Errorf("day 84: %+v", rec.Deleted)
	}
	if rec := e.run(day(85)); rec.Deleted.Sessions != 1 || e.present(fresh) {
		t.Errorf("day 85: %+v", rec.Deleted)
	}
}

// TestMarkKeeps: a mark placed on day 40 keeps its session until six
// months after the mark; an unmarked session of the same exam goes on day
// 46 and its student with it, the marked session's student stays.
func TestMarkKeeps(t *testing.T) {
	e := newEnv(t)
	e.exam("e-1", windowEnd)
	marked := e.session("e-1", "marked", windowEnd)
	plain := e.session("e-1", "plain", windowEnd)
	markAt := day(40)
	e.mark(marked, server.MarkFraud, markAt)
	expiry := markAt.AddDate(0, 6, 0)

	if rec := e.run(day(46)); rec.Deleted.Sessions != 1 || rec.Deleted.Students != 1 || e.present(plain) || !e.present(marked) {
		t.Fatalf("day 46: %+v", rec.Deleted)
	}
	if e.count("SELECT count(*) FROM marks WHERE session_id = ?", marked) != 1 {
		t.Fatal("the mark went")
	}
	for _, now := range []time.Time{expiry.Add(-24 * time.Hour), expiry.Add(-time.Millisecond)} {
		if rec := e.run(now); rec.Deleted.Sessions != 0 || !e.present(marked) {
			t.Fatalf("%v (mark + 6 months - a little): %+v", now, rec.Deleted)
		}
	}
	rec := e.run(expiry)
	if rec.Deleted.Sessions != 1 || rec.Deleted.Marks != 1 || rec.Deleted.Students != 1 || e.present(marked) {
		t.Errorf("at mark + 6 months: %+v", rec.Deleted)
	}
}

// TestMarkRemoved: lifting the mark on day 50 returns the session to the
// default rule, so the next run deletes it. The latest active mark counts.
func TestMarkRemoved(t *testing.T) {
	e := newEnv(t)
	e.exam("e-1", windowEnd)
	s := e.session("e-1", "a", windowEnd)
	fraud := e.mark(s, server.MarkFraud, day(40))
	if rec := e.run(day(46)); rec.Deleted.Sessions != 0 {
		t.Fatalf("day 46: %+v", rec.Deleted)
	}
	if err := e.db.RemoveMark(ctx, s, fraud.ID, "the voice was the invigilator", server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: day(50)}, false); err != nil {
		t.Fatal(err)
	}
	if rec := e.run(day(50).Add(time.Hour)); rec.Deleted.Sessions != 1 || rec.Deleted.Marks != 1 || e.present(s) {
		t.Errorf("after the mark was lifted: %+v", rec.Deleted)
	}

	// Two marks: lifting the later one falls back to the earlier.
	e.exam("e-2", day(100))
	s2 := e.session("e-2", "b", day(100))
	e.mark(s2, server.MarkAppeal, day(110))
	later := e.mark(s2, server.MarkFraud, day(130))
	if err := e.db.RemoveMark(ctx, s2, later.ID, "resolved", server.Actor{Kind: server.ActorStaff, ID: "u-Jansen", Who: "Jansen", At: day(131)}, false); err != nil {
		t.Fatal(err)
	}
	if rec := e.run(day(110).AddDate(0, 6, 0).Add(-time.Hour)); rec.Deleted.Sessions != 0 {
		t.Errorf("the earlier active mark did not keep it: %+v", rec.Deleted)
	}
	if rec := e.run(day(110).AddDate(0, 6, 0)); rec.Deleted.Sessions != 1 || rec.Deleted.Marks != 2 {
		t.Errorf("at the earlier mark + 6 months: %+v", rec.Deleted)
	}
}

// counts sets up kiosk k-1 in room hall with lines door and side and
// device d-1.
func counts(t *testing.T, e *env) {
	t.Helper()
	door := wire.Line{Name: "door", A: [2]float64{0, 0.8}, B: [2]float64{1, 0.8}, Mode: wire.Immediate}
	side := wire.Line{Name: "side", A: [2]float64{0.5, 0}, B: [2]float64{0.5, 1}, Mode: wire.Deferred}
	if err := e.db.CreateKiosk(ctx, server.Kiosk{ID: "k-1", Name: "a", Room: "hall", IntervalS: 60, Lines: []wire.Line{door, side}}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetEnrolmentCode(ctx, "k-1", []byte("code"), day(10000)); err != nil {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	if _, err := e.db.Enrol(ctx, []byte("code"), server.Device{ID: "d-1", PublicKey: pub}, windowEnd); err != nil {
		t.Fatal(err)
	}
}

func ingest(t *testing.T, e *env, seq int64, start time.Time, in, out int64) (server.IngestResult, error) {
	t.Helper()
	b := wire.CountBatch{Device: "d-1", Seq: seq, Build: strings.Repeat("ab", 32), Start: start.UnixMilli(), End: start.Add(time.Minute).UnixMilli(),
		Lines: []wire.LineCount{{Line: "door", In: in, Out: out}, {Line: "side", In: out, Out: in}}}
	return e.db.Ingest(ctx, b, []byte(fmt.Sprint(seq, in, out)), start)
}

type total struct{ in, out int64 }

func sums(t *testing.T, e *env, from, to time.Time) map[string]total {
	t.Helper()
	m := map[string]total{}
	for r, err := range e.db.Counts(ctx, "hall", from, to) {
		if err != nil {
			t.Fatal(err)
		}
		if r.Room != "hall" || r.Kiosk != "k-1" || (r.Inside == wire.Left) != (r.Line == "door") {
			t.Errorf("row %+v", r)
		}
		k := r.Start.UTC().Truncate(time.Hour).Format(time.RFC3339) + " " + r.Line
		m[k] = total{m[k].in + r.In, m[k].out + r.Out}
	}
	return m
}

// TestCountRollUp: batches 399 days old stay in full; 401 days old are
// summed per kiosk, line and hour, with the same totals through Counts,
// and deleted. A resend of a rolled-up batch is refused, a late batch from
// a gap joins its hour at the next run.
func TestCountRollUp(t *testing.T) {
	e := newEnv(t)
	counts(t, e)
	now := time.Date(2028, 6, 1, 12, 0, 0, 0, time.UTC)
	oldHour := now.Add(-401 * 24 * time.Hour).Truncate(time.Hour)
	keptAt := now.Add(-399 * 24 * time.Hour)
	seq := int64(0)
	next := func(start time.Time, in, out int64) {
		seq++
		if _, err := ingest(t, e, seq, start, in, out); err != nil {
			t.Fatal(err)
		}
	}
	// Six batches in one old hour, two in the next, one skipped seq (a gap).
	for i := range 6 {
		next(oldHour.Add(time.Duration(i)*10*time.Minute), int64(i+1), 1)
	}
	next(oldHour.Add(70*time.Minute), 5, 2)
	seq++ // seq 8 never arrives in time
	next(oldHour.Add(90*time.Minute), 7, 3)
	next(keptAt, 4, 4)
	next(now.Add(-time.Hour), 9, 9)

	span := [2]time.Time{oldHour.Add(-time.Hour), now}
	before := sums(t, e, span[0], span[1])
	rec := e.run(now)
	if rec.Deleted.CountBatches != 8 || rec.Deleted.HourlyRows != 4 {
		t.Errorf("deleted %+v, want 8 batches rolled into 4 rows (2 hours x 2 lines)", rec.Deleted)
	}
	if n := e.count("SELECT count(*) FROM batches"); n != 2 {
		t.Errorf("%d batches left, want the 399-day-old and the recent one", n)
	}
	if n := e.count("SELECT count(*) FROM batch_lines"); n != 4 {
		t.Errorf("%d batch lines left", n)
	}
	after := sums(t, e, span[0], span[1])
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("totals per hour and line changed:\nbefore %v\nafter  %v", before, after)
	}
	h := oldHour.Format(time.RFC3339)
	if got := after[h+" door"]; got != (total{1 + 2 + 3 + 4 + 5 + 6, 6}) {
		t.Errorf("door in the first old hour: %+v", got)
	}

	// A resend of a rolled-up batch must not count twice; of a kept one it
	// is a duplicate as before.
	if _, err := ingest(t, e, 3, oldHour.Add(20*time.Minute), 3, 1); !errors.Is(err, server.ErrRolledUp) {
		t.Errorf("resending a rolled-up batch: %v", err)
	}
	if res, err := ingest(t, e, 9, oldHour.Add(90*time.Minute), 7, 3); !errors.Is(err, server.ErrRolledUp) {
		t.Errorf("resending the last rolled-up batch: %v %v", res, err)
	}
	if res, err := ingest(t, e, 10, keptAt, 4, 4); err != nil || res != server.Duplicate {
		t.Errorf("resending a kept batch: %v %v", res, err)
	}
	// The batch from the gap arrives late: it is stored, and the next run
	// adds it to its hour.
	if res, err := ingest(t, e, 8, oldHour.Add(80*time.Minute), 10, 0); err != nil || res != server.Stored {
		t.Fatalf("late batch from a gap: %v %v", res, err)
	}
	rec = e.run(now.Add(time.Minute))
	if rec.Deleted.CountBatches != 1 || rec.Deleted.HourlyRows != 2 {
		t.Errorf("second run: %+v", rec.Deleted)
	}
	h2 := oldHour.Add(time.Hour).Format(time.RFC3339)
	if got := sums(t, e, span[0], span[1])[h2+" door"]; got != (total{5 + 7 + 10, 2 + 3}) {
		t.Errorf("door in the second old hour: %+v", got)
	}
	if n := e.count("SELECT count(*) FROM count_hours"); n != 4 {
		t.Errorf("%d hourly rows", n)
	}
}

// TestAccessLogAnchor: entries older than two years go, the rest verifies
// from the anchor, and tampering is still found.
func TestAccessLogAnchor(t *testing.T) {
	e := newEnv(t)
	now := time.Date(2029, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 8 {
		at := now.AddDate(-3, 0, i)
		if i >= 5 {
			at = now.AddDate(-1, 0, i)
		}
		if _, err := e.db.Access(ctx, server.AccessEntry{Kind: server.ActorStaff, At: at, Who: "admin", Action: server.ActionView, Subject: fmt.Sprint("student st-", i)}); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := e.db.AccessEntries(ctx, 1, 0)
	rec := e.run(now)
	if rec.Deleted.AccessEntries != 5 {
		t.Fatalf("deleted %+v", rec.Deleted)
	}
	anchor, err := e.db.AccessAnchor(ctx)
	if err != nil || anchor.Seq != 5 || anchor.Hash != all[4].Hash {
		t.Fatalf("anchor %+v %v, want seq 5 %s", anchor, err, all[4].Hash)
	}
	entries, _ := e.db.AccessEntries(ctx, 1, 0)
	if len(entries) != 4 || entries[0].Seq != 6 {
		t.Fatalf("%d entries from seq %d", len(entries), entries[0].Seq)
	}
	if seq, err := server.VerifyChainFrom(anchor, entries); err != nil {
		t.Errorf("kept log does not verify from the anchor: %d %v", seq, err)
	}
	if err := server.CheckAnchor(anchor, entries); err != nil {
		t.Error(err)
	}
	if seq, err := server.VerifyChainFrom(server.GenesisAnchor, entries); err == nil {
		t.Errorf("verified from genesis after deletion: %d", seq)
	}
	// The run's own entry names the anchor and the counts, no personal data.
	last := entries[len(entries)-1]
	if last.Who != server.RetentionWho || last.Action != server.ActionRetentionRun || !strings.Contains(last.Reason, "access_entries=5") ||
		last.Subject != server.RunSubject(rec.ID, anchor) {
		t.Errorf("run entry %+v", last)
	}

	// Tampering after the anchor is found as before.
	edited := append([]server.AccessEntry(nil), entries...)
	edited[1].Reason = "edited"
	if seq, err := server.VerifyChainFrom(anchor, edited); seq != 7 || err == nil {
		t.Errorf("edited entry: %d %v", seq, err)
	}
	if seq, err := server.VerifyChainFrom(anchor, entries[1:]); seq != 6 || err == nil {
		t.Errorf("first kept entry removed: %d %v", seq, err)
	}
	// Deleting more and moving the anchor behind the API's back shows as an
	// anchor the latest run did not record.
	moved := server.AccessAnchor{Seq: entries[0].Seq, Hash: entries[0].Hash}
	if _, err := server.VerifyChainFrom(moved, entries[1:]); err != nil {
		t.Fatal(err)
	}
	if err := server.CheckAnchor(moved, entries[1:]); err == nil {
		t.Error("a moved anchor passed")
	}

	// A run that deletes nothing logs nothing, and appending continues the
	// chain.
	n := len(entries)
	if rec := e.run(now.Add(time.Minute)); rec.Deleted.Any() {
		t.Errorf("second run deleted %+v", rec.Deleted)
	}
	if entries, _ = e.db.AccessEntries(ctx, 1, 0); len(entries) != n {
		t.Errorf("a run that deleted nothing was logged")
	}
}

// TestAccessLogAllOld: when every entry is old, the run's own entry
// continues the chain from the anchor.
func TestAccessLogAllOld(t *testing.T) {
	e := newEnv(t)
	now := time.Date(2029, 3, 1, 12, 0, 0, 0, time.UTC)
	for range 3 {
		if _, err := e.db.Access(ctx, server.AccessEntry{Kind: server.ActorStaff, At: now.AddDate(-3, 0, 0), Who: "admin", Action: server.ActionView, Subject: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	e.run(now)
	anchor, _ := e.db.AccessAnchor(ctx)
	entries, _ := e.db.AccessEntries(ctx, 1, 0)
	if anchor.Seq != 3 || len(entries) != 1 || entries[0].Seq != 4 {
		t.Fatalf("anchor %+v, entries %+v", anchor, entries)
	}
	if _, err := server.VerifyChainFrom(anchor, entries); err != nil {
		t.Error(err)
	}
	if err := server.CheckAnchor(anchor, entries); err != nil {
		t.Error(err)
	}
}

// TestAccessLogPrefix: only a prefix of the chain goes, so an old entry
// after a newer one (a clock set back) waits for it.
func TestAccessLogPrefix(t *testing.T) {
	e := newEnv(t)
	now := time.Date(2029, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, age := range []int{3, 3, 1, 3} {
		if _, err := e.db.Access(ctx, server.AccessEntry{Kind: server.ActorStaff, At: now.AddDate(-age, 0, 0), Who: "admin", Action: server.ActionView, Subject: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if rec := e.run(now); rec.Deleted.AccessEntries != 2 {
		t.Errorf("deleted %+v, want the first two", rec.Deleted)
	}
	anchor, _ := e.db.AccessAnchor(ctx)
	entries, _ := e.db.AccessEntries(ctx, 1, 0)
	if anchor.Seq != 2 || entries[0].Seq != 3 {
		t.Errorf("anchor %+v, first kept %d", anchor, entries[0].Seq)
	}
	if _, err := server.VerifyChainFrom(anchor, entries); err != nil {
		t.Error(err)
	}
}

// TestDeletionRecords: every run is recorded with its trigger, policy and
// counts; a policy change applies at the next run.
func TestDeletionRecords(t *testing.T) {
	e := newEnv(t)
	e.exam("e-1", windowEnd)
	e.session("e-1", "a", windowEnd)
	e.run(day(10))
	p := server.RetentionPolicy{SessionDays: 5, MarkedMonths: 6, CountDays: 400, AccessLogYears: 2, ReviewDays: 5}
	if err := e.db.SetRetentionPolicy(ctx, p, "exam board decision 2027-01", server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: day(10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := retention.Run(ctx, e.db, day(11), server.TriggerSchedule); err != nil {
		t.Fatal(err)
	}
	if _, err := retention.Run(ctx, e.db, day(11), "sometime"); err == nil {
		t.Error("an unknown trigger ran")
	}
	recs, err := e.db.DeletionRecords(ctx, 20)
	if err != nil || len(recs) != 2 {
		t.Fatalf("records %+v %v", recs, err)
	}
	if r := recs[0]; r.Trigger != server.TriggerSchedule || r.Policy != p || r.Deleted.Sessions != 1 || r.Deleted.Students != 1 || !r.At.Equal(day(11)) {
		t.Errorf("newest %+v", r)
	}
	if r := recs[1]; r.Trigger != server.TriggerManual || r.Policy != server.DefaultRetention || r.Deleted.Any() {
		t.Errorf("oldest %+v", r)
	}
	entries, _ := e.db.AccessEntries(ctx, 1, 0)
	var change, run int
	for _, en := range entries {
		switch en.Action {
		case server.ActionPolicyChange:
			change++
			if en.Reason != "exam board decision 2027-01" || !strings.Contains(en.Subject, `"session_days":45`) || !strings.Contains(en.Subject, `"session_days":5`) {
				t.Errorf("policy change entry %+v", en)
			}
		case server.ActionRetentionRun:
			run++
			if strings.Contains(en.Reason, "@uni.nl") || strings.Contains(en.Subject, "st-a") {
				t.Errorf("personal data in %+v", en)
			}
		}
	}
	if change != 1 || run != 1 {
		t.Errorf("%d policy changes, %d runs logged", change, run)
	}
	if err := e.db.SetRetentionPolicy(ctx, server.RetentionPolicy{}, "x", admin); err == nil {
		t.Error("an invalid policy was stored")
	}
}

// TestSpaceReclaimed: after a run that deleted many rows no page is left
// on the free list and the file is smaller.
func TestSpaceReclaimed(t *testing.T) {
	if sqlitetest.OnD1() {
		t.Skip("D1 manages its own space: Reclaim does nothing there")
	}
	e := newEnv(t)
	counts(t, e)
	now := time.Date(2028, 6, 1, 12, 0, 0, 0, time.UTC)
	start := now.Add(-500 * 24 * time.Hour)
	for seq := int64(1); seq <= 3000; seq++ {
		if _, err := ingest(t, e, seq, start.Add(time.Duration(seq)*time.Minute), seq, 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.raw.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		fi, err := os.Stat(e.path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	started := time.Now()
	rec := e.run(now)
	took := time.Since(started)
	if rec.Deleted.CountBatches != 3000 {
		t.Fatalf("deleted %+v", rec.Deleted)
	}
	if n := e.count("PRAGMA freelist_count"); n != 0 {
		t.Errorf("%d free pages after the run", n)
	}
	after := size()
	if after >= before/2 {
		t.Errorf("file %d bytes before, %d after", before, after)
	}
	t.Logf("3000 batches rolled up in %v: file %d -> %d bytes", took.Round(time.Millisecond), before, after)
}
