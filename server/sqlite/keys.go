package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lokaal-nl/lokaal/server/d1"
)

// Which D1 transactions may commit side by side (server/d1's clock keys).
// Two transactions that touch the same rows, one of them writing, must
// share a key, or D1 would let both commit on what each read. So:
//
//   - By default a transaction uses d1.DefaultKey, which is also the
//     access log's key: every transaction that appends to the log, or
//     prunes it, shares it, so the log stays one chain; and writes outside
//     a transaction (CreateSession, SetChoice, ...) move it too.
//   - Ingest touches only its device's rows (devices, batches, batch_lines,
//     gaps) and reads kiosk line names, which are only ever added; it uses
//     the device's key alone, so kiosks upload in parallel.
//   - AppendSummary and FinishSession touch only their session's rows
//     (sessions, summaries, events); they use the session's key alone, so
//     exams sit in parallel.
//   - What else writes those rows takes their keys too: RollUpCounts the
//     keys of the devices whose batches it rolls up (and touches no other
//     device's), and the deletions of sessions (DeleteExpiredSessions,
//     a granted deletion request) DefaultKey and the key of every session
//     they delete (txCovering). Creating a device or a session moves
//     DefaultKey, so a deleter that began before cannot miss it.
//
// Native SQLite ignores the keys: it serialises every write transaction.

func deviceKey(id string) string  { return "device:" + id }
func sessionKey(id string) string { return "session:" + id }

// sessionKeys returns the keys of the sessions a query lists.
func sessionKeys(ctx context.Context, q reader, query string, arg any) ([]string, error) {
	ids, err := column(ctx, q, query, arg)
	for i, id := range ids {
		ids[i] = sessionKey(id)
	}
	return ids, err
}

// errUncovered tells txCovering that the transaction found a row to touch
// whose key it did not take: one that appeared after list read.
var errUncovered = errors.New("sqlite: a row to change appeared since its key was read")

// txCovering runs fn in a transaction on DefaultKey and the keys that list,
// run first and outside the transaction, names for the rows fn will touch;
// covered reports whether fn may touch the row with a key. fn returns
// errUncovered when it finds one it may not, and it all runs again with a
// new list.
func (s *DB) txCovering(ctx context.Context, list func(context.Context, reader) ([]string, error),
	fn func(tx *sql.Tx, covered func(key string) bool) error) error {
	const attempts = 5
	var err error
	for range attempts {
		var keys []string
		if keys, err = list(ctx, s.db); err != nil {
			return err
		}
		set := make(map[string]bool, len(keys))
		for _, k := range keys {
			set[k] = true
		}
		err = s.tx(d1.WithKeys(ctx, append([]string{d1.DefaultKey}, keys...)...), func(tx *sql.Tx) error {
			return fn(tx, func(k string) bool { return set[k] })
		})
		if !errors.Is(err, errUncovered) {
			return err
		}
	}
	return fmt.Errorf("%w, %d times", err, attempts)
}
