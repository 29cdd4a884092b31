package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/retention"
)

// A resend of a rolled-up count batch is a conflict the kiosk cannot fix:
// 409 makes it set the batch aside, like a seq conflict.

// recentRecords is how many deletion records GET /api/v1/retention shows.
const recentRecords = 20

// actionStartRetention is an admin starting a run by hand; the run's own
// entry, if it deleted anything, follows under the engine's name.
const actionStartRetention = "start retention run"

type retentionState struct {
	Policy  server.RetentionPolicy  `json:"policy"`
	Records []server.DeletionRecord `json:"records"`
}

// handleGetRetention answers the policy in force and the latest deletion
// records. Neither holds personal data, so reading them is not logged.
func handleGetRetention(log *slog.Logger, store server.RetentionStore) http.Handler {
	return reply(log, func(r *http.Request) (retentionState, error) {
		var st retentionState
		var err error
		if st.Policy, err = store.RetentionPolicy(r.Context()); err == nil {
			st.Records, err = store.DeletionRecords(r.Context(), recentRecords)
		}
		return st, err
	})
}

// handleSetRetention changes the policy; the reason is required and the
// store logs it with the old and new values in the same transaction. The
// next run applies it.
func handleSetRetention(log *slog.Logger, store server.RetentionStore, now func() time.Time) http.Handler {
	type request struct {
		server.RetentionPolicy
		Reason string `json:"reason"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decodeStaff(w, r, &req)
		if err == nil {
			err = checkText("reason", req.Reason, true, 2000)
		}
		if err == nil {
			if verr := req.RetentionPolicy.Validate(); verr != nil {
				err = invalid(verr.Error())
			}
		}
		if err == nil {
			err = store.SetRetentionPolicy(r.Context(), req.RetentionPolicy, req.Reason, actor(r, now()))
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]server.RetentionPolicy{"policy": req.RetentionPolicy})
		return nil
	})
}

// handleRunRetention applies the policy now, as the scheduler would, and
// answers the run's deletion record. Who started it is logged first.
func handleRunRetention(log *slog.Logger, store server.Store, now func() time.Time) http.Handler {
	return reply(log, func(r *http.Request) (server.DeletionRecord, error) {
		if err := audit(r, store, now(), actionStartRetention, "retention policy in force", ""); err != nil {
			return server.DeletionRecord{}, err
		}
		// A failed run is logged with its cause, answered as internal.
		return retention.Run(r.Context(), store, now(), server.TriggerManual)
	})
}
