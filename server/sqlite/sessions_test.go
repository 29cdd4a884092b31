//go:build !js

package sqlite

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// TestOneSessionPerStudent: the store, not only the handler, keeps one
// session per student, and freezes the choice once it exists.
func TestOneSessionPerStudent(t *testing.T) {
	db := openNew(t)
	first := startLogin(t, db)
	again := first
	again.ID = "s-2"
	if err := db.CreateSession(ctx, again); !errors.Is(err, server.ErrSessionExists) {
		t.Errorf("second session: %v", err)
	}
	if err := db.SetChoice(ctx, "st-1", server.ChoiceAlternative, examStart); !errors.Is(err, server.ErrChoiceFrozen) {
		t.Errorf("switch after a session: %v", err)
	}
	if err := db.SetChoice(ctx, "st-1", server.ChoiceProctored, examStart.Add(time.Hour)); err != nil {
		t.Errorf("the same choice again: %v", err)
	}
	if st, _ := db.Student(ctx, "st-1"); st.Choice != server.ChoiceProctored || !st.ChoiceAt.Equal(examStart) {
		t.Errorf("student %+v: the choice or its time moved", st)
	}

	// Without the proctored choice, no session.
	if err := db.AddStudents(ctx, []server.Student{{ID: "st-2", Exam: "e-1", External: "1002"}}, [][]byte{{2}}, byAdmin); err != nil {
		t.Fatal(err)
	}
	again.Student = "st-2"
	if err := db.CreateSession(ctx, again); !errors.Is(err, server.ErrNoChoice) {
		t.Errorf("session without a choice: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM sessions"); n != 1 {
		t.Errorf("%d sessions stored", n)
	}
}

func TestAppendSummaryWindowsAdvance(t *testing.T) {
	db := openNew(t)
	startLogin(t, db)
	s1 := summary("s-1", 1, wire.Genesis)
	appendSummary(t, db, s1)
	s2 := summary("s-1", 2, s1.Hash())
	s2.Window.From = s1.Window.To - 1
	if _, err := db.AppendSummary(ctx, server.StoredSummary{Summary: s2, Received: examStart}); !errors.Is(err, server.ErrWindowOverlap) {
		t.Errorf("overlapping window: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM summaries"); n != 1 {
		t.Errorf("%d summaries stored", n)
	}
	s2.Window.From = s1.Window.To
	appendSummary(t, db, s2)
}

// TestD1StartsRace: two starts of one student at once on D1, and a start
// racing a switch to the alternative: one session or none, and a stored
// choice that agrees with it.
func TestD1StartsRace(t *testing.T) {
	db, b := openD1(t)
	base := startLogin(t, db)
	addStudent(t, db, "st-2", "e-1", "1002")
	errs := make([]error, 2)
	race(b, func(i int) {
		s := base
		s.Student = "st-2"
		s.ID = []string{"s-a", "s-b"}[i]
		s.PublicKey, _, _ = ed25519.GenerateKey(nil)
		errs[i] = db.CreateSession(ctx, s)
	})
	if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), server.ErrSessionExists) {
		t.Errorf("two starts: %v, want one session and one ErrSessionExists", errs)
	}

	addStudent(t, db, "st-3", "e-1", "1003")
	race(b, func(i int) {
		if i == 0 {
			s := base
			s.ID, s.Student = "s-c", "st-3"
			errs[i] = db.CreateSession(ctx, s)
		} else {
			errs[i] = db.SetChoice(ctx, "st-3", server.ChoiceAlternative, examStart)
		}
	})
	st, err := db.Student(ctx, "st-3")
	if err != nil {
		t.Fatal(err)
	}
	sessions := count(t, db, "SELECT count(*) FROM sessions WHERE student_id = 'st-3'")
	switch {
	case errs[0] == nil && errors.Is(errs[1], server.ErrChoiceFrozen) && st.Choice == server.ChoiceProctored && sessions == 1:
	case errors.Is(errs[0], server.ErrNoChoice) && errs[1] == nil && st.Choice == server.ChoiceAlternative && sessions == 0:
	default:
		t.Errorf("start %v, switch %v: choice %q with %d sessions", errs[0], errs[1], st.Choice, sessions)
	}
}

// TestReceiptSeedOverride: a configured seed (LOKAAL_RECEIPT_KEY, a Worker
// secret) replaces the stored key without touching it; without one, the
// stored key is used again.
func TestReceiptSeedOverride(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	a := open(t, path)
	stored, err := a.ReceiptKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	if err := a.UseReceiptSeed(" " + base64.StdEncoding.EncodeToString(seed) + "\n"); err != nil {
		t.Fatal(err)
	}
	got, err := a.ReceiptKey(ctx)
	if err != nil || !got.Equal(ed25519.NewKeyFromSeed(seed)) {
		t.Fatalf("with a seed: %x %v", got, err)
	}
	if again, err := open(t, path).ReceiptKey(ctx); err != nil || !again.Equal(stored) {
		t.Errorf("the stored key changed: %x %v", again, err)
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(seed[:31]), base64.StdEncoding.EncodeToString(make([]byte, 64))} {
		b := openNew(t)
		if err := b.UseReceiptSeed(bad); err == nil {
			t.Errorf("seed %q accepted", bad)
		}
		if k, err := b.ReceiptKey(ctx); err != nil || k.Equal(ed25519.NewKeyFromSeed(seed)) || len(k) != ed25519.PrivateKeySize {
			t.Errorf("after refusing %q: %x %v", bad, k, err)
		}
	}
}
