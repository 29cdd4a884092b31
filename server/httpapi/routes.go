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

	mux.Handle("GET /{$}", d.Assets.Page("index.html"))
	mux.Handle("GET /kiosk", d.Assets.Page("kiosk.html"))
	mux.Handle("GET /admin", d.Assets.Page("admin.html"))
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
}
