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
		log, err := readLog(ctx, tx)
		if err != nil {
			return err
		}
		e, err = log.add(ctx, tx, e)
		return err
	})
	return e, err
}

// accessLog is the head of the access log as a transaction read it, and
// the link its next entry will extend. A transaction reads it once, before
// its first write, and chains its entries in Go: on D1 a read after a write
// would not see the write. The chain stays one line because two
// transactions that read the same head cannot both commit: natively, write
// transactions begin IMMEDIATE, so concurrent appenders, from any
// connection or process, queue on the database's write lock; on D1 the
// second commit fails its clock guard and runs again on the new head.
type accessLog struct {
	seq  int64
	head string
}

// readLog reads the log's head inside tx.
func readLog(ctx context.Context, tx *sql.Tx) (*accessLog, error) {
	var l accessLog
	err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1").Scan(&l.seq, &l.head)
	if errors.Is(err, sql.ErrNoRows) {
		// Empty: either nothing was ever logged, or retention deleted every
		// entry and the chain continues from the anchor.
		a, err := accessAnchor(ctx, tx)
		return &accessLog{seq: a.Seq, head: a.Hash}, err
	}
	return &l, err
}

// errNoActorKind: every new entry says what kind of actor made it.
var errNoActorKind = errors.New("access log entry without a known actor kind")

// add appends e after the head, inside tx, and makes it the head.
func (l *accessLog) add(ctx context.Context, tx *sql.Tx, e server.AccessEntry) (server.AccessEntry, error) {
	if !e.Kind.Known() {
		return e, errNoActorKind
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = time.UnixMilli(e.At.UnixMilli())
	e.Seq, e.Prev = l.seq+1, l.head
	e.Hash = e.ComputeHash()
	if _, err := tx.ExecContext(ctx, `INSERT INTO access_log (seq, at_ms, actor_kind, actor_id, who, action, subject, reason, prev, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At.UnixMilli(), string(e.Kind), e.ActorID, e.Who, e.Action, e.Subject, e.Reason, e.Prev, e.Hash); err != nil {
		return e, err
	}
	l.seq, l.head = e.Seq, e.Hash
	return e, nil
}

// append appends e, an entry for a change made in tx.
func (l *accessLog) append(ctx context.Context, tx *sql.Tx, e server.AccessEntry) error {
	_, err := l.add(ctx, tx, e)
	return err
}

// execLogged runs a change's one write in tx and appends its entry e. It
// reads the log's head first, so it follows every other read of tx (see
// the package doc).
func execLogged(ctx context.Context, tx *sql.Tx, e server.AccessEntry, query string, args ...any) error {
	log, err := readLog(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return err
	}
	return log.append(ctx, tx, e)
}

// AccessEntries returns up to limit entries (all when limit <= 0) from seq
// from on, oldest first.
func (s *DB) AccessEntries(ctx context.Context, from int64, limit int) ([]server.AccessEntry, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return list(ctx, s.db, scanAccessEntry, `SELECT `+accessColumns+`
		FROM access_log WHERE seq >= ? ORDER BY seq LIMIT ?`, from, limit)
}

// accessColumns are what scanAccessEntry reads.
const accessColumns = "seq, at_ms, actor_kind, actor_id, who, action, subject, reason, prev, hash"

func scanAccessEntry(row scanner) (server.AccessEntry, error) {
	var e server.AccessEntry
	err := row.Scan(&e.Seq, millis(&e.At), &e.Kind, &e.ActorID, &e.Who, &e.Action, &e.Subject, &e.Reason, &e.Prev, &e.Hash)
	return e, err
}

// AccessHead returns the newest entry's seq and hash, or the anchor's.
func (s *DB) AccessHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := s.db.QueryRowContext(ctx, "SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		a, err := s.AccessAnchor(ctx)
		return a.Seq, a.Hash, err
	}
	return seq, hash, err
}

// AccessAnchor returns where the stored log starts.
func (s *DB) AccessAnchor(ctx context.Context) (server.AccessAnchor, error) {
	return accessAnchor(ctx, s.db)
}

func accessAnchor(ctx context.Context, q queryer) (server.AccessAnchor, error) {
	var a server.AccessAnchor
	err := q.QueryRowContext(ctx, "SELECT seq, hash, at_ms FROM access_anchor WHERE id = 1").Scan(&a.Seq, &a.Hash, millis(&a.At))
	if errors.Is(err, sql.ErrNoRows) {
		return server.GenesisAnchor, nil
	}
	return a, err
}
