package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/retention"
)

const retentionUsage = "usage: lokaal retention run [--db data/lokaal.db] [--now RFC3339]"

// retentionCmd runs the retention engine once, for operators (and tests:
// --now moves the clock).
func retentionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := dbFlags("retention run", stderr)
	nowFlag := fs.String("now", "", "run as if it were this time (RFC3339); default now")
	if err := parseVerb(fs, args, retentionUsage); err != nil {
		return err
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("--now must be RFC3339: %w", err)
		}
		now = t
	}
	db, err := openExisting(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rec, err := retention.Run(ctx, db, now, server.TriggerManual)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "deletion record %d at %s: %s\n", rec.ID, rec.At.UTC().Format(time.RFC3339), rec.Deleted)
	return nil
}

// scheduleRetention runs the engine at start and then every period until
// ctx ends; period 0 disables it. It logs counts only.
func scheduleRetention(ctx context.Context, log *slog.Logger, store retention.Store, period time.Duration, now func() time.Time) {
	if period <= 0 {
		log.Info("retention scheduler disabled")
		return
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		rec, err := retention.Run(ctx, store, now(), server.TriggerSchedule)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("retention run failed", "err", err)
		default:
			log.Info("retention run", "record", rec.ID, "deleted", rec.Deleted.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// startRetention runs scheduleRetention in the background; the returned
// stop ends it and waits, so the database is not closed under a run.
func startRetention(ctx context.Context, log *slog.Logger, store retention.Store, period time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		scheduleRetention(ctx, log, store, period, time.Now)
	}()
	return func() {
		cancel()
		<-done
	}
}
