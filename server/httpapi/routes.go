package httpapi

import (
	"net/http"
	"slices"
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

	mux.Handle("GET /{$}", d.Assets.Page("index.html"))
	mux.Handle("GET /kiosk", d.Assets.Page("kiosk.html"))
	mux.Handle("GET /admin", d.Assets.Page("admin.html"))
	mux.Handle("GET /admin/{section}", adminSection(d.Assets.Page("admin.html")))
	mux.Handle("GET /dashboard", d.Assets.Page("dashboard.html"))
	mux.Handle("GET /display", d.Assets.Page("display.html"))
	mux.Handle("GET /login", d.Assets.Page("login.html"))
	mux.Handle("GET /exam", d.Assets.Page("exam.html"))
	mux.Handle("GET /review", d.Assets.Page("review.html"))
	mux.Handle("GET /rights", d.Assets.Page("rights.html"))
	mux.Handle("GET /transparency", d.Assets.Page("transparency.html"))
	mux.Handle("GET /sample-exam", d.Assets.Page("sample-exam.html"))
	mux.Handle("GET /assets/{name}", d.Assets.Handler())

	mux.Handle("GET /healthz", handleHealthz(d.Logger, d.Store))
	mux.Handle("GET /api/openapi.json", handleOpenAPI())
	mux.Handle("GET /api/v1/clock", handleClock(d.Now, d.Location))
	mux.Handle("GET /api/v1/transparency", handleTransparency(d.Logger, d.Store, builds, d.Revision))

	// Staff log in with a password or through single sign-on (both
	// browser navigations, public by nature).
	mux.Handle("GET /auth/methods", handleAuthMethods(d.OIDC))
	mux.Handle("POST /auth/login", handleLogin(d))
	mux.Handle("GET /auth/oidc/login", handleOIDCLogin(d))
	mux.Handle("GET /auth/oidc/callback", handleOIDCCallback(d))
	mux.Handle("POST /auth/logout", staff(handleLogout(d)))
	mux.Handle("GET /api/v1/me", staff(handleMe()))
	mux.Handle("POST /api/v1/users", admin(handleCreateUser(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/users", admin(handleListUsers(d.Logger, d.Store)))
	mux.Handle("DELETE /api/v1/users/{id}", admin(handleDisableUser(d.Logger, d.Store, d.Now)))

	mux.Handle("POST /api/v1/kiosks", admin(handleCreateKiosk(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/kiosks", admin(handleListKiosks(d.Logger, d.Store)))
	mux.Handle("POST /api/v1/kiosks/{id}/enrolment-code", admin(handleNewEnrolmentCode(d.Logger, d.Store, d.Now)))
	mux.Handle("PUT /api/v1/kiosks/{id}/lines", admin(handleSetLines(d.Logger, d.Store)))

	// A kiosk device proves itself with its key's signature on each batch.
	mux.Handle("POST /api/v1/enrol", lim.enrol(handleEnrol(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/devices/{device}/config", handleDeviceConfig(d.Logger, d.Store))
	mux.Handle("POST /api/v1/counts", lim.counts(handleIngest(d.Logger, d.Store, d.Now, builds)))

	mux.Handle("GET /api/v1/counts", admin(handleCounts(d.Logger, d.Store, d.Now, d.Location)))
	mux.Handle("GET /api/v1/rooms", admin(handleRooms(d.Logger, d.Store, d.Now, d.Location)))
	mux.Handle("PUT /api/v1/rooms/{room}", admin(handleSetRoom(d.Logger, d.Store)))
	// A room's capacity display: public and read-only, counts only.
	mux.Handle("GET /api/v1/display", handleDisplay(d.Logger, d.Store, d.Now, d.Location))

	mux.Handle("POST /api/v1/exams", admin(handleCreateExam(d.Logger, d.Store, d.Now, d.Location, d.FrameOrigins)))
	mux.Handle("GET /api/v1/exams", admin(handleListExams(d.Logger, d.Store)))
	mux.Handle("GET /api/v1/exams/{id}", admin(handleGetExam(d.Logger, d.Store)))
	mux.Handle("PUT /api/v1/exams/{id}", admin(handleUpdateExam(d.Logger, d.Store, d.Now, d.Location, d.FrameOrigins)))
	mux.Handle("GET /api/v1/exams/{id}/students", admin(handleListStudents(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/exams/{id}/students", admin(handleAddStudents(d.Logger, d.Store, d.Now)))
	mux.Handle("PUT /api/v1/students/{id}/accommodations", admin(handleSetAccommodations(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/reviewers", admin(handleCreateReviewer(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/reviewers", admin(handleListReviewers(d.Logger, d.Store)))
	mux.Handle("DELETE /api/v1/reviewers/{id}", admin(handleRevokeReviewer(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/exams/{id}/reviewers", admin(handleExamReviewers(d.Logger, d.Store)))
	mux.Handle("PUT /api/v1/exams/{id}/reviewers", admin(handleSetExamReviewers(d.Logger, d.Store, d.Now)))

	mux.Handle("GET /api/v1/retention", admin(handleGetRetention(d.Logger, d.Store)))
	mux.Handle("PUT /api/v1/retention", admin(handleSetRetention(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/retention/run", admin(handleRunRetention(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/deletion-requests", admin(handleDeletionRequests(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/deletion-requests/{id}/decision", admin(handleDecideDeletion(d.Logger, d.Store, d.Now)))

	// The access log can be read and exported, never edited: no route
	// changes or deletes an entry.
	mux.Handle("GET /api/v1/audit", admin(handleAudit(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/audit/export", admin(handleAuditExport(d.Logger, d.Store, d.AuditKey, d.Now)))
	mux.Handle("GET /api/v1/audit/head", admin(handleAuditHead(d.Logger, d.Store, d.AuditKey, d.Now)))

	// A reviewer sees only the exams assigned to them (mayReview).
	mux.Handle("GET /api/v1/review/exams", staff(handleReviewExams(d.Logger, d.Store)))
	mux.Handle("GET /api/v1/review/exams/{id}/sessions", staff(handleReviewSessions(d.Logger, d.Store, d.Now, builds)))
	mux.Handle("GET /api/v1/review/sessions/{id}", staff(handleReviewSession(d.Logger, d.Store, d.Now, builds)))
	mux.Handle("GET /api/v1/review/sessions/{id}/timeline.svg", staff(handleReviewTimeline(d.Logger, d.Store, d.Now, d.Location)))
	mux.Handle("POST /api/v1/review/sessions/{id}/marks", staff(handleAddMark(d.Logger, d.Store, d.Now)))
	mux.Handle("DELETE /api/v1/review/sessions/{id}/marks/{mark}", staff(handleRemoveMark(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/review/sessions/{id}/notes", staff(handleAddNote(d.Logger, d.Store, d.Now)))

	// A student reaches only their own data, through their access link.
	mux.Handle("GET /api/v1/student", student(handleStudent(d.Logger, d.Store, d.Objection)))
	mux.Handle("POST /api/v1/student/choice", student(handleChoice(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/student/sessions", student(handleStartSession(d.Logger, d.Store, d.Now, builds)))
	mux.Handle("GET /api/v1/student/record", student(handleStudentRecord(d.Logger, d.Store)))
	mux.Handle("GET /api/v1/student/sessions/{id}/timeline.svg", student(handleStudentTimeline(d.Logger, d.Store, d.Location)))
	mux.Handle("GET /api/v1/student/export", student(handleExport(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/student/export.json.zst", student(handleExportArchive(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/student/objection", student(handleObjection(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/student/deletion-request", student(handleDeletionRequest(d.Logger, d.Store, d.Now, d.Location)))
	mux.Handle("PUT /api/v1/student/email", student(handleSetEmail(d.Logger, d.Store, d.Now)))

	// A proctored browser proves itself with its session key's signature.
	mux.Handle("POST /api/v1/summaries", lim.summary(handleSummary(d.Logger, d.Store, d.Now, builds)))
	mux.Handle("POST /api/v1/sessions/{id}/finish", lim.finishing(handleFinish(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/receipt-key", handleReceiptKey(d.Logger, d.Store))
}
