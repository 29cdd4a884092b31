//go:build !js

package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/server/d1/d1sqlite"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// barrier is a d1.Backend whose next two batches, once armed, each wait
// for the other before running: two transactions that commit through it
// have both done all their reads first, so they race for certain.
type barrier struct {
	d1.Backend
	mu   sync.Mutex
	left int
	both sync.WaitGroup
}

func (b *barrier) arm() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.left = 2
	b.both.Add(2)
}

func (b *barrier) Batch(ctx context.Context, stmts []d1.Stmt) ([]d1.Result, error) {
	b.mu.Lock()
	gated := b.left > 0
	if gated {
		b.left--
	}
	b.mu.Unlock()
	if gated {
		b.both.Done()
		b.both.Wait()
	}
	return b.Backend.Batch(ctx, stmts)
}

// openD1 opens the store at path on the d1 driver through a barrier,
// whatever -d1 says: these tests are about D1's transactions.
func openD1(t *testing.T) (*DB, *barrier) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lokaal.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := d1sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	b := &barrier{Backend: raw}
	db = New(d1.OpenDB(b))
	t.Cleanup(func() { db.Close() })
	return db, b
}

// race runs f(0) and f(1) at once, their commits through the barrier.
func race(b *barrier, f func(i int)) {
	b.arm()
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

// raceResend races send against itself: one must store, the other find
// it stored. what prefixes the error.
func raceResend(t *testing.T, b *barrier, what string, send func() (server.IngestResult, error)) {
	t.Helper()
	results := make([]server.IngestResult, 2)
	errs := make([]error, 2)
	race(b, func(i int) { results[i], errs[i] = send() })
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	slices.Sort(results)
	if !slices.Equal(results, []server.IngestResult{server.Stored, server.Duplicate}) {
		t.Errorf("%sresults %v, want one Stored and one Duplicate", what, results)
	}
}

// TestD1ResendStoredOnce: a kiosk's resend racing its first send (two
// Workers) stores the batch once; the loser's commit conflicts, and its
// rerun finds the batch and answers Duplicate.
func TestD1ResendStoredOnce(t *testing.T) {
	db, b := openD1(t)
	setupKiosk(t, db)
	sent := batch("d-1", 1, "door")
	raceResend(t, b, "", func() (server.IngestResult, error) { return db.Ingest(ctx, sent, []byte{1}, time.Now()) })
	if n := count(t, db, "SELECT count(*) FROM batches"); n != 1 {
		t.Errorf("%d batches stored", n)
	}
	if n := count(t, db, "SELECT count(*) FROM batch_lines"); n != 1 {
		t.Errorf("%d batch lines stored", n)
	}
}

// TestD1SummarySeqStoredOnce: two different summaries for one seq, at
// once: one extends the chain, the other is a seq conflict; and a resend
// racing the first send stores it once.
func TestD1SummarySeqStoredOnce(t *testing.T) {
	db, b := openD1(t)
	base := startLogin(t, db)
	sent := []wire.Summary{summary(base.ID, 1, wire.Genesis), summary(base.ID, 1, wire.Genesis)}
	sent[1].Health.Frames++
	errs := make([]error, 2)
	race(b, func(i int) {
		_, errs[i] = db.AppendSummary(ctx, server.StoredSummary{Summary: sent[i], Received: examStart})
	})
	winner := 0
	if errs[0] != nil {
		winner = 1
	}
	if errs[winner] != nil || !errors.Is(errs[1-winner], server.ErrSeqConflict) {
		t.Fatalf("errors %v, want one nil and one seq conflict", errs)
	}
	got, err := db.Summaries(ctx, base.ID)
	if err != nil || len(got) != 1 || got[0].Hash != sent[winner].Hash() {
		t.Fatalf("stored %+v %v", got, err)
	}

	next := summary(base.ID, 2, sent[winner].Hash())
	raceResend(t, b, "resend: ", func() (server.IngestResult, error) {
		return db.AppendSummary(ctx, server.StoredSummary{Summary: next, Received: examStart})
	})
	if n := count(t, db, "SELECT count(*) FROM summaries"); n != 2 {
		t.Errorf("%d summaries stored, want 2", n)
	}
}

// TestD1AccessLogOneChain: two transactions that log at once, from
// different methods, leave one unbroken chain.
func TestD1AccessLogOneChain(t *testing.T) {
	db, b := openD1(t)
	startLogin(t, db)
	errs := make([]error, 2)
	race(b, func(i int) {
		if i == 0 {
			_, errs[i] = db.AddMark(ctx, server.Mark{Session: "s-1", Kind: server.MarkAppeal, Reason: "r"}, server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: examStart})
		} else {
			errs[i] = db.LogView(ctx, "st-1", "sessions", server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: examStart})
		}
	})
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if n, seq, err := verify(t, db); err != nil || seq != 0 {
		t.Errorf("%d entries, broken at %d: %v", n, seq, err)
	}
}

// TestD1KeysLetDevicesIngestInParallel: two devices' batches racing both
// commit at the first attempt (their transactions share no key), where two
// transactions on the default key would conflict.
func TestD1KeysLetDevicesIngestInParallel(t *testing.T) {
	db, b := openD1(t)
	setupKiosk(t, db)
	pub := make([]byte, 32)
	if err := db.SetEnrolmentCode(ctx, "k-1", []byte("two"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Enrol(ctx, []byte("two"), server.Device{ID: "d-2", PublicKey: pub}, time.Now()); err != nil {
		t.Fatal(err)
	}
	before := raw(b).Batches()
	errs := make([]error, 2)
	race(b, func(i int) {
		_, errs[i] = db.Ingest(ctx, batch([]string{"d-1", "d-2"}[i], 1, "door"), []byte{1}, time.Now())
	})
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if n := raw(b).Batches() - before; n != 2 {
		t.Errorf("%d batches sent, want 2: a commit conflicted", n)
	}
}

func raw(b *barrier) *d1sqlite.Backend { return b.Backend.(*d1sqlite.Backend) }

// TestD1RetentionRacesSummary: a summary appended while retention deletes
// its session. The deleter takes the session's key, so one of them runs
// again: either the summary is stored first and retention counts and
// deletes it, or the session is gone first and the append is not found.
// Never a summary deleted uncounted, or one left behind.
func TestD1RetentionRacesSummary(t *testing.T) {
	db, b := openD1(t)
	base := startLogin(t, db)
	now := examStart.AddDate(1, 0, 0) // long past the default 45 days
	var counts server.DeletionCounts
	errs := make([]error, 2)
	race(b, func(i int) {
		if i == 0 {
			_, errs[i] = db.AppendSummary(ctx, server.StoredSummary{Summary: summary(base.ID, 1, wire.Genesis), Received: examStart})
		} else {
			counts, errs[i] = db.DeleteExpiredSessions(ctx, server.DefaultRetention, now)
		}
	})
	if errs[1] != nil {
		t.Fatal(errs[1])
	}
	switch {
	case errs[0] == nil && counts.Summaries == 1:
	case errors.Is(errs[0], server.ErrNotFound) && counts.Summaries == 0:
	default:
		t.Fatalf("append: %v; retention deleted %+v", errs[0], counts)
	}
	if counts.Sessions != 1 || count(t, db, "SELECT count(*) FROM summaries") != 0 || count(t, db, "SELECT count(*) FROM sessions") != 0 {
		t.Errorf("after retention: %+v, %d summaries, %d sessions left", counts, count(t, db, "SELECT count(*) FROM summaries"),
			count(t, db, "SELECT count(*) FROM sessions"))
	}
}
