package httpapi

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/lang"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Every review route that answers a student's data first records the view
// (who, what, when); if that fails, nothing is answered.
func logView(r *http.Request, store interface {
	LogView(ctx context.Context, student, what string, by server.Actor) error
}, student, what string, now time.Time) error {
	return store.LogView(r.Context(), student, what, actor(r, now))
}

// reviewStore is what the review routes read: exams, and for a reviewer
// which exams are theirs (mayReview).
type reviewStore interface {
	server.ExamStore
	assignments
}

// reviewable loads the session of the path's id, if the caller may review
// its exam; a session of another exam is not found.
func reviewable(r *http.Request, store reviewStore) (server.Session, error) {
	sess, err := store.Session(r.Context(), r.PathValue("id"))
	if err == nil {
		if err = mayReview(r, store, sess.Exam); errors.Is(err, server.ErrNotFound) {
			err = server.ErrUnknownSession
		}
	}
	return sess, err
}

// addToSession answers 201 with what add stores for the session the path
// names, once the caller may review it.
func addToSession[T any](w http.ResponseWriter, r *http.Request, store reviewStore, add func(session string) (T, error)) error {
	sess, err := reviewable(r, store)
	if err != nil {
		return err
	}
	v, err := add(sess.ID)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, v)
	return nil
}

// reviewStudent is what a reviewer sees of a student.
type reviewStudent struct {
	ID             string        `json:"id"`
	StudentID      string        `json:"student_id"`
	Email          string        `json:"email"`
	Choice         server.Choice `json:"choice"`
	Accommodations []wire.Kind   `json:"accommodations"`
}

func newReviewStudent(s server.Student) reviewStudent {
	return reviewStudent{ID: s.ID, StudentID: s.External, Email: s.Email, Choice: s.Choice, Accommodations: orEmpty(s.Off)}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// pathSeq is the path's wildcard name as a number id (a mark's, a deletion
// request's); one that is not a number names nothing there is.
func pathSeq(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil {
		return 0, server.ErrNotFound
	}
	return id, nil
}

// handleReviewSessions lists an exam's students with their sessions and
// the number of events per kind. Students are sorted by student number and
// never by counts: there is no ranking. Each session says whether it ran
// the exam client this server publishes (PublishedBuild), so a modified
// client stands out in the list, not only in the session's detail.
func handleReviewSessions(log *slog.Logger, store interface {
	rightsStore
	assignments
}, now func() time.Time, published *builds) http.Handler {
	type sessionRow struct {
		ID             string              `json:"id"`
		Build          string              `json:"build"`
		PublishedBuild bool                `json:"published_build"`
		Started        time.Time           `json:"started"`
		Finished       *time.Time          `json:"finished"`
		Unreliable     bool                `json:"unreliable"`
		Precheck       wire.Precheck       `json:"precheck"`
		Counts         map[wire.Kind]int64 `json:"counts"`
		Marks          []server.Mark       `json:"marks"`
	}
	type row struct {
		Student    reviewStudent      `json:"student"`
		Sessions   []sessionRow       `json:"sessions"`
		Objections []server.Objection `json:"objections"` // the student's (GDPR art. 21)
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		e, err := store.Exam(ctx, r.PathValue("id"))
		if err == nil {
			err = mayReview(r, store, e.ID)
		}
		if err != nil {
			return err
		}
		students, err := store.Students(ctx, e.ID)
		if err != nil {
			return err
		}
		sessions, err := store.Sessions(ctx, e.ID)
		if err != nil {
			return err
		}
		byStudent := map[string][]sessionRow{}
		for _, s := range sessions {
			evs, marks, err := eventsAndMarks(ctx, store, s.ID)
			if err != nil {
				return err
			}
			byStudent[s.Student] = append(byStudent[s.Student], sessionRow{ID: s.ID, Build: s.Build, PublishedBuild: s.Build == published.exam, Started: s.Started, Finished: s.Finished,
				Unreliable: s.Unreliable(), Precheck: s.Precheck, Counts: counts(evs), Marks: marks})
		}
		slices.SortFunc(students, func(a, b server.Student) int { return cmp.Compare(a.External, b.External) })
		rows := make([]row, len(students))
		at := now()
		for i, s := range students {
			if err := logView(r, store, s.ID, "exam "+e.ID+" sessions", at); err != nil {
				return err
			}
			objections, err := store.Objections(ctx, s.ID)
			if err != nil {
				return err
			}
			rows[i] = row{Student: newReviewStudent(s), Sessions: orEmpty(byStudent[s.ID]), Objections: objections}
		}
		encode(w, http.StatusOK, rows)
		return nil
	})
}

// reviewSession loads a session with its student and summaries, and logs
// the view.
func reviewSession(r *http.Request, store reviewStore, what string, now time.Time) (server.Session, server.Student, []server.StoredSummary, error) {
	sess, err := reviewable(r, store)
	if err != nil {
		return sess, server.Student{}, nil, err
	}
	st, err := store.Student(r.Context(), sess.Student)
	if err != nil {
		return sess, st, nil, err
	}
	if err := logView(r, store, st.ID, what+" "+sess.ID, now); err != nil {
		return sess, st, nil, err
	}
	sums, err := store.Summaries(r.Context(), sess.ID)
	return sess, st, sums, err
}

// sessionDetail is GET /api/v1/review/sessions/{id}.
type sessionDetail struct {
	Session        server.Session `json:"session"`
	Student        reviewStudent  `json:"student"`
	Exam           server.Exam    `json:"exam"`
	Events         []wire.Event   `json:"events"`
	Summaries      int            `json:"summaries"`
	Marks          []server.Mark  `json:"marks"`
	Notes          []server.Note  `json:"notes"`
	Views          []server.View  `json:"views"`
	PublishedBuild string         `json:"published_build"`
	// Objections are the student's objections (GDPR art. 21).
	Objections []server.Objection `json:"objections"`
}

// handleReviewSession answers everything about one session. PublishedBuild
// is the SHA-256 of the exam client this server serves, to compare with
// the session's build.
func handleReviewSession(log *slog.Logger, store interface {
	rightsStore
	assignments
}, now func() time.Time, published *builds) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		sess, st, sums, err := reviewSession(r, store, "session", now())
		if err != nil {
			return err
		}
		resp := sessionDetail{Session: sess, Student: newReviewStudent(st), Events: events(sums), Summaries: len(sums)}
		resp.PublishedBuild = published.exam
		if resp.Exam, err = store.Exam(ctx, sess.Exam); err != nil {
			return err
		}
		if resp.Marks, err = store.Marks(ctx, sess.ID); err != nil {
			return err
		}
		if resp.Notes, err = store.Notes(ctx, sess.ID); err != nil {
			return err
		}
		if resp.Views, err = store.Views(ctx, st.ID); err != nil {
			return err
		}
		if resp.Objections, err = store.Objections(ctx, st.ID); err != nil {
			return err
		}
		resp.Marks, resp.Notes, resp.Views = orEmpty(resp.Marks), orEmpty(resp.Notes), orEmpty(resp.Views)
		encode(w, http.StatusOK, resp)
		return nil
	})
}

func handleReviewTimeline(log *slog.Logger, store reviewStore, now func() time.Time, loc *time.Location) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		sess, _, sums, err := reviewSession(r, store, "timeline of session", now())
		if err != nil {
			return err
		}
		writeSVG(w, renderTimeline(sess, sums, loc, lang.Pick(r.URL.Query().Get("lang"))))
		return nil
	})
}

// handleAddMark marks a session. The reason is kept with the mark, which
// the reviewers and the student see; the access log records only that the
// mark was made.
func handleAddMark(log *slog.Logger, store reviewStore, now func() time.Time) http.Handler {
	type request struct {
		Kind   server.MarkKind `json:"kind"`
		Reason string          `json:"reason"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decodeStaff(w, r, &req)
		if err == nil && req.Kind != server.MarkFraud && req.Kind != server.MarkAppeal {
			err = invalidf("kind must be %q or %q", server.MarkFraud, server.MarkAppeal)
		}
		if err == nil {
			err = checkText("reason", req.Reason, true, 2000)
		}
		if err != nil {
			return err
		}
		return addToSession(w, r, store, func(session string) (server.Mark, error) {
			return store.AddMark(r.Context(), server.Mark{Session: session, Kind: req.Kind, Reason: req.Reason}, actor(r, now()))
		})
	})
}

// handleRemoveMark lifts a mark; the store keeps it with who lifted it,
// when and why. A lifted mark no longer extends retention, so the reason
// is required; it is free text about a student, so it is kept with the
// mark and the access log records only the lifting. A reviewer lifts only
// their own marks: one committee member cannot quietly undo another's
// suspicion. An admin may lift any, and the log names the admin.
func handleRemoveMark(log *slog.Logger, store reviewStore, now func() time.Time) http.Handler {
	type request struct {
		Reason string `json:"reason"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathSeq(r, "mark")
		if err != nil {
			return err
		}
		var req request
		if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
			err = errMarkReasonRequired
		} else if err = decodeStaff(w, r, &req); err == nil {
			if strings.TrimSpace(req.Reason) == "" {
				err = errMarkReasonRequired
			} else {
				err = checkText("reason", req.Reason, true, 2000)
			}
		}
		if err != nil {
			return err
		}
		if _, err := reviewable(r, store); err != nil {
			return err
		}
		anyMark := currentCaller(r).Role == server.RoleAdmin
		if err := store.RemoveMark(r.Context(), r.PathValue("id"), id, req.Reason, actor(r, now()), anyMark); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// errMarkReasonRequired answers a mark removal without a reason.
var errMarkReasonRequired = &wire.Error{Code: codeReasonRequired, Message: "say why the mark is lifted: a JSON body {\"reason\": \"...\"}"}

func handleAddNote(log *slog.Logger, store reviewStore, now func() time.Time) http.Handler {
	type request struct {
		Text string `json:"text"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decodeStaff(w, r, &req)
		if err == nil {
			err = checkText("text", req.Text, true, 4000)
		}
		if err != nil {
			return err
		}
		return addToSession(w, r, store, func(session string) (server.Note, error) {
			return store.AddNote(r.Context(), server.Note{Session: session, Text: req.Text}, actor(r, now()))
		})
	})
}
