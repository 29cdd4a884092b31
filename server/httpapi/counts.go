package httpapi

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var errUnknownDevice = &wire.Error{Code: wire.CodeUnknownDevice, Message: "no device with this id is enrolled"}

// clockSkew is how far a kiosk's clock may be from the server's. A batch
// is counted time that has passed, on a device that existed: one whose
// window ends later than this after the server's clock, or starts this
// long before its device was enrolled, is refused. An old batch from a
// kiosk that was offline is still taken: age alone is no reason (past the
// count period the next retention run rolls it up like any other).
const clockSkew = 5 * time.Minute

// checkClock refuses a batch from the future or from before its device.
func checkClock(b wire.CountBatch, enrolled, now time.Time) error {
	switch {
	case time.UnixMilli(b.End).After(now.Add(clockSkew)):
		return &wire.Error{Code: wire.CodeOutsideWindow, Message: "the batch's window ends more than " + clockSkew.String() + " after the server's clock; check the kiosk's clock"}
	case time.UnixMilli(b.Start).Before(enrolled.Add(-clockSkew)):
		return &wire.Error{Code: wire.CodeOutsideWindow, Message: "the batch's window starts more than " + clockSkew.String() + " before its device was enrolled"}
	}
	return nil
}

// handleIngest accepts a signed count batch and answers only after it is
// committed, so a kiosk may drop a batch from its queue once acknowledged.
// Only batches counted by an allowed client build are taken, and only of
// time that has passed since the device was enrolled (checkClock).
func handleIngest(log *slog.Logger, store server.Store, now func() time.Time, allowed *builds) http.Handler {
	type response struct {
		Status string `json:"status"`
		Seq    int64  `json:"seq"`
	}
	// checking admits requests to the CPU-bound part of their work (decode
	// and verify) GOMAXPROCS at a time, the others waiting in order of
	// arrival: under a flood the cores serve batches first come first
	// served, not in the scheduler's random order. At 128 senders on 2
	// cores this cut p99 from 92-95 to 75-78 ms and the CPU per batch by a
	// tenth (internal/cmd/loadbench, alternating runs). The body is read
	// before, so a slow sender holds no place.
	checking := make(chan struct{}, runtime.GOMAXPROCS(0))
	check := func(r *http.Request, body []byte) (wire.SignedCountBatch, error) {
		checking <- struct{}{}
		defer func() { <-checking }()
		signed, err := wire.DecodeSignedCountBatch(bytes.NewReader(body))
		if err != nil {
			return signed, err
		}
		d, err := store.DeviceKey(r.Context(), signed.Batch.Device)
		if errors.Is(err, server.ErrNotFound) {
			err = errUnknownDevice
		}
		if err == nil {
			err = signed.Verify(d.PublicKey)
		}
		if err == nil {
			err = allowed.check(signed.Batch.Build)
		}
		if err == nil {
			err = checkClock(signed.Batch, d.Enrolled, now())
		}
		return signed, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var signed wire.SignedCountBatch
		err := jsonBody(w, r)
		var body []byte
		if err == nil {
			// One byte past the limit, for the decoder to refuse.
			if body, err = io.ReadAll(io.LimitReader(r.Body, wire.MaxBodyBytes+1)); err != nil {
				err = &wire.Error{Code: wire.CodeMalformed, Message: "reading the body failed"}
			}
		}
		if err == nil {
			signed, err = check(r, body)
		}
		if err != nil {
			fail(w, log, err)
			return
		}
		sum := sha256.Sum256(signed.Batch.SigningBytes())
		res, err := store.Ingest(r.Context(), signed.Batch, sum[:], now())
		switch {
		case errors.Is(err, server.ErrNotFound):
			fail(w, log, errUnknownDevice)
		case err != nil:
			fail(w, log, err)
		case res == server.Duplicate:
			encode(w, http.StatusOK, response{"duplicate", signed.Batch.Seq})
		default:
			encode(w, http.StatusCreated, response{"stored", signed.Batch.Seq})
		}
	})
}
