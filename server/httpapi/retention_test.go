package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

func TestRetentionPolicyRoutes(t *testing.T) {
	e := newEnv(t)
	st := decodeJSON[retentionState](t, e.do("GET", "/api/v1/retention", nil, true))
	if st.Policy != server.DefaultRetention || len(st.Records) != 0 {
		t.Fatalf("initial %+v", st)
	}
	wantError(t, e.do("GET", "/api/v1/retention", nil, false), http.StatusUnauthorized, codeUnauthorized)

	p := map[string]any{"session_days": 30, "marked_months": 12, "count_days": 365, "access_log_years": 3, "review_days": 14}
	with := func(k string, v any) map[string]any {
		m := map[string]any{"reason": "exam board decision 2026-14"}
		for k, v := range p {
			m[k] = v
		}
		m[k] = v
		return m
	}
	for name, body := range map[string]any{
		"no reason":      p,
		"blank reason":   with("reason", "  "),
		"zero days":      with("session_days", 0),
		"for ever":       with("access_log_years", 100),
		"missing months": with("marked_months", nil),
		"no review":      with("review_days", 0),
		"review longer than the sessions are kept": with("review_days", 31),
	} {
		w := e.do("PUT", "/api/v1/retention", body, true)
		wantError(t, w, http.StatusBadRequest, wire.CodeInvalid)
		if name == "zero days" && !strings.Contains(w.Body.String(), "session_days") {
			t.Errorf("%s: %s", name, w.Body.String())
		}
	}
	wantError(t, e.do("PUT", "/api/v1/retention", with("keep", "all"), true), http.StatusBadRequest, wire.CodeMalformed)
	if st := decodeJSON[retentionState](t, e.do("GET", "/api/v1/retention", nil, true)); st.Policy != server.DefaultRetention {
		t.Fatalf("a rejected change was stored: %+v", st.Policy)
	}

	wantStatus(t, e.do("PUT", "/api/v1/retention", with("reason", "exam board decision 2026-14"), true), http.StatusOK)
	want := server.RetentionPolicy{SessionDays: 30, MarkedMonths: 12, CountDays: 365, AccessLogYears: 3, ReviewDays: 14}
	if st := decodeJSON[retentionState](t, e.do("GET", "/api/v1/retention", nil, true)); st.Policy != want {
		t.Errorf("stored %+v", st.Policy)
	}
	entries := decodeJSON[struct{ Entries []server.AccessEntry }](t, e.do("GET", "/api/v1/audit", nil, true)).Entries
	var change *server.AccessEntry
	for i := range entries {
		if entries[i].Action == server.ActionPolicyChange {
			change = &entries[i]
		}
	}
	if change == nil || change.Kind != server.ActorAdminToken || change.Reason != "exam board decision 2026-14" ||
		!strings.Contains(change.Subject, `"session_days":45`) || !strings.Contains(change.Subject, `"session_days":30`) {
		t.Errorf("policy change entry %+v", change)
	}
}

// TestRetentionRunRoute: a run by hand rolls old counts up; the counts
// export answers the same totals afterwards, and a resend of a rolled-up
// batch is refused with rolled_up.
func TestRetentionRunRoute(t *testing.T) {
	e := newEnv(t)
	old := e.now.Add(-401 * 24 * time.Hour).Truncate(time.Hour)
	now := e.now
	e.now = old // enrolled 401 days ago, it counted then
	d := e.newDevice()
	e.now = now
	for i := range 4 {
		wantStatus(t, e.do("POST", "/api/v1/counts", d.batch(int64(i+1), old.Add(time.Duration(i)*15*time.Minute), int64(i+1), 1), false), http.StatusCreated)
	}
	recent := e.now.Add(-time.Hour)
	wantStatus(t, e.do("POST", "/api/v1/counts", d.batch(5, recent, 2, 2), false), http.StatusCreated)

	query := "/api/v1/counts?bucket=1d&room=hall&from=" + strconv.FormatInt(old.Add(-time.Hour).UnixMilli(), 10) + "&to=" + strconv.FormatInt(e.now.UnixMilli(), 10)
	before := e.do("GET", query, nil, true)
	wantStatus(t, before, http.StatusOK)

	w := e.do("POST", "/api/v1/retention/run", nil, true)
	wantStatus(t, w, http.StatusOK)
	rec := decodeJSON[server.DeletionRecord](t, w)
	if rec.Trigger != server.TriggerManual || rec.Deleted.CountBatches != 4 || rec.Deleted.HourlyRows != 2 || rec.ID == 0 {
		t.Errorf("record %+v", rec)
	}
	if n := e.rows(); n["batches"] != 1 || n["batch_lines"] != 2 {
		t.Errorf("rows after the run %v", n)
	}
	after := e.do("GET", query, nil, true)
	type rows struct {
		Rows      []countRow
		Occupancy []occupancyRow
	}
	b, a := decodeJSON[rows](t, before), decodeJSON[rows](t, after)
	if len(a.Rows) != 4 || len(b.Rows) != len(a.Rows) {
		t.Fatalf("rows before %+v, after %+v", b.Rows, a.Rows)
	}
	for i := range a.Rows {
		if a.Rows[i] != b.Rows[i] {
			t.Errorf("row %d: before %+v, after %+v", i, b.Rows[i], a.Rows[i])
		}
	}
	if a.Rows[0].In != 1+2+3+4 || a.Rows[0].Out != 4 || a.Rows[0].Line != "door" {
		t.Errorf("rolled-up hour %+v", a.Rows[0])
	}
	if len(a.Occupancy) != len(b.Occupancy) {
		t.Errorf("occupancy rows %d, before %d", len(a.Occupancy), len(b.Occupancy))
	}
	for i := range a.Occupancy {
		if i < len(b.Occupancy) && plain(a.Occupancy[i]) != plain(b.Occupancy[i]) {
			t.Errorf("occupancy %d: before %+v, after %+v", i, plain(b.Occupancy[i]), plain(a.Occupancy[i]))
		}
	}

	wantError(t, e.do("POST", "/api/v1/counts", d.batch(2, old.Add(15*time.Minute), 2, 1), false), http.StatusConflict, wire.CodeRolledUp)
	wantStatus(t, e.do("POST", "/api/v1/counts", d.batch(5, recent, 2, 2), false), http.StatusOK) // a kept batch: duplicate

	st := decodeJSON[retentionState](t, e.do("GET", "/api/v1/retention", nil, true))
	if len(st.Records) != 1 || st.Records[0].ID != rec.ID {
		t.Errorf("records %+v", st.Records)
	}
	entries := decodeJSON[struct{ Entries []server.AccessEntry }](t, e.do("GET", "/api/v1/audit", nil, true)).Entries
	var started, ran bool
	for _, en := range entries {
		started = started || (en.Action == actionStartRetention && en.Kind == server.ActorAdminToken)
		ran = ran || (en.Action == server.ActionRetentionRun && en.Kind == server.ActorSystem && en.ActorID == "retention" && strings.Contains(en.Reason, "count_batches=4"))
	}
	if !started || !ran {
		t.Errorf("access log: started %v, run %v", started, ran)
	}
	wantError(t, e.do("POST", "/api/v1/retention/run", nil, false), http.StatusUnauthorized, codeUnauthorized)
}
