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
