package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/lang"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

func newStudentExam(e server.Exam) wire.StudentExam {
	return wire.StudentExam{ID: e.ID, Name: e.Name, Course: e.Course, Start: e.Start, End: e.End,
		LegalBasis: e.LegalBasis, Alternatives: e.Alternatives, AlternativeExam: e.AlternativeExam, URL: e.URL}
}

func newStudentSelf(s server.Student) wire.StudentSelf {
	return wire.StudentSelf{ID: s.ID, StudentID: s.External, Choice: string(s.Choice)}
}

// ownExam reads the calling student's exam and sessions, where both the
// transparency screen and the record start.
func ownExam(r *http.Request, store server.ExamStore) (server.Exam, []server.Session, error) {
	st := currentStudent(r)
	e, err := store.Exam(r.Context(), st.Exam)
	if err != nil {
		return server.Exam{}, nil, err
	}
	sessions, err := store.StudentSessions(r.Context(), st.ID)
	return e, sessions, err
}

// handleStudent answers what the transparency screen shows: the exam, the
// detectors this student's browser will run, retention and where to object.
func handleStudent(log *slog.Logger, store interface {
	server.ExamStore
	RetentionPolicy(ctx context.Context) (server.RetentionPolicy, error)
}, objection string) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		st := currentStudent(r)
		e, sessions, err := ownExam(r, store)
		if err != nil {
			return err
		}
		policy, err := store.RetentionPolicy(r.Context())
		if err != nil {
			return err
		}
		resp := wire.StudentInfo{Exam: newStudentExam(e),
			Student:   newStudentSelf(st),
			Policy:    st.Policy(e),
			Retention: wire.StudentRetention{Days: policy.SessionDays, MarkedMonths: policy.MarkedMonths},
			Objection: objection, Sessions: []wire.SessionState{}}
		for _, s := range sessions {
			resp.Sessions = append(resp.Sessions, wire.SessionState{ID: s.ID, Finished: s.Finished})
		}
		encode(w, http.StatusOK, resp)
		return nil
	})
}

func handleChoice(log *slog.Logger, store server.RosterStore, now func() time.Time) http.Handler {
	type request struct {
		Choice server.Choice `json:"choice"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		st := currentStudent(r)
		var req request
		err := decode(w, r, &req)
		if err == nil && req.Choice != server.ChoiceProctored && req.Choice != server.ChoiceAlternative {
			err = invalidf("choice must be %q or %q", server.ChoiceProctored, server.ChoiceAlternative)
		}
		if err == nil {
			err = store.SetChoice(r.Context(), st.ID, req.Choice, now())
		}
		if err == nil {
			st, err = store.Student(r.Context(), st.ID)
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, newStudentSelf(st))
		return nil
	})
}

// handleStartSession registers the browser's fresh session key and answers
// the policy it must run. Only a student who chose the proctored exam can
// start, and only around the exam window, where summaries are accepted.
func handleStartSession(log *slog.Logger, store interface {
	Exam(ctx context.Context, id string) (server.Exam, error)
	CreateSession(ctx context.Context, s server.Session) error
}, now func() time.Time, allowed *builds) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		st := currentStudent(r)
		var req wire.StartRequest
		err := decode(w, r, &req)
		if err != nil {
			return err
		}
		key, err := req.Validate()
		if err != nil {
			return err
		}
		if st.Choice != server.ChoiceProctored {
			return server.ErrNoChoice
		}
		e, err := store.Exam(r.Context(), st.Exam)
		if err != nil {
			return err
		}
		t := now()
		if t.Before(e.Start.Add(-server.WindowTolerance)) || !t.Before(e.End) {
			return &wire.Error{Code: wire.CodeOutsideWindow, Message: "a session can start from " + server.WindowTolerance.String() + " before the exam until its end"}
		}
		// Only a published client may proctor: a session is never started
		// for a build whose summaries would be refused.
		if err := allowed.check(req.Build); err != nil {
			return err
		}
		p := st.Policy(e)
		p.Session = server.NewID("s-")
		s := server.Session{ID: p.Session, Student: st.ID, Exam: e.ID, PublicKey: key, Build: req.Build,
			Started: t, Precheck: req.Precheck, Policy: p, Head: wire.Genesis}
		if err := store.CreateSession(r.Context(), s); err != nil {
			return err
		}
		encode(w, http.StatusCreated, p)
		return nil
	})
}

// handleStudentRecord answers the student's own record: what a reviewer
// sees, and who looked at it, without the reviewers' notes.
func handleStudentRecord(log *slog.Logger, store server.ExamStore) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		st := currentStudent(r)
		e, sessions, err := ownExam(r, store)
		if err != nil {
			return err
		}
		resp := wire.StudentRecord{Student: newRecordStudent(st), Exam: newStudentExam(e), Sessions: []wire.SessionRecord{}}
		for _, s := range sessions {
			evs, marks, err := eventsAndMarks(ctx, store, s.ID)
			if err != nil {
				return err
			}
			resp.Sessions = append(resp.Sessions, wire.SessionRecord{Session: newRecordSession(s), Unreliable: s.Unreliable(),
				Events: evs, Marks: newRecordMarks(marks), Receipt: s.Receipt})
		}
		views, err := store.Views(ctx, st.ID)
		if err != nil {
			return err
		}
		resp.Views = []wire.RecordView{}
		for _, v := range views {
			resp.Views = append(resp.Views, wire.RecordView{Who: v.Who, WhoKind: string(v.Kind), What: v.What, At: v.At})
		}
		encode(w, http.StatusOK, resp)
		return nil
	})
}

func newRecordStudent(s server.Student) wire.RecordStudent {
	return wire.RecordStudent{ID: s.ID, Exam: s.Exam, StudentID: s.External, Email: s.Email,
		Accommodations: orEmpty(s.Off), Choice: string(s.Choice), ChoiceAt: s.ChoiceAt}
}

func newRecordSession(s server.Session) wire.RecordSession {
	return wire.RecordSession{ID: s.ID, Student: s.Student, Exam: s.Exam, Build: s.Build, Started: s.Started,
		Precheck: s.Precheck, Policy: s.Policy, LastSeq: s.LastSeq, Head: s.Head, Finished: s.Finished, Receipt: s.Receipt}
}

// newRecordMarks is marks as the record shows them; never null.
func newRecordMarks(marks []server.Mark) []wire.RecordMark {
	out := make([]wire.RecordMark, len(marks))
	for i, m := range marks {
		out[i] = wire.RecordMark{ID: m.ID, Session: m.Session, Kind: string(m.Kind), Reason: m.Reason, By: m.By,
			ByKind: string(m.ByKind), ByID: m.ByID, At: m.At, Removed: m.Removed, RemovedBy: m.RemovedBy, RemovedReason: m.RemovedReason}
	}
	return out
}

// handleStudentTimeline draws one of the student's own sessions, the same
// picture the reviewer sees; another student's session is not found.
func handleStudentTimeline(log *slog.Logger, store server.SessionStore, loc *time.Location) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		sess, err := store.Session(r.Context(), r.PathValue("id"))
		if err == nil && sess.Student != currentStudent(r).ID {
			err = server.ErrUnknownSession
		}
		if err != nil {
			return err
		}
		sums, err := store.Summaries(r.Context(), sess.ID)
		if err != nil {
			return err
		}
		writeSVG(w, renderTimeline(sess, sums, loc, lang.Pick(r.URL.Query().Get("lang"))))
		return nil
	})
}
