package httpapi

import (
	"bytes"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

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
func handleIngest(log *slog.Logger, store server.Store, now func() time.Time, allowed *builds, verifying admission) http.Handler {
	type response struct {
		Status string `json:"status"`
		Seq    int64  `json:"seq"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var signed wire.SignedCountBatch
		var d server.DeviceKey
		var digest [sha256.Size]byte
		err := verifying.admit(w, r, func(body []byte) (err error) {
			if signed, err = wire.DecodeSignedCountBatch(bytes.NewReader(body)); err != nil {
				return err
			}
			if d, err = store.DeviceKey(r.Context(), signed.Batch.Device); err != nil {
				return err
			}
			digest, err = signed.VerifyDigest(d.PublicKey)
			return err
		})
		if err == nil {
			err = allowed.check(signed.Batch.Build)
		}
		if err == nil {
			err = checkClock(signed.Batch, d.Enrolled, now())
		}
		if err != nil {
			return err
		}
		res, err := store.Ingest(r.Context(), signed.Batch, digest[:], now())
		switch {
		case err != nil:
			return err
		case res == server.Duplicate:
			encode(w, http.StatusOK, response{"duplicate", signed.Batch.Seq})
		default:
			encode(w, http.StatusCreated, response{"stored", signed.Batch.Seq})
		}
		return nil
	})
}
