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

// AddObjection stores a student's objection and logs that one was made;
// the log never holds its text, which goes when the student's data goes.
func (s *DB) AddObjection(ctx context.Context, o server.Objection) (server.Objection, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM objections WHERE student_id = ?", o.Student).Scan(&n); err != nil {
			return err
		}
		if n >= server.MaxObjections {
			return server.ErrTooManyObjections
		}
		var err error
		if o.ID, err = nextIDUnder(ctx, tx, "objections", "students", o.Student); err != nil {
			return err
		}
		return execLogged(ctx, tx, server.ObjectionEntry(o), "INSERT INTO objections (id, student_id, reason, at_ms) VALUES (?, ?, ?, ?)",
			o.ID, o.Student, o.Reason, o.At.UnixMilli())
	})
	return o, err
}

// Objections returns a student's objections, oldest first.
func (s *DB) Objections(ctx context.Context, student string) ([]server.Objection, error) {
	return listOf(ctx, s.db, "students", student, func(row scanner) (server.Objection, error) {
		var o server.Objection
		err := row.Scan(&o.ID, &o.Student, &o.Reason, millis(&o.At))
		return o, err
	}, "SELECT id, student_id, reason, at_ms FROM objections WHERE student_id = ? ORDER BY at_ms, id", student)
}

// SetEmail corrects a student's contact email and logs the correction,
// without either address.
func (s *DB) SetEmail(ctx context.Context, student, email string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, "students", student); err != nil {
			return err
		}
		return execLogged(ctx, tx, server.EmailEntry(student, at), "UPDATE students SET email = ? WHERE id = ?", email, student)
	})
}

const deletionColumns = "id, student_id, exam_id, reason, requested_ms, status, decided_ms, decided_by, decision, deleted FROM deletion_requests"

func scanDeletion(row scanner) (server.DeletionRequest, error) {
	var d server.DeletionRequest
	var deleted string
	if err := row.Scan(&d.ID, &d.Student, &d.Exam, &d.Reason, millis(&d.Requested), &d.Status, optionalMillis(&d.Decided),
		&d.DecidedBy, &d.Decision, &deleted); err != nil {
		return d, err
	}
	return d, json.Unmarshal([]byte(deleted), &d.Deleted)
}

func deletionRequests(ctx context.Context, q reader, where string, args ...any) ([]server.DeletionRequest, error) {
	return list(ctx, q, scanDeletion, "SELECT "+deletionColumns+" WHERE "+where+" ORDER BY requested_ms, id", args...)
}

func deletionRequest(ctx context.Context, q reader, id int64) (server.DeletionRequest, error) {
	d, err := scanDeletion(q.QueryRowContext(ctx, "SELECT "+deletionColumns+" WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, server.ErrNotFound
	}
	return d, err
}

// DeletionRequests returns the requests with this status (all when status
// is empty), oldest first.
func (s *DB) DeletionRequests(ctx context.Context, status server.DeletionStatus) ([]server.DeletionRequest, error) {
	if status == "" {
		return deletionRequests(ctx, s.db, "1 = 1")
	}
	return deletionRequests(ctx, s.db, "status = ?", string(status))
}

// StudentDeletionRequests returns a student's requests, oldest first.
func (s *DB) StudentDeletionRequests(ctx context.Context, student string) ([]server.DeletionRequest, error) {
	return deletionRequests(ctx, s.db, "student_id = ?", student)
}

// Erasure reads what the rule for the student's deletion request looks at.
func (s *DB) Erasure(ctx context.Context, student string) (server.Erasure, error) {
	return erasure(ctx, s.db, student)
}

func erasure(ctx context.Context, q queryer, student string) (server.Erasure, error) {
	var exam string
	var end time.Time
	var active int
	err := q.QueryRowContext(ctx, `SELECT st.exam_id, e.end_ms,
		(SELECT count(*) FROM marks m JOIN sessions ss ON ss.id = m.session_id WHERE ss.student_id = st.id AND m.removed_ms IS NULL)
		FROM students st JOIN exams e ON e.id = st.exam_id WHERE st.id = ?`, student).Scan(&exam, millis(&end), &active)
	if errors.Is(err, sql.ErrNoRows) {
		return server.Erasure{}, server.ErrNotFound
	}
	if err != nil {
		return server.Erasure{}, err
	}
	policy, err := retentionPolicy(ctx, q)
	return policy.Erasure(exam, end, active), err
}

// RequestDeletion records a student's deletion request, or finds their
// pending one, and grants it in the same transaction when the student's
// server.Erasure is Automatic. Checking and deleting in one write
// transaction means no mark can land in between.
func (s *DB) RequestDeletion(ctx context.Context, student, reason string, now time.Time) (server.DeletionRequest, error) {
	var d server.DeletionRequest
	sessions := func(ctx context.Context, q reader) ([]string, error) {
		return sessionKeys(ctx, q, "SELECT id FROM sessions WHERE student_id = ?", student)
	}
	// DefaultKey and the keys of the student's sessions, which a grant
	// deletes (see keys.go).
	err := s.txCovering(ctx, sessions, func(tx *sql.Tx, covered func(string) bool) error {
		rule, err := erasure(ctx, tx, student)
		if err != nil {
			return err
		}
		pending, err := deletionRequests(ctx, tx, "student_id = ? AND status = 'pending'", student)
		if err != nil {
			return err
		}
		isNew := len(pending) == 0
		if isNew {
			// The request as the insert below stores it, with the
			// columns' defaults.
			d = server.DeletionRequest{Student: student, Exam: rule.Exam, Reason: reason, Requested: time.UnixMilli(now.UnixMilli()),
				Status: server.DeletionPending, Deleted: map[string]int{}}
			if d.ID, err = nextID(ctx, tx, "deletion_requests"); err != nil {
				return err
			}
		} else {
			d = pending[0]
		}
		grant := rule.Automatic(now)
		counts, log, err := decisionReads(ctx, tx, d, grant, covered)
		if err != nil {
			return err
		}

		if isNew {
			if _, err := tx.ExecContext(ctx, "INSERT INTO deletion_requests (id, student_id, exam_id, reason, requested_ms) VALUES (?, ?, ?, ?, ?)",
				d.ID, student, rule.Exam, reason, now.UnixMilli()); err != nil {
				return err
			}
			if err := log.append(ctx, tx, server.DeletionEntry(server.StudentActor(student, now), server.ActionRequestDeletion, d, "")); err != nil {
				return err
			}
		}
		if !grant {
			return nil
		}
		d, err = grantDeletion(ctx, tx, log, d, counts, server.AutoGrantActor(now), server.AutoGrantReason)
		return err
	})
	return d, err
}

// DecideDeletion grants (deleting the student's data) or refuses a pending
// request, with the admin's reason, in one transaction with its log entry.
func (s *DB) DecideDeletion(ctx context.Context, id int64, grant bool, reason string, by server.Actor) (server.DeletionRequest, error) {
	var d server.DeletionRequest
	sessions := func(ctx context.Context, q reader) ([]string, error) {
		return sessionKeys(ctx, q, `SELECT s.id FROM sessions s
			JOIN deletion_requests d ON d.student_id = s.student_id WHERE d.id = ?`, id)
	}
	// As RequestDeletion.
	err := s.txCovering(ctx, sessions, func(tx *sql.Tx, covered func(string) bool) error {
		var err error
		if d, err = deletionRequest(ctx, tx, id); err != nil {
			return err
		}
		if d.Status != server.DeletionPending {
			return server.ErrDecided
		}
		counts, log, err := decisionReads(ctx, tx, d, grant, covered)
		if err != nil {
			return err
		}
		if grant {
			d, err = grantDeletion(ctx, tx, log, d, counts, by, reason)
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE deletion_requests SET status = 'refused', decided_ms = ?, decided_by = ?, decision = ? WHERE id = ?",
			by.At.UnixMilli(), by.Who, reason, id); err != nil {
			return err
		}
		d = decided(d, server.DeletionRefused, by, reason)
		return log.append(ctx, tx, server.DeletionEntry(by, server.ActionRefuseDeletion, d, reason))
	})
	return d, err
}

// studentTables are what deleteStudent empties, children before parents
// (foreign keys are on), each with the condition naming the student's rows.
var studentTables = []struct{ table, where string }{
	{"events", "session_id IN (SELECT id FROM sessions WHERE student_id = ?)"},
	{"summaries", "session_id IN (SELECT id FROM sessions WHERE student_id = ?)"},
	{"marks", "session_id IN (SELECT id FROM sessions WHERE student_id = ?)"},
	{"notes", "session_id IN (SELECT id FROM sessions WHERE student_id = ?)"},
	{"sessions", "student_id = ?"}, // with their pre-check, finish and receipt
	{"views", "student_id = ?"},
	{"objections", "student_id = ?"},
	{"deletion_requests", "student_id = ? AND status <> 'granted'"}, // their reasons are personal; earlier records stay
	{"students", "id = ?"},                                          // with email, choice and accommodations
}

// decisionReads are the last reads of a transaction that decides d, before
// its first write: what a grant will delete (studentCounts, when grant),
// then the log's head.
func decisionReads(ctx context.Context, tx *sql.Tx, d server.DeletionRequest, grant bool, covered func(string) bool) (map[string]int, *accessLog, error) {
	var counts map[string]int
	if grant {
		var err error
		if counts, err = studentCounts(ctx, tx, d, covered); err != nil {
			return nil, nil, err
		}
	}
	log, err := readLog(ctx, tx)
	return counts, log, err
}

// studentCounts counts, inside tx and before its first write, the rows
// grantDeletion will delete for d's student: on D1 a delete's count is not
// known inside a transaction. d itself, pending, is kept (granted), so it
// is not counted. It returns errUncovered if the student has a session
// whose key the transaction did not take.
func studentCounts(ctx context.Context, tx *sql.Tx, d server.DeletionRequest, covered func(string) bool) (map[string]int, error) {
	keys, err := sessionKeys(ctx, tx, "SELECT id FROM sessions WHERE student_id = ?", d.Student)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if !covered(k) {
			return nil, errUncovered
		}
	}
	counts := map[string]int{}
	for _, t := range studentTables {
		q, args := "SELECT count(*) FROM "+t.table+" WHERE "+t.where, []any{d.Student}
		if t.table == "deletion_requests" {
			q, args = q+" AND id <> ?", append(args, d.ID)
		}
		var n int
		if err := tx.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			return nil, fmt.Errorf("counting %s: %w", t.table, err)
		}
		counts[t.table] = n
	}
	return counts, nil
}

// grantDeletion deletes every row about d's student inside tx, turns d into
// the deletion record (counts only, from studentCounts) and appends the one
// access-log entry that records the deletion. The access log's earlier
// entries stay: it is append-only, and they name the student only by
// lokaal's random id.
func grantDeletion(ctx context.Context, tx *sql.Tx, log *accessLog, d server.DeletionRequest, counts map[string]int, by server.Actor, reason string) (server.DeletionRequest, error) {
	// Keep the granted request itself while deleting the others.
	if _, err := tx.ExecContext(ctx, "UPDATE deletion_requests SET status = 'granted', reason = '' WHERE id = ?", d.ID); err != nil {
		return d, err
	}
	for _, t := range studentTables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t.table+" WHERE "+t.where, d.Student); err != nil {
			return d, fmt.Errorf("deleting %s: %w", t.table, err)
		}
	}
	js, err := json.Marshal(counts)
	if err != nil {
		return d, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE deletion_requests SET decided_ms = ?, decided_by = ?, decision = ?, deleted = ? WHERE id = ?",
		by.At.UnixMilli(), by.Who, reason, string(js), d.ID); err != nil {
		return d, err
	}
	if err := log.append(ctx, tx, server.DeletionEntry(by, server.ActionDeleteStudent, d, reason)); err != nil {
		return d, err
	}
	d = decided(d, server.DeletionGranted, by, reason)
	d.Reason, d.Deleted = "", counts
	return d, nil
}

// decided returns d as stored once decided: what a read of the row would
// return, built in Go because the transaction that decides cannot read its
// own writes on D1.
func decided(d server.DeletionRequest, status server.DeletionStatus, by server.Actor, decision string) server.DeletionRequest {
	at := time.UnixMilli(by.At.UnixMilli())
	d.Status, d.Decided, d.DecidedBy, d.Decision = status, &at, by.Who, decision
	return d
}

// StudentAccessLog returns the access-log entries about a student, oldest
// first: those whose subject is "student ID" or "session ID" of one of
// their sessions, alone or followed by a space or a colon and more (as in
// "student ID: session S", "session S mark 3 appeal").
func (s *DB) StudentAccessLog(ctx context.Context, student string) ([]server.AccessEntry, error) {
	return listOf(ctx, s.db, "students", student, scanAccessEntry, `SELECT a.seq, a.at_ms, a.actor_kind, a.actor_id, a.who, a.action, a.subject, a.reason, a.prev, a.hash FROM access_log a
		WHERE EXISTS (SELECT 1 FROM (SELECT 'student ' || ? AS p UNION ALL SELECT 'session ' || id FROM sessions WHERE student_id = ?) k
			WHERE a.subject = k.p OR substr(a.subject, 1, length(k.p) + 1) IN (k.p || ' ', k.p || ':'))
		ORDER BY a.seq`, student, student)
}
