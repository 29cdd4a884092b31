package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const sessionColumns = `s.id, s.student_id, st.exam_id, s.public_key, s.build, s.precheck, s.policy, s.last_seq, s.head,
	s.started_ms, s.finished_ms, s.receipt FROM sessions s JOIN students st ON st.id = s.student_id`

func scanSession(row scanner) (server.Session, error) {
	var ss server.Session
	var key []byte
	var precheck, policy string
	var receipt sql.NullString
	if err := row.Scan(&ss.ID, &ss.Student, &ss.Exam, &key, &ss.Build, &precheck, &policy, &ss.LastSeq, &ss.Head,
		millis(&ss.Started), optionalMillis(&ss.Finished), &receipt); err != nil {
		return ss, err
	}
	ss.PublicKey = key
	if receipt.Valid {
		ss.Receipt = new(wire.SignedReceipt)
		if err := json.Unmarshal([]byte(receipt.String), ss.Receipt); err != nil {
			return ss, err
		}
	}
	if err := json.Unmarshal([]byte(precheck), &ss.Precheck); err != nil {
		return ss, err
	}
	return ss, json.Unmarshal([]byte(policy), &ss.Policy)
}

// CreateSession stores a new session of an existing student with an empty
// chain. Exam, LastSeq, Head, Finished and Receipt are the store's
// to fill and are ignored here.
//
// One statement both checks and inserts: the student chose proctored and
// has no session yet. SQLite and D1 each run a statement alone, so of two
// concurrent starts one inserts, and a change of choice (SetChoice, whose
// statement checks the other way) lands before or after, never between.
// Being a write outside a transaction, it moves DefaultKey (keys.go).
func (s *DB) CreateSession(ctx context.Context, ss server.Session) error {
	precheck, err := json.Marshal(ss.Precheck)
	if err != nil {
		return err
	}
	policy, err := json.Marshal(ss.Policy)
	if err != nil {
		return err
	}
	err = found(s.exec(ctx, `INSERT INTO sessions (id, student_id, public_key, build, precheck, policy, head, started_ms)
		SELECT ?, id, ?, ?, ?, ?, ?, ? FROM students
		WHERE id = ? AND choice = ? AND NOT EXISTS (SELECT 1 FROM sessions WHERE student_id = ?)`,
		ss.ID, []byte(ss.PublicKey), ss.Build, string(precheck), string(policy), wire.Genesis, ss.Started.UnixMilli(),
		ss.Student, string(server.ChoiceProctored), ss.Student))
	if !errors.Is(err, server.ErrNotFound) {
		return err
	}
	// Nothing inserted: say why. What is read now can only have moved on
	// from what the insert saw: students keep their sessions, and a
	// session freezes the choice.
	var choice string
	var sessions int
	err = s.db.QueryRowContext(ctx, `SELECT choice, (SELECT count(*) FROM sessions WHERE student_id = students.id)
		FROM students WHERE id = ?`, ss.Student).Scan(&choice, &sessions)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return server.ErrNotFound
	case err != nil:
		return err
	case sessions > 0:
		return server.ErrSessionExists
	default:
		return server.ErrNoChoice
	}
}

// Session returns one session.
func (s *DB) Session(ctx context.Context, id string) (server.Session, error) {
	return session(ctx, s.db, id)
}

func session(ctx context.Context, q reader, id string) (server.Session, error) {
	ss, err := scanSession(q.QueryRowContext(ctx, "SELECT "+sessionColumns+" WHERE s.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return ss, server.ErrUnknownSession
	}
	return ss, err
}

// Sessions returns an exam's sessions, oldest first.
func (s *DB) Sessions(ctx context.Context, exam string) ([]server.Session, error) {
	return s.sessions(ctx, "exams", exam, "st.exam_id = ?")
}

// StudentSessions returns a student's sessions, oldest first.
func (s *DB) StudentSessions(ctx context.Context, student string) ([]server.Session, error) {
	return s.sessions(ctx, "students", student, "s.student_id = ?")
}

// sessions reads the sessions of table's row id; where names them by id,
// a condition on the columns of sessionColumns.
func (s *DB) sessions(ctx context.Context, table, id, where string) ([]server.Session, error) {
	return listOf(ctx, s.db, table, id, scanSession, "SELECT "+sessionColumns+" WHERE "+where+" ORDER BY s.started_ms, s.id", id)
}

// AppendSummary stores a summary exactly once, extending the session's
// chain. It runs in one write transaction, which SQLite serialises (BEGIN
// IMMEDIATE) and D1 runs again when another commit on the session came
// first, so of two concurrent requests for one seq the second sees the
// first's head: it is a Duplicate or a conflict, never a second link. An
// error stores nothing. The hash is computed here from the summary.
func (s *DB) AppendSummary(ctx context.Context, ss server.StoredSummary) (server.IngestResult, error) {
	sum := ss.Summary
	body, hash := sum.JSONHash()
	result := server.Stored
	// The session's key alone (see keys.go): sessions append in parallel.
	err := s.tx(d1.WithKeys(ctx, sessionKey(sum.Session)), func(tx *sql.Tx) error {
		result = server.Stored
		var lastSeq int64
		var head string
		var finished sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT last_seq, head, finished_ms FROM sessions WHERE id = ?", sum.Session).
			Scan(&lastSeq, &head, &finished)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return server.ErrUnknownSession
		case err != nil:
			return err
		case finished.Valid:
			return server.ErrFinished
		}

		if sum.Seq <= lastSeq {
			var stored string
			err := tx.QueryRowContext(ctx, "SELECT hash FROM summaries WHERE session_id = ? AND seq = ?", sum.Session, sum.Seq).Scan(&stored)
			switch {
			case err == nil && stored == hash:
				result = server.Duplicate
				return nil
			case err != nil && !errors.Is(err, sql.ErrNoRows):
				return err
			}
			return server.ErrSeqConflict
		}
		if sum.Seq != lastSeq+1 || sum.Prev != head {
			return server.ErrChainBroken
		}
		// Windows advance: a window may not start before the previous
		// one ended, so a client cannot report one stretch of the exam
		// twice, or go back and cover it again.
		if lastSeq > 0 {
			var prev string
			if err := tx.QueryRowContext(ctx, "SELECT body FROM summaries WHERE session_id = ? AND seq = ?", sum.Session, lastSeq).Scan(&prev); err != nil {
				return err
			}
			var p wire.Summary
			if err := json.Unmarshal([]byte(prev), &p); err != nil {
				return fmt.Errorf("summary %d: %w", lastSeq, err)
			}
			if sum.Window.From < p.Window.To {
				return server.ErrWindowOverlap
			}
		}

		if _, err := tx.ExecContext(ctx, `INSERT INTO summaries (session_id, seq, hash, prev, body, sig, received_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, sum.Session, sum.Seq, hash, sum.Prev, string(body), ss.Sig, ss.Received.UnixMilli()); err != nil {
			return err
		}
		for i, e := range sum.Events {
			if _, err := tx.ExecContext(ctx, `INSERT INTO events (session_id, seq, idx, kind, start_ms, end_ms, peak)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, sum.Session, sum.Seq, i, string(e.Kind), e.Start, e.End, e.Peak); err != nil {
				return fmt.Errorf("event %d: %w", i, err)
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE sessions SET last_seq = ?, head = ? WHERE id = ?", sum.Seq, hash, sum.Session)
		return err
	})
	return result, err
}

// Summaries returns a session's stored summaries by seq.
func (s *DB) Summaries(ctx context.Context, session string) ([]server.StoredSummary, error) {
	return listOf(ctx, s.db, "sessions", session, func(row scanner) (server.StoredSummary, error) {
		var ss server.StoredSummary
		var body string
		if err := row.Scan(&body, &ss.Sig, &ss.Hash, millis(&ss.Received)); err != nil {
			return ss, err
		}
		return ss, json.Unmarshal([]byte(body), &ss.Summary)
	}, "SELECT body, sig, hash, received_ms FROM summaries WHERE session_id = ? ORDER BY seq", session)
}

// FinishSession closes the session and stores the receipt sign makes from
// it (with Finished set), in one transaction, and only if the chain still
// ends at seq and head, so that no summary slips in between counting and
// closing. sign runs inside the write transaction and must not use the
// store; on D1 it may run more than once, when a concurrent write makes the
// transaction run again. A finished session returns its stored receipt
// without calling sign.
func (s *DB) FinishSession(ctx context.Context, id string, seq int64, head string, at time.Time, sign func(server.Session) wire.SignedReceipt) (wire.SignedReceipt, error) {
	var r wire.SignedReceipt
	err := s.tx(d1.WithKeys(ctx, sessionKey(id)), func(tx *sql.Tx) error {
		ss, err := session(ctx, tx, id)
		if err != nil {
			return err
		}
		if ss.Receipt != nil {
			r = *ss.Receipt
			return nil
		}
		if ss.LastSeq != seq || ss.Head != head {
			return server.ErrChainBroken
		}
		ss.Finished = &at
		r = sign(ss)
		js, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE sessions SET finished_ms = ?, receipt = ? WHERE id = ?", at.UnixMilli(), string(js), id)
		return err
	})
	return r, err
}

const receiptKeySetting = "receipt_ed25519_seed"

// UseReceiptSeed makes ReceiptKey answer the key of seed, the base64 of a
// 32-byte Ed25519 seed (LOKAAL_RECEIPT_KEY, or a Worker secret), instead of
// the stored one, which stays the default and is left as it is. Call it
// before serving.
func (s *DB) UseReceiptSeed(seed string) error {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(seed))
	if err != nil || len(b) != ed25519.SeedSize {
		return fmt.Errorf("a receipt key must be the base64 of a %d-byte Ed25519 seed (openssl rand -base64 32)", ed25519.SeedSize)
	}
	s.receiptKey = ed25519.NewKeyFromSeed(b)
	return nil
}

// ReceiptKey returns the server's receipt key: the one UseReceiptSeed set,
// else the stored one. The first call creates that; of two first calls
// racing, the database keeps one seed (ON CONFLICT DO NOTHING) and both
// return it. Later calls only read.
func (s *DB) ReceiptKey(ctx context.Context) (ed25519.PrivateKey, error) {
	if s.receiptKey != nil {
		return s.receiptKey, nil
	}
	var v string
	read := func() error {
		return s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", receiptKeySetting).Scan(&v)
	}
	err := read()
	if errors.Is(err, sql.ErrNoRows) {
		var priv ed25519.PrivateKey
		if _, priv, err = ed25519.GenerateKey(nil); err != nil {
			return nil, err
		}
		if _, err = s.exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
			receiptKeySetting, hex.EncodeToString(priv.Seed())); err != nil {
			return nil, err
		}
		err = read()
	}
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("setting %s is not a %d-byte hex seed", receiptKeySetting, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
