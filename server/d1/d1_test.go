//go:build !js

package d1_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/server/d1/d1sqlite"
)

// open returns a driver over a fresh SQLite database with the clock table
// (as the migrations create it), a counter row and, when warm, the default
// clock row already written, as in a running deployment.
func open(t *testing.T, warm bool) (*sql.DB, *d1sqlite.Backend) {
	t.Helper()
	b, err := d1sqlite.Open(filepath.Join(t.TempDir(), "d1.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if _, err := b.Batch(context.Background(), []d1.Stmt{
		{Query: d1.Schema},
		{Query: "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"},
		{Query: "INSERT INTO counter VALUES (1, 0)"},
	}); err != nil {
		t.Fatal(err)
	}
	db := d1.OpenDB(b)
	t.Cleanup(func() { db.Close() })
	if warm {
		exec(t, db, "UPDATE counter SET n = 0 WHERE id = 1")
	}
	return db, b
}

func read(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) int64 {
	t.Helper()
	var n int64
	if err := q.QueryRowContext(context.Background(), "SELECT n FROM counter WHERE id = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantCounter fails the test unless the counter holds want.
func wantCounter(t *testing.T, db *sql.DB, want int64) {
	t.Helper()
	if got := read(t, db); got != want {
		t.Fatalf("counter = %d, want %d", got, want)
	}
}

// begin starts a transaction that must start.
func begin(t *testing.T, ctx context.Context, db *sql.DB, opts *sql.TxOptions) *sql.Tx {
	t.Helper()
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// exec runs a statement that must succeed, on db or in a transaction.
func exec(t *testing.T, x interface {
	Exec(string, ...any) (sql.Result, error)
}, query string) sql.Result {
	t.Helper()
	res, err := x.Exec(query)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// increment reads the counter and writes it plus one, in a transaction; it
// calls between after the read, so tests can interleave two of them.
func increment(ctx context.Context, db *sql.DB, between func()) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT n FROM counter WHERE id = 1").Scan(&n); err != nil {
		return err
	}
	between()
	if _, err := tx.ExecContext(ctx, "UPDATE counter SET n = ? WHERE id = 1", n+1); err != nil {
		return err
	}
	return tx.Commit()
}

func TestCommitAppliesWritesInOneBatch(t *testing.T) {
	db, b := open(t, true)
	ctx := context.Background()
	before := b.Batches()
	if err := increment(ctx, db, func() {}); err != nil {
		t.Fatal(err)
	}
	wantCounter(t, db, 1)
	if got := b.Batches() - before; got != 1 {
		t.Fatalf("%d batches, want 1", got)
	}
}

func TestConcurrentTransactionsExactlyOneCommits(t *testing.T) {
	for _, warm := range []bool{true, false} {
		// Cold: no clock row yet, both guards insert it.
		db, _ := open(t, warm)
		oneCommits(t, db)
	}
}

func oneCommits(t *testing.T, db *sql.DB) {
	ctx := context.Background()
	// Both read 0 before either commits.
	var read sync.WaitGroup
	read.Add(2)
	errs := make([]error, 2)
	var done sync.WaitGroup
	for i := range errs {
		done.Add(1)
		go func() {
			defer done.Done()
			errs[i] = increment(ctx, db, func() { read.Done(); read.Wait() })
		}()
	}
	done.Wait()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case d1.IsConflict(err):
			conflicts++
		default:
			t.Fatal(err)
		}
	}
	if ok != 1 || conflicts != 1 {
		t.Fatalf("%d committed and %d conflicted, want 1 and 1 (%v)", ok, conflicts, errs)
	}
	var n int64
	if err := db.QueryRow("SELECT n FROM counter WHERE id = 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("counter = %d (%v), want 1: the loser must store nothing", n, err)
	}
}

func TestRetryMakesEveryIncrementCount(t *testing.T) {
	db, _ := open(t, true)
	ctx := context.Background()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- d1.Retry(ctx, 50, func() error { return increment(ctx, db, func() {}) })
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	wantCounter(t, db, workers)
}

func TestWriteOutsideTransactionConflictsWithOpenOne(t *testing.T) {
	db, _ := open(t, true)
	ctx := context.Background()
	err := increment(ctx, db, func() {
		res, err := db.ExecContext(ctx, "UPDATE counter SET n = 100 WHERE id = 1")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("RowsAffected outside a transaction = %d, %v; want 1", n, err)
		}
	})
	if !d1.IsConflict(err) {
		t.Fatalf("err = %v, want a conflict", err)
	}
	wantCounter(t, db, 100) // the plain write's
}

func TestFailedBatchStoresNothing(t *testing.T) {
	db, _ := open(t, true)
	ctx := context.Background()
	tx := begin(t, ctx, db, nil)
	exec(t, tx, "UPDATE counter SET n = 5 WHERE id = 1")
	exec(t, tx, "INSERT INTO counter (id, n) VALUES (1, 0)") // duplicate key, fails at Commit
	err := tx.Commit()
	if err == nil || d1.IsConflict(err) {
		t.Fatalf("Commit = %v, want the primary key error", err)
	}
	wantCounter(t, db, 0)
	// The failed batch rolled the guard back too: a new transaction on the
	// same clock value still commits.
	if err := increment(ctx, db, func() {}); err != nil {
		t.Fatal(err)
	}
}

func TestBufferedWritesFailLoudly(t *testing.T) {
	db, _ := open(t, true)
	ctx := context.Background()
	tx := begin(t, ctx, db, nil)
	defer tx.Rollback()
	res := exec(t, tx, "UPDATE counter SET n = 1 WHERE id = 1")
	if _, err := res.RowsAffected(); !errors.Is(err, d1.ErrBuffered) {
		t.Errorf("RowsAffected = %v, want ErrBuffered", err)
	}
	if _, err := res.LastInsertId(); !errors.Is(err, d1.ErrBuffered) {
		t.Errorf("LastInsertId = %v, want ErrBuffered", err)
	}
	var n int64
	if err := tx.QueryRow("SELECT n FROM counter").Scan(&n); !errors.Is(err, d1.ErrReadAfterWrite) {
		t.Errorf("read after write = %v, want ErrReadAfterWrite", err)
	}
}

func TestReadOnlyTransactionSeesOneState(t *testing.T) {
	db, _ := open(t, true)
	ctx := context.Background()
	tx := begin(t, ctx, db, &sql.TxOptions{ReadOnly: true})
	read(t, tx)
	exec(t, db, "UPDATE counter SET n = 7 WHERE id = 1")
	if err := tx.Commit(); !d1.IsConflict(err) {
		t.Fatalf("Commit = %v, want a conflict: a write landed between the reads", err)
	}
}

func TestKeysSeparateUnrelatedTransactions(t *testing.T) {
	db, _ := open(t, true)
	exec(t, db, "INSERT INTO counter VALUES (2, 0)")
	txA := begin(t, d1.WithKeys(context.Background(), "row:1"), db, nil)
	txB := begin(t, d1.WithKeys(context.Background(), "row:2"), db, nil)
	exec(t, txA, "UPDATE counter SET n = n + 1 WHERE id = 1")
	exec(t, txB, "UPDATE counter SET n = n + 1 WHERE id = 2")
	if err := txA.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := txB.Commit(); err != nil {
		t.Fatalf("a transaction on another key conflicted: %v", err)
	}
}

// TestManyKeys: a transaction on more keys than D1 binds in one statement
// reads its clocks in parts, and still conflicts on any one of them.
func TestManyKeys(t *testing.T) {
	db, _ := open(t, true)
	keys := make([]string, 250)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%03d", i)
	}
	many := d1.WithKeys(context.Background(), append(keys, keys[7])...) // a key twice is one key
	if err := increment(many, db, func() {}); err != nil {
		t.Fatal(err)
	}
	one := d1.WithKeys(context.Background(), keys[200])
	err := increment(many, db, func() {
		if err := increment(one, db, func() {}); err != nil {
			t.Fatal(err)
		}
	})
	if !d1.IsConflict(err) {
		t.Fatalf("err = %v, want a conflict on key %s", err, keys[200])
	}
	wantCounter(t, db, 2)
}

// TestRollbackAfterAMoveIsAConflict: a transaction that gives up on what it
// read (a domain refusal) is rerun when a writer committed meanwhile, since
// its reads may mix two states.
func TestRollbackAfterAMoveIsAConflict(t *testing.T) {
	db, _ := open(t, true)
	ctx := context.Background()
	tx := begin(t, ctx, db, nil)
	read(t, tx)
	if err := tx.Rollback(); err != nil {
		t.Fatalf("Rollback with nothing moved = %v, want nil", err)
	}
	tx = begin(t, ctx, db, nil)
	read(t, tx)
	exec(t, db, "UPDATE counter SET n = 7 WHERE id = 1")
	if err := tx.Rollback(); !d1.IsConflict(err) {
		t.Fatalf("Rollback = %v, want a conflict: a write landed between the reads", err)
	}
}
