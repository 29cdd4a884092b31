// Package d1 is a database/sql driver for Cloudflare D1 whose transactions
// are optimistic and serialisable, although D1 has no interactive
// transactions.
//
// A transaction reads a clock row (tx_clock) when it begins. Its reads run
// at once, against the database; its writes are buffered. Commit sends one
// D1 batch, which D1 runs atomically, that starts with a guard: an UPDATE of
// the clock row that sets a CHECK-constrained column to 0, failing the
// statement and so rolling back the whole batch, unless the clock still has
// the value the transaction saw. The guard also moves the clock to a fresh
// random value, so every other transaction that began before this commit
// fails its own guard: Commit returns ErrConflict and the caller runs the
// transaction again (Retry). Writes outside a transaction move the clock in
// the same batch, so they conflict with open transactions too.
//
// What a buffered write cannot do: its Result has no RowsAffected or
// LastInsertId (they return ErrBuffered), and a transaction may not read
// after it has written (ErrReadAfterWrite), since the read would not see
// the write. Both fail loudly rather than give a wrong answer.
//
// The clock is one row per key. By default every transaction and write uses
// DefaultKey, which serialises all writers; WithKeys narrows a transaction
// (or a write) to the keys it names, which is correct only if every two
// transactions that touch the same rows share a key.
//
// The logic here is plain Go over a Backend, so it is tested natively on
// SQLite; the Worker's Backend, over the D1 binding, is in js.go.
package d1

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Schema creates the clock table. The driver never creates it: the store's
// migrations do (server/sqlite/migrations/0007_tx_clock.sql, the same
// text), so that no request pays for a lazy CREATE.
const Schema = `CREATE TABLE IF NOT EXISTS tx_clock (
    k  TEXT PRIMARY KEY,
    v  INTEGER NOT NULL,
    ok INTEGER NOT NULL DEFAULT 1 CONSTRAINT tx_conflict CHECK (ok = 1)
)`

// DefaultKey is the clock every transaction and write uses unless WithKeys
// names others.
const DefaultKey = "db"

// Statement texts of the guard and the bump. In an UPDATE, every right-hand
// side sees the row's old values, so ok is 1 only if v was still seen.
const (
	readClock  = "SELECT k, v FROM tx_clock WHERE k IN (%s)"
	guardClock = "UPDATE tx_clock SET ok = (v = ?), v = ? WHERE k = ?"
	guardNew   = "INSERT INTO tx_clock (k, v) VALUES (?, ?)"
	bumpClock  = "INSERT INTO tx_clock (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
)

var (
	// ErrConflict means another write committed after the transaction
	// began; nothing of it was stored, and running it again may succeed.
	ErrConflict = errors.New("d1: transaction conflict, retry it")
	// ErrBuffered is returned by RowsAffected and LastInsertId of a write
	// inside a transaction: it has not run yet.
	ErrBuffered = errors.New("d1: a write in a transaction runs at Commit; its result is not known before")
	// ErrReadAfterWrite is returned by a query in a transaction that has
	// already buffered a write, which the query would not see.
	ErrReadAfterWrite = errors.New("d1: a transaction cannot read after it has written")
)

// Stmt is one SQL statement with its positional arguments.
type Stmt struct {
	Query string
	Args  []any
}

// Result is what D1 reports of a write.
type Result struct {
	Changes   int64
	LastRowID int64
}

// Backend runs statements on the database. Batch must be atomic: either
// every statement takes effect or none does, and an error says which
// statement failed in its text.
type Backend interface {
	Query(ctx context.Context, query string, args []any) (cols []string, rows [][]any, err error)
	Batch(ctx context.Context, stmts []Stmt) ([]Result, error)
}

// OpenDB returns a *sql.DB over b.
func OpenDB(b Backend) *sql.DB { return sql.OpenDB(&connector{b: b}) }

type keysKey struct{}

// WithKeys makes transactions begun, and writes run, with ctx use the
// clocks named by keys instead of DefaultKey.
func WithKeys(ctx context.Context, keys ...string) context.Context {
	// Each key once: a second guard on one key would always fail, since
	// the first moves it.
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	return context.WithValue(ctx, keysKey{}, keys)
}

func keysOf(ctx context.Context) []string {
	if ks, ok := ctx.Value(keysKey{}).([]string); ok && len(ks) > 0 {
		return ks
	}
	return []string{DefaultKey}
}

// IsConflict reports whether err is, or wraps, ErrConflict.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// Retry runs fn until it returns anything but a conflict, at most attempts
// times, waiting a little longer, with jitter, before each new attempt.
func Retry(ctx context.Context, attempts int, fn func() error) error {
	var err error
	for i := 0; i < attempts; i++ {
		if err = fn(); !IsConflict(err) {
			return err
		}
		wait := time.Duration(1<<min(i, 6))*time.Millisecond + rand.N(5*time.Millisecond)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
	return err
}

// nonce is a fresh clock value: random, so that no two commits set the same
// value, and below 2^53, so that it survives a JavaScript number.
func nonce() int64 { return 1 + rand.Int64N(1<<53-1) }

// classify turns a failed guard into ErrConflict.
func classify(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "tx_conflict") || strings.Contains(msg, "tx_clock.k") {
		return fmt.Errorf("%w (%s)", ErrConflict, msg)
	}
	return err
}

type connector struct{ b Backend }

func (c *connector) Connect(context.Context) (driver.Conn, error) { return &conn{b: c.b}, nil }
func (c *connector) Driver() driver.Driver                        { return drv{} }

// Close closes the Backend, if it can be: sql.DB.Close calls it.
func (c *connector) Close() error {
	if cl, ok := c.b.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

type drv struct{}

func (drv) Open(string) (driver.Conn, error) {
	return nil, errors.New("d1: open with d1.OpenDB, not by name")
}

// conn is one database/sql connection; database/sql uses it from one
// goroutine at a time, so its transaction needs no lock.
type conn struct {
	b  Backend
	tx *tx
}

var (
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
)

func (c *conn) Prepare(query string) (driver.Stmt, error) { return &stmt{c: c, query: query}, nil }
func (c *conn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return c.Prepare(query)
}
func (c *conn) Close() error              { return nil }
func (c *conn) Begin() (driver.Tx, error) { return c.BeginTx(context.Background(), driver.TxOptions{}) }

// BeginTx reads the transaction's clocks; a key without a row is recorded
// as absent, and the guard will insert it.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.tx != nil {
		return nil, errors.New("d1: a transaction is already open on this connection")
	}
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault, sql.LevelSerializable:
	default:
		return nil, fmt.Errorf("d1: isolation level %v is not supported, only serializable", sql.IsolationLevel(opts.Isolation))
	}
	keys := keysOf(ctx)
	seen, err := readClocks(ctx, c.b, keys)
	if err != nil {
		return nil, err
	}
	c.tx = &tx{c: c, keys: keys, seen: seen, readOnly: opts.ReadOnly}
	return c.tx, nil
}

// maxParams is how many keys one clock read binds: D1 allows at most 100
// bound parameters per statement. Reading the clocks in several queries is
// as good as one: each key's guard checks it has not moved since its own
// read, and every read of data comes after all of them.
const maxParams = 100

func readClocks(ctx context.Context, b Backend, keys []string) (map[string]int64, error) {
	seen := make(map[string]int64, len(keys))
	for part := range slices.Chunk(keys, maxParams) {
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		q := fmt.Sprintf(readClock, strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", "))
		_, rows, err := b.Query(ctx, q, args)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			k, _ := r[0].(string)
			v, ok := r[1].(int64)
			if !ok {
				return nil, fmt.Errorf("d1: tx_clock %q holds %T, not an integer", k, r[1])
			}
			seen[k] = v
		}
	}
	return seen, nil
}

// guard is the batch's head for keys: each clock must still be as seen,
// or still absent, and moves on.
func guard(keys []string, seen map[string]int64) []Stmt {
	out := make([]Stmt, 0, len(keys))
	for _, k := range keys {
		if v, ok := seen[k]; ok {
			out = append(out, Stmt{Query: guardClock, Args: []any{v, nonce(), k}})
		} else {
			out = append(out, Stmt{Query: guardNew, Args: []any{k, nonce()}})
		}
	}
	return out
}

// bump moves keys' clocks unconditionally, for a write outside a
// transaction.
func bump(keys []string) []Stmt {
	out := make([]Stmt, 0, len(keys))
	for _, k := range keys {
		out = append(out, Stmt{Query: bumpClock, Args: []any{k, nonce()}})
	}
	return out
}

func (c *conn) ExecContext(ctx context.Context, query string, nargs []driver.NamedValue) (driver.Result, error) {
	args, err := values(nargs)
	if err != nil {
		return nil, err
	}
	if c.tx != nil {
		if c.tx.readOnly {
			return nil, errors.New("d1: write in a read-only transaction")
		}
		c.tx.writes = append(c.tx.writes, Stmt{Query: query, Args: args})
		return bufferedResult{}, nil
	}
	keys := keysOf(ctx)
	stmts := append(bump(keys), Stmt{Query: query, Args: args})
	res, err := c.b.Batch(ctx, stmts)
	if err != nil {
		return nil, err
	}
	if len(res) != len(stmts) {
		return nil, fmt.Errorf("d1: batch of %d statements returned %d results", len(stmts), len(res))
	}
	r := res[len(res)-1]
	return result(r), nil
}

func (c *conn) QueryContext(ctx context.Context, query string, nargs []driver.NamedValue) (driver.Rows, error) {
	if c.tx != nil && len(c.tx.writes) > 0 {
		return nil, ErrReadAfterWrite
	}
	args, err := values(nargs)
	if err != nil {
		return nil, err
	}
	cols, rows, err := c.b.Query(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return &rowsT{cols: cols, rows: rows}, nil
}

// values turns database/sql's arguments into D1's: positional only, and
// bool as 0 or 1 since D1 has no boolean.
func values(nargs []driver.NamedValue) ([]any, error) {
	out := make([]any, len(nargs))
	for i, nv := range nargs {
		if nv.Name != "" {
			return nil, fmt.Errorf("d1: named argument %q is not supported", nv.Name)
		}
		switch v := nv.Value.(type) {
		case bool:
			if v {
				out[i] = int64(1)
			} else {
				out[i] = int64(0)
			}
		case time.Time:
			return nil, errors.New("d1: pass times as Unix milliseconds, not time.Time")
		case int64:
			if v > 1<<53 || v < -(1<<53) {
				return nil, fmt.Errorf("d1: %d does not fit a JavaScript number exactly", v)
			}
			out[i] = v
		default:
			out[i] = v
		}
	}
	return out, nil
}

type tx struct {
	c        *conn
	keys     []string
	seen     map[string]int64
	writes   []Stmt
	readOnly bool
}

// Commit sends the guard and the buffered writes as one batch. A
// transaction that wrote nothing checks that its clocks did not move, so
// that its reads were one consistent state.
func (t *tx) Commit() error {
	defer func() { t.c.tx = nil }()
	ctx := context.Background()
	if len(t.writes) == 0 {
		return t.unmoved(ctx)
	}
	stmts := append(guard(t.keys, t.seen), t.writes...)
	_, err := t.c.b.Batch(ctx, stmts)
	return classify(err)
}

// Rollback drops the buffered writes, and reports ErrConflict when the
// clocks moved since the transaction began: a transaction gives up on what
// it read (a refusal such as "already rolled up" is a conclusion from its
// reads), and reads spread over several queries are one consistent state
// only if no writer committed in between. Retry then runs it again.
func (t *tx) Rollback() error {
	defer func() { t.c.tx = nil }()
	return t.unmoved(context.Background())
}

// unmoved checks that no clock of the transaction moved since it began.
func (t *tx) unmoved(ctx context.Context) error {
	now, err := readClocks(ctx, t.c.b, t.keys)
	if err != nil {
		return err
	}
	for _, k := range t.keys {
		v, ok := t.seen[k]
		w, ok2 := now[k]
		if ok != ok2 || v != w {
			return ErrConflict
		}
	}
	return nil
}

type bufferedResult struct{}

func (bufferedResult) LastInsertId() (int64, error) { return 0, ErrBuffered }
func (bufferedResult) RowsAffected() (int64, error) { return 0, ErrBuffered }

type result Result

func (r result) LastInsertId() (int64, error) { return r.LastRowID, nil }
func (r result) RowsAffected() (int64, error) { return r.Changes, nil }

type stmt struct {
	c     *conn
	query string
}

func (s *stmt) Close() error  { return nil }
func (s *stmt) NumInput() int { return -1 }
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

type rowsT struct {
	cols []string
	rows [][]any
	i    int
}

func (r *rowsT) Columns() []string { return r.cols }
func (r *rowsT) Close() error      { return nil }
func (r *rowsT) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	for i, v := range r.rows[r.i] {
		dest[i] = v
	}
	r.i++
	return nil
}
