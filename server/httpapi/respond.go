package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Error codes of the API beyond the wire format's.
const (
	codeUnauthorized = "unauthorized"
	codeNotFound     = "not_found"
	codeInternal     = "internal"
	codeUnavailable  = "unavailable"
	codeNoticeShort  = "notice_too_short"
	codeNoChoice     = "no_choice"
	// codeSessionExists: a second start for a student and exam.
	codeSessionExists = "session_exists"
	// codeChoiceFrozen: a change of choice after a session started.
	codeChoiceFrozen = "choice_frozen"
	// codeReasonRequired: a change that must say why (lifting a mark)
	// came without a reason.
	codeReasonRequired = "reason_required"
	// codeOverloaded: the store could not take the request's writes in
	// time; nothing was stored, and Retry-After says when to try again.
	codeOverloaded = "overloaded"
)

// statusOf is the one table from error code to HTTP status. Every code
// the server sends is in it, and openapi.json's Error.code lists exactly
// these (TestErrorCodesDocumented).
var statusOf = map[string]int{
	wire.CodeMalformed:     http.StatusBadRequest,
	wire.CodeInvalid:       http.StatusBadRequest,
	wire.CodeTooLarge:      http.StatusRequestEntityTooLarge,
	wire.CodeBadSignature:  http.StatusUnauthorized,
	wire.CodeUnknownDevice: http.StatusUnauthorized,
	wire.CodeConflict:      http.StatusConflict,
	wire.CodeBadCode:       http.StatusForbidden,
	// A well-formed message from the wrong client: understood, not accepted.
	wire.CodeBuildNotAllowed: http.StatusUnprocessableEntity,
	// Counted once already, in the hourly totals.
	wire.CodeRolledUp: http.StatusConflict,
	codeUnauthorized:  http.StatusUnauthorized,
	codeNotFound:      http.StatusNotFound,
	codeUnavailable:   http.StatusServiceUnavailable,

	wire.CodeChainBroken:    http.StatusConflict,
	wire.CodeKindNotAllowed: http.StatusUnprocessableEntity,
	wire.CodeOutsideWindow:  http.StatusUnprocessableEntity,
	wire.CodeUnknownSession: http.StatusNotFound,
	wire.CodeFinished:       http.StatusConflict,
	codeNoticeShort:         http.StatusUnprocessableEntity,
	codeNoChoice:            http.StatusConflict,
	codeSessionExists:       http.StatusConflict,
	codeChoiceFrozen:        http.StatusConflict,
	wire.CodeWindowOverlap:  http.StatusConflict,
	// More than the exam's length allows: understood, not accepted.
	wire.CodeTooMany:   http.StatusUnprocessableEntity,
	codeReasonRequired: http.StatusBadRequest,

	codeBadLogin:    http.StatusUnauthorized,
	codeNameTaken:   http.StatusConflict,
	codeCSRF:        http.StatusForbidden,
	codeForbidden:   http.StatusForbidden,
	codeRateLimited: http.StatusTooManyRequests,
	codeOverloaded:  http.StatusServiceUnavailable,
	codeInternal:    http.StatusInternalServerError,
}

// overloadRetryS is the Retry-After of an overloaded answer: the writer
// clears a full queue in well under a second, and clients back off
// further on their own (kiosk.js and exam.js keep an item queued on a
// 5xx and send it later).
const overloadRetryS = "1"

// encode writes v as JSON. API answers are never cached: they are live
// counts or secrets such as enrolment codes.
func encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// domainCodes is the one table from the domain's errors (package server)
// to the API's codes; statusOf then gives the HTTP status.
var domainCodes = []struct {
	err  error
	code string
}{
	{server.ErrBadCode, wire.CodeBadCode},
	{server.ErrSeqConflict, wire.CodeConflict},
	{server.ErrUnknownLine, wire.CodeInvalid},
	{server.ErrNoticeTooShort, codeNoticeShort},
	{server.ErrChainBroken, wire.CodeChainBroken},
	{server.ErrFinished, wire.CodeFinished},
	{server.ErrNoChoice, codeNoChoice},
	{server.ErrSessionExists, codeSessionExists},
	{server.ErrChoiceFrozen, codeChoiceFrozen},
	{server.ErrWindowOverlap, wire.CodeWindowOverlap},
	{server.ErrNotYourMark, codeForbidden},
	{server.ErrNotReviewer, wire.CodeInvalid},
	{server.ErrUnknownSession, wire.CodeUnknownSession},
	{server.ErrUnknownDevice, wire.CodeUnknownDevice},
	{server.ErrNameTaken, codeNameTaken},
	{server.ErrDisabled, codeForbidden},
}

// handle adapts a handler that returns its failure: fail answers it, so
// each of a handler's error paths is one return. A handler returns an
// error only before it has written anything.
//
// A request whose client went away ends its context, and the store's
// reads and writes then fail (context canceled, or SQLite's "interrupted"):
// nothing went wrong here and the answer reaches nobody, so that is logged
// below the error level and recorded as 499, as nginx does, not as a 500.
func handle(log *slog.Logger, h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		switch {
		case err == nil:
		case r.Context().Err() != nil && apiError(err) == nil:
			log.Info("client gone", "err", err)
			w.WriteHeader(statusClientClosed)
		default:
			fail(w, log, err)
		}
	})
}

// statusClientClosed is nginx's 499: the client closed the request.
const statusClientClosed = 499

// reply adapts a handler that reads no body and answers one value: 200
// with what answer returns, or its error as handle answers it.
func reply[T any](log *slog.Logger, answer func(r *http.Request) (T, error)) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		v, err := answer(r)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, v)
		return nil
	})
}

// fail answers err as {code,message}: overload as overloaded, with
// Retry-After; what apiError knows with its code; anything else is logged
// and answered without detail.
func fail(w http.ResponseWriter, log *slog.Logger, err error) {
	if server.Overloaded(err) && !errors.As(err, new(*wire.Error)) {
		// Overload is the client's cue to wait, never a 500: whatever
		// layer was busy (the writer's queue, SQLite's lock, D1), nothing
		// was stored.
		w.Header().Set("Retry-After", overloadRetryS)
		refuse(w, codeOverloaded, "the server is busy: try again in "+overloadRetryS+" s")
		return
	}
	we := apiError(err)
	if we == nil {
		log.Error("request failed", "err", err)
		refuse(w, codeInternal, "internal error")
		return
	}
	if we == errContentType {
		unsupportedMedia(w, "application/json")
		return
	}
	refuse(w, we.Code, we.Message)
}

// apiError is err as the API answers it: a wire error as it is, a domain
// error with its code from domainCodes, what else is not found as
// not_found; nil for an error the API does not know.
func apiError(err error) *wire.Error {
	var we *wire.Error
	if errors.As(err, &we) {
		return we
	}
	for _, d := range domainCodes {
		if errors.Is(err, d.err) {
			return &wire.Error{Code: d.code, Message: err.Error()}
		}
	}
	if errors.Is(err, server.ErrNotFound) {
		return &wire.Error{Code: codeNotFound, Message: "not found"}
	}
	return nil
}

// refuse answers code with the status statusOf gives it. Every refusal the
// API makes goes through here, so no handler picks a status of its own.
func refuse(w http.ResponseWriter, code, message string) {
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError // a code missing from the table is a bug (TestErrorCodesDocumented)
	}
	encode(w, status, wire.Error{Code: code, Message: message})
}

// unsupportedMedia answers a body of the wrong type: malformed, but 415
// rather than the code's 400, so a client can tell it sent the wrong kind.
func unsupportedMedia(w http.ResponseWriter, want string) {
	encode(w, http.StatusUnsupportedMediaType, wire.Error{Code: wire.CodeMalformed, Message: "Content-Type must be " + want})
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

// staffBodyBytes bounds staff requests: their free texts (legal basis,
// alternatives considered) run longer than any message a browser client
// sends, which wire.MaxBodyBytes bounds.
const staffBodyBytes = 64 << 10

// decodeStaff reads a staff request's JSON body as strictly as decode, up
// to staffBodyBytes.
func decodeStaff(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeLimited(w, r, v, staffBodyBytes)
}

// decodeLimited reads a JSON body as strictly as decode, up to max
// bytes.
func decodeLimited(w http.ResponseWriter, r *http.Request, v any, max int64) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errContentType
	}
	if r.ContentLength > max {
		return &wire.Error{Code: wire.CodeTooLarge, Message: "body exceeds " + strconv.FormatInt(max, 10) + " bytes"}
	}
	return wire.DecodeLimited(r.Body, v, max)
}

// The wrappers that authenticate callers (adminOnly, staffOnly,
// studentOnly) live in auth.go.
