package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The access-log entries of the changes a Store makes, built from the
// change: the log's wording has this one home, and the store appends what
// it is given. A subject about a student or a session starts "student ID"
// or "session ID", which is how StudentAccessLog finds a student's
// entries. No entry holds a student's free text (a mark's reason, a note,
// an objection): the log outlives an erased student.

// MarkEntry is by's entry for adding m, which has its id.
func MarkEntry(by Actor, m Mark) AccessEntry {
	return by.Entry(ActionAddMark, fmt.Sprintf("session %s mark %d %s", m.Session, m.ID, m.Kind), "")
}

// RemoveMarkEntry is by's entry for lifting the session's mark id; the
// reason stays with the mark.
func RemoveMarkEntry(by Actor, session string, id int64) AccessEntry {
	return by.Entry(ActionRemoveMark, fmt.Sprintf("session %s mark %d", session, id), "")
}

// NoteEntry is by's entry for adding n, which has its id.
func NoteEntry(by Actor, n Note) AccessEntry {
	return by.Entry(ActionAddNote, fmt.Sprintf("session %s note %d", n.Session, n.ID), "")
}

// ViewEntry is by's entry for reading what of the student's data.
func ViewEntry(by Actor, student, what string) AccessEntry {
	return by.Entry(ActionView, "student "+student+": "+what, "")
}

// ExamEntry is by's entry for creating or updating e (action), with the
// crisis exception that allows short notice as the reason, when there is
// one.
func ExamEntry(by Actor, action string, e Exam) AccessEntry {
	reason := ""
	if e.Crisis != "" {
		reason = "crisis: " + e.Crisis
	}
	return by.Entry(action, "exam "+e.ID, reason)
}

// ImportEntry is by's entry for adding n students to the exam.
func ImportEntry(by Actor, exam string, n int) AccessEntry {
	return by.Entry(ActionImportStudents, fmt.Sprintf("exam %s: %d students", exam, n), "")
}

// AccommodationsEntry is by's entry for setting the student's
// accommodations; it names the student, not the detectors, which may hint
// at health.
func AccommodationsEntry(by Actor, student string) AccessEntry {
	return by.Entry(ActionSetAccommodations, "student "+student, "")
}

// AssignReviewersEntry is by's entry for giving the exam the reviewers
// ids, by id.
func AssignReviewersEntry(by Actor, exam string, ids []string) AccessEntry {
	list := strings.Join(ids, ", ")
	if list == "" {
		list = "none"
	}
	return by.Entry(ActionAssignReviewers, "exam "+exam, "reviewers: "+list)
}

// ReviewerEntry is by's entry for creating or revoking r (action).
func ReviewerEntry(by Actor, action string, r Reviewer) AccessEntry {
	return by.Entry(action, "reviewer "+r.ID+" ("+r.Name+")", "")
}

// ObjectionEntry is the student's entry for o, which has its id.
func ObjectionEntry(o Objection) AccessEntry {
	return StudentActor(o.Student, o.At).Entry(ActionObject, fmt.Sprintf("student %s objection %d", o.Student, o.ID), "")
}

// EmailEntry is the student's entry for correcting their email, without
// either address.
func EmailEntry(student string, at time.Time) AccessEntry {
	return StudentActor(student, at).Entry(ActionRectifyEmail, "student "+student, "")
}

// DeletionEntry is by's entry for requesting, refusing or granting d
// (action), with the decision's reason.
func DeletionEntry(by Actor, action string, d DeletionRequest, reason string) AccessEntry {
	return by.Entry(action, fmt.Sprintf("student %s deletion request %d", d.Student, d.ID), reason)
}

func userSubject(id, name string) string { return "user " + id + " (" + name + ")" }

// CreateUserEntry is by's entry for creating u, with its role.
func CreateUserEntry(by Actor, u User) AccessEntry {
	return by.Entry(ActionCreateUser, userSubject(u.ID, u.Name), "role "+string(u.Role))
}

// DisableUserEntry is by's entry for disabling u.
func DisableUserEntry(by Actor, u User) AccessEntry {
	return by.Entry(ActionDisableUser, userSubject(u.ID, u.Name), "")
}

// SSOUserEntry is by's entry for the single sign-on creating u, or
// changing its role from old (when old is set) to what its claims say.
func SSOUserEntry(by Actor, u User, old Role) AccessEntry {
	if old == "" {
		return by.Entry(ActionCreateUser, userSubject(u.ID, u.Name), "role "+string(u.Role)+", single sign-on")
	}
	return by.Entry(ActionUpdateUser, userSubject(u.ID, u.Name), "role "+string(old)+" to "+string(u.Role)+" from the single sign-on claims")
}

// LoginEntry is the entry for ss's login, via a password or single
// sign-on.
func LoginEntry(ss StaffSession, via string) AccessEntry {
	by := Actor{Kind: ActorStaff, ID: ss.User.ID, Who: ss.User.Name, At: ss.Created}
	return by.Entry(ActionLogin, userSubject(ss.User.ID, ss.User.Name), "via "+via)
}

// LogoutEntry is by's entry for logging out.
func LogoutEntry(by Actor) AccessEntry {
	return by.Entry(ActionLogout, userSubject(by.ID, by.Who), "")
}

// PolicyEntry is by's entry for replacing the retention policy old with
// next, with its reason.
func PolicyEntry(by Actor, old, next RetentionPolicy, reason string) AccessEntry {
	from, _ := json.Marshal(old) // a policy is numbers: it always marshals
	to, _ := json.Marshal(next)
	return by.Entry(ActionPolicyChange, fmt.Sprintf("retention policy from %s to %s", from, to), reason)
}

// RunEntry is the entry for the retention run r, which left the log's
// anchor at a.
func RunEntry(r DeletionRecord, a AccessAnchor) AccessEntry {
	return SystemActor("retention", RetentionWho, r.At).Entry(ActionRetentionRun, RunSubject(r.ID, a), r.Deleted.String())
}
