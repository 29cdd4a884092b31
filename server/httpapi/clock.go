package httpapi

import (
	"net/http"
	"time"
)

// handleClock names the server's time zone, in which every page shows
// times (timelines, tables, exports), so that a reviewer in one zone and a
// student in another read the same clock; and the server's time, which a
// page can compare with its own.
func handleClock(now func() time.Time, loc *time.Location) http.Handler {
	type response struct {
		TimeZone string `json:"time_zone"` // IANA name, for Intl.DateTimeFormat
		Now      int64  `json:"now"`       // Unix ms
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusOK, response{TimeZone: loc.String(), Now: now().UnixMilli()})
	})
}
