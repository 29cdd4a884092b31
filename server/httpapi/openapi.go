package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPI is hand-written so it documents intent, not just shapes; a test
// checks that it lists exactly the registered routes.
//
//go:embed openapi.json
var openAPI []byte

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(openAPI)
	})
}
