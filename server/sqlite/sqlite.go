// Package sqlite stores lokaal's domain in SQL, with one schema and one
// code path on two engines: SQLite through modernc.org/sqlite, which needs
// no cgo, so the server stays one static binary (Open, in open.go); and
// Cloudflare D1 through server/d1's driver on a Worker (New).
//
// On D1 a transaction is optimistic: its reads run at once, its writes are
// buffered and sent as one batch at commit, which fails with a conflict if
// another write landed since it began, and tx then runs it again. So every
// transaction here is written to be correct on both engines:
//
//   - it is a pure function of the state it reads (plus the arguments), so
//     that a rerun is the same transaction on a newer state;
//   - all its reads come before its first write, since a read would not
//     see the transaction's own buffered writes;
//   - it never asks a write inside it for RowsAffected or LastInsertId: it
//     counts or looks up with a SELECT first, and picks new ids itself as
//     MAX(id)+1, which is safe because a concurrent insert conflicts.
package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"errors"

	"github.com/lokaal-nl/lokaal/server/d1"
)

// DB is the SQL store. It implements server.Store.
type DB struct {
	db *sql.DB
	// receiptKey, when set (UseReceiptSeed), replaces the stored seed.
	receiptKey ed25519.PrivateKey
	// reclaim gives freed pages back to the file system; nil on D1.
	reclaim func(context.Context) error
	// w runs every write transaction natively (writer.go); nil on D1,
	// which commits each request's writes on their own.
	w *writer
	// keys keeps devices' keys (DeviceKey).
	keys deviceKeys
}

// New returns the store over db, a database that already has the schema:
// on a Worker, d1.OpenDB over the D1 binding, whose migrations wrangler
// applies from the same migrations directory, so New migrates nothing.
func New(db *sql.DB) *DB { return &DB{db: db} }

// Close closes the database, after the writes already queued.
func (s *DB) Close() error {
	var err error
	if s.w != nil {
		err = s.w.close()
	}
	return errors.Join(err, s.db.Close())
}

// Ping checks that the database answers a query.
func (s *DB) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// txAttempts bounds how often tx runs a transaction that keeps losing to
// concurrent writers on D1.
const txAttempts = 20

// tx runs fn in a transaction and commits only if fn succeeds, so an error
// leaves nothing behind; it returns once the commit is on disk. On D1 a
// commit that lost to a concurrent write returns a conflict and stores
// nothing; tx then runs fn again on the new state, so fn must set
// everything it returns afresh on every run. Natively fn runs on the
// writer (writer.go), in a savepoint of a transaction it may share with
// other requests' writes, and runs again alone if that transaction
// breaks: the same rule makes that safe. A store too busy to write
// returns server.ErrOverloaded.
func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.w != nil {
		return s.w.do(ctx, &job{fn: fn})
	}
	return busy(d1.Retry(ctx, txAttempts, func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return errors.Join(err, tx.Rollback())
		}
		return tx.Commit()
	}))
}

// exec runs one write statement outside any larger transaction: natively
// on the writer, like every write, on D1 at once.
func (s *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.w == nil {
		res, err := s.db.ExecContext(ctx, query, args...)
		return res, busy(err)
	}
	var res sql.Result
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// Reclaim gives the pages that deleted rows freed back to the file system
// (see open.go). On D1 it does nothing: D1 manages its own space.
func (s *DB) Reclaim(ctx context.Context) error {
	if s.reclaim == nil {
		return nil
	}
	return s.reclaim(ctx)
}

// AdminTokenHash returns the stored hash of the admin token, or nil.
func (s *DB) AdminTokenHash(ctx context.Context) ([]byte, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'admin_token_sha256'").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

// SetAdminTokenHash stores the hash of the admin token; the token itself is
// never stored.
func (s *DB) SetAdminTokenHash(ctx context.Context, hash []byte) error {
	_, err := s.exec(ctx, `INSERT INTO settings (key, value) VALUES ('admin_token_sha256', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, hex.EncodeToString(hash))
	return err
}
