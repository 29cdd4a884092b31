package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// NoticePeriod is the least time between announcing proctoring and the
// exam window's start, unless a crisis exception is recorded.
const NoticePeriod = 10 * 24 * time.Hour

// WindowTolerance is how long before the exam window a session may start
// and its summaries' windows begin: the pre-check runs before the start.
const WindowTolerance = 30 * time.Minute

// SummaryGrace is how long after the exam window closes a new summary is
// still taken, by the server's clock, and how far past the close its
// window may reach: the window sealed at the close, still on its way. A
// client cannot add evidence, or clean up its record, after the exam.
const SummaryGrace = 2 * time.Minute

// SummarySlack is how many summaries a session may send beyond one per
// interval of its window: the short windows sealed at a reload and at the
// finish. An honest browser sends a few; a flood is refused.
const SummarySlack = 60

// MaxSummaries bounds the summaries of a session that runs policy p: one
// per interval from WindowTolerance before the window to SummaryGrace
// after it, plus SummarySlack. With wire.MaxEvents per summary that bounds
// what one session can store, and so what its review costs.
func MaxSummaries(p wire.Policy) int64 {
	span := p.To - p.From + WindowTolerance.Milliseconds() + SummaryGrace.Milliseconds()
	return max(span, 0)/(int64(max(p.IntervalS, 1))*1000) + SummarySlack
}

// Exam is one proctored (or not) exam as the faculty configured it.
type Exam struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Course string    `json:"course"`
	Start  time.Time `json:"start"` // exam window
	End    time.Time `json:"end"`
	// Announced is when the students were told which detectors run.
	Announced  time.Time `json:"announced"`
	LegalBasis string    `json:"legal_basis"`
	// Alternatives lists the less intrusive measures that were considered
	// and why they do not suffice. Required.
	Alternatives string `json:"alternatives_considered"`
	// AlternativeExam describes what a student who objects gets instead;
	// empty when none is offered.
	AlternativeExam string `json:"alternative_exam"`
	// URL is where the exam itself lives, shown in a frame beside the
	// proctor panel: a path on this server or an allowed https origin.
	URL       string                 `json:"url"`
	Detectors []wire.DetectorSetting `json:"detectors"`
	IntervalS int                    `json:"interval_s"`
	// Crisis is the recorded reason for proctoring at less than
	// NoticePeriod's notice; empty when there is none.
	Crisis  string    `json:"crisis"`
	Created time.Time `json:"created"`
}

// CheckNotice applies the 10-day rule: proctoring (any detector) needs
// NoticePeriod between announcement and start, or a crisis reason.
func (e Exam) CheckNotice() error {
	if len(e.Detectors) == 0 || e.Crisis != "" || !e.Start.Before(e.Announced.Add(NoticePeriod)) {
		return nil
	}
	return ErrNoticeTooShort
}

// Choice is what a student chose after the transparency screen.
type Choice string

const (
	ChoiceNone        Choice = ""
	ChoiceProctored   Choice = "proctored"
	ChoiceAlternative Choice = "alternative"
)

// Student is one student's access to one exam.
type Student struct {
	ID       string `json:"id"` // lokaal's id, also in the access link's hash
	Exam     string `json:"exam"`
	External string `json:"student_id"` // the university's student number
	Email    string `json:"email"`
	// Off lists the detectors switched off for this student.
	Off      []wire.Kind `json:"accommodations"`
	Choice   Choice      `json:"choice"`
	ChoiceAt *time.Time  `json:"choice_at"`
}

// Policy is what this student's browser runs: the exam's detectors minus the
// accommodations.
func (s Student) Policy(e Exam) wire.Policy {
	p := wire.Policy{IntervalS: e.IntervalS, From: e.Start.UnixMilli(), To: e.End.UnixMilli(), Detectors: []wire.DetectorSetting{}}
	for _, d := range e.Detectors {
		off := false
		for _, k := range s.Off {
			off = off || k == d.Kind
		}
		if !off {
			p.Detectors = append(p.Detectors, d)
		}
	}
	return p
}

// Session is one proctored sitting: one browser key, one hash chain.
type Session struct {
	ID        string            `json:"id"`
	Student   string            `json:"student"`
	Exam      string            `json:"exam"`
	PublicKey ed25519.PublicKey `json:"-"`
	Build     string            `json:"build"`
	Started   time.Time         `json:"started"`
	Precheck  wire.Precheck     `json:"precheck"`
	Policy    wire.Policy       `json:"policy"` // as sent at start: what the browser ran
	LastSeq   int64             `json:"last_seq"`
	Head      string            `json:"head"`
	Finished  *time.Time        `json:"finished"`
	// Receipt is the signed receipt once finished.
	Receipt *wire.SignedReceipt `json:"receipt,omitempty"`
}

// Unreliable reports whether face_absent and looking_away mean little for
// this session, because the pre-check did not find the face. With BlazeFace
// (99-100 % of faces in every FairFace group) that points at the camera,
// its angle or the light, or at a client that claims no face, rather than
// at the detector; either way those events are not evidence.
func (s Session) Unreliable() bool { return !s.Precheck.FaceFound }

// StoredSummary is a summary as stored, with when it arrived.
type StoredSummary struct {
	Summary  wire.Summary `json:"summary"`
	Sig      string       `json:"sig"`
	Hash     string       `json:"hash"`
	Received time.Time    `json:"received"`
}

// MarkKind is a reviewer's mark on a session, which extends retention.
type MarkKind string

const (
	MarkFraud  MarkKind = "suspected_fraud"
	MarkAppeal MarkKind = "appeal"
)

// Mark is one mark with its reason; Removed is set when it is lifted.
type Mark struct {
	ID      int64    `json:"id"`
	Session string   `json:"session"`
	Kind    MarkKind `json:"kind"`
	Reason  string   `json:"reason"`
	By      string   `json:"by"`
	// ByKind and ByID say who marked (Actor.Kind, Actor.ID): only they,
	// or an admin, may lift the mark.
	ByKind  ActorKind  `json:"by_kind"`
	ByID    string     `json:"by_id"`
	At      time.Time  `json:"at"`
	Removed *time.Time `json:"removed"`
	// RemovedBy and RemovedReason say who lifted the mark and why.
	RemovedBy     string `json:"removed_by,omitempty"`
	RemovedReason string `json:"removed_reason,omitempty"`
}

// Note is a reviewer's note on a session. Students do not see notes.
type Note struct {
	ID      int64     `json:"id"`
	Session string    `json:"session"`
	Text    string    `json:"text"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// ViewWindow: repeated views of the same data by the same actor within
// this time are one entry in the views and the access log. Reloading a
// page every few seconds must not fill the student's list with noise (a
// student saw 11 views after two minutes), and one entry per 10 minutes
// still shows how long someone kept looking.
const ViewWindow = 10 * time.Minute

// View records one staff read of a student's data.
type View struct {
	Who  string    `json:"who"`
	Kind ActorKind `json:"who_kind"` // a staff account, the admin token, a reviewer token
	What string    `json:"what"`     // e.g. "session s-…", "exam e-… sessions"
	At   time.Time `json:"at"`
}

// Exam errors.
var (
	ErrNoticeTooShort = errors.New("proctoring must be announced at least 10 days before the exam starts, unless a crisis exception is recorded")
	ErrChainBroken    = errors.New("prev is not the hash of the previous stored summary")
	ErrFinished       = errors.New("the session is finished")
	ErrNoChoice       = errors.New("the student has not chosen the proctored exam")
	// ErrSessionExists: one session per student and exam, so none can
	// hide another (see docs/security.md).
	ErrSessionExists = errors.New("this student already has a session for this exam: it resumes in the browser that started it; the exam committee handles a lost device")
	// ErrChoiceFrozen: the choice is fixed once a session exists.
	ErrChoiceFrozen = errors.New("the choice cannot change once a proctored session has started")
	// ErrWindowOverlap: a summary's window begins before the previous
	// stored summary's window ended.
	ErrWindowOverlap = errors.New("the summary's window starts before the previous summary's window ends")
	ErrNotYourMark   = errors.New("a reviewer may lift only their own marks; an admin may lift any")
	// ErrUnknownSession: no session with this id, or none the caller
	// may see. It is an ErrNotFound.
	ErrUnknownSession error = &notFound{"no session with this id"}
)

// ExamStore keeps exams and their students, sessions and their summaries,
// the reviewers' marks and notes, the staff views of a student's data and
// the receipt key: the three stores below, which a handler takes one of,
// or less, when it needs no more.
//
// Every method that changes what staff configured or decided appends its
// access-log entry, naming by, in the change's own transaction: both are
// stored or neither.
type ExamStore interface {
	RosterStore
	SessionStore
	ReviewStore
}

// RosterStore keeps exams and their students.
type RosterStore interface {
	CreateExam(ctx context.Context, e Exam, by Actor) error
	UpdateExam(ctx context.Context, e Exam, by Actor) error
	Exam(ctx context.Context, id string) (Exam, error)
	Exams(ctx context.Context) ([]Exam, error)

	// AddStudents adds students with the hashes of their access tokens, all
	// or nothing; a student_id already on the exam is an error.
	AddStudents(ctx context.Context, students []Student, tokenHashes [][]byte, by Actor) error
	// StudentByToken finds the student whose access token hashes to hash.
	StudentByToken(ctx context.Context, hash []byte) (Student, error)
	Student(ctx context.Context, id string) (Student, error)
	Students(ctx context.Context, exam string) ([]Student, error)
	SetAccommodations(ctx context.Context, student string, off []wire.Kind, by Actor) error
	// SetChoice records the student's choice; once the student has a
	// session it is frozen: the same choice again is a no-op, another is
	// ErrChoiceFrozen.
	SetChoice(ctx context.Context, student string, c Choice, at time.Time) error
}

// SessionStore keeps the proctored sessions, their chains of summaries and
// the key that signs their receipts.
type SessionStore interface {
	// CreateSession stores a student's one session for the exam: it is
	// ErrSessionExists if the student has one, ErrNoChoice unless the
	// stored choice is proctored, checked in the same write as the insert
	// so that no concurrent start or change of choice slips in between.
	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, id string) (Session, error)
	Sessions(ctx context.Context, exam string) ([]Session, error)
	StudentSessions(ctx context.Context, student string) ([]Session, error)
	// AppendSummary stores a verified summary whose Prev the caller has
	// not checked: in one transaction it checks seq and chain against the
	// stored head, so two concurrent requests cannot both extend it.
	// Resending the stored summary of a seq is Duplicate; a different one
	// with a stored seq is ErrSeqConflict; a gap or wrong prev is
	// ErrChainBroken; a window that starts before the previous summary's
	// ends is ErrWindowOverlap; after finish, ErrFinished.
	AppendSummary(ctx context.Context, s StoredSummary) (IngestResult, error)
	Summaries(ctx context.Context, session string) ([]StoredSummary, error)
	// FinishSession stores the receipt and closes the session if its last
	// seq and head are still seq and head (else ErrChainBroken), in one
	// transaction, so no summary slips in between; finishing a
	// finished session returns the stored receipt.
	FinishSession(ctx context.Context, session string, seq int64, head string, at time.Time, sign func(Session) wire.SignedReceipt) (wire.SignedReceipt, error)

	// ReceiptKey returns the server's Ed25519 receipt key, creating it on
	// first use.
	ReceiptKey(ctx context.Context) (ed25519.PrivateKey, error)
}

// ReviewStore keeps what reviewers make of a session (marks and notes)
// and who looked at a student's data (views).
type ReviewStore interface {
	// AddMark logs by as its author; the reason stays with the mark, out
	// of the log. AddNote logs by, never the note's text.
	AddMark(ctx context.Context, m Mark, by Actor) (Mark, error)
	// RemoveMark lifts a mark, with the reason, which is kept with the
	// mark (not in the log). Unless anyMark, only the mark's author may lift
	// it: ErrNotYourMark.
	RemoveMark(ctx context.Context, session string, id int64, reason string, by Actor, anyMark bool) error
	Marks(ctx context.Context, session string) ([]Mark, error)
	AddNote(ctx context.Context, n Note, by Actor) (Note, error)
	Notes(ctx context.Context, session string) ([]Note, error)
	// LogView records by's view and appends it to the access log in the
	// same transaction: both are stored or neither. A view the same actor
	// (kind and id) made of the same thing within ViewWindow before is
	// not recorded again: a refresh is not a new look.
	LogView(ctx context.Context, student, what string, by Actor) error
	Views(ctx context.Context, student string) ([]View, error)
}
