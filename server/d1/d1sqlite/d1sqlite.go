// Package d1sqlite is a d1.Backend over a SQLite database, for running the
// d1 driver, and the SQL store on it, natively in tests: it behaves as D1
// does, one statement at a time outside a batch, a batch as one
// transaction that rolls back on any error, and at most MaxParams bound
// parameters per statement.
package d1sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/lokaal-nl/lokaal/server/d1"
)

// MaxParams is D1's limit on a statement's bound parameters.
const MaxParams = 100

// Backend runs d1's statements on a SQLite *sql.DB.
type Backend struct {
	db      *sql.DB
	batches atomic.Int64
}

// New returns a Backend over db, a SQLite database (see Open).
func New(db *sql.DB) *Backend { return &Backend{db: db} }

// Batches returns how many batches have run.
func (b *Backend) Batches() int64 { return b.batches.Load() }

// Close closes the database.
func (b *Backend) Close() error { return b.db.Close() }

// Query runs one statement and returns its rows, each value as the SQLite
// driver scans it into an any (int64, float64, string, []byte or nil).
func (b *Backend) Query(ctx context.Context, q string, args []any) ([]string, [][]any, error) {
	if err := limit(args); err != nil {
		return nil, nil, err
	}
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

// Batch runs stmts in one transaction: all of them take effect or none.
func (b *Backend) Batch(ctx context.Context, stmts []d1.Stmt) ([]d1.Result, error) {
	b.batches.Add(1)
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]d1.Result, 0, len(stmts))
	for _, s := range stmts {
		if err := limit(s.Args); err != nil {
			return nil, errors.Join(err, tx.Rollback())
		}
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

func limit(args []any) error {
	if len(args) > MaxParams {
		return fmt.Errorf("d1sqlite: %d bound parameters, D1 allows %d: too many SQL variables", len(args), MaxParams)
	}
	return nil
}
