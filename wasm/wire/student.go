package wire

import "time"

// StudentInfo is GET /api/v1/student: what the exam page's transparency
// screen shows. The server encodes this type and the page decodes it, so a
// renamed field cannot decode to zero on one side only.
type StudentInfo struct {
	Exam      StudentExam      `json:"exam"`
	Student   StudentSelf      `json:"student"`
	Policy    Policy           `json:"policy"` // the detectors this student's browser will run
	Retention StudentRetention `json:"retention"`
	Objection string           `json:"objection"` // where to object; empty: the page's default
	Sessions  []SessionState   `json:"sessions"`
}

// StudentExam is the exam as its students see it.
type StudentExam struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Course          string    `json:"course"`
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	LegalBasis      string    `json:"legal_basis"`
	Alternatives    string    `json:"alternatives_considered"`
	AlternativeExam string    `json:"alternative_exam"`
	URL             string    `json:"url"`
}

// StudentSelf is the student as they see themselves.
type StudentSelf struct {
	ID        string `json:"id"`
	StudentID string `json:"student_id"`
	Choice    string `json:"choice"` // "", "proctored" or "alternative"
}

// StudentRetention is the retention policy in force, as /transparency
// shows it.
type StudentRetention struct {
	Days         int `json:"days"`          // after the exam window ends
	MarkedMonths int `json:"marked_months"` // after a mark or an appeal
}

// SessionState is one of the student's sessions: whether it is finished.
type SessionState struct {
	ID       string     `json:"id"`
	Finished *time.Time `json:"finished"`
}

// StudentRecord is GET /api/v1/student/record: the student's own record,
// what a reviewer sees of it and who looked, without the reviewers' notes.
// The server encodes this type and the exam page decodes it strictly
// (DecodeLimited, at most MaxRecordBytes).
type StudentRecord struct {
	Student  RecordStudent   `json:"student"`
	Exam     StudentExam     `json:"exam"`
	Sessions []SessionRecord `json:"sessions"`
	Views    []RecordView    `json:"views"`
}

// MaxRecordBytes bounds a student's record as the page reads it: a few
// sessions' events and marks, far below this.
const MaxRecordBytes = 8 << 20

// RecordStudent is the student as their record shows them.
type RecordStudent struct {
	ID             string     `json:"id"`
	Exam           string     `json:"exam"`
	StudentID      string     `json:"student_id"` // the university's student number
	Email          string     `json:"email"`
	Accommodations []Kind     `json:"accommodations"` // detectors switched off for them
	Choice         string     `json:"choice"`         // "", "proctored" or "alternative"
	ChoiceAt       *time.Time `json:"choice_at"`
}

// SessionRecord is one session in the record: its events as a reviewer
// sees them, its marks, and the signed receipt once finished.
type SessionRecord struct {
	Session    RecordSession  `json:"session"`
	Unreliable bool           `json:"unreliable"` // face_absent and looking_away mean little
	Events     []Event        `json:"events"`
	Marks      []RecordMark   `json:"marks"`
	Receipt    *SignedReceipt `json:"receipt"`
}

// RecordSession is a session as the record shows it.
type RecordSession struct {
	ID       string         `json:"id"`
	Student  string         `json:"student"`
	Exam     string         `json:"exam"`
	Build    string         `json:"build"`
	Started  time.Time      `json:"started"`
	Precheck Precheck       `json:"precheck"`
	Policy   Policy         `json:"policy"` // as sent at start: what the browser ran
	LastSeq  int64          `json:"last_seq"`
	Head     string         `json:"head"`
	Finished *time.Time     `json:"finished"`
	Receipt  *SignedReceipt `json:"receipt,omitempty"`
}

// RecordMark is a reviewer's mark; Removed is set once it is lifted.
type RecordMark struct {
	ID            int64      `json:"id"`
	Session       string     `json:"session"`
	Kind          string     `json:"kind"` // "suspected_fraud" or "appeal"
	Reason        string     `json:"reason"`
	By            string     `json:"by"`
	ByKind        string     `json:"by_kind"`
	ByID          string     `json:"by_id"`
	At            time.Time  `json:"at"`
	Removed       *time.Time `json:"removed"`
	RemovedBy     string     `json:"removed_by,omitempty"`
	RemovedReason string     `json:"removed_reason,omitempty"`
}

// RecordView is one look at the record by staff.
type RecordView struct {
	Who     string    `json:"who"`
	WhoKind string    `json:"who_kind"` // a staff account, the admin token, a reviewer token
	What    string    `json:"what"`     // e.g. "session s-…"
	At      time.Time `json:"at"`
}
