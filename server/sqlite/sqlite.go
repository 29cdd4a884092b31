// Package sqlite stores lokaal's domain in SQLite through modernc.org/sqlite,
// which needs no cgo, so the server stays one static binary.
package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite store. It implements server.Store.
type DB struct {
	db *sql.DB
	// receiptKey, when set (UseReceiptSeed), replaces the stored seed.
	receiptKey ed25519.PrivateKey
}

// Open opens (creating it and its directory if needed) the database at path
// and applies pending migrations. A count is acknowledged only after its
// transaction is on disk: WAL with synchronous=FULL fsyncs every commit.
// Write transactions begin IMMEDIATE so that two writers queue on the busy
// timeout instead of failing when a read lock would need upgrading.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("creating the database directory: %w", err)
	}
	q := url.Values{}
	// auto_vacuum comes first: it takes effect only on a file that has no
	// table yet (or at the next VACUUM, below).
	for _, p := range []string{"auto_vacuum(INCREMENTAL)", "busy_timeout(5000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	s := &DB{db: db}
	if err := s.incrementalVacuum(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("switching %s to incremental vacuum: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating %s: %w", path, err)
	}
	return s, nil
}

// incrementalVacuum puts a file made before auto_vacuum was set into
// auto_vacuum=INCREMENTAL, so the retention engine's deletions can give
// space back (Reclaim). That takes one VACUUM, which rewrites the file once;
// a new file is already in that mode. Connection settings are PRAGMAs in
// Go, never in migrations, which also run on D1.
func (s *DB) incrementalVacuum(ctx context.Context) error {
	var mode int
	if err := s.db.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil || mode == 2 {
		return err
	}
	_, err := s.db.ExecContext(ctx, "VACUUM")
	return err
}

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// Ping checks that the database answers a query.
func (s *DB) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// migrate applies each migrations/NNNN_name.sql not yet recorded in
// schema_migrations, each in its own transaction with its record.
func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimSuffix(filepath.Base(name), ".sql")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s is not named NNNN_name.sql", name)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := s.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)",
				version, base, time.Now().UnixMilli())
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// tx runs fn in a transaction and commits only if fn succeeds, so an error
// leaves nothing behind.
func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
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
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('admin_token_sha256', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, hex.EncodeToString(hash))
	return err
}
