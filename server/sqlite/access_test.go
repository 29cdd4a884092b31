//go:build !js

package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

func appendN(t *testing.T, db *DB, n int) []server.AccessEntry {
	t.Helper()
	var es []server.AccessEntry
	for i := range n {
		e, err := db.Access(ctx, server.AccessEntry{Kind: server.ActorStaff, At: examStart.Add(time.Duration(i) * time.Minute), Who: "admin",
			Action: server.ActionAddMark, Subject: fmt.Sprintf("session s-%d mark 1", i), Reason: "reason"})
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return es
}

func verify(t *testing.T, db *DB) (int, int64, error) {
	t.Helper()
	es, err := db.AccessEntries(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := server.VerifyChainFrom(server.GenesisAnchor, es)
	return len(es), seq, err
}

func TestAccessAppend(t *testing.T) {
	db := openNew(t)
	appended := appendN(t, db, 5)
	if appended[0].Prev != server.AccessGenesis || appended[0].Seq != 1 || appended[4].Seq != 5 || appended[4].Prev != appended[3].Hash {
		t.Errorf("chain links: %+v", appended)
	}
	n, seq, err := verify(t, db)
	if n != 5 || seq != 0 || err != nil {
		t.Errorf("%d entries, broken at %d: %v", n, seq, err)
	}
	stored, _ := db.AccessEntries(ctx, 1, 0)
	for i := range stored {
		if !stored[i].At.Equal(appended[i].At) || stored[i].Hash != appended[i].Hash || stored[i].Reason != "reason" {
			t.Errorf("stored %+v, appended %+v", stored[i], appended[i])
		}
	}
	page, err := db.AccessEntries(ctx, 2, 2)
	if err != nil || len(page) != 2 || page[0].Seq != 2 || page[1].Seq != 3 {
		t.Errorf("page from 2, 2: %+v %v", page, err)
	}
}

// Changes made with raw SQL, behind the store's back, break the chain at
// the first changed entry.
func TestAccessTamper(t *testing.T) {
	for name, tc := range map[string]struct {
		sql  []string
		want int64
	}{
		"reason edited":  {[]string{"UPDATE access_log SET reason = 'none' WHERE seq = 3"}, 3},
		"middle deleted": {[]string{"DELETE FROM access_log WHERE seq = 2"}, 2},
		"rows swapped": {[]string{
			"UPDATE access_log SET seq = -1 WHERE seq = 2",
			"UPDATE access_log SET seq = 2 WHERE seq = 4",
			"UPDATE access_log SET seq = 4 WHERE seq = -1",
		}, 2},
		"content swapped": {[]string{
			"UPDATE access_log SET subject = CASE seq WHEN 3 THEN (SELECT subject FROM access_log WHERE seq = 4) ELSE (SELECT subject FROM access_log WHERE seq = 3) END WHERE seq IN (3, 4)",
		}, 3},
	} {
		t.Run(name, func(t *testing.T) {
			db := openNew(t)
			appendN(t, db, 5)
			for _, q := range tc.sql {
				if _, err := db.db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			if _, seq, err := verify(t, db); seq != tc.want || !errors.Is(err, server.ErrAccessChain) {
				t.Errorf("broken at %d (%v), want %d", seq, err, tc.want)
			}
		})
	}
}

// Two connections to one database file append at once: the IMMEDIATE
// write transaction, not a Go mutex, keeps them on one chain.
func TestAccessConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	a, b := open(t, path), open(t, path)
	const each = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for i, db := range []*DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				if _, err := db.Access(ctx, server.AccessEntry{Kind: server.ActorStaff, Who: fmt.Sprintf("conn %d", i), Action: server.ActionView, Subject: fmt.Sprint(j)}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, seq, err := verify(t, a); n != 2*each || seq != 0 || err != nil {
		t.Errorf("%d entries, broken at %d: %v", n, seq, err)
	}
}

// Every logged store change appends its entry in its own transaction: a
// change that fails appends nothing.
func TestStoreChangesLogged(t *testing.T) {
	db := openNew(t)
	startLogin(t, db)
	jansen := server.Actor{Kind: server.ActorStaff, ID: "u-Dr. Jansen", Who: "Dr. Jansen", At: examStart}
	crisis := exam("e-1")
	crisis.Crisis = "campus closed"
	var markID int64
	for _, tc := range []struct {
		name                string
		change              func() error
		who, action, reason string // action "" means it fails and logs nothing
	}{
		{"view", func() error {
			return db.LogView(ctx, "st-1", "session s-1", server.Actor{Kind: server.ActorStaff, ID: "u-Dr. Jansen", Who: "Dr. Jansen", At: examStart})
		},
			"Dr. Jansen", server.ActionView, ""},
		{"view of unknown student", func() error { return db.LogView(ctx, "st-9", "x", jansen) }, "", "", ""},
		{"add mark", func() error {
			m, err := db.AddMark(ctx, server.Mark{Session: "s-1", Kind: server.MarkFraud, Reason: "second voice"}, server.Actor{Kind: server.ActorStaff, ID: "u-Dr. Jansen", Who: "Dr. Jansen", At: examStart})
			markID = m.ID
			return err
		}, "Dr. Jansen", server.ActionAddMark, ""}, // the reason stays with the mark
		{"mark on unknown session", func() error {
			_, err := db.AddMark(ctx, server.Mark{Session: "s-9", Kind: server.MarkFraud, Reason: "x"}, server.Actor{Kind: server.ActorStaff, ID: "u-x", Who: "x", At: examStart})
			return err
		}, "", "", ""},
		{"remove mark", func() error { return db.RemoveMark(ctx, "s-1", markID, "invigilator's voice", jansen, false) }, "Dr. Jansen", server.ActionRemoveMark, ""},
		{"remove unknown mark", func() error { return db.RemoveMark(ctx, "s-1", 999, "r", jansen, false) }, "", "", ""},
		{"add note", func() error {
			_, err := db.AddNote(ctx, server.Note{Session: "s-1", Text: "radio"}, server.Actor{Kind: server.ActorStaff, ID: "u-Dr. Jansen", Who: "Dr. Jansen", At: examStart})
			return err
		}, "Dr. Jansen", server.ActionAddNote, ""},
		{"update exam", func() error { return db.UpdateExam(ctx, crisis, byAdmin) }, "admin", server.ActionUpdateExam, "crisis: campus closed"},
		{"update unknown exam", func() error { return db.UpdateExam(ctx, exam("e-9"), byAdmin) }, "", "", ""},
		{"create exam twice", func() error { return db.CreateExam(ctx, exam("e-1"), byAdmin) }, "", "", ""},
		{"accommodations", func() error { return db.SetAccommodations(ctx, "st-1", nil, byAdmin) }, "admin", server.ActionSetAccommodations, ""},
		{"import", func() error {
			return db.AddStudents(ctx, []server.Student{{ID: "st-2", Exam: "e-1", External: "1002"}}, [][]byte{{2}}, byAdmin)
		}, "admin", server.ActionImportStudents, ""},
		{"import a taken student", func() error {
			return db.AddStudents(ctx, []server.Student{{ID: "st-3", Exam: "e-1", External: "1002"}}, [][]byte{{3}}, byAdmin)
		}, "", "", ""},
		{"reviewer", func() error {
			return db.CreateReviewer(ctx, server.Reviewer{ID: "r-1", Name: "Dr. Jansen"}, []byte{1}, byAdmin)
		},
			"admin", server.ActionCreateReviewer, ""},
		{"reviewer with a taken token", func() error { return db.CreateReviewer(ctx, server.Reviewer{ID: "r-2", Name: "B"}, []byte{1}, byAdmin) },
			"", "", ""},
	} {
		before, _ := db.AccessEntries(ctx, 1, 0)
		err := tc.change()
		after, _ := db.AccessEntries(ctx, 1, 0)
		added := after[len(before):]
		switch {
		case tc.action == "" && (err == nil || len(added) != 0):
			t.Errorf("%s: %v, logged %+v", tc.name, err, added)
		case tc.action == "":
		case err != nil || len(added) != 1:
			t.Errorf("%s: %v, logged %+v", tc.name, err, added)
		case added[0].Who != tc.who || added[0].Action != tc.action || added[0].Reason != tc.reason || !added[0].At.Equal(examStart):
			t.Errorf("%s: logged %+v", tc.name, added[0])
		}
	}
	if n, seq, err := verify(t, db); seq != 0 || err != nil {
		t.Errorf("%d entries, broken at %d: %v", n, seq, err)
	}
	if n := count(t, db, "SELECT count(*) FROM access_log WHERE subject LIKE '%radio%'"); n != 0 {
		t.Errorf("a note's text is in the log")
	}
}
