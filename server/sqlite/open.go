//go:build !js

package sqlite

import (
	"context"
	"database/sql"
	"embed"
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

// Migrations are applied here on native SQLite; on D1, wrangler applies
// the same files (wrangler.toml's migrations_dir), so a Worker needs them
// neither embedded nor run.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating it and its directory if needed) the database at path
// and applies pending migrations. A count is acknowledged only after its
// transaction is on disk: WAL with synchronous=FULL fsyncs every commit,
// and the writer (writer.go) answers a write only after its group's
// commit. Write transactions begin IMMEDIATE so that a writer in another
// process (lokaal user, lokaal retention) queues on the busy timeout
// instead of failing when a read lock would need upgrading.
func Open(ctx context.Context, path string) (*DB, error) {
	return openWith(ctx, path, defaultWriter)
}

// readConns bounds the connections that read: more than the cores, so a
// slow read (an export) does not hold up the others.
const readConns = 32

func openWith(ctx context.Context, path string, o writerOptions) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("creating the database directory: %w", err)
	}
	q := url.Values{}
	// These run on every new connection. auto_vacuum is not among them:
	// setting it takes the write lock, so while any write was in progress
	// every new connection (a read, /healthz) waited out the busy timeout
	// and failed with "database is locked". incrementalVacuum sets it once.
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := openCaching("file:" + path + "?" + q.Encode())
	if err != nil {
		return nil, err
	}
	s := New(db)
	s.reclaim = s.reclaimFile
	if err := s.incrementalVacuum(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("switching %s to incremental vacuum: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating %s: %w", path, err)
	}
	// Reads run on the other connections, side by side with the writer
	// (WAL). They are bounded, and all kept open, so that a burst of
	// requests neither opens (and configures, and prepares statements on)
	// a connection each nor holds hundreds: reads are short and CPU-bound,
	// and a read waits for a free connection instead.
	db.SetMaxOpenConns(readConns + 1) // and the writer's
	db.SetMaxIdleConns(readConns + 1)
	if s.w, err = startWriter(ctx, db, o); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// incrementalVacuum puts a file made before auto_vacuum was set into
// auto_vacuum=INCREMENTAL, so the retention engine's deletions can give
// space back (Reclaim). That takes one VACUUM, which rewrites the file once;
// a new file is already in that mode. Connection settings are PRAGMAs in
// Go, never in migrations, which also run on D1.
//
// The mode is the file's; the PRAGMA that asks for it is the
// connection's, so both it and the VACUUM run on one connection, before
// migrate makes the first table of a new file.
func (s *DB) incrementalVacuum(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var mode int
	if err := conn.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil || mode == 2 {
		return err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "VACUUM")
	return err
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

// reclaimFile gives the pages that deleted rows freed back to the file system:
// the file is in auto_vacuum=INCREMENTAL (see Open), incremental_vacuum
// moves the free pages to the end and truncates them, and a checkpoint
// carries that from the WAL into the database file.
func (s *DB) reclaimFile(ctx context.Context) error {
	// Both steps write, outside any transaction: on the writer, between
	// two groups.
	return s.w.do(ctx, &job{raw: func(conn *sql.Conn) error { return reclaimOn(ctx, conn) }})
}

func reclaimOn(ctx context.Context, conn *sql.Conn) error {
	// incremental_vacuum frees one page per step; reading its rows steps it
	// to the end.
	rows, err := conn.QueryContext(ctx, "PRAGMA incremental_vacuum")
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}
