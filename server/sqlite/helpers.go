package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// The helpers every part of the store uses.

// queryer is a *sql.DB or a *sql.Tx, for one row.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader is a *sql.DB or a *sql.Tx.
type reader interface {
	queryer
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scanner is a *sql.Row or a *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// list runs query and returns each row as scan reads it ([] when no row).
func list[T any](ctx context.Context, q reader, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// listOf is list for the rows that belong to table's row id: ErrNotFound
// when table has no such row. table is always a constant of this package.
func listOf[T any](ctx context.Context, q reader, table, id string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	if err := exists(ctx, q, table, id); err != nil {
		return nil, err
	}
	return list(ctx, q, scan, query, args...)
}

// column reads a query's one text column ([] when no row).
func column(ctx context.Context, q reader, query string, args ...any) ([]string, error) {
	return list(ctx, q, scanText, query, args...)
}

func scanText(row scanner) (string, error) {
	var v string
	err := row.Scan(&v)
	return v, err
}

// millis is a scan destination that reads a column of Unix milliseconds
// into *t; NULL is an error, as it is for an int64.
func millis(t *time.Time) sql.Scanner { return msTime{t: t} }

// optionalMillis is millis for a nullable column: nil for NULL.
func optionalMillis(t **time.Time) sql.Scanner { return msTime{opt: t} }

// msTime is millis' and optionalMillis' destination; one of t and opt is set.
type msTime struct {
	t   *time.Time
	opt **time.Time
}

func (d msTime) Scan(src any) error {
	var ms sql.NullInt64 // converts src as a scan into an int64 would
	if err := ms.Scan(src); err != nil {
		return err
	}
	t := time.UnixMilli(ms.Int64)
	switch {
	case d.t != nil && !ms.Valid:
		return errors.New("a NULL where a time was expected")
	case d.t != nil:
		*d.t = t
	case ms.Valid:
		*d.opt = &t
	default:
		*d.opt = nil
	}
	return nil
}

// found turns an update or insert that touched no row into ErrNotFound.
// Only for a write outside a transaction: inside one, a write's result is
// not known on D1 until commit, so check with exists first.
func found(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return server.ErrNotFound
	}
	return err
}

// exists returns ErrNotFound unless table has a row with this id. table is
// always a constant of this package.
func exists(ctx context.Context, q queryer, table, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE id = ?", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return server.ErrNotFound
	}
	return nil
}

// nextID returns the id the next row of table will get: the one SQLite
// would pick for an INTEGER PRIMARY KEY without AUTOINCREMENT, read before
// the insert so the transaction knows it without LastInsertId. A concurrent
// insert cannot take it: natively writers are serialised, and on D1 it
// moves the clock, so this transaction runs again. table is always a
// constant of this package.
func nextID(ctx context.Context, tx *sql.Tx, table string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) + 1 FROM "+table).Scan(&id)
	return id, err
}

// stampOnce runs query, which sets a nullable time column of row id to
// its first argument, with at, unless t (the column as read) is set: the
// first time stays. t ends as the row holds it.
func stampOnce(ctx context.Context, tx *sql.Tx, t **time.Time, at time.Time, query, id string) error {
	if *t != nil {
		return nil
	}
	ms := time.UnixMilli(at.UnixMilli())
	*t = &ms
	_, err := tx.ExecContext(ctx, query, ms.UnixMilli(), id)
	return err
}

// nextIDUnder is nextID for a new row of table that belongs to parent's
// row id: ErrNotFound when parent has no such row.
func nextIDUnder(ctx context.Context, tx *sql.Tx, table, parent, id string) (int64, error) {
	if err := exists(ctx, tx, parent, id); err != nil {
		return 0, err
	}
	return nextID(ctx, tx, table)
}

// kinds encodes a kind list as JSON, nil as [].
func kinds(ks []wire.Kind) (string, error) {
	if ks == nil {
		ks = []wire.Kind{}
	}
	b, err := json.Marshal(ks)
	return string(b), err
}

// jsonList is ids as a JSON array, for json_each: never null.
func jsonList(ids []string) string {
	b, _ := json.Marshal(append([]string{}, ids...)) // strings always marshal
	return string(b)
}
