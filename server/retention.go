package server

import (
	"context"
	"errors"
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
}

// DefaultRetention is the policy in force until an admin changes it.
var DefaultRetention = RetentionPolicy{SessionDays: 45, MarkedMonths: 6, CountDays: 400, AccessLogYears: 2}

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
	}
	return nil
}

// RetentionStore keeps the policy in force. The retention engine adds its
// deletion methods here.
type RetentionStore interface {
	// RetentionPolicy returns the stored policy, or DefaultRetention.
	RetentionPolicy(ctx context.Context) (RetentionPolicy, error)
}
