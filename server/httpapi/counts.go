package httpapi

import (
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var errUnknownDevice = &wire.Error{Code: wire.CodeUnknownDevice, Message: "no device with this id is enrolled"}

// handleIngest accepts a signed count batch and answers only after it is
// committed, so a kiosk may drop a batch from its queue once acknowledged.
// Only batches counted by an allowed client build are taken.
func handleIngest(log *slog.Logger, store server.Store, now func() time.Time, allowed *builds) http.Handler {
	type response struct {
		Status string `json:"status"`
		Seq    int64  `json:"seq"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var signed wire.SignedCountBatch
		err := jsonBody(w, r)
		if err == nil {
			signed, err = wire.DecodeSignedCountBatch(r.Body)
		}
		if err != nil {
			fail(w, log, err)
			return
		}
		d, err := store.Device(r.Context(), signed.Batch.Device)
		if errors.Is(err, server.ErrNotFound) {
			err = errUnknownDevice
		}
		if err == nil {
			err = signed.Verify(d.PublicKey)
		}
		if err == nil {
			err = allowed.check(signed.Batch.Build)
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
