//go:build !js

package sqlite

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

// TestMigrateActorKinds: a log written before actor kinds still verifies
// after the migration, its entries of kind unknown; new entries carry
// their kind under a v2 hash; and a new entry rewritten into the old,
// kindless form breaks the chain even with its hash recomputed.
func TestMigrateActorKinds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	raw := migratedBefore(t, path, "0010")
	// The old log: names only, hashed without kinds.
	prev := server.AccessGenesis
	for i, who := range []string{"admin", "retention", "Dr. Jansen"} {
		e := server.AccessEntry{Seq: int64(i + 1), At: examStart.Add(time.Duration(i) * time.Minute), Who: who, Action: server.ActionView, Subject: "student st-1", Prev: prev}
		e.Hash = e.ComputeHash()
		if _, err := raw.Exec("INSERT INTO access_log (seq, at_ms, who, action, subject, reason, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			e.Seq, e.At.UnixMilli(), e.Who, e.Action, e.Subject, e.Reason, e.Prev, e.Hash); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
	if _, err := raw.Exec("INSERT INTO reviewers (id, name, token_hash) VALUES ('r-old', 'Jansen', '01')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db := open(t, path)
	verify := func() (int64, error) {
		t.Helper()
		entries, err := db.AccessEntries(ctx, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		return server.VerifyChainFrom(server.GenesisAnchor, entries)
	}
	if seq, err := verify(); err != nil {
		t.Fatalf("the old log after migration breaks at %d: %v", seq, err)
	}
	old, _ := db.AccessEntries(ctx, 1, 0)
	for _, e := range old {
		if e.Kind != server.ActorUnknown || e.ActorID != "" {
			t.Errorf("old entry %+v: want kind unknown", e)
		}
	}
	// An old token expires too, 90 days after the migration.
	if _, err := db.ReviewerByToken(ctx, []byte{1}, time.Now()); err != nil {
		t.Errorf("old token refused at once: %v", err)
	}
	if _, err := db.ReviewerByToken(ctx, []byte{1}, time.Now().AddDate(0, 0, 91)); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("old token after 91 days: %v", err)
	}

	// New entries: a kind is required, and covered by the hash.
	if _, err := db.Access(ctx, server.AccessEntry{Who: "admin", Action: server.ActionView, Subject: "x"}); err == nil {
		t.Error("an entry without a kind was stored")
	}
	for _, k := range []server.ActorKind{server.ActorUnknown, "root"} {
		if _, err := db.Access(ctx, server.AccessEntry{Kind: k, Action: server.ActionView, Subject: "x"}); err == nil {
			t.Errorf("an entry of kind %q was stored", k)
		}
	}
	e, err := db.Access(ctx, byAdmin.Entry(server.ActionView, "student st-1", ""))
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := verify(); err != nil {
		t.Fatalf("old and new entries break at %d: %v", seq, err)
	}
	legacy := e
	legacy.Kind, legacy.ActorID = "", ""
	if legacy.ComputeHash() == e.Hash {
		t.Fatal("the kind is not covered by the hash")
	}

	// Posing: a new entry turned into a kindless (old) one, its hash
	// recomputed as v1, while a later entry has a kind: the chain breaks
	// there. (Rewriting every entry from some seq to the newest is what
	// the signed head shows, accesshead.go.)
	second, err := db.Access(ctx, byAdmin.Entry(server.ActionView, "student st-1", ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Access(ctx, byAdmin.Entry(server.ActionView, "student st-1", "")); err != nil {
		t.Fatal(err)
	}
	forged := second
	forged.Kind, forged.ActorID = server.ActorUnknown, ""
	forged.Hash = forged.ComputeHash()
	if _, err := db.db.Exec("UPDATE access_log SET actor_kind = 'unknown', actor_id = '', hash = ? WHERE seq = ?", forged.Hash, second.Seq); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec("UPDATE access_log SET prev = ? WHERE seq = ?", forged.Hash, second.Seq+1); err != nil {
		t.Fatal(err)
	}
	if seq, err := verify(); !errors.Is(err, server.ErrAccessChain) || seq != second.Seq {
		t.Errorf("a kindless entry after kinded ones: verify %d %v, want a break at %d", seq, err, second.Seq)
	}
}

// TestMarkAuthor: only a mark's author lifts it, unless the caller may lift
// any (an admin); a mark from before authors were recorded only an admin
// lifts. The reasons stay with the mark, out of the log.
func TestMarkAuthor(t *testing.T) {
	db := openNew(t)
	startLogin(t, db)
	jansen := server.Actor{Kind: server.ActorReviewerToken, ID: "r-1", Who: "Jansen", At: examStart}
	// Same name, another credential: not the author.
	namesake := server.Actor{Kind: server.ActorStaff, ID: "u-2", Who: "Jansen", At: examStart}
	m, err := db.AddMark(ctx, server.Mark{Session: "s-1", Kind: server.MarkFraud, Reason: "a second voice"}, jansen)
	if err != nil {
		t.Fatal(err)
	}
	if m.ByKind != jansen.Kind || m.ByID != jansen.ID || m.By != "Jansen" {
		t.Errorf("mark %+v", m)
	}
	if err := db.RemoveMark(ctx, "s-1", m.ID, "not convinced", namesake, false); !errors.Is(err, server.ErrNotYourMark) {
		t.Errorf("a namesake lifted the mark: %v", err)
	}
	if err := db.RemoveMark(ctx, "s-1", m.ID, "the invigilator's voice", jansen, false); err != nil {
		t.Fatal(err)
	}
	m2, _ := db.AddMark(ctx, server.Mark{Session: "s-1", Kind: server.MarkAppeal, Reason: "appeal filed"}, jansen)
	if _, err := db.db.Exec("UPDATE marks SET by_kind = 'unknown', by_id = '' WHERE id = ?", m2.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveMark(ctx, "s-1", m2.ID, "withdrawn", jansen, false); !errors.Is(err, server.ErrNotYourMark) {
		t.Errorf("a reviewer lifted a mark of no known author: %v", err)
	}
	if err := db.RemoveMark(ctx, "s-1", m2.ID, "withdrawn", byAdmin, true); err != nil {
		t.Fatal(err)
	}
	marks, _ := db.Marks(ctx, "s-1")
	if len(marks) != 2 || marks[0].RemovedReason != "the invigilator's voice" || marks[1].RemovedReason != "withdrawn" || marks[1].RemovedBy != "admin" {
		t.Errorf("marks %+v", marks)
	}
	for _, reason := range []string{"second voice", "invigilator", "withdrawn", "appeal filed", "not convinced"} {
		if n := count(t, db, "SELECT count(*) FROM access_log WHERE reason LIKE '%"+reason+"%' OR subject LIKE '%"+reason+"%'"); n != 0 {
			t.Errorf("the log holds %q", reason)
		}
	}
}
