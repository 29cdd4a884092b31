package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/d1"
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
	// A policy stored before a field existed keeps that field's default.
	p := server.DefaultRetention
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
		return execLogged(ctx, tx, server.PolicyEntry(by, old, p, reason), `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, retentionSetting, string(next))
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
	listDue := func(ctx context.Context, q reader) ([]string, error) {
		ids, _, err := dueSessions(ctx, q, p, now, horizon)
		for i, id := range ids {
			ids[i] = sessionKey(id)
		}
		return ids, err
	}
	// DefaultKey and the key of every session it deletes (see keys.go).
	err := s.txCovering(ctx, listDue, func(tx *sql.Tx, covered func(string) bool) error {
		c = server.DeletionCounts{}
		due, keptStudent, err := dueSessions(ctx, tx, p, now, horizon)
		if err != nil {
			return err
		}
		for _, id := range due {
			if !covered(sessionKey(id)) {
				return errUncovered
			}
		}
		// Everything is read and counted before the first delete (see the
		// package doc). Every session of a student belongs to the student's
		// exam, so each was scanned above: a student of such an exam has no
		// session left after the deletes unless one was kept.
		students, err := column(ctx, tx, `SELECT st.id FROM students st JOIN exams e ON e.id = st.exam_id
			WHERE e.end_ms <= ?`, horizon)
		if err != nil {
			return err
		}
		students = slices.DeleteFunc(students, func(id string) bool { return keptStudent[id] })
		// One statement per table over the lists, bound as JSON arrays, so
		// a run costs the same few round trips to D1 however much is due.
		dueList, studentList := jsonList(due), jsonList(students)
		const inList = " IN (SELECT value FROM json_each(?))"
		perSession := []struct {
			table string
			n     *int64
		}{{"events", &c.Events}, {"summaries", &c.Summaries}, {"marks", &c.Marks}, {"notes", &c.Notes}}
		for _, d := range perSession {
			if err := retentionCount(ctx, tx, d.n, "SELECT count(*) FROM "+d.table+" WHERE session_id"+inList, dueList); err != nil {
				return err
			}
		}
		if err := retentionCount(ctx, tx, &c.Views, "SELECT count(*) FROM views WHERE student_id"+inList, studentList); err != nil {
			return err
		}
		c.Sessions, c.Students = int64(len(due)), int64(len(students))

		// Children before parents (foreign keys are on), each statement
		// with the list it deletes from.
		type deletion struct{ query, list string }
		var deletes []deletion
		for _, d := range perSession {
			deletes = append(deletes, deletion{"DELETE FROM " + d.table + " WHERE session_id" + inList, dueList})
		}
		// A granted deletion request is the rights engine's own record, with
		// no personal data; an undecided or refused one holds the student's
		// reason.
		deletes = append(deletes, deletion{"DELETE FROM sessions WHERE id" + inList, dueList},
			deletion{"DELETE FROM views WHERE student_id" + inList, studentList},
			deletion{"DELETE FROM objections WHERE student_id" + inList, studentList},
			deletion{"DELETE FROM deletion_requests WHERE status <> 'granted' AND student_id" + inList, studentList})
		deletes = append(deletes, deletion{"DELETE FROM students WHERE id" + inList, studentList})
		for _, d := range deletes {
			if _, err := tx.ExecContext(ctx, d.query, d.list); err != nil {
				return err
			}
		}
		return nil
	})
	return c, err
}

// dueSessions returns the sessions due at now, and the students of exams
// past the horizon that keep a session.
func dueSessions(ctx context.Context, q reader, p server.RetentionPolicy, now time.Time, horizon int64) ([]string, map[string]bool, error) {
	// The default rule is a lower bound: only exams whose window ended at
	// or before the horizon can have a session due.
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.student_id, e.end_ms,
			(SELECT max(m.at_ms) FROM marks m WHERE m.session_id = s.id AND m.removed_ms IS NULL)
		FROM sessions s JOIN students st ON st.id = s.student_id JOIN exams e ON e.id = st.exam_id
		WHERE e.end_ms <= ?`, horizon)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var due []string
	keptStudent := map[string]bool{}
	for rows.Next() {
		var id, student string
		var end int64
		var mark sql.NullInt64
		if err := rows.Scan(&id, &student, &end, &mark); err != nil {
			return nil, nil, err
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
	return due, keptStudent, rows.Err()
}

// RollUpCounts adds the batches that started at or before through to the
// hourly totals (UTC hours) of their kiosk and line, then deletes them, in
// one transaction. Adding to an existing row lets a batch that arrives late
// for an hour already rolled up join it. The device's last_seq and gaps
// stay: they are how Ingest knows a resend of a rolled-up batch.
func (s *DB) RollUpCounts(ctx context.Context, through time.Time) (server.DeletionCounts, error) {
	var c server.DeletionCounts
	t := through.UnixMilli()
	// The devices with batches to roll up, read first: the transaction
	// takes their keys (see keys.go) and touches no other device's batches,
	// so a batch that arrives meanwhile for another one waits for the next
	// run, as if this one had run a moment earlier.
	devices, err := column(ctx, s.db, "SELECT DISTINCT device_id FROM batches WHERE start_ms <= ? ORDER BY device_id", t)
	if err != nil || len(devices) == 0 {
		return c, err
	}
	keys := make([]string, len(devices))
	for i, d := range devices {
		keys[i] = deviceKey(d)
	}
	list := jsonList(devices)
	err = s.tx(d1.WithKeys(ctx, keys...), func(tx *sql.Tx) error {
		c = server.DeletionCounts{}
		// Counted before the writes: the hourly rows the upsert inserts or
		// updates (one per group), and the batches it deletes.
		if err := retentionCount(ctx, tx, &c.HourlyRows, `SELECT count(*) FROM (SELECT 1 FROM batches b
			JOIN batch_lines l ON l.device_id = b.device_id AND l.seq = b.seq
			JOIN devices d ON d.id = b.device_id
			WHERE b.start_ms <= ? AND b.device_id IN (SELECT value FROM json_each(?))
			GROUP BY d.kiosk_id, l.line, b.start_ms - b.start_ms % 3600000)`, t, list); err != nil {
			return err
		}
		if err := retentionCount(ctx, tx, &c.CountBatches, `SELECT count(*) FROM batches
			WHERE start_ms <= ? AND device_id IN (SELECT value FROM json_each(?))`, t, list); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO count_hours (kiosk_id, line, hour_ms, n_in, n_out, batches)
			SELECT d.kiosk_id, l.line, b.start_ms - b.start_ms % 3600000, sum(l.n_in), sum(l.n_out), count(*)
			FROM batches b
			JOIN batch_lines l ON l.device_id = b.device_id AND l.seq = b.seq
			JOIN devices d ON d.id = b.device_id
			WHERE b.start_ms <= ? AND b.device_id IN (SELECT value FROM json_each(?))
			GROUP BY d.kiosk_id, l.line, b.start_ms - b.start_ms % 3600000
			ON CONFLICT (kiosk_id, line, hour_ms) DO UPDATE SET
				n_in = n_in + excluded.n_in, n_out = n_out + excluded.n_out, batches = batches + excluded.batches`, t, list); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM batch_lines WHERE EXISTS (SELECT 1 FROM batches b
			WHERE b.device_id = batch_lines.device_id AND b.seq = batch_lines.seq AND b.start_ms <= ?
			AND b.device_id IN (SELECT value FROM json_each(?)))`, t, list); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM batches WHERE start_ms <= ? AND device_id IN (SELECT value FROM json_each(?))", t, list)
		return err
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
		// Everything is read before the first write (see the package doc):
		// the last entry to delete, how many go, the anchor after the run,
		// the record's id and the log's head, which the run's entry extends
		// whether or not the entries before it are deleted.
		var last server.AccessEntry
		var at int64
		// The first entry to keep is found walking seqs from the oldest,
		// which stops after the few entries a run deletes.
		err := tx.QueryRowContext(ctx, `SELECT seq, hash, at_ms FROM access_log
			WHERE seq < coalesce((SELECT seq FROM access_log WHERE at_ms > ? ORDER BY seq LIMIT 1), 9223372036854775807)
			ORDER BY seq DESC LIMIT 1`, accessThrough.UnixMilli()).Scan(&last.Seq, &last.Hash, &at)
		prune := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		anchor, err := accessAnchor(ctx, tx)
		if err != nil {
			return err
		}
		if prune {
			if err := retentionCount(ctx, tx, &r.Deleted.AccessEntries, "SELECT count(*) FROM access_log WHERE seq <= ?", last.Seq); err != nil {
				return err
			}
			anchor = server.AccessAnchor{Seq: last.Seq, Hash: last.Hash, At: time.UnixMilli(at)}
		}
		if r.ID, err = nextID(ctx, tx, "deletion_records"); err != nil {
			return err
		}
		log, err := readLog(ctx, tx)
		if err != nil {
			return err
		}

		if prune {
			if _, err := tx.ExecContext(ctx, "DELETE FROM access_log WHERE seq <= ?", last.Seq); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO access_anchor (id, seq, hash, at_ms) VALUES (1, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at_ms = excluded.at_ms`,
				last.Seq, last.Hash, at); err != nil {
				return err
			}
		}
		d := r.Deleted
		if _, err := tx.ExecContext(ctx, `INSERT INTO deletion_records (id, at_ms, trigger_kind, policy, sessions, summaries, events,
			marks, notes, students, views, count_batches, hourly_rows, access_entries)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.At.UnixMilli(), r.Trigger, string(policy), d.Sessions, d.Summaries,
			d.Events, d.Marks, d.Notes, d.Students, d.Views, d.CountBatches, d.HourlyRows, d.AccessEntries); err != nil {
			return err
		}
		if !d.Any() {
			return nil
		}
		return log.append(ctx, tx, server.RunEntry(r, anchor))
	})
	return r, err
}

// DeletionRecords returns the newest limit records, newest first.
func (s *DB) DeletionRecords(ctx context.Context, limit int) ([]server.DeletionRecord, error) {
	return list(ctx, s.db, func(row scanner) (server.DeletionRecord, error) {
		var r server.DeletionRecord
		var policy string
		d := &r.Deleted
		if err := row.Scan(&r.ID, millis(&r.At), &r.Trigger, &policy, &d.Sessions, &d.Summaries, &d.Events, &d.Marks, &d.Notes,
			&d.Students, &d.Views, &d.CountBatches, &d.HourlyRows, &d.AccessEntries); err != nil {
			return r, err
		}
		return r, json.Unmarshal([]byte(policy), &r.Policy)
	}, `SELECT id, at_ms, trigger_kind, policy, sessions, summaries, events, marks, notes,
		students, views, count_batches, hourly_rows, access_entries FROM deletion_records ORDER BY id DESC LIMIT ?`, limit)
}

// retentionCount runs a count query and adds its answer to *n: what a
// delete that follows will remove, counted before it, since a write's
// result is not known inside a transaction on D1.
func retentionCount(ctx context.Context, tx *sql.Tx, n *int64, query string, args ...any) error {
	var k int64
	err := tx.QueryRowContext(ctx, query, args...).Scan(&k)
	*n += k
	return err
}
