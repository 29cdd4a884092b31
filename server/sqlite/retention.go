package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

const retentionSetting = "retention_policy"

// RetentionPolicy returns the stored policy, or server.DefaultRetention.
func (s *DB) RetentionPolicy(ctx context.Context) (server.RetentionPolicy, error) {
	return retentionPolicy(ctx, s.db)
}

func retentionPolicy(ctx context.Context, q queryer) (server.RetentionPolicy, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", retentionSetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return server.DefaultRetention, nil
	}
	if err != nil {
		return server.RetentionPolicy{}, err
	}
	var p server.RetentionPolicy
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return server.RetentionPolicy{}, err
	}
	return p, nil
}

// SetRetentionPolicy stores p and logs the old and new values with the
// reason, in one transaction.
func (s *DB) SetRetentionPolicy(ctx context.Context, p server.RetentionPolicy, reason string, by server.Actor) error {
	if err := p.Validate(); err != nil {
		return err
	}
	next, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := retentionPolicy(ctx, tx)
		if err != nil {
			return err
		}
		prev, err := json.Marshal(old)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, retentionSetting, string(next)); err != nil {
			return err
		}
		return logAccess(ctx, tx, by, server.ActionPolicyChange, fmt.Sprintf("retention policy from %s to %s", prev, next), reason)
	})
}

// DeleteExpiredSessions deletes, in one transaction, the sessions due at now
// with everything stored per session (summaries, events, marks, notes; the
// pre-check, finish time and receipt are the session row's own), then the
// students of exams past the default rule who have no session left, with
// their views, objections and undecided deletion requests. The exam itself
// names no student and stays.
func (s *DB) DeleteExpiredSessions(ctx context.Context, p server.RetentionPolicy, now time.Time) (server.DeletionCounts, error) {
	var c server.DeletionCounts
	horizon := p.SessionHorizon(now).UnixMilli()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c = server.DeletionCounts{}
		// The default rule is a lower bound: only exams whose window ended
		// at or before the horizon can have a session due.
		rows, err := tx.QueryContext(ctx, `SELECT s.id, s.student_id, e.end_ms,
				(SELECT max(m.at_ms) FROM marks m WHERE m.session_id = s.id AND m.removed_ms IS NULL)
			FROM sessions s JOIN students st ON st.id = s.student_id JOIN exams e ON e.id = st.exam_id
			WHERE e.end_ms <= ?`, horizon)
		if err != nil {
			return err
		}
		var due []string
		keptStudent := map[string]bool{}
		for rows.Next() {
			var id, student string
			var end int64
			var mark sql.NullInt64
			if err := rows.Scan(&id, &student, &end, &mark); err != nil {
				rows.Close()
				return err
			}
			var marked time.Time
			if mark.Valid {
				marked = time.UnixMilli(mark.Int64)
			}
			if now.Before(p.SessionExpiry(time.UnixMilli(end), marked)) {
				keptStudent[student] = true
			} else {
				due = append(due, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range due {
			for _, d := range []struct {
				query string
				n     *int64
			}{
				{"DELETE FROM events WHERE session_id = ?", &c.Events},
				{"DELETE FROM summaries WHERE session_id = ?", &c.Summaries},
				{"DELETE FROM marks WHERE session_id = ?", &c.Marks},
				{"DELETE FROM notes WHERE session_id = ?", &c.Notes},
				{"DELETE FROM sessions WHERE id = ?", &c.Sessions},
			} {
				if err := retentionExec(ctx, tx, d.n, d.query, id); err != nil {
					return err
				}
			}
		}

		students, err := retentionIDs(ctx, tx, `SELECT st.id FROM students st JOIN exams e ON e.id = st.exam_id
			WHERE e.end_ms <= ? AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.student_id = st.id)`, horizon)
		if err != nil {
			return err
		}
		// Tables of the data-subject rights migration hang off students too;
		// checked so retention keeps working on a schema without them.
		objections, err := retentionHasTable(ctx, tx, "objections")
		if err != nil {
			return err
		}
		requests, err := retentionHasTable(ctx, tx, "deletion_requests")
		if err != nil {
			return err
		}
		var none int64
		for _, id := range students {
			if keptStudent[id] {
				continue
			}
			if err := retentionExec(ctx, tx, &c.Views, "DELETE FROM views WHERE student_id = ?", id); err != nil {
				return err
			}
			if objections {
				if err := retentionExec(ctx, tx, &none, "DELETE FROM objections WHERE student_id = ?", id); err != nil {
					return err
				}
			}
			// A granted request is the rights engine's own record, with no
			// personal data; an undecided or refused one holds the
			// student's reason.
			if requests {
				if err := retentionExec(ctx, tx, &none, "DELETE FROM deletion_requests WHERE student_id = ? AND status <> 'granted'", id); err != nil {
					return err
				}
			}
			if err := retentionExec(ctx, tx, &c.Students, "DELETE FROM students WHERE id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
	return c, err
}

// RollUpCounts adds the batches that started at or before through to the
// hourly totals (UTC hours) of their kiosk and line, then deletes them, in
// one transaction. Adding to an existing row lets a batch that arrives late
// for an hour already rolled up join it. The device's last_seq and gaps
// stay: they are how Ingest knows a resend of a rolled-up batch.
func (s *DB) RollUpCounts(ctx context.Context, through time.Time) (server.DeletionCounts, error) {
	var c server.DeletionCounts
	t := through.UnixMilli()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c = server.DeletionCounts{}
		if err := retentionExec(ctx, tx, &c.HourlyRows, `INSERT INTO count_hours (kiosk_id, line, hour_ms, n_in, n_out, batches)
			SELECT d.kiosk_id, l.line, b.start_ms - b.start_ms % 3600000, sum(l.n_in), sum(l.n_out), count(*)
			FROM batches b
			JOIN batch_lines l ON l.device_id = b.device_id AND l.seq = b.seq
			JOIN devices d ON d.id = b.device_id
			WHERE b.start_ms <= ?
			GROUP BY d.kiosk_id, l.line, b.start_ms - b.start_ms % 3600000
			ON CONFLICT (kiosk_id, line, hour_ms) DO UPDATE SET
				n_in = n_in + excluded.n_in, n_out = n_out + excluded.n_out, batches = batches + excluded.batches`, t); err != nil {
			return err
		}
		var lines int64
		if err := retentionExec(ctx, tx, &lines, `DELETE FROM batch_lines WHERE EXISTS (SELECT 1 FROM batches b
			WHERE b.device_id = batch_lines.device_id AND b.seq = batch_lines.seq AND b.start_ms <= ?)`, t); err != nil {
			return err
		}
		return retentionExec(ctx, tx, &c.CountBatches, "DELETE FROM batches WHERE start_ms <= ?", t)
	})
	return c, err
}

// FinishRun deletes the oldest access-log entries up to the first one after
// accessThrough, moves the anchor to the last one deleted, stores the run's
// record and, when the run deleted anything, appends its entry naming the
// anchor: one transaction. Only a prefix of the chain is ever deleted, so
// what stays verifies from the anchor even if entries' times are not in
// seq order.
func (s *DB) FinishRun(ctx context.Context, r server.DeletionRecord, accessThrough time.Time) (server.DeletionRecord, error) {
	r.At = time.UnixMilli(r.At.UnixMilli())
	policy, err := json.Marshal(r.Policy)
	if err != nil {
		return r, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		r.Deleted.AccessEntries = 0
		var last server.AccessEntry
		var at int64
		// The first entry to keep is found walking seqs from the oldest,
		// which stops after the few entries a run deletes.
		err := tx.QueryRowContext(ctx, `SELECT seq, hash, at_ms FROM access_log
			WHERE seq < coalesce((SELECT seq FROM access_log WHERE at_ms > ? ORDER BY seq LIMIT 1), 9223372036854775807)
			ORDER BY seq DESC LIMIT 1`, accessThrough.UnixMilli()).Scan(&last.Seq, &last.Hash, &at)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			if err := retentionExec(ctx, tx, &r.Deleted.AccessEntries, "DELETE FROM access_log WHERE seq <= ?", last.Seq); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO access_anchor (id, seq, hash, at_ms) VALUES (1, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at_ms = excluded.at_ms`,
				last.Seq, last.Hash, at); err != nil {
				return err
			}
		}
		d := r.Deleted
		res, err := tx.ExecContext(ctx, `INSERT INTO deletion_records (at_ms, trigger_kind, policy, sessions, summaries, events,
			marks, notes, students, views, count_batches, hourly_rows, access_entries)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.At.UnixMilli(), r.Trigger, string(policy), d.Sessions, d.Summaries,
			d.Events, d.Marks, d.Notes, d.Students, d.Views, d.CountBatches, d.HourlyRows, d.AccessEntries)
		if err != nil {
			return err
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if !d.Any() {
			return nil
		}
		anchor, err := accessAnchor(ctx, tx)
		if err != nil {
			return err
		}
		return logAccess(ctx, tx, server.Actor{Who: server.RetentionWho, At: r.At}, server.ActionRetentionRun,
			server.RunSubject(r.ID, anchor), d.String())
	})
	return r, err
}

// DeletionRecords returns the newest limit records, newest first.
func (s *DB) DeletionRecords(ctx context.Context, limit int) ([]server.DeletionRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at_ms, trigger_kind, policy, sessions, summaries, events, marks, notes,
		students, views, count_batches, hourly_rows, access_entries FROM deletion_records ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	records := []server.DeletionRecord{}
	for rows.Next() {
		var r server.DeletionRecord
		var at int64
		var policy string
		d := &r.Deleted
		if err := rows.Scan(&r.ID, &at, &r.Trigger, &policy, &d.Sessions, &d.Summaries, &d.Events, &d.Marks, &d.Notes,
			&d.Students, &d.Views, &d.CountBatches, &d.HourlyRows, &d.AccessEntries); err != nil {
			return nil, err
		}
		r.At = time.UnixMilli(at)
		if err := json.Unmarshal([]byte(policy), &r.Policy); err != nil {
			return nil, err
		}
		records = append(records, r)
	}
	return records, rows.Err()
}

// Reclaim gives the pages that deleted rows freed back to the file system:
// the file is in auto_vacuum=INCREMENTAL (see Open), incremental_vacuum
// moves the free pages to the end and truncates them, and a checkpoint
// carries that from the WAL into the database file.
func (s *DB) Reclaim(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
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

// retentionExec runs a statement and adds the rows it changed to *n.
func retentionExec(ctx context.Context, tx *sql.Tx, n *int64, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	k, err := res.RowsAffected()
	*n += k
	return err
}

// retentionIDs returns a query's single text column.
func retentionIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func retentionHasTable(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n)
	return n > 0, err
}
