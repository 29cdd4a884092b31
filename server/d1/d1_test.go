//go:build !js

package d1_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/lokaal-nl/lokaal/server/d1"
	_ "modernc.org/sqlite"
)

// sqliteBackend runs the driver on SQLite as D1 does: one statement at a
// time, and a batch as one transaction that rolls back on any error.
type sqliteBackend struct {
	db *sql.DB
	mu sync.Mutex
	n  int // batches run
}

func (b *sqliteBackend) Query(ctx context.Context, q string, args []any) ([]string, [][]any, error) {
	rows, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rows.Next() {
		r := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return cols, out, rows.Err()
}

func (b *sqliteBackend) Batch(ctx context.Context, stmts []d1.Stmt) ([]d1.Result, error) {
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]d1.Result, 0, len(stmts))
	for _, s := range stmts {
		res, err := tx.ExecContext(ctx, s.Query, s.Args...)
		if err != nil {
			return nil, errors.Join(err, tx.Rollback())
		}
		n, _ := res.RowsAffected()
		id, _ := res.LastInsertId()
		out = append(out, d1.Result{Changes: n, LastRowID: id})
	}
	return out, tx.Commit()
}

// open returns a driver over a fresh SQLite database with a counter row
// and, when warm, the default clock row already written, as in a running
// deployment.
func open(t *testing.T, warm bool) (*sql.DB, *sqliteBackend) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "d1.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if _, err := raw.Exec("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES (1, 0)"); err != nil {
		t.Fatal(err)
	}
	b := &sqliteBackend{db: raw}
	db := d1.OpenDB(b)
	t.Cleanup(func() { db.Close() })
	if warm {
		if _, err := db.Exec("UPDATE counter SET n = 0 WHERE id = 1"); err != nil {
			t.Fatal(err)
		}
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
	before := b.n
	if err := increment(ctx, db, func() {}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, db); got != 1 {
		t.Fatalf("counter = %d, want 1", got)
	}
	if got := b.n - before; got != 1 {
		t.Fatalf("%d batches, want 1", got)
	}
}

func TestConcurrentTransactionsExactlyOneCommits(t *testing.T) {
	for _, warm := range []bool{true, false} {
		// Cold: no tx_clock yet, both guards insert the clock row.
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
	if got := read(t, db); got != workers {
		t.Fatalf("counter = %d, want %d", got, workers)
	}
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
	if got := read(t, db); got != 100 {
		t.Fatalf("counter = %d, want 100 (the plain write's)", got)
	}
}

func TestFailedBatchStoresNothing(t *testing.T) {
	db, _ := open(t, true)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("UPDATE counter SET n = 5 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO counter (id, n) VALUES (1, 0)"); err != nil { // duplicate key, fails at Commit
		t.Fatal(err)
	}
	err = tx.Commit()
	if err == nil || d1.IsConflict(err) {
		t.Fatalf("Commit = %v, want the primary key error", err)
	}
	if got := read(t, db); got != 0 {
		t.Fatalf("counter = %d, want 0", got)
	}
	// The failed batch rolled the guard back too: a new transaction on the
	// same clock value still commits.
	if err := increment(ctx, db, func() {}); err != nil {
		t.Fatal(err)
	}
}

func TestBufferedWritesFailLoudly(t *testing.T) {
	db, _ := open(t, true)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	res, err := tx.Exec("UPDATE counter SET n = 1 WHERE id = 1")
	if err != nil {
		t.Fatal(err)
	}
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
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	read(t, tx)
	if _, err := db.Exec("UPDATE counter SET n = 7 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); !d1.IsConflict(err) {
		t.Fatalf("Commit = %v, want a conflict: a write landed between the reads", err)
	}
}

func TestKeysSeparateUnrelatedTransactions(t *testing.T) {
	db, _ := open(t, true)
	if _, err := db.Exec("INSERT INTO counter VALUES (2, 0)"); err != nil {
		t.Fatal(err)
	}
	a := d1.WithKeys(context.Background(), "row:1")
	b := d1.WithKeys(context.Background(), "row:2")
	txA, err := db.BeginTx(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	txB, err := db.BeginTx(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := txA.Exec("UPDATE counter SET n = n + 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := txB.Exec("UPDATE counter SET n = n + 1 WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	if err := txA.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := txB.Commit(); err != nil {
		t.Fatalf("a transaction on another key conflicted: %v", err)
	}
}
