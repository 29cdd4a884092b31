package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lokaal-nl/lokaal/server"
)

// AddMark stores a mark on an existing session and returns it with its id.
// The mark and its access-log entry are stored together. The reason is
// free text about a student, so it stays with the mark: the log names
// students only by id, and outlives an erased student.
func (s *DB) AddMark(ctx context.Context, m server.Mark, by server.Actor) (server.Mark, error) {
	m.Removed, m.By, m.ByKind, m.ByID, m.At = nil, by.Who, by.Kind, by.ID, by.At
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if m.ID, err = nextIDUnder(ctx, tx, "marks", "sessions", m.Session); err != nil {
			return err
		}
		return execLogged(ctx, tx, server.MarkEntry(by, m), "INSERT INTO marks (id, session_id, kind, reason, who, by_kind, by_id, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			m.ID, m.Session, string(m.Kind), m.Reason, m.By, string(m.ByKind), m.ByID, m.At.UnixMilli())
	})
	return m, err
}

// RemoveMark lifts a mark of the session and logs that it did. The mark
// stays, for the record, with who lifted it and why (the reason stays out
// of the log, like the mark's own); lifting it again keeps the first
// removal. A lifted mark no longer extends retention. Unless anyMark, by must
// be the mark's author.
func (s *DB) RemoveMark(ctx context.Context, session string, id int64, reason string, by server.Actor, anyMark bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var author server.Actor
		err := tx.QueryRowContext(ctx, "SELECT by_kind, by_id FROM marks WHERE id = ? AND session_id = ?", id, session).Scan(&author.Kind, &author.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return server.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !anyMark && !by.Same(author) {
			return server.ErrNotYourMark
		}
		return execLogged(ctx, tx, server.RemoveMarkEntry(by, session, id), `UPDATE marks SET removed_ms = coalesce(removed_ms, ?),
				removed_by = CASE WHEN removed_ms IS NULL THEN ? ELSE removed_by END,
				removed_kind = CASE WHEN removed_ms IS NULL THEN ? ELSE removed_kind END,
				removed_reason = CASE WHEN removed_ms IS NULL THEN ? ELSE removed_reason END
			WHERE id = ? AND session_id = ?`,
			by.At.UnixMilli(), by.Who, string(by.Kind), reason, id, session)
	})
}

// Marks returns a session's marks, lifted ones included, oldest first.
func (s *DB) Marks(ctx context.Context, session string) ([]server.Mark, error) {
	return listOf(ctx, s.db, "sessions", session, func(row scanner) (server.Mark, error) {
		var m server.Mark
		err := row.Scan(&m.ID, &m.Session, &m.Kind, &m.Reason, &m.By, &m.ByKind, &m.ByID, millis(&m.At), optionalMillis(&m.Removed), &m.RemovedBy, &m.RemovedReason)
		return m, err
	}, `SELECT id, session_id, kind, reason, who, by_kind, by_id, at_ms, removed_ms, removed_by, removed_reason
		FROM marks WHERE session_id = ? ORDER BY at_ms, id`, session)
}

// AddNote stores a note on an existing session and returns it with its id.
// The log names the note, never its text.
func (s *DB) AddNote(ctx context.Context, n server.Note, by server.Actor) (server.Note, error) {
	n.By, n.At = by.Who, by.At
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if n.ID, err = nextIDUnder(ctx, tx, "notes", "sessions", n.Session); err != nil {
			return err
		}
		return execLogged(ctx, tx, server.NoteEntry(by, n), "INSERT INTO notes (id, session_id, text, who, at_ms) VALUES (?, ?, ?, ?, ?)",
			n.ID, n.Session, n.Text, n.By, n.At.UnixMilli())
	})
	return n, err
}

// Notes returns a session's notes, oldest first.
func (s *DB) Notes(ctx context.Context, session string) ([]server.Note, error) {
	return listOf(ctx, s.db, "sessions", session, func(row scanner) (server.Note, error) {
		var n server.Note
		err := row.Scan(&n.ID, &n.Session, &n.Text, &n.By, millis(&n.At))
		return n, err
	}, "SELECT id, session_id, text, who, at_ms FROM notes WHERE session_id = ? ORDER BY at_ms, id", session)
}

// LogView records that staff read an existing student's data, in the
// student's views and in the access log, in one transaction.
func (s *DB) LogView(ctx context.Context, student, what string, by server.Actor) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, "students", student); err != nil {
			return err
		}
		// One entry per look, not per refresh: the same actor's same view
		// of this student within ViewWindow is already on record. The
		// actor is its kind and id, as the access log keeps them: two
		// reviewer tokens may share a name.
		e := server.ViewEntry(by, student, what)
		var seen int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM access_log WHERE subject = ? AND action = ? AND actor_kind = ? AND actor_id = ? AND (actor_id <> '' OR who = ?) AND at_ms > ? AND at_ms <= ?",
			e.Subject, e.Action, string(by.Kind), by.ID, by.Who, by.At.Add(-server.ViewWindow).UnixMilli(), by.At.UnixMilli()).Scan(&seen); err != nil {
			return err
		}
		if seen > 0 {
			return nil
		}
		return execLogged(ctx, tx, e, "INSERT INTO views (student_id, who, who_kind, what, at_ms) VALUES (?, ?, ?, ?, ?)",
			student, by.Who, string(by.Kind), what, by.At.UnixMilli())
	})
}

// Views returns who read a student's data, oldest first.
func (s *DB) Views(ctx context.Context, student string) ([]server.View, error) {
	return listOf(ctx, s.db, "students", student, func(row scanner) (server.View, error) {
		var v server.View
		err := row.Scan(&v.Who, &v.Kind, &v.What, millis(&v.At))
		return v, err
	}, "SELECT who, who_kind, what, at_ms FROM views WHERE student_id = ? ORDER BY at_ms, id", student)
}
