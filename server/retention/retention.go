// Package retention applies the retention policy in force: it deletes what
// the policy says is due, rolls old count batches up to hourly totals,
// trims the access log behind an anchor and records what it did. It is
// plain Go over a small store interface and a clock, so the scheduler in
// serve, the operator's command and a Workers cron trigger make the same
// call.
package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

// Store is what a run needs; server.RetentionStore has it.
type Store interface {
	RetentionPolicy(ctx context.Context) (server.RetentionPolicy, error)
	DeleteExpiredSessions(ctx context.Context, p server.RetentionPolicy, now time.Time) (server.DeletionCounts, error)
	RollUpCounts(ctx context.Context, through time.Time) (server.DeletionCounts, error)
	FinishRun(ctx context.Context, r server.DeletionRecord, accessThrough time.Time) (server.DeletionRecord, error)
	Reclaim(ctx context.Context) error
}

// Run applies the stored policy at now and returns the run's deletion
// record. Each category is its own transaction, so an error leaves the
// categories before it done and the rest for the next run; the record is
// written with the last one, so a failed run leaves no record. Space is
// reclaimed only after a run that deleted something.
func Run(ctx context.Context, store Store, now time.Time, trigger string) (server.DeletionRecord, error) {
	switch trigger {
	case server.TriggerSchedule, server.TriggerCron, server.TriggerManual:
	default:
		return server.DeletionRecord{}, fmt.Errorf("retention: unknown trigger %q", trigger)
	}
	p, err := store.RetentionPolicy(ctx)
	if err != nil {
		return server.DeletionRecord{}, fmt.Errorf("retention: reading the policy: %w", err)
	}
	if err := p.Validate(); err != nil {
		return server.DeletionRecord{}, fmt.Errorf("retention: the stored policy is invalid, nothing deleted: %w", err)
	}
	rec := server.DeletionRecord{At: now, Trigger: trigger, Policy: p}
	sessions, err := store.DeleteExpiredSessions(ctx, p, now)
	if err != nil {
		return rec, fmt.Errorf("retention: deleting sessions: %w", err)
	}
	counts, err := store.RollUpCounts(ctx, p.CountHorizon(now))
	if err != nil {
		return rec, fmt.Errorf("retention: rolling up counts: %w", err)
	}
	rec.Deleted = sessions.Add(counts)
	if rec, err = store.FinishRun(ctx, rec, p.AccessLogHorizon(now)); err != nil {
		return rec, fmt.Errorf("retention: trimming the access log: %w", err)
	}
	if rec.Deleted.Any() {
		if err := store.Reclaim(ctx); err != nil {
			return rec, fmt.Errorf("retention: reclaiming space: %w", err)
		}
	}
	return rec, nil
}
