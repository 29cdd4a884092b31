package server

import (
	"testing"
	"time"
)

// TestEntries: the wording of every entry the store appends, which
// StudentAccessLog's subjects and readers of old logs depend on.
func TestEntries(t *testing.T) {
	at := time.UnixMilli(1_770_000_000_000)
	by := Actor{Kind: ActorStaff, ID: "u-1", Who: "Ann", At: at}
	policy := RetentionPolicy{SessionDays: 45, MarkedMonths: 6, CountDays: 400, AccessLogYears: 2, ReviewDays: 21}
	ann := User{ID: "u-2", Name: "Bo", Role: RoleReviewer}
	for _, c := range []struct {
		got                     AccessEntry
		action, subject, reason string
	}{
		{MarkEntry(by, Mark{ID: 3, Session: "s-1", Kind: MarkAppeal}), ActionAddMark, "session s-1 mark 3 appeal", ""},
		{RemoveMarkEntry(by, "s-1", 3), ActionRemoveMark, "session s-1 mark 3", ""},
		{NoteEntry(by, Note{ID: 4, Session: "s-1"}), ActionAddNote, "session s-1 note 4", ""},
		{ViewEntry(by, "st-1", "session s-1"), ActionView, "student st-1: session s-1", ""},
		{ExamEntry(by, ActionCreateExam, Exam{ID: "e-1"}), ActionCreateExam, "exam e-1", ""},
		{ExamEntry(by, ActionUpdateExam, Exam{ID: "e-1", Crisis: "flu"}), ActionUpdateExam, "exam e-1", "crisis: flu"},
		{ImportEntry(by, "e-1", 2), ActionImportStudents, "exam e-1: 2 students", ""},
		{AccommodationsEntry(by, "st-1"), ActionSetAccommodations, "student st-1", ""},
		{AssignReviewersEntry(by, "e-1", []string{"r-1", "u-2"}), ActionAssignReviewers, "exam e-1", "reviewers: r-1, u-2"},
		{AssignReviewersEntry(by, "e-1", nil), ActionAssignReviewers, "exam e-1", "reviewers: none"},
		{ReviewerEntry(by, ActionRevokeReviewer, Reviewer{ID: "r-1", Name: "Dr. J"}), ActionRevokeReviewer, "reviewer r-1 (Dr. J)", ""},
		{ObjectionEntry(Objection{ID: 5, Student: "st-1", At: at}), ActionObject, "student st-1 objection 5", ""},
		{EmailEntry("st-1", at), ActionRectifyEmail, "student st-1", ""},
		{DeletionEntry(by, ActionRefuseDeletion, DeletionRequest{ID: 6, Student: "st-1"}, "appeal"), ActionRefuseDeletion, "student st-1 deletion request 6", "appeal"},
		{CreateUserEntry(by, ann), ActionCreateUser, "user u-2 (Bo)", "role reviewer"},
		{DisableUserEntry(by, ann), ActionDisableUser, "user u-2 (Bo)", ""},
		{SSOUserEntry(by, ann, ""), ActionCreateUser, "user u-2 (Bo)", "role reviewer, single sign-on"},
		{SSOUserEntry(by, ann, RoleAdmin), ActionUpdateUser, "user u-2 (Bo)", "role admin to reviewer from the single sign-on claims"},
		{LogoutEntry(by), ActionLogout, "user u-1 (Ann)", ""},
		{PolicyEntry(by, DefaultRetention, policy, "board"), ActionPolicyChange,
			`retention policy from {"session_days":45,"marked_months":6,"count_days":400,"access_log_years":2,"review_days":21} to {"session_days":45,"marked_months":6,"count_days":400,"access_log_years":2,"review_days":21}`, "board"},
	} {
		want := by.Entry(c.action, c.subject, c.reason)
		if c.action == ActionObject || c.action == ActionRectifyEmail {
			want = StudentActor("st-1", at).Entry(c.action, c.subject, c.reason)
		}
		if c.got != want {
			t.Errorf("got  %+v\nwant %+v", c.got, want)
		}
	}
	login := LoginEntry(StaffSession{User: ann, Created: at}, "password")
	if want := (Actor{Kind: ActorStaff, ID: "u-2", Who: "Bo", At: at}).Entry(ActionLogin, "user u-2 (Bo)", "via password"); login != want {
		t.Errorf("login %+v", login)
	}
	run := RunEntry(DeletionRecord{ID: 7, At: at}, GenesisAnchor)
	if run.Kind != ActorSystem || run.Who != RetentionWho || run.Action != ActionRetentionRun || run.Subject != RunSubject(7, GenesisAnchor) {
		t.Errorf("run %+v", run)
	}
}
