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
	// pending one) and, in the same transaction, grants it when no mark
	// is active on their sessions and their exam's window has ended by
	// now: then all their rows are deleted and the request becomes the
	// deletion record.
	RequestDeletion(ctx context.Context, student, reason string, now time.Time) (DeletionRequest, error)
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
