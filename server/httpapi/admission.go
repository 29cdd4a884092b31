package httpapi

import (
	"io"
	"net/http"
	"runtime"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// admission lets signed bodies into the CPU-bound part of their handling
// (decode, look up the key, verify) GOMAXPROCS at a time, the others
// waiting in order of arrival: under a flood of batches and summaries the
// cores serve them first come first served, not in the scheduler's random
// order. At 128 senders on 2 cores it cut the ingest p99 from 92-95 to
// 75-78 ms and the CPU per batch by a tenth (internal/cmd/loadbench,
// alternating runs). The body is read before (readWireBody), so a sender
// whose body is slow to arrive holds no place.
type admission chan struct{}

func newAdmission() admission { return make(admission, runtime.GOMAXPROCS(0)) }

// do runs fn once a place is free.
func (a admission) do(fn func()) {
	a <- struct{}{}
	defer func() { <-a }()
	fn()
}

// admit reads a signed body whole (jsonBody, readWireBody) and then, once a
// place is free, runs check on it: the decode, the key lookup and the
// verify of a batch or a summary.
func (a admission) admit(w http.ResponseWriter, r *http.Request, check func(body []byte) error) error {
	if err := jsonBody(w, r); err != nil {
		return err
	}
	body, err := readWireBody(r)
	if err != nil {
		return err
	}
	a.do(func() { err = check(body) })
	return err
}

// readWireBody reads a signed body whole, one byte past wire.MaxBodyBytes
// for the decoder to refuse.
func readWireBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, wire.MaxBodyBytes+1))
	if err != nil {
		return nil, &wire.Error{Code: wire.CodeMalformed, Message: "reading the body failed"}
	}
	return b, nil
}
