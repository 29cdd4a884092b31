package httpapi

import (
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

// Where the access log is written. A change (mark, note, exam, students,
// accommodations, reviewer) is logged by the store, in the change's own
// transaction, naming the actor the handler passes: both commit or
// neither. A view of a student's data is logged by the store's LogView,
// with the view the student sees. Reads that change nothing (the counts
// export, reading and exporting this log) are logged here, right before
// the answer: if the entry cannot be appended, nothing is answered.

type auditedCountStore interface {
	server.CountStore
	server.AccessLog
}

// actor is whoever adminOnly or staffOnly let through, at at.
func actor(r *http.Request, at time.Time) server.Actor {
	return currentCaller(r).actor(at)
}

// audit appends one access-log entry for whoever adminOnly or staffOnly
// let through.
func audit(r *http.Request, store server.AccessLog, at time.Time, action, subject, reason string) error {
	_, err := store.Access(r.Context(), actor(r, at).Entry(action, subject, reason))
	return err
}

const (
	defaultAuditPage = 100
	maxAuditPage     = 1000
)

// handleAudit answers a page of the access log, from seq from on. Reading
// the log is itself logged, before the page is read.
func handleAudit(log *slog.Logger, store server.AccessLog, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		from, limit := int64(1), defaultAuditPage
		var err error
		if s := q.Get("from"); s != "" {
			if from, err = strconv.ParseInt(s, 10, 64); err != nil || from < 1 {
				return invalid("from must be a seq, 1 or more")
			}
		}
		if s := q.Get("limit"); s != "" {
			if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxAuditPage {
				return invalidf("limit must be between 1 and %d", maxAuditPage)
			}
		}
		subject := "entries from " + strconv.FormatInt(from, 10) + ", at most " + strconv.Itoa(limit)
		if err := audit(r, store, now(), server.ActionReadAccessLog, subject, ""); err != nil {
			return err
		}
		anchor, err := store.AccessAnchor(r.Context())
		if err != nil {
			return err
		}
		entries, err := store.AccessEntries(r.Context(), from, limit)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"anchor": anchor, "entries": entries})
		return nil
	})
}

// handleAuditExport streams the whole access log as JSON lines, oldest
// first, including the entry that logs this export.
func handleAuditExport(log *slog.Logger, store server.AccessLog, key ed25519.PrivateKey, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		if err := audit(r, store, now(), server.ActionExportAccessLog, "the whole access log", ""); err != nil {
			return err
		}
		// Entries before the anchor were deleted by retention; the chain of
		// the export starts from the anchor, which the header carries.
		anchor, err := store.AccessAnchor(r.Context())
		if err != nil {
			return err
		}
		page, err := store.AccessEntries(r.Context(), 1, maxAuditPage)
		if err != nil {
			return err
		}
		w.Header().Set("Lokaal-Access-Anchor", strconv.FormatInt(anchor.Seq, 10)+" "+anchor.Hash)
		// The signed head of what the export holds at least (its own entry
		// is the newest when it starts), as JSON: keep it elsewhere.
		if key != nil {
			seq, hash, err := store.AccessHead(r.Context())
			if err != nil {
				return err
			}
			head, _ := json.Marshal(server.SignHead(key, seq, hash, now()))
			w.Header().Set("Lokaal-Access-Head", string(head))
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Content-Disposition", `attachment; filename="lokaal-access-log.ndjson"`)
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		for len(page) > 0 {
			for _, e := range page {
				if err := enc.Encode(e); err != nil {
					return nil // the client went away
				}
			}
			if page, err = store.AccessEntries(r.Context(), page[len(page)-1].Seq+1, maxAuditPage); err != nil {
				// The status is sent; a cut-off export fails verification.
				log.Error("exporting the access log", "err", err)
				return nil
			}
		}
		return nil
	})
}

// handleAuditHead answers the access log's newest entry signed with the
// audit key: keep it elsewhere, and `lokaal audit verify --head FILE`
// shows whether the log still holds that entry unchanged. Reading it is
// not logged (it names no one, and logging it would move the head).
func handleAuditHead(log *slog.Logger, store server.AccessLog, key ed25519.PrivateKey, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		if key == nil {
			refuse(w, codeUnavailable, "no audit key is configured (LOKAAL_AUDIT_KEY)")
			return nil
		}
		seq, hash, err := store.AccessHead(r.Context())
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, server.SignHead(key, seq, hash, now()))
		return nil
	})
}
