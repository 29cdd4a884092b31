package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// enrolmentTTL is how long an enrolment link works.
const enrolmentTTL = 24 * time.Hour

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // cannot fail since Go 1.24
	return hex.EncodeToString(b)
}

// checkLabel validates a kiosk name or room as shown to staff and written
// to CSV: printable, 1-64 characters, no leading character a spreadsheet
// would run as a formula.
func checkLabel(field, s string) error {
	switch {
	case s == "" || utf8.RuneCountInString(s) > 64 || !utf8.ValidString(s):
		return &wire.Error{Code: wire.CodeInvalid, Message: field + " must be 1-64 characters"}
	case strings.TrimSpace(s) != s:
		return &wire.Error{Code: wire.CodeInvalid, Message: field + " must not start or end with a space"}
	case strings.ContainsAny(s[:1], "=+-@"):
		return &wire.Error{Code: wire.CodeInvalid, Message: field + " must not start with = + - or @"}
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return &wire.Error{Code: wire.CodeInvalid, Message: field + " must be printable"}
	}
	return nil
}

type enrolmentCode struct {
	Kiosk   server.Kiosk `json:"kiosk"`
	Code    string       `json:"enrolment_code"`
	URL     string       `json:"enrol_url"`
	Expires string       `json:"expires"`
}

// issueCode stores a fresh code's hash for the kiosk and answers the code.
// The code itself is shown once, to the admin, and travels to the kiosk in
// a URL fragment, which browsers never send to a server.
func issueCode(w http.ResponseWriter, r *http.Request, store server.KioskStore, k server.Kiosk, now time.Time) error {
	code := randomHex(16)
	sum := sha256.Sum256([]byte(code))
	expires := now.Add(enrolmentTTL)
	if err := store.SetEnrolmentCode(r.Context(), k.ID, sum[:], expires); err != nil {
		return err
	}
	encode(w, http.StatusCreated, enrolmentCode{Kiosk: k, Code: code, URL: "/kiosk#enrol=" + code, Expires: expires.UTC().Format(time.RFC3339)})
	return nil
}

func handleCreateKiosk(log *slog.Logger, store server.KioskStore, now func() time.Time) http.Handler {
	type request struct {
		Name      string      `json:"name"`
		Room      string      `json:"room"`
		IntervalS int         `json:"interval_s"`
		Lines     []wire.Line `json:"lines"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		if err := decode(w, r, &req); err != nil {
			return err
		}
		if req.IntervalS == 0 {
			req.IntervalS = 60
		}
		err := checkLabel("name", req.Name)
		if err == nil {
			err = checkLabel("room", req.Room)
		}
		if err == nil && (req.IntervalS < 2 || req.IntervalS > 3600) {
			err = &wire.Error{Code: wire.CodeInvalid, Message: "interval_s must be 2..3600"}
		}
		if err == nil {
			err = wire.ValidateLines(req.Lines)
		}
		if err != nil {
			return err
		}
		k := server.Kiosk{ID: server.NewID("k-"), Name: req.Name, Room: req.Room, IntervalS: req.IntervalS, Lines: server.WithSides(req.Lines)}
		if err := store.CreateKiosk(r.Context(), k); err != nil {
			return err
		}
		return issueCode(w, r, store, k, now())
	})
}

func handleNewEnrolmentCode(log *slog.Logger, store server.KioskStore, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		k, err := store.Kiosk(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return issueCode(w, r, store, k, now())
	})
}

func handleSetLines(log *slog.Logger, store server.KioskStore) http.Handler {
	type request struct {
		Lines []wire.Line `json:"lines"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decode(w, r, &req)
		if err == nil {
			err = wire.ValidateLines(req.Lines)
		}
		if err != nil {
			return err
		}
		k, err := store.SetLines(r.Context(), r.PathValue("id"), req.Lines)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, k)
		return nil
	})
}

func handleListKiosks(log *slog.Logger, store server.Store) http.Handler {
	type kiosk struct {
		server.Kiosk
		Devices []server.Device `json:"devices"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		ks, err := store.Kiosks(r.Context())
		if err != nil {
			return err
		}
		ds, err := store.Devices(r.Context())
		if err != nil {
			return err
		}
		out := make([]kiosk, len(ks))
		index := map[string]int{}
		for i, k := range ks {
			out[i] = kiosk{Kiosk: k, Devices: []server.Device{}}
			index[k.ID] = i
		}
		for _, d := range ds {
			if i, ok := index[d.Kiosk]; ok {
				out[i].Devices = append(out[i].Devices, d)
			}
		}
		encode(w, http.StatusOK, map[string]any{"kiosks": out})
		return nil
	})
}

func handleEnrol(log *slog.Logger, store server.KioskStore, now func() time.Time) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req wire.EnrolRequest
		if err := decode(w, r, &req); err != nil {
			return err
		}
		key, err := req.Validate()
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(req.Code))
		d := server.Device{ID: server.NewID("d-"), PublicKey: key}
		k, err := store.Enrol(r.Context(), sum[:], d, now())
		if err != nil {
			return err
		}
		encode(w, http.StatusCreated, wire.EnrolResponse{Device: d.ID, Config: k.Config()})
		return nil
	})
}

func handleDeviceConfig(log *slog.Logger, store server.Store) http.Handler {
	return reply(log, func(r *http.Request) (wire.KioskConfig, error) {
		d, err := store.Device(r.Context(), r.PathValue("device"))
		if err != nil {
			return wire.KioskConfig{}, err
		}
		k, err := store.Kiosk(r.Context(), d.Kiosk)
		return k.Config(), err
	})
}
