package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// RetentionPolicy says how long each kind of data is kept. The defaults
// follow the university's exam rules and the GDPR's storage limitation.
type RetentionPolicy struct {
	// SessionDays: exam sessions and their events are deleted this many days
	// after the exam window ends.
	SessionDays int `json:"session_days"`
	// MarkedMonths: a session marked suspected_fraud or appeal is kept until
	// this many months after the mark.
	MarkedMonths int `json:"marked_months"`
	// CountDays: count batches are kept in full this long, then rolled up to
	// hourly totals per room.
	CountDays int `json:"count_days"`
	// AccessLogYears: access-log entries are kept this long.
	AccessLogYears int `json:"access_log_years"`
	// ReviewDays: the exam committee's review period. A student's deletion
	// request is granted automatically only this many days after the exam
	// window ends (and with no active mark); before that an admin decides,
	// with a reason. Evidence of fraud may be kept for the public task and
	// for legal claims (GDPR art. 17(3)(b) and (e)), and nobody can know
	// whether there is any before the sessions were reviewed.
	ReviewDays int `json:"review_days"`
}

// DefaultRetention is the policy in force until an admin changes it.
var DefaultRetention = RetentionPolicy{SessionDays: 45, MarkedMonths: 6, CountDays: 400, AccessLogYears: 2, ReviewDays: 21}

// Validate rejects a policy that would keep nothing or keep for ever.
func (p RetentionPolicy) Validate() error {
	switch {
	case p.SessionDays < 1 || p.SessionDays > 3650:
		return errors.New("session_days must be 1..3650")
	case p.MarkedMonths < 1 || p.MarkedMonths > 120:
		return errors.New("marked_months must be 1..120")
	case p.CountDays < 1 || p.CountDays > 3650:
		return errors.New("count_days must be 1..3650")
	case p.AccessLogYears < 1 || p.AccessLogYears > 30:
		return errors.New("access_log_years must be 1..30")
	case p.ReviewDays < 1 || p.ReviewDays > p.SessionDays:
		return errors.New("review_days must be 1..session_days: the review ends before the sessions are deleted")
	}
	return nil
}

// The boundaries are inclusive: data is due the moment its period has
// passed (now >= end + period). Days are 24 hours; months and years are
// calendar months and years in UTC.

// ReviewEnds is when the review period after an exam window ends.
func (p RetentionPolicy) ReviewEnds(windowEnd time.Time) time.Time {
	return windowEnd.Add(days(p.ReviewDays))
}

// Erasure is the rule's view of a student whose exam window ended at
// windowEnd, with activeMarks marks active on their sessions.
func (p RetentionPolicy) Erasure(exam string, windowEnd time.Time, activeMarks int) Erasure {
	return Erasure{Exam: exam, WindowEnd: windowEnd, ReviewEnds: p.ReviewEnds(windowEnd), ActiveMarks: activeMarks}
}

// SessionExpiry is when a session is due: SessionDays after its exam window
// ended, or MarkedMonths after its latest active mark (zero when none),
// whichever is later.
func (p RetentionPolicy) SessionExpiry(windowEnd, lastActiveMark time.Time) time.Time {
	due := windowEnd.Add(days(p.SessionDays))
	if !lastActiveMark.IsZero() {
		if m := lastActiveMark.UTC().AddDate(0, p.MarkedMonths, 0); m.After(due) {
			due = m
		}
	}
	return due
}

// SessionHorizon is the latest window end whose sessions the default rule
// lets go at now; a mark may keep them longer.
func (p RetentionPolicy) SessionHorizon(now time.Time) time.Time {
	return now.Add(-days(p.SessionDays))
}

// CountHorizon is the latest batch start rolled up at now.
func (p RetentionPolicy) CountHorizon(now time.Time) time.Time { return now.Add(-days(p.CountDays)) }

// AccessLogHorizon is the latest access-log entry time deleted at now.
func (p RetentionPolicy) AccessLogHorizon(now time.Time) time.Time {
	return now.UTC().AddDate(-p.AccessLogYears, 0, 0)
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// What starts a retention run.
const (
	TriggerSchedule = "schedule" // the scheduler inside serve
	TriggerCron     = "cron"     // the Workers cron trigger
	TriggerManual   = "manual"   // lokaal retention run, or an admin
)

// Access-log actions of the retention engine and its policy.
const (
	ActionRetentionRun = "retention run"
	ActionPolicyChange = "policy change"
)

// RetentionWho is who the access log names for a retention run.
const RetentionWho = "retention"

// DeletionCounts are the rows one retention run deleted or wrote, per
// category. Counts only: no record says whose data it was.
type DeletionCounts struct {
	Sessions      int64 `json:"sessions"`
	Summaries     int64 `json:"summaries"`
	Events        int64 `json:"events"`
	Marks         int64 `json:"marks"`
	Notes         int64 `json:"notes"`
	Students      int64 `json:"students"`
	Views         int64 `json:"views"`
	CountBatches  int64 `json:"count_batches"`  // rolled up, then deleted
	HourlyRows    int64 `json:"hourly_rows"`    // roll-up rows written
	AccessEntries int64 `json:"access_entries"` // access-log entries deleted
}

// Add sums two counts.
func (c DeletionCounts) Add(d DeletionCounts) DeletionCounts {
	return DeletionCounts{c.Sessions + d.Sessions, c.Summaries + d.Summaries, c.Events + d.Events, c.Marks + d.Marks,
		c.Notes + d.Notes, c.Students + d.Students, c.Views + d.Views, c.CountBatches + d.CountBatches,
		c.HourlyRows + d.HourlyRows, c.AccessEntries + d.AccessEntries}
}

// Any reports whether the run deleted or wrote anything.
func (c DeletionCounts) Any() bool { return c != DeletionCounts{} }

// String is the counts as the access log and the server log show them.
func (c DeletionCounts) String() string {
	return fmt.Sprintf("sessions=%d summaries=%d events=%d marks=%d notes=%d students=%d views=%d count_batches=%d hourly_rows=%d access_entries=%d",
		c.Sessions, c.Summaries, c.Events, c.Marks, c.Notes, c.Students, c.Views, c.CountBatches, c.HourlyRows, c.AccessEntries)
}

// DeletionRecord is what one retention run did, under which policy.
type DeletionRecord struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Trigger string          `json:"trigger"`
	Policy  RetentionPolicy `json:"policy"`
	Deleted DeletionCounts  `json:"deleted"`
}

// ErrRolledUp refuses a count batch the retention engine already rolled up
// into hourly totals: storing it again would count it twice. It is a wire
// error, so the kiosk sees the code and sets the batch aside.
var ErrRolledUp error = &wire.Error{Code: wire.CodeRolledUp,
	Message: "this batch is past the count retention period and was already rolled up into hourly totals; it was counted once"}

// RetentionStore keeps the policy in force and does the retention engine's
// deletions, each category in one transaction.
type RetentionStore interface {
	// RetentionPolicy returns the stored policy, or DefaultRetention.
	RetentionPolicy(ctx context.Context) (RetentionPolicy, error)
	// SetRetentionPolicy stores a valid policy and logs the old and new
	// values with reason, in one transaction.
	SetRetentionPolicy(ctx context.Context, p RetentionPolicy, reason string, by Actor) error

	// DeleteExpiredSessions deletes every session due at now under p with
	// its summaries, events, marks and notes, and then each student of an
	// exam past the default rule who has no session left, with their views
	// and objections.
	DeleteExpiredSessions(ctx context.Context, p RetentionPolicy, now time.Time) (DeletionCounts, error)
	// RollUpCounts adds every batch that started at or before through to
	// the hourly totals of its kiosk and line, and deletes it.
	RollUpCounts(ctx context.Context, through time.Time) (DeletionCounts, error)
	// FinishRun deletes the access-log entries at or before accessThrough
	// and moves the anchor to the last one deleted, stores r with that count
	// and, when the run deleted anything, appends one access-log entry with
	// its counts that names the anchor: all in one transaction, so the
	// stored anchor is always the one the latest run's entry names.
	FinishRun(ctx context.Context, r DeletionRecord, accessThrough time.Time) (DeletionRecord, error)
	// DeletionRecords returns the newest limit records, newest first.
	DeletionRecords(ctx context.Context, limit int) ([]DeletionRecord, error)
	// Reclaim returns the pages deleted rows freed to the file system.
	Reclaim(ctx context.Context) error
}
