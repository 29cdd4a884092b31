package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

const reviewerColumns = "id, name, created_ms, expires_ms, revoked_ms"

func scanReviewer(row scanner) (server.Reviewer, error) {
	var r server.Reviewer
	if err := row.Scan(&r.ID, &r.Name, millis(&r.Created), millis(&r.Expires), optionalMillis(&r.Revoked)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			err = server.ErrNotFound
		}
		return r, err
	}
	r.Exams = []string{}
	return r, nil
}

// CreateReviewer stores a reviewer token by its hash, with its expiry.
func (s *DB) CreateReviewer(ctx context.Context, r server.Reviewer, tokenHash []byte, by server.Actor) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execLogged(ctx, tx, server.ReviewerEntry(by, server.ActionCreateReviewer, r), "INSERT INTO reviewers (id, name, token_hash, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)",
			r.ID, r.Name, hex.EncodeToString(tokenHash), r.Created.UnixMilli(), r.Expires.UnixMilli())
	})
}

// ReviewerByToken finds the live reviewer token whose hash is hash.
func (s *DB) ReviewerByToken(ctx context.Context, hash []byte, now time.Time) (server.Reviewer, error) {
	r, err := scanReviewer(s.db.QueryRowContext(ctx, "SELECT "+reviewerColumns+" FROM reviewers WHERE token_hash = ?", hex.EncodeToString(hash)))
	if err == nil && (r.Revoked != nil || !now.Before(r.Expires)) {
		return server.Reviewer{}, server.ErrNotFound
	}
	return r, err
}

// Reviewers lists every reviewer token, newest first, with its exams.
func (s *DB) Reviewers(ctx context.Context) ([]server.Reviewer, error) {
	reviewers, err := list(ctx, s.db, scanReviewer, "SELECT "+reviewerColumns+" FROM reviewers ORDER BY created_ms DESC, id")
	if err != nil {
		return nil, err
	}
	for i := range reviewers {
		if reviewers[i].Exams, err = s.assignedExams(ctx, reviewers[i].ID); err != nil {
			return nil, err
		}
	}
	return reviewers, nil
}

func (s *DB) assignedExams(ctx context.Context, reviewer string) ([]string, error) {
	return column(ctx, s.db, "SELECT exam_id FROM exam_reviewers WHERE reviewer_id = ? ORDER BY exam_id", reviewer)
}

// RevokeReviewer revokes a token and logs it; it works at once, since every
// request looks the token up.
func (s *DB) RevokeReviewer(ctx context.Context, id string, by server.Actor) (server.Reviewer, error) {
	var r server.Reviewer
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = scanReviewer(tx.QueryRowContext(ctx, "SELECT "+reviewerColumns+" FROM reviewers WHERE id = ?", id)); err != nil {
			return err
		}
		log, err := readLog(ctx, tx)
		if err != nil {
			return err
		}
		if err := stampOnce(ctx, tx, &r.Revoked, by.At, "UPDATE reviewers SET revoked_ms = ? WHERE id = ?", id); err != nil {
			return err
		}
		return log.append(ctx, tx, server.ReviewerEntry(by, server.ActionRevokeReviewer, r))
	})
	if err == nil {
		r.Exams, err = s.assignedExams(ctx, r.ID)
	}
	return r, err
}

// SetExamReviewers replaces the exam's reviewers, all or nothing, and logs
// the new list by id.
func (s *DB) SetExamReviewers(ctx context.Context, exam string, ids []string, by server.Actor) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, "exams", exam); err != nil {
			return err
		}
		for _, id := range ids {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM reviewers WHERE id = ?)
				+ (SELECT count(*) FROM users WHERE id = ? AND role = 'reviewer')`, id, id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return server.ErrNotReviewer
			}
		}
		log, err := readLog(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM exam_reviewers WHERE exam_id = ?", exam); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "INSERT INTO exam_reviewers (exam_id, reviewer_id) VALUES (?, ?)", exam, id); err != nil {
				return err
			}
		}
		return log.append(ctx, tx, server.AssignReviewersEntry(by, exam, ids))
	})
}

// ExamReviewers lists the ids of the exam's reviewers.
func (s *DB) ExamReviewers(ctx context.Context, exam string) ([]string, error) {
	return listOf(ctx, s.db, "exams", exam, scanText, "SELECT reviewer_id FROM exam_reviewers WHERE exam_id = ? ORDER BY reviewer_id", exam)
}

// Assigned reports whether the reviewer may see the exam.
func (s *DB) Assigned(ctx context.Context, exam, reviewer string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM exam_reviewers WHERE exam_id = ? AND reviewer_id = ?", exam, reviewer).Scan(&n)
	return n > 0, err
}
