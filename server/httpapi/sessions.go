package httpapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/timeline"
	"github.com/lokaal-nl/lokaal/wasm/lang"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// handleSummary accepts one signed summary of a proctored session and
// answers only once it is durably stored, so the browser may then drop it
// from its queue. Anything it refuses leaves the store untouched, as does a
// summary from a client build that is not allowed.
func handleSummary(log *slog.Logger, store server.SessionStore, now func() time.Time, allowed *builds, verifying admission) http.Handler {
	type response struct {
		Seq    int64  `json:"seq"`
		Result string `json:"result"`
	}
	tolerance, grace := server.WindowTolerance.Milliseconds(), server.SummaryGrace.Milliseconds()
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var signed wire.SignedSummary
		var sess server.Session
		var hash string
		err := verifying.admit(w, r, func(body []byte) (err error) {
			if signed, err = wire.DecodeSignedSummary(bytes.NewReader(body)); err != nil {
				return err
			}
			if sess, err = store.Session(r.Context(), signed.Summary.Session); err != nil {
				return err
			}
			hash, err = signed.VerifyHash(sess.PublicKey)
			return err
		})
		sum := signed.Summary
		if err == nil {
			err = allowed.check(sum.Build)
		}
		if err != nil {
			return err
		}
		// Checked against the policy the session started with: that is
		// what the browser ran.
		for _, e := range sum.Events {
			if !sess.Policy.Allows(e.Kind) {
				return &wire.Error{Code: wire.CodeKindNotAllowed, Message: "this student's policy does not enable " + string(e.Kind)}
			}
		}
		// Events lie within the window (wire.Summary.Validate), apart from
		// an onset before it, which is where a condition began.
		if sum.Window.From < sess.Policy.From-tolerance || sum.Window.To > sess.Policy.To+grace {
			return &wire.Error{Code: wire.CodeOutsideWindow, Message: "the summary's window must lie from " +
				server.WindowTolerance.String() + " before the exam window until " + server.SummaryGrace.String() + " after it"}
		}
		// What is new must arrive in time, by this server's clock, and
		// within the session's bound; a resend of a stored seq goes on, to
		// be acknowledged as a duplicate (or refused as a conflict)
		// without storing anything.
		if sum.Seq > sess.LastSeq {
			if now().After(time.UnixMilli(sess.Policy.To).Add(server.SummaryGrace)) {
				return &wire.Error{Code: wire.CodeOutsideWindow, Message: "the exam window closed more than " + server.SummaryGrace.String() + " ago: no new summaries"}
			}
			if limit := server.MaxSummaries(sess.Policy); sum.Seq > limit {
				return &wire.Error{Code: wire.CodeTooMany, Message: fmt.Sprintf("a session of this exam holds at most %d summaries", limit)}
			}
		}
		res, err := store.AppendSummary(r.Context(), server.StoredSummary{Summary: sum, Sig: signed.Sig, Hash: hash, Received: now()})
		if err != nil {
			return err
		}
		result := "stored"
		if res == server.Duplicate {
			result = "duplicate"
		}
		encode(w, http.StatusOK, response{sum.Seq, result})
		return nil
	})
}

// handleFinish closes a session and answers the receipt signed with the
// server's key. The browser signs the request with the session key, so
// nobody else can close the session; it names the seq and head it holds, so
// a receipt is only issued for the chain the browser sent. Finishing again
// returns the same receipt.
func handleFinish(log *slog.Logger, store server.SessionStore, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var signed wire.SignedFinish
		err := decode(w, r, &signed)
		if err == nil {
			err = signed.Finish.Validate()
		}
		if err == nil && signed.Finish.Session != r.PathValue("id") {
			err = invalidf("the finish request names session %q, the URL %q", signed.Finish.Session, r.PathValue("id"))
		}
		if err != nil {
			return err
		}
		f := signed.Finish
		sess, err := store.Session(r.Context(), f.Session)
		if err == nil {
			err = signed.Verify(sess.PublicKey)
		}
		if err == nil && (f.Seq != sess.LastSeq || f.Head != sess.Head) {
			err = &wire.Error{Code: wire.CodeChainBroken, Message: fmt.Sprintf("the server holds the summaries up to seq %d, head %s: send the missing ones before finishing", sess.LastSeq, sess.Head)}
		}
		if err != nil {
			return err
		}
		sums, err := store.Summaries(r.Context(), sess.ID)
		if err != nil {
			return err
		}
		key, err := store.ReceiptKey(r.Context())
		if err != nil {
			return err
		}
		// The summaries were read before FinishSession's transaction, which
		// closes the session only if the chain still ends at f.Seq, so
		// the summaries up to it are exactly those the receipt covers.
		at := now()
		receipt, err := store.FinishSession(r.Context(), sess.ID, f.Seq, f.Head, at, func(s server.Session) wire.SignedReceipt {
			var upTo []server.StoredSummary
			for _, sum := range sums {
				if sum.Summary.Seq <= s.LastSeq {
					upTo = append(upTo, sum)
				}
			}
			return wire.Receipt{Session: s.ID, Exam: s.Exam, LastSeq: s.LastSeq, Head: s.Head,
				Counts: counts(events(upTo)), Issued: at.UnixMilli()}.Sign(key)
		})
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, receipt)
		return nil
	})
}

// handleReceiptKey publishes the key receipts are signed with, so anyone
// can check a receipt (lokaal verify-receipt).
func handleReceiptKey(log *slog.Logger, store interface {
	ReceiptKey(ctx context.Context) (ed25519.PrivateKey, error)
}) http.Handler {
	type response struct {
		Key string `json:"key"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		key, err := store.ReceiptKey(r.Context())
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, response{base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))})
		return nil
	})
}

// events joins the events of a session's summaries into the periods a
// reviewer reads.
func events(sums []server.StoredSummary) []wire.Event {
	var all []wire.Event
	for _, s := range sums {
		all = append(all, s.Summary.Events...)
	}
	return timeline.Join(all)
}

// eventsAndMarks reads what a session list shows of one session: its
// joined events and its marks.
func eventsAndMarks(ctx context.Context, store interface {
	Summaries(ctx context.Context, session string) ([]server.StoredSummary, error)
	Marks(ctx context.Context, session string) ([]server.Mark, error)
}, session string) ([]wire.Event, []server.Mark, error) {
	sums, err := store.Summaries(ctx, session)
	if err != nil {
		return nil, nil, err
	}
	marks, err := store.Marks(ctx, session)
	return events(sums), orEmpty(marks), err
}

// counts counts joined events per kind: an absence that spans three
// summaries is one event, not three.
func counts(events []wire.Event) map[wire.Kind]int64 {
	n := map[wire.Kind]int64{}
	for _, e := range events {
		n[e.Kind]++
	}
	return n
}

// renderTimeline draws a session as reviewer and student see it.
// renderTimeline draws a session in the server's zone, in the reader's
// language (?lang=nl or en; English otherwise).
func renderTimeline(sess server.Session, sums []server.StoredSummary, loc *time.Location, l lang.Lang) []byte {
	kinds := make([]wire.Kind, len(sess.Policy.Detectors))
	for i, d := range sess.Policy.Detectors {
		kinds[i] = d.Kind
	}
	var ended time.Time
	switch {
	case sess.Finished != nil:
		ended = *sess.Finished
	case len(sums) > 0:
		ended = time.UnixMilli(sums[len(sums)-1].Summary.Window.To)
	}
	return timeline.SVG(timeline.Session{
		From: time.UnixMilli(sess.Policy.From), To: time.UnixMilli(sess.Policy.To),
		Started: sess.Started, Ended: ended, Kinds: kinds, Events: events(sums),
		Unreliable: sess.Unreliable(), Location: loc, Lang: l,
	})
}

func writeSVG(w http.ResponseWriter, svg []byte) {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(svg)
}
