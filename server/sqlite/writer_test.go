//go:build !js

package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// openNative opens the store natively with the writer sized by o.
func openNative(t *testing.T, path string, o writerOptions) *DB {
	t.Helper()
	nativeOnly(t)
	db, err := openWith(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// holdWriter makes the writer busy: a write transaction that waits, inside
// its group's transaction, until release is called.
func holdWriter(t *testing.T, db *DB) (release func()) {
	t.Helper()
	running, gate := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	var started sync.Once // a job may run again (TestWriterGroupIsolates)
	go func() {
		done <- db.tx(ctx, func(*sql.Tx) error {
			started.Do(func() { close(running) })
			<-gate
			return nil
		})
	}()
	<-running
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(gate)
			if err := <-done; err != nil {
				t.Errorf("the holding transaction: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// queue starts fn's transaction and waits until it is queued behind the
// held writer, so that jobs queue in the order they are started.
func queue(t *testing.T, db *DB, fn func(*sql.Tx) error) <-chan error {
	t.Helper()
	n := len(db.w.jobs)
	done := make(chan error, 1)
	go func() { done <- db.tx(ctx, fn) }()
	for len(db.w.jobs) == n {
		time.Sleep(time.Millisecond)
	}
	return done
}

func setting(key string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", key)
		return err
	}
}

func hasSetting(t *testing.T, db *DB, key string) bool {
	t.Helper()
	return count(t, db, "SELECT count(*) FROM settings WHERE key = '"+key+"'") == 1
}

var errDomain = errors.New("a domain error")

// TestWriterConcurrent: 128 goroutines write at once through the store,
// each ingesting batches for its own device, appending to the access log
// and sending one batch the store refuses. Nothing but the refusals fails
// (no "database is locked"), and after a reopen every acknowledged write
// is there and nothing of a refused one is.
func TestWriterConcurrent(t *testing.T) {
	nativeOnly(t)
	path := filepath.Join(t.TempDir(), "lokaal.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	const senders, each = 128, 8
	if err := db.CreateKiosk(ctx, server.Kiosk{ID: "k-1", Name: "a", Room: "hall", IntervalS: 60, Lines: []wire.Line{door}}); err != nil {
		t.Fatal(err)
	}
	for i := range senders {
		code := []byte(fmt.Sprint("code-", i))
		pub, _, _ := ed25519.GenerateKey(nil)
		if err := db.SetEnrolmentCode(ctx, "k-1", code, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Enrol(ctx, code, server.Device{ID: fmt.Sprint("d-", i), PublicKey: pub}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, senders*(each+2))
	for i := range senders {
		wg.Go(func() {
			dev := fmt.Sprint("d-", i)
			for seq := range int64(each) {
				if _, err := db.Ingest(ctx, batch(dev, seq+1, "door"), []byte{byte(seq)}, time.Now()); err != nil {
					errs <- fmt.Errorf("ingest %s %d: %w", dev, seq+1, err)
				}
			}
			if _, err := db.Access(ctx, server.AccessEntry{Kind: server.ActorStaff, Who: dev, Action: server.ActionView, Subject: dev}); err != nil {
				errs <- fmt.Errorf("access %s: %w", dev, err)
			}
			if _, err := db.Ingest(ctx, batch(dev, each+1, "door", "window"), []byte{9}, time.Now()); !errors.Is(err, server.ErrUnknownLine) {
				errs <- fmt.Errorf("the refused batch of %s: %v", dev, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	db.Close()

	db = open(t, path)
	if n := count(t, db, "SELECT count(*) FROM batches"); n != senders*each {
		t.Errorf("%d batches after reopening, want %d", n, senders*each)
	}
	if n := count(t, db, "SELECT count(*) FROM batch_lines"); n != senders*each {
		t.Errorf("%d batch lines after reopening, want %d (none of a refused batch)", n, senders*each)
	}
	if n, seq, err := verify(t, db); n != senders || seq != 0 || err != nil {
		t.Errorf("access log: %d entries, broken at %d: %v", n, seq, err)
	}
}

// TestWriterGroupIsolates: jobs committed in one transaction are answered
// one by one. A job that fails after writing keeps nothing and fails
// alone; one that breaks the whole transaction fails alone too, and the
// jobs before it in the group are run again and stored.
func TestWriterGroupIsolates(t *testing.T) {
	db := openNative(t, filepath.Join(t.TempDir(), "lokaal.db"), defaultWriter)

	t.Run("failed job", func(t *testing.T) {
		release := holdWriter(t, db)
		a := queue(t, db, setting("a"))
		bad := queue(t, db, func(tx *sql.Tx) error {
			if err := setting("bad")(tx); err != nil {
				return err
			}
			return errDomain
		})
		dup := queue(t, db, setting("a")) // a constraint error, inside SQLite
		b := queue(t, db, setting("b"))
		release()
		if err := <-a; err != nil {
			t.Errorf("a: %v", err)
		}
		if err := <-bad; !errors.Is(err, errDomain) {
			t.Errorf("bad: %v, want its own error", err)
		}
		if err := <-dup; err == nil {
			t.Error("a second a was stored")
		}
		if err := <-b; err != nil {
			t.Errorf("b: %v", err)
		}
		if !hasSetting(t, db, "a") || !hasSetting(t, db, "b") || hasSetting(t, db, "bad") {
			t.Errorf("stored: a %v, b %v, bad %v; want a and b only", hasSetting(t, db, "a"), hasSetting(t, db, "b"), hasSetting(t, db, "bad"))
		}
	})

	t.Run("broken transaction", func(t *testing.T) {
		release := holdWriter(t, db)
		c := queue(t, db, setting("c"))
		breaker := queue(t, db, func(tx *sql.Tx) error {
			// What SQLite does to the whole transaction on an interrupt or
			// a full disk.
			if _, err := tx.ExecContext(ctx, "ROLLBACK"); err != nil {
				return err
			}
			return errDomain
		})
		d := queue(t, db, setting("d"))
		release()
		if err := <-c; err != nil {
			t.Errorf("c: %v", err)
		}
		if err := <-breaker; err == nil {
			t.Error("the breaking job succeeded")
		}
		if err := <-d; err != nil {
			t.Errorf("d: %v", err)
		}
		if !hasSetting(t, db, "c") || !hasSetting(t, db, "d") {
			t.Errorf("stored: c %v, d %v; want both", hasSetting(t, db, "c"), hasSetting(t, db, "d"))
		}
	})

	t.Run("panic", func(t *testing.T) {
		release := holdWriter(t, db)
		p := queue(t, db, func(tx *sql.Tx) error {
			setting("p")(tx)
			panic("a bug")
		})
		e := queue(t, db, setting("e"))
		release()
		if err := <-p; err == nil {
			t.Error("the panicking job succeeded")
		}
		if err := <-e; err != nil || !hasSetting(t, db, "e") || hasSetting(t, db, "p") {
			t.Errorf("e: %v; stored e %v, p %v", err, hasSetting(t, db, "e"), hasSetting(t, db, "p"))
		}
	})
}

// TestWriterQueueFull: with the queue full, a write is refused at once
// with ErrOverloaded, stores nothing, and the queued ones still commit.
func TestWriterQueueFull(t *testing.T) {
	db := openNative(t, filepath.Join(t.TempDir(), "lokaal.db"), writerOptions{Queue: 2, Deadline: time.Minute, MaxGroup: 512})
	release := holdWriter(t, db)
	a, b := queue(t, db, setting("a")), queue(t, db, setting("b"))
	if err := db.tx(ctx, setting("c")); !errors.Is(err, server.ErrOverloaded) {
		t.Errorf("a write to a full queue: %v, want ErrOverloaded", err)
	}
	release()
	for _, done := range []<-chan error{a, b} {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if !hasSetting(t, db, "a") || !hasSetting(t, db, "b") || hasSetting(t, db, "c") {
		t.Error("want a and b stored, c not")
	}
}

// TestWriterDeadline: a write that waited past the deadline is refused
// with ErrOverloaded and never runs, even once the writer is free.
func TestWriterDeadline(t *testing.T) {
	db := openNative(t, filepath.Join(t.TempDir(), "lokaal.db"), writerOptions{Queue: 8, Deadline: 20 * time.Millisecond, MaxGroup: 512})
	release := holdWriter(t, db)
	if err := db.tx(ctx, setting("late")); !errors.Is(err, server.ErrOverloaded) {
		t.Errorf("a write that waited past the deadline: %v, want ErrOverloaded", err)
	}
	release()
	if err := db.tx(ctx, setting("next")); err != nil {
		t.Fatal(err)
	}
	if hasSetting(t, db, "late") {
		t.Error("the refused write was stored")
	}
}

// TestReadsDoNotWaitForWrites: reads (and Ping, which /healthz asks) answer
// while a write transaction is open, on the writer or on a connection of
// another process, also on connections opened meanwhile. Opening one used
// to set auto_vacuum, which waits for the write lock: every new connection
// then waited out the busy timeout and failed with "database is locked".
func TestReadsDoNotWaitForWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	db := openNative(t, path, defaultWriter)
	dev := setupKiosk(t, db)
	db.db.SetMaxIdleConns(0) // every read opens a connection
	reads := func(t *testing.T) {
		t.Helper()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				c, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				if err := db.Ping(c); err != nil {
					t.Errorf("ping: %v", err)
				}
				if _, err := db.Device(c, dev); err != nil {
					t.Errorf("device: %v", err)
				}
			})
		}
		wg.Wait()
	}

	t.Run("writer", func(t *testing.T) {
		release := holdWriter(t, db)
		reads(t)
		release()
	})
	t.Run("another process", func(t *testing.T) {
		other, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		tx, err := other.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec("INSERT INTO settings (key, value) VALUES ('other', 'v')"); err != nil {
			t.Fatal(err)
		}
		reads(t)
	})
}

// TestBusyIsOverload: the errors of a database too busy to write are
// ErrOverloaded, natively and on D1, and other errors stay what they are.
func TestBusyIsOverload(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("commit: %w", d1.ErrConflict),
		errors.New("D1_ERROR: database is locked"),
		errors.New("D1_ERROR: D1 DB is overloaded. Requests queued for too long."),
	} {
		if !errors.Is(busy(err), server.ErrOverloaded) {
			t.Errorf("%v is not ErrOverloaded", err)
		}
	}
	if err := busy(errDomain); err != errDomain {
		t.Errorf("a domain error became %v", err)
	}
}
