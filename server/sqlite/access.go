package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

// Access appends an entry to the access log in its own write transaction.
func (s *DB) Access(ctx context.Context, e server.AccessEntry) (server.AccessEntry, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = appendAccess(ctx, tx, e)
		return err
	})
	return e, err
}

// appendAccess reads the log's head and appends e after it, inside tx.
// Write transactions begin IMMEDIATE, so the head cannot move between the
// read and the insert: concurrent appenders, from any connection or
// process, queue on the database's write lock and form one chain.
func appendAccess(ctx context.Context, tx *sql.Tx, e server.AccessEntry) (server.AccessEntry, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = time.UnixMilli(e.At.UnixMilli())
	var seq int64
	var head string
	err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1").Scan(&seq, &head)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Empty: either nothing was ever logged, or retention deleted every
		// entry and the chain continues from the anchor.
		a, err := accessAnchor(ctx, tx)
		if err != nil {
			return e, err
		}
		seq, head = a.Seq, a.Hash
	case err != nil:
		return e, err
	}
	e.Seq, e.Prev = seq+1, head
	e.Hash = e.ComputeHash()
	_, err = tx.ExecContext(ctx, `INSERT INTO access_log (seq, at_ms, who, action, subject, reason, prev, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At.UnixMilli(), e.Who, e.Action, e.Subject, e.Reason, e.Prev, e.Hash)
	return e, err
}

// AccessEntries returns up to limit entries (all when limit <= 0) from seq
// from on, oldest first.
func (s *DB) AccessEntries(ctx context.Context, from int64, limit int) ([]server.AccessEntry, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at_ms, who, action, subject, reason, prev, hash
		FROM access_log WHERE seq >= ? ORDER BY seq LIMIT ?`, from, limit)
	if err != nil {
		return nil, err
	}
	return scanAccessEntries(rows)
}

// scanAccessEntries reads rows of seq, at_ms, who, action, subject, reason,
// prev, hash.
func scanAccessEntries(rows *sql.Rows) ([]server.AccessEntry, error) {
	defer rows.Close()
	entries := []server.AccessEntry{}
	for rows.Next() {
		var e server.AccessEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Who, &e.Action, &e.Subject, &e.Reason, &e.Prev, &e.Hash); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at)
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// AccessAnchor returns where the stored log starts.
func (s *DB) AccessAnchor(ctx context.Context) (server.AccessAnchor, error) {
	return accessAnchor(ctx, s.db)
}

func accessAnchor(ctx context.Context, q queryer) (server.AccessAnchor, error) {
	var a server.AccessAnchor
	var at int64
	err := q.QueryRowContext(ctx, "SELECT seq, hash, at_ms FROM access_anchor WHERE id = 1").Scan(&a.Seq, &a.Hash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return server.GenesisAnchor, nil
	}
	a.At = time.UnixMilli(at)
	return a, err
}

// logAccess appends by's entry for a change made in tx.
func logAccess(ctx context.Context, tx *sql.Tx, by server.Actor, action, subject, reason string) error {
	_, err := appendAccess(ctx, tx, server.AccessEntry{At: by.At, Who: by.Who, Action: action, Subject: subject, Reason: reason})
	return err
}

// crisisReason is what a policy change records as its reason: the crisis
// exception that allows short notice, when there is one.
func crisisReason(e server.Exam) string {
	if e.Crisis == "" {
		return ""
	}
	return "crisis: " + e.Crisis
}
