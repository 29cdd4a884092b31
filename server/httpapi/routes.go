package httpapi

import "net/http"

// registrar is what addRoutes needs of a mux; the OpenAPI test records the
// patterns through it.
type registrar interface {
	Handle(pattern string, handler http.Handler)
}

// addRoutes is the whole API surface in one place. Every route here is
// described in openapi.json.
func addRoutes(mux registrar, d Deps) {
	admin := func(h http.Handler) http.Handler { return adminOnly(d.AdminTokenHash, h) }
	staff := func(h http.Handler) http.Handler { return staffOnly(d.Logger, d.Store, d.AdminTokenHash, h) }
	student := func(h http.Handler) http.Handler { return studentOnly(d.Logger, d.Store, h) }

	mux.Handle("GET /{$}", d.Assets.Page("index.html"))
	mux.Handle("GET /kiosk", d.Assets.Page("kiosk.html"))
	mux.Handle("GET /admin", d.Assets.Page("admin.html"))
	mux.Handle("GET /exam", d.Assets.Page("exam.html"))
	mux.Handle("GET /review", d.Assets.Page("review.html"))
	mux.Handle("GET /sample-exam", d.Assets.Page("sample-exam.html"))
	mux.Handle("GET /assets/{name}", d.Assets.Handler())

	mux.Handle("GET /healthz", handleHealthz(d.Logger, d.Store))
	mux.Handle("GET /api/openapi.json", handleOpenAPI())

	mux.Handle("POST /api/v1/kiosks", admin(handleCreateKiosk(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/kiosks", admin(handleListKiosks(d.Logger, d.Store)))
	mux.Handle("POST /api/v1/kiosks/{id}/enrolment-code", admin(handleNewEnrolmentCode(d.Logger, d.Store, d.Now)))
	mux.Handle("PUT /api/v1/kiosks/{id}/lines", admin(handleSetLines(d.Logger, d.Store)))

	mux.Handle("POST /api/v1/enrol", handleEnrol(d.Logger, d.Store, d.Now))
	mux.Handle("GET /api/v1/devices/{device}/config", handleDeviceConfig(d.Logger, d.Store))
	mux.Handle("POST /api/v1/counts", handleIngest(d.Logger, d.Store, d.Now))

	mux.Handle("GET /api/v1/counts", admin(handleCounts(d.Logger, d.Store, d.Now, d.Location)))
	mux.Handle("GET /api/v1/rooms", admin(handleRooms(d.Logger, d.Store)))

	mux.Handle("POST /api/v1/exams", admin(handleCreateExam(d.Logger, d.Store, d.Now, d.FrameOrigins)))
	mux.Handle("GET /api/v1/exams", admin(handleListExams(d.Logger, d.Store)))
	mux.Handle("GET /api/v1/exams/{id}", admin(handleGetExam(d.Logger, d.Store)))
	mux.Handle("PUT /api/v1/exams/{id}", admin(handleUpdateExam(d.Logger, d.Store, d.Now, d.FrameOrigins)))
	mux.Handle("POST /api/v1/exams/{id}/students", admin(handleAddStudents(d.Logger, d.Store, d.Now)))
	mux.Handle("PUT /api/v1/students/{id}/accommodations", admin(handleSetAccommodations(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/reviewers", admin(handleCreateReviewer(d.Logger, d.Store, d.Now)))

	// The access log can be read and exported, never edited: no route
	// changes or deletes an entry.
	mux.Handle("GET /api/v1/audit", admin(handleAudit(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/audit/export", admin(handleAuditExport(d.Logger, d.Store, d.Now)))

	mux.Handle("GET /api/v1/review/exams", staff(handleListExams(d.Logger, d.Store)))
	mux.Handle("GET /api/v1/review/exams/{id}/sessions", staff(handleReviewSessions(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/review/sessions/{id}", staff(handleReviewSession(d.Logger, d.Store, d.Now, d.Assets)))
	mux.Handle("GET /api/v1/review/sessions/{id}/timeline.svg", staff(handleReviewTimeline(d.Logger, d.Store, d.Now, d.Location)))
	mux.Handle("POST /api/v1/review/sessions/{id}/marks", staff(handleAddMark(d.Logger, d.Store, d.Now)))
	mux.Handle("DELETE /api/v1/review/sessions/{id}/marks/{mark}", staff(handleRemoveMark(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/review/sessions/{id}/notes", staff(handleAddNote(d.Logger, d.Store, d.Now)))

	mux.Handle("GET /api/v1/student", student(handleStudent(d.Logger, d.Store, d.Objection)))
	mux.Handle("POST /api/v1/student/choice", student(handleChoice(d.Logger, d.Store, d.Now)))
	mux.Handle("POST /api/v1/student/sessions", student(handleStartSession(d.Logger, d.Store, d.Now)))
	mux.Handle("GET /api/v1/student/record", student(handleStudentRecord(d.Logger, d.Store)))
	mux.Handle("GET /api/v1/student/sessions/{id}/timeline.svg", student(handleStudentTimeline(d.Logger, d.Store, d.Location)))

	// A proctored browser proves itself with its session key's signature.
	mux.Handle("POST /api/v1/summaries", handleSummary(d.Logger, d.Store, d.Now))
	mux.Handle("POST /api/v1/sessions/{id}/finish", handleFinish(d.Logger, d.Store, d.Now))
	mux.Handle("GET /api/v1/receipt-key", handleReceiptKey(d.Logger, d.Store))

	// staff login (issue 4)

	// retention (issue 4)

	// data-subject rights (issue 4)

	// transparency and builds (issue 4)
}
