package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Error codes of the API beyond the wire format's.
const (
	codeUnauthorized = "unauthorized"
	codeNotFound     = "not_found"
	codeInternal     = "internal"
	codeUnavailable  = "unavailable"
)

var statusOf = map[string]int{
	wire.CodeMalformed:     http.StatusBadRequest,
	wire.CodeInvalid:       http.StatusBadRequest,
	wire.CodeTooLarge:      http.StatusRequestEntityTooLarge,
	wire.CodeBadSignature:  http.StatusUnauthorized,
	wire.CodeUnknownDevice: http.StatusUnauthorized,
	wire.CodeConflict:      http.StatusConflict,
	wire.CodeBadCode:       http.StatusForbidden,
	codeUnauthorized:       http.StatusUnauthorized,
	codeNotFound:           http.StatusNotFound,
	codeUnavailable:        http.StatusServiceUnavailable,
}

// encode writes v as JSON. API answers are never cached: they are live
// counts or secrets such as enrolment codes.
func encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fail answers err as {code,message}. Domain errors get their wire code;
// anything else is logged and answered without detail.
func fail(w http.ResponseWriter, log *slog.Logger, err error) {
	var we *wire.Error
	switch {
	case errors.As(err, &we):
	case errors.Is(err, server.ErrNotFound):
		we = &wire.Error{Code: codeNotFound, Message: "no such kiosk or device"}
	case errors.Is(err, server.ErrBadCode):
		we = &wire.Error{Code: wire.CodeBadCode, Message: err.Error()}
	case errors.Is(err, server.ErrSeqConflict):
		we = &wire.Error{Code: wire.CodeConflict, Message: err.Error()}
	case errors.Is(err, server.ErrUnknownLine):
		we = &wire.Error{Code: wire.CodeInvalid, Message: err.Error()}
	default:
		log.Error("request failed", "err", err)
		encode(w, http.StatusInternalServerError, wire.Error{Code: codeInternal, Message: "internal error"})
		return
	}
	status, ok := statusOf[we.Code]
	if !ok {
		status = http.StatusBadRequest
	}
	if we == errContentType {
		status = http.StatusUnsupportedMediaType
	}
	encode(w, status, we)
}

// errContentType is malformed input answered 415 rather than 400.
var errContentType = &wire.Error{Code: wire.CodeMalformed, Message: "Content-Type must be application/json"}

// jsonBody checks a request body before it is read: application/json, at
// most wire.MaxBodyBytes.
func jsonBody(w http.ResponseWriter, r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errContentType
	}
	if r.ContentLength > wire.MaxBodyBytes {
		return &wire.Error{Code: wire.CodeTooLarge, Message: "body exceeds " + strconv.Itoa(wire.MaxBodyBytes) + " bytes"}
	}
	// One byte over the limit lets wire.Decode tell "too large" from a
	// short body, and the MaxBytesReader stops a chunked body there.
	r.Body = http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes+1)
	return nil
}

// decode reads a JSON request body strictly: no unknown fields, no trailing
// data.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := jsonBody(w, r); err != nil {
		return err
	}
	return wire.Decode(r.Body, v)
}

// adminOnly lets requests through that carry the admin token. Comparing
// hashes in constant time reveals neither the token nor its length.
func adminOnly(tokenHash []byte, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(token))
		if !ok || len(tokenHash) != sha256.Size || subtle.ConstantTimeCompare(sum[:], tokenHash) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lokaal admin"`)
			encode(w, http.StatusUnauthorized, wire.Error{Code: codeUnauthorized, Message: "admin token required"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
