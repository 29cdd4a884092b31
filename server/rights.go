package server

import (
	"context"
	"errors"
	"time"
)

// Objection is a student's reasoned objection to the processing of their
// data (GDPR art. 21). The exam committee sees it next to the sessions.
type Objection struct {
	ID      int64     `json:"id"`
	Student string    `json:"student"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// MaxObjections bounds what one access link can store.
const MaxObjections = 20

// DeletionStatus is where a deletion request stands.
type DeletionStatus string

const (
	DeletionPending DeletionStatus = "pending"
	DeletionGranted DeletionStatus = "granted"
	DeletionRefused DeletionStatus = "refused"
)

// DeletionRequest is a student's request to erase their data (GDPR art.
// 17). Once granted it is the deletion record: the student's reason is
// emptied, Deleted counts the rows removed per table, and nothing else about
// the student remains.
type DeletionRequest struct {
	ID        int64          `json:"id"`
	Student   string         `json:"student"`
	Exam      string         `json:"exam"`
	Reason    string         `json:"reason"`
	Requested time.Time      `json:"requested"`
	Status    DeletionStatus `json:"status"`
	Decided   *time.Time     `json:"decided"`
	DecidedBy string         `json:"decided_by"`
	Decision  string         `json:"decision"` // why it was granted or refused
	Deleted   map[string]int `json:"deleted"`
}

// Erasure is what the rule for a student's deletion request looks at. The
// store grants a request by it, in the deleting transaction; the handlers
// show it, to say why a request waits. Before the review period has
// passed, and while a mark is active, an admin decides with a reason:
// evidence of fraud may be kept for the public task and for legal claims
// (GDPR art. 17(3)(b) and (e)).
type Erasure struct {
	Exam        string
	WindowEnd   time.Time // the end of the exam's window
	ReviewEnds  time.Time // the end of the policy's review period after it
	ActiveMarks int       // marks (suspected fraud or appeal) not lifted, on any of the student's sessions
}

// InReview reports whether the review period still runs at now.
func (e Erasure) InReview(now time.Time) bool { return now.Before(e.ReviewEnds) }

// Automatic reports whether a request is granted without an admin at now:
// the review period has passed and no mark is active. A mark lifted early
// does not shorten the review period.
func (e Erasure) Automatic(now time.Time) bool { return e.ActiveMarks == 0 && !e.InReview(now) }

// AutoGrantReason is the decision a request granted by the rule records.
const AutoGrantReason = "granted automatically: no active mark and the review period after the exam window has passed"

// AutoGrantActor is who grants a request by the rule, at now.
func AutoGrantActor(now time.Time) Actor { return SystemActor("deletion", WhoAutomatic, now) }

// Who the access log names for what a student does through their link, and
// for a deletion lokaal grants by its own rule.
const (
	WhoStudent   = "student"
	WhoAutomatic = "lokaal (automatic)"
)

// Access-log actions of the data-subject rights.
const (
	ActionObject               = "objection"
	ActionRectifyEmail         = "rectify email"
	ActionRequestDeletion      = "request deletion"
	ActionRefuseDeletion       = "refuse deletion"
	ActionDeleteStudent        = "delete student data"
	ActionReadDeletionRequests = "read deletion requests"
)

// Rights errors.
var (
	ErrDecided           = errors.New("this deletion request has already been decided")
	ErrTooManyObjections = errors.New("too many objections from this access link")
)

// RightsStore keeps what students ask for under the GDPR: objections,
// deletion requests and corrections. Every change appends its access-log
// entry in its own transaction; no entry holds a student's free text, since
// the log outlives a deletion.
type RightsStore interface {
	// AddObjection stores o (Student, Reason, At) and returns it with its
	// id; ErrTooManyObjections after MaxObjections.
	AddObjection(ctx context.Context, o Objection) (Objection, error)
	Objections(ctx context.Context, student string) ([]Objection, error)
	// SetEmail corrects the student's contact email.
	SetEmail(ctx context.Context, student, email string, at time.Time) error
	// RequestDeletion records the student's request (or finds their
	// pending one) and, in the same transaction, grants it when the
	// student's Erasure is Automatic at now: then all their rows are
	// deleted and the request becomes the deletion record.
	RequestDeletion(ctx context.Context, student, reason string, now time.Time) (DeletionRequest, error)
	// Erasure reads what the rule looks at for the student.
	Erasure(ctx context.Context, student string) (Erasure, error)
	// DecideDeletion grants or refuses a pending request with by's reason;
	// a decided one is ErrDecided.
	DecideDeletion(ctx context.Context, id int64, grant bool, reason string, by Actor) (DeletionRequest, error)
	// DeletionRequests lists the requests with status, all when empty.
	DeletionRequests(ctx context.Context, status DeletionStatus) ([]DeletionRequest, error)
	StudentDeletionRequests(ctx context.Context, student string) ([]DeletionRequest, error)
	// StudentAccessLog returns the access-log entries about the student or
	// one of their sessions, oldest first.
	StudentAccessLog(ctx context.Context, student string) ([]AccessEntry, error)
}
