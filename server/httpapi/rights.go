package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// The data-subject rights a student exercises through their access link
// (access and export, objection, deletion, rectification), and the admin's
// side of deletion requests. What a student changes is logged by the store
// as done by server.WhoStudent; the student reading their own data is not
// logged, like GET /api/v1/student/record: the log accounts for others'
// access.

// rightsStore is what the rights routes and the review routes that show
// objections need.
type rightsStore interface {
	server.ExamStore
	server.RightsStore
}

// Limits of what a student may write.
const (
	maxObjectionChars = 4000
	maxDeletionChars  = 2000
	maxDecisionChars  = 2000
	// rightsBodyBytes bounds the rights requests: 4000 characters of
	// text can take 16 000 bytes of UTF-8, above wire.MaxBodyBytes.
	rightsBodyBytes = 20 << 10
)

// rightsError turns the rights store's own errors into wire errors.
func rightsError(err error) error {
	switch {
	case errors.Is(err, server.ErrDecided), errors.Is(err, server.ErrTooManyObjections):
		return &wire.Error{Code: wire.CodeConflict, Message: err.Error()}
	}
	return err
}

// exportDoc is everything lokaal stores about one student, as one JSON
// document.
type exportDoc struct {
	Generated        time.Time                `json:"generated"`
	Student          exportStudent            `json:"student"`
	Exam             wire.StudentExam         `json:"exam"`
	Policy           wire.Policy              `json:"policy"` // the exam's detectors minus the accommodations
	Choice           exportChoice             `json:"choice"`
	Accommodations   []wire.Kind              `json:"accommodations"` // detectors switched off for the student
	Sessions         []exportSession          `json:"sessions"`
	Marks            []server.Mark            `json:"marks"` // active and removed, with reasons
	Notes            []server.Note            `json:"notes"` // reviewers' notes about the student's sessions
	Objections       []server.Objection       `json:"objections"`
	DeletionRequests []server.DeletionRequest `json:"deletion_requests"`
	Views            []server.View            `json:"views"`      // staff reads of the student's data
	AccessLog        []server.AccessEntry     `json:"access_log"` // every log entry about the student or their sessions
}

type exportStudent struct {
	ID        string `json:"id"`
	StudentID string `json:"student_id"`
	Email     string `json:"email"`
	Exam      string `json:"exam"`
}

type exportChoice struct {
	Choice server.Choice `json:"choice"`
	At     *time.Time    `json:"at"`
}

// exportSession is a session with its pre-check, policy, finish and
// receipt (in Session), the signed summaries as stored and their events
// joined as a reviewer reads them.
type exportSession struct {
	Session    server.Session         `json:"session"`
	Unreliable bool                   `json:"unreliable"`
	Summaries  []server.StoredSummary `json:"summaries"`
	Events     []wire.Event           `json:"events"`
}

// buildExport reads everything about st.
func buildExport(ctx context.Context, store rightsStore, st server.Student, at time.Time) (exportDoc, error) {
	doc := exportDoc{Generated: at, Student: exportStudent{st.ID, st.External, st.Email, st.Exam},
		Choice: exportChoice{st.Choice, st.ChoiceAt}, Accommodations: orEmpty(st.Off),
		Sessions: []exportSession{}, Marks: []server.Mark{}, Notes: []server.Note{}}
	e, err := store.Exam(ctx, st.Exam)
	if err != nil {
		return doc, err
	}
	doc.Exam, doc.Policy = newStudentExam(e), st.Policy(e)
	sessions, err := store.StudentSessions(ctx, st.ID)
	if err != nil {
		return doc, err
	}
	for _, s := range sessions {
		sums, err := store.Summaries(ctx, s.ID)
		if err != nil {
			return doc, err
		}
		marks, err := store.Marks(ctx, s.ID)
		if err != nil {
			return doc, err
		}
		notes, err := store.Notes(ctx, s.ID)
		if err != nil {
			return doc, err
		}
		doc.Sessions = append(doc.Sessions, exportSession{Session: s, Unreliable: s.Unreliable(),
			Summaries: orEmpty(sums), Events: orEmpty(events(sums))})
		doc.Marks = append(doc.Marks, marks...)
		doc.Notes = append(doc.Notes, notes...)
	}
	if doc.Objections, err = store.Objections(ctx, st.ID); err != nil {
		return doc, err
	}
	if doc.DeletionRequests, err = store.StudentDeletionRequests(ctx, st.ID); err != nil {
		return doc, err
	}
	if doc.Views, err = store.Views(ctx, st.ID); err != nil {
		return doc, err
	}
	if doc.AccessLog, err = store.StudentAccessLog(ctx, st.ID); err != nil {
		return doc, err
	}
	doc.Objections, doc.DeletionRequests = orEmpty(doc.Objections), orEmpty(doc.DeletionRequests)
	doc.Views, doc.AccessLog = orEmpty(doc.Views), orEmpty(doc.AccessLog)
	return doc, nil
}

// studentExportJSON is the export's bytes, exactly as GET /api/v1/student/export
// sends them and the archive holds them.
func studentExportJSON(r *http.Request, store rightsStore, now func() time.Time) ([]byte, error) {
	doc, err := buildExport(r.Context(), store, currentStudent(r), now())
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(doc, "", " ")
	return append(b, '\n'), err
}

// handleExport answers the student's export as JSON.
func handleExport(log *slog.Logger, store rightsStore, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		b, err := studentExportJSON(r, store, now)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
		return nil
	})
}

// handleExportArchive answers the same JSON compressed with zstd, as a
// file to save.
func handleExportArchive(log *slog.Logger, store rightsStore, now func() time.Time) http.Handler {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	if err != nil {
		panic(err) // only a bad option fails, and the options are constant
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		b, err := studentExportJSON(r, store, now)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/zstd")
		w.Header().Set("Content-Disposition", `attachment; filename="lokaal-my-data.json.zst"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(enc.EncodeAll(b, nil))
		return nil
	})
}

// studentReason reads a student's {"reason": ...} body: a reason of at
// most maxChars, which may be empty unless required.
func studentReason(w http.ResponseWriter, r *http.Request, required bool, maxChars int) (string, error) {
	var req struct {
		Reason string `json:"reason"`
	}
	err := decodeLimited(w, r, &req, rightsBodyBytes)
	if err == nil {
		err = checkText("reason", req.Reason, required, maxChars)
	}
	return req.Reason, err
}

// handleObjection records a reasoned objection (GDPR art. 21), which the
// exam committee sees with the student's sessions.
func handleObjection(log *slog.Logger, store rightsStore, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		reason, err := studentReason(w, r, true, maxObjectionChars)
		var o server.Objection
		if err == nil {
			o, err = store.AddObjection(r.Context(), server.Objection{Student: currentStudent(r).ID, Reason: reason, At: now()})
		}
		if err != nil {
			return rightsError(err)
		}
		encode(w, http.StatusCreated, o)
		return nil
	})
}

// handleDeletionRequest records a deletion request and answers whether it
// was granted at once (the data is gone and the link no longer works) or
// waits for an admin.
// The review period's end is given on the server's clock (loc), the one
// the student's pages show.
func handleDeletionRequest(log *slog.Logger, store rightsStore, now func() time.Time, loc *time.Location) http.Handler {
	type response struct {
		Status  server.DeletionStatus  `json:"status"`
		Message string                 `json:"message"`
		Request server.DeletionRequest `json:"request"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		reason, err := studentReason(w, r, false, maxDeletionChars)
		var d server.DeletionRequest
		at := now()
		if err == nil {
			d, err = store.RequestDeletion(r.Context(), currentStudent(r).ID, reason, at)
		}
		if err != nil {
			return rightsError(err)
		}
		if d.Status == server.DeletionGranted {
			encode(w, http.StatusOK, response{d.Status, "Your data has been deleted. This link no longer works.", d})
			return nil
		}
		rule, err := store.Erasure(r.Context(), currentStudent(r).ID)
		if err != nil {
			return err
		}
		why := "Your request waits for an administrator"
		inReview := rule.InReview(at)
		review := "the exam committee's review period runs until " + rule.ReviewEnds.In(loc).Format("2 January 2006 15:04 MST") +
			"; after it, with no mark active, a request is granted at once"
		switch {
		case rule.ActiveMarks > 0 && inReview:
			why += ": a mark (suspected fraud or appeal) is active on one of your sessions, and " + review + "."
		case rule.ActiveMarks > 0:
			why += ": a mark (suspected fraud or appeal) is active on one of your sessions."
		case inReview:
			why += ": " + review + "."
		default:
			why += "." // the rule allowed it after an earlier pending request was filed
		}
		encode(w, http.StatusAccepted, response{d.Status, why, d})
		return nil
	})
}

// handleSetEmail corrects the student's contact email (rectification).
func handleSetEmail(log *slog.Logger, store rightsStore, now func() time.Time) http.Handler {
	type request struct {
		Email string `json:"email"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decode(w, r, &req)
		if err == nil {
			err = checkEmail(req.Email)
		}
		if err == nil {
			err = store.SetEmail(r.Context(), currentStudent(r).ID, req.Email, now())
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, request{req.Email})
		return nil
	})
}

// handleDeletionRequests lists deletion requests for the admin: pending
// ones unless ?status= says granted, refused or all. Each listed student's
// data read is logged as a view the student sees, before the answer.
func handleDeletionRequests(log *slog.Logger, store rightsStore, now func() time.Time) http.Handler {
	type student struct {
		StudentID string `json:"student_id"`
		Email     string `json:"email"`
	}
	type item struct {
		Request server.DeletionRequest `json:"request"`
		// Student and the rule's inputs are null once the student's data
		// is gone.
		Student      *student   `json:"student"`
		ExamName     string     `json:"exam_name"`
		WindowEnd    *time.Time `json:"window_end"`
		ActiveMarks  int        `json:"active_marks"`
		WindowClosed bool       `json:"window_closed"`
		// ReviewEnds: after it, with no active mark, the rule grants the
		// request at the student's next request (or an admin may, now).
		ReviewEnds *time.Time `json:"review_ends"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		status := server.DeletionStatus(r.URL.Query().Get("status"))
		switch status {
		case "":
			status = server.DeletionPending
		case "all":
			status = ""
		case server.DeletionPending, server.DeletionGranted, server.DeletionRefused:
		default:
			return invalidf("status must be pending, granted, refused or all")
		}
		list, err := store.DeletionRequests(ctx, status)
		if err != nil {
			return err
		}
		at := now()
		items := make([]item, len(list))
		for i, d := range list {
			items[i].Request = d
			st, err := store.Student(ctx, d.Student)
			if errors.Is(err, server.ErrNotFound) {
				continue
			}
			if err == nil {
				err = logView(r, store, st.ID, "deletion request "+strconv.FormatInt(d.ID, 10), at)
			}
			var e server.Exam
			var rule server.Erasure
			if err == nil {
				e, err = store.Exam(ctx, st.Exam)
			}
			if err == nil {
				rule, err = store.Erasure(ctx, st.ID)
			}
			if err != nil {
				return err
			}
			items[i].Student = &student{st.External, st.Email}
			items[i].ExamName, items[i].WindowEnd, items[i].ReviewEnds = e.Name, &rule.WindowEnd, &rule.ReviewEnds
			items[i].ActiveMarks, items[i].WindowClosed = rule.ActiveMarks, !rule.WindowEnd.After(at)
		}
		encode(w, http.StatusOK, map[string]any{"requests": items})
		return nil
	})
}

// handleDecideDeletion grants or refuses a pending request; either needs
// a reason, which the access log keeps with the decision.
func handleDecideDeletion(log *slog.Logger, store rightsStore, now func() time.Time) http.Handler {
	type request struct {
		Grant  *bool  `json:"grant"`
		Reason string `json:"reason"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathSeq(r, "id")
		if err != nil {
			return err
		}
		var req request
		err = decodeStaff(w, r, &req)
		if err == nil && req.Grant == nil {
			err = invalidf("grant is required: true to delete the student's data, false to refuse")
		}
		if err == nil {
			err = checkText("reason", req.Reason, true, maxDecisionChars)
		}
		var d server.DeletionRequest
		if err == nil {
			d, err = store.DecideDeletion(r.Context(), id, *req.Grant, req.Reason, actor(r, now()))
		}
		if err != nil {
			return rightsError(err)
		}
		encode(w, http.StatusOK, d)
		return nil
	})
}
