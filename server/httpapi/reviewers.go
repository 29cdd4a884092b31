package httpapi

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

// Reviewers see only the exams an admin assigned them to: a committee
// member reviews their own faculty's exams, not every student's sessions
// and e-mail address in the university. Admins see every exam. A reviewer
// is a reviewer account (its user id) or a reviewer token (its id); both
// are assigned the same way.

// assignments is what the review routes need to scope a reviewer.
type assignments interface {
	Assigned(ctx context.Context, exam, reviewer string) (bool, error)
}

// mayReview lets an admin through to any exam and a reviewer only to an
// exam they are assigned to. An exam that is not theirs is not found, the
// same answer as an exam that does not exist, so ids cannot be probed.
func mayReview(r *http.Request, store assignments, exam string) error {
	c := currentCaller(r)
	if c.Role == server.RoleAdmin {
		return nil
	}
	ok, err := store.Assigned(r.Context(), exam, c.ID)
	if err == nil && !ok {
		err = server.ErrNotFound
	}
	return err
}

// handleReviewExams answers the exams the caller may review.
func handleReviewExams(log *slog.Logger, store interface {
	server.ExamStore
	assignments
}) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		es, err := store.Exams(r.Context())
		if err != nil {
			return err
		}
		mine := []server.Exam{}
		for _, e := range es {
			err := mayReview(r, store, e.ID)
			if err == nil {
				mine = append(mine, e)
			} else if !errors.Is(err, server.ErrNotFound) {
				return err
			}
		}
		return answerListings(w, r.Context(), store, mine)
	})
}

// handleCreateReviewer makes a reviewer token. It expires after valid_days
// (server.DefaultReviewerDays unless given): a token is a password that
// scripts hold, and one forgotten in a script should stop working by itself.
func handleCreateReviewer(log *slog.Logger, store server.ReviewerStore, now func() time.Time) http.Handler {
	type request struct {
		Name      string `json:"name"`
		ValidDays *int   `json:"valid_days"`
	}
	type response struct {
		Reviewer server.Reviewer `json:"reviewer"`
		Token    string          `json:"token"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decode(w, r, &req)
		if err == nil {
			err = checkLabel("name", req.Name)
		}
		days := server.DefaultReviewerDays
		if err == nil && req.ValidDays != nil {
			if days = *req.ValidDays; days < 1 || days > server.MaxReviewerDays {
				err = invalidf("valid_days must be between 1 and %d", server.MaxReviewerDays)
			}
		}
		if err != nil {
			return err
		}
		at := time.UnixMilli(now().UnixMilli())
		rv := server.Reviewer{ID: server.NewID("r-"), Name: req.Name, Created: at, Expires: at.AddDate(0, 0, days), Exams: []string{}}
		token := randomHex(16)
		sum := sha256.Sum256([]byte(token))
		if err := store.CreateReviewer(r.Context(), rv, sum[:], actor(r, at)); err != nil {
			return err
		}
		// The token is shown once; only its hash is kept.
		encode(w, http.StatusCreated, response{rv, token})
		return nil
	})
}

type examReviewers struct {
	Reviewers []string `json:"reviewers"`
}

func handleExamReviewers(log *slog.Logger, store server.ReviewerStore) http.Handler {
	return reply(log, func(r *http.Request) (examReviewers, error) {
		ids, err := store.ExamReviewers(r.Context(), r.PathValue("id"))
		return examReviewers{ids}, err
	})
}

// maxExamReviewers bounds one exam's list.
const maxExamReviewers = 100

// handleSetExamReviewers replaces an exam's reviewers with the ids given.
func handleSetExamReviewers(log *slog.Logger, store server.ReviewerStore, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req examReviewers
		err := decode(w, r, &req)
		if err == nil && req.Reviewers == nil {
			err = invalidf("reviewers must be a list of ids ([] for none)")
		}
		if err == nil && len(req.Reviewers) > maxExamReviewers {
			err = invalidf("at most %d reviewers per exam", maxExamReviewers)
		}
		for _, id := range req.Reviewers {
			if err == nil {
				err = checkLabel("reviewer", id)
			}
		}
		if err == nil {
			err = store.SetExamReviewers(r.Context(), r.PathValue("id"), req.Reviewers, actor(r, now()))
		}
		var ids []string
		if err == nil {
			ids, err = store.ExamReviewers(r.Context(), r.PathValue("id"))
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, examReviewers{ids})
		return nil
	})
}
