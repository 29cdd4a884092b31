package httpapi

import (
	"net/http"
	"slices"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Body limits of the routes.
const (
	// What browsers and kiosks send is bounded by the wire format.
	wireBody = wire.MaxBodyBytes
	// Staff forms with their free texts; routes that take no body take no
	// more either.
	staffBody = staffBodyBytes
	// A CSV of a large course.
	csvBody = maxStudentsCSV
)

// registrar is what addRoutes needs of a mux; the OpenAPI test records the
// patterns through it.
type registrar interface {
	Handle(pattern string, handler http.Handler)
}

// AdminSections are the addresses of the administration's sections
// (/admin/kiosks, …): one page, whose script shows the section its address
// names. /admin itself is the first, rooms. static/admin.js lists the same.
var AdminSections = []string{"rooms", "kiosks", "exams", "students", "reviewers", "staff", "deletions", "retention", "access-log"}

// adminSection serves the administration at a section's address, and
// nothing at any other: a mistyped address is a 404, not an empty page.
func adminSection(page http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(AdminSections, r.PathValue("section")) {
			http.NotFound(w, r)
			return
		}
		page.ServeHTTP(w, r)
	})
}

// addRoutes is the whole API surface in one place. Every route here is
// described in openapi.json.
func addRoutes(mux registrar, d Deps) {
	lim := d.limits
	if lim == nil { // the OpenAPI test records patterns without NewServer
		lim = newLimits(d.Now)
	}
	admin := func(h http.Handler) http.Handler { return adminOnly(d, h) }
	staff := func(h http.Handler) http.Handler { return staffOnly(d, h) }
	// Refused access tokens count against the caller's address.
	student := func(h http.Handler) http.Handler { return lim.studentTokens(studentOnly(d.Logger, d.Store, h)) }
	builds := newBuilds(d.Assets, d.Served, d.Builds)
	verifying := newAdmission() // signed bodies, kiosks' and students' alike
	// Each route's body limit is beside it (limitBody): what its handler
	// accepts, so that anything larger is answered 413 before its
	// authentication or its handler runs.
	handle := func(pattern string, limit int64, h http.Handler) { mux.Handle(pattern, limitBody(limit, h)) }

	handle("GET /{$}", staffBody, d.Assets.Page("index.html"))
	handle("GET /kiosk", staffBody, d.Assets.Page("kiosk.html"))
	handle("GET /admin", staffBody, d.Assets.Page("admin.html"))
	handle("GET /admin/{section}", staffBody, adminSection(d.Assets.Page("admin.html")))
	handle("GET /dashboard", staffBody, d.Assets.Page("dashboard.html"))
	handle("GET /display", staffBody, d.Assets.Page("display.html"))
	handle("GET /login", staffBody, d.Assets.Page("login.html"))
	handle("GET /exam", staffBody, d.Assets.Page("exam.html"))
	handle("GET /review", staffBody, d.Assets.Page("review.html"))
	handle("GET /rights", staffBody, d.Assets.Page("rights.html"))
	handle("GET /transparency", staffBody, d.Assets.Page("transparency.html"))
	handle("GET /sample-exam", staffBody, d.Assets.Page("sample-exam.html"))
	handle("GET /assets/{name}", staffBody, d.Assets.Handler())

	handle("GET /healthz", staffBody, handleHealthz(d.Logger, d.Store))
	handle("GET /api/openapi.json", staffBody, handleOpenAPI())
	handle("GET /api/v1/clock", staffBody, handleClock(d.Now, d.Location))
	handle("GET /api/v1/transparency", staffBody, handleTransparency(d.Logger, d.Store, builds, d.Revision))

	// Staff log in with a password or through single sign-on (both
	// browser navigations, public by nature).
	handle("GET /auth/methods", staffBody, handleAuthMethods(d.OIDC))
	handle("POST /auth/login", staffBody, handleLogin(d))
	handle("GET /auth/oidc/login", staffBody, handleOIDCLogin(d))
	handle("GET /auth/oidc/callback", staffBody, handleOIDCCallback(d))
	handle("POST /auth/logout", staffBody, staff(handleLogout(d)))
	handle("GET /api/v1/me", staffBody, staff(handleMe()))
	handle("POST /api/v1/users", staffBody, admin(handleCreateUser(d.Logger, d.Store, d.Now)))
	handle("GET /api/v1/users", staffBody, admin(handleList(d.Logger, d.Store, "users", server.Store.Users)))
	handle("DELETE /api/v1/users/{id}", staffBody, admin(handleRetire(d.Logger, d.Store, "user", server.Store.DisableUser, d.Now)))

	handle("POST /api/v1/kiosks", staffBody, admin(handleCreateKiosk(d.Logger, d.Store, d.Now)))
	handle("GET /api/v1/kiosks", staffBody, admin(handleListKiosks(d.Logger, d.Store)))
	handle("POST /api/v1/kiosks/{id}/enrolment-code", staffBody, admin(handleNewEnrolmentCode(d.Logger, d.Store, d.Now)))
	handle("PUT /api/v1/kiosks/{id}/lines", staffBody, admin(handleSetLines(d.Logger, d.Store)))

	// A kiosk device proves itself with its key's signature on each batch.
	handle("POST /api/v1/enrol", wireBody, lim.enrol(handleEnrol(d.Logger, d.Store, d.Now)))
	handle("GET /api/v1/devices/{device}/config", staffBody, handleDeviceConfig(d.Logger, d.Store))
	handle("POST /api/v1/counts", wireBody, lim.counts(handleIngest(d.Logger, d.Store, d.Now, builds, verifying)))

	handle("GET /api/v1/counts", staffBody, admin(handleCounts(d.Logger, d.Store, d.Now, d.Location)))
	handle("GET /api/v1/rooms", staffBody, admin(handleRooms(d.Logger, d.Store, d.Now, d.Location)))
	handle("PUT /api/v1/rooms/{room}", staffBody, admin(handleSetRoom(d.Logger, d.Store)))
	// A room's capacity display: public and read-only, counts only.
	handle("GET /api/v1/display", staffBody, handleDisplay(d.Logger, d.Store, d.Now, d.Location))

	handle("POST /api/v1/exams", staffBody, admin(handleCreateExam(d.Logger, d.Store, d.Now, d.Location, d.FrameOrigins)))
	handle("GET /api/v1/exams", staffBody, admin(handleListExams(d.Logger, d.Store)))
	handle("GET /api/v1/exams/{id}", staffBody, admin(handleGetExam(d.Logger, d.Store)))
	handle("PUT /api/v1/exams/{id}", staffBody, admin(handleUpdateExam(d.Logger, d.Store, d.Now, d.Location, d.FrameOrigins)))
	handle("GET /api/v1/exams/{id}/students", staffBody, admin(handleListStudents(d.Logger, d.Store, d.Now)))
	handle("POST /api/v1/exams/{id}/students", csvBody, admin(handleAddStudents(d.Logger, d.Store, d.Now)))
	handle("PUT /api/v1/students/{id}/accommodations", staffBody, admin(handleSetAccommodations(d.Logger, d.Store, d.Now)))
	handle("POST /api/v1/reviewers", staffBody, admin(handleCreateReviewer(d.Logger, d.Store, d.Now)))
	handle("GET /api/v1/reviewers", staffBody, admin(handleList(d.Logger, d.Store, "reviewers", server.Store.Reviewers)))
	handle("DELETE /api/v1/reviewers/{id}", staffBody, admin(handleRetire(d.Logger, d.Store, "reviewer", server.Store.RevokeReviewer, d.Now)))
	handle("GET /api/v1/exams/{id}/reviewers", staffBody, admin(handleExamReviewers(d.Logger, d.Store)))
	handle("PUT /api/v1/exams/{id}/reviewers", staffBody, admin(handleSetExamReviewers(d.Logger, d.Store, d.Now)))

	handle("GET /api/v1/retention", staffBody, admin(handleGetRetention(d.Logger, d.Store)))
	handle("PUT /api/v1/retention", staffBody, admin(handleSetRetention(d.Logger, d.Store, d.Now)))
	handle("POST /api/v1/retention/run", staffBody, admin(handleRunRetention(d.Logger, d.Store, d.Now)))
	handle("GET /api/v1/deletion-requests", staffBody, admin(handleDeletionRequests(d.Logger, d.Store, d.Now)))
	handle("POST /api/v1/deletion-requests/{id}/decision", staffBody, admin(handleDecideDeletion(d.Logger, d.Store, d.Now)))

	// The access log can be read and exported, never edited: no route
	// changes or deletes an entry.
	handle("GET /api/v1/audit", staffBody, admin(handleAudit(d.Logger, d.Store, d.Now)))
	handle("GET /api/v1/audit/export", staffBody, admin(handleAuditExport(d.Logger, d.Store, d.AuditKey, d.Now)))
	handle("GET /api/v1/audit/head", staffBody, admin(handleAuditHead(d.Logger, d.Store, d.AuditKey, d.Now)))

	// A reviewer sees only the exams assigned to them (mayReview).
	handle("GET /api/v1/review/exams", staffBody, staff(handleReviewExams(d.Logger, d.Store)))
	handle("GET /api/v1/review/exams/{id}/sessions", staffBody, staff(handleReviewSessions(d.Logger, d.Store, d.Now, builds)))
	handle("GET /api/v1/review/sessions/{id}", staffBody, staff(handleReviewSession(d.Logger, d.Store, d.Now, builds)))
	handle("GET /api/v1/review/sessions/{id}/timeline.svg", staffBody, staff(handleReviewTimeline(d.Logger, d.Store, d.Now, d.Location)))
	handle("POST /api/v1/review/sessions/{id}/marks", staffBody, staff(handleAddMark(d.Logger, d.Store, d.Now)))
	handle("DELETE /api/v1/review/sessions/{id}/marks/{mark}", staffBody, staff(handleRemoveMark(d.Logger, d.Store, d.Now)))
	handle("POST /api/v1/review/sessions/{id}/notes", staffBody, staff(handleAddNote(d.Logger, d.Store, d.Now)))

	// A student reaches only their own data, through their access link.
	handle("GET /api/v1/student", staffBody, student(handleStudent(d.Logger, d.Store, d.Objection)))
	handle("POST /api/v1/student/choice", wireBody, student(handleChoice(d.Logger, d.Store, d.Now)))
	handle("POST /api/v1/student/sessions", wireBody, student(handleStartSession(d.Logger, d.Store, d.Now, builds)))
	handle("GET /api/v1/student/record", staffBody, student(handleStudentRecord(d.Logger, d.Store)))
	handle("GET /api/v1/student/sessions/{id}/timeline.svg", staffBody, student(handleStudentTimeline(d.Logger, d.Store, d.Location)))
	handle("GET /api/v1/student/export", staffBody, student(handleExport(d.Logger, d.Store, d.Now)))
	handle("GET /api/v1/student/export.json.zst", staffBody, student(handleExportArchive(d.Logger, d.Store, d.Now)))
	handle("POST /api/v1/student/objection", staffBody, student(handleObjection(d.Logger, d.Store, d.Now)))
	handle("POST /api/v1/student/deletion-request", staffBody, student(handleDeletionRequest(d.Logger, d.Store, d.Now, d.Location)))
	handle("PUT /api/v1/student/email", staffBody, student(handleSetEmail(d.Logger, d.Store, d.Now)))

	// A proctored browser proves itself with its session key's signature.
	handle("POST /api/v1/summaries", wireBody, lim.summary(handleSummary(d.Logger, d.Store, d.Now, builds, verifying)))
	handle("POST /api/v1/sessions/{id}/finish", wireBody, lim.finishing(handleFinish(d.Logger, d.Store, d.Now)))
	handle("GET /api/v1/receipt-key", staffBody, handleReceiptKey(d.Logger, d.Store))
}
