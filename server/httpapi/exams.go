package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Exam limits.
const (
	maxExamWindow   = 24 * time.Hour
	defaultInterval = 30
	minInterval     = 5
	maxInterval     = 300
	maxStudentsCSV  = 256 << 10
	maxEmail        = 254
)

func invalidf(format string, args ...any) error {
	return &wire.Error{Code: wire.CodeInvalid, Message: fmt.Sprintf(format, args...)}
}

// checkText validates a free text shown to students and staff: at most max
// characters, printable apart from line breaks and tabs, and present when
// required.
func checkText(field, s string, required bool, max int) error {
	switch {
	case !utf8.ValidString(s):
		return invalidf("%s must be UTF-8", field)
	case required && strings.TrimSpace(s) == "":
		return invalidf("%s is required", field)
	case utf8.RuneCountInString(s) > max:
		return invalidf("%s must be at most %d characters", field, max)
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		return invalidf("%s must be printable", field)
	}
	return nil
}

// checkExamURL allows a path on this server, or an https URL on one of the
// configured frame origins: /exam may frame nothing else.
func checkExamURL(s string, origins []string) error {
	if s == "" {
		return nil // the exam is elsewhere, e.g. an LMS page with the snippet
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || len(s) > 2000:
		return invalidf("url must be a valid URL of at most 2000 characters")
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.Contains(s, `\`):
		return nil
	case u.Scheme == "https" && u.User == nil && slices.Contains(origins, "https://"+strings.ToLower(u.Host)):
		return nil
	case len(origins) == 0:
		return invalidf("url must be a path on this server such as /sample-exam; other origins need the server flag --frame-origins")
	}
	return invalidf("url must be a path on this server such as /sample-exam, or an https URL on %s", strings.Join(origins, ", "))
}

// examRequest is the body of POST and PUT /api/v1/exams.
type examRequest struct {
	Name            string                 `json:"name"`
	Course          string                 `json:"course"`
	Start           stamp                  `json:"start"`
	End             stamp                  `json:"end"`
	Announced       stamp                  `json:"announced"`
	LegalBasis      string                 `json:"legal_basis"`
	Alternatives    string                 `json:"alternatives_considered"`
	AlternativeExam string                 `json:"alternative_exam"`
	URL             string                 `json:"url"`
	Detectors       []wire.DetectorSetting `json:"detectors"`
	IntervalS       int                    `json:"interval_s"`
	Crisis          string                 `json:"crisis"`
}

// stampFormat is the one date format of the API, in words for its errors:
// Go's own parse error ("cannot parse "" as "T"") tells a person nothing.
const stampFormat = `a date and time with its UTC offset (RFC 3339), such as "2026-06-01T09:00:00+02:00" or "2026-06-01T07:00:00Z"`

// stamp is a time in a request body, refused in words when it is not in
// stampFormat. A date alone is refused too: which midnight it means
// depends on a zone it does not name.
type stamp time.Time

func (s *stamp) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return fmt.Errorf("times must be strings: %s", stampFormat)
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return fmt.Errorf("%q is not a time: times are %s", text, stampFormat)
	}
	*s = stamp(t)
	return nil
}

// apply validates the request and copies it onto e; the 10-day rule is
// checked last, so that its refusal is the only thing left to fix. An
// announcement cannot lie in the future: its day (in the server's zone,
// loc) may be today at the latest.
func (req examRequest) apply(e *server.Exam, origins []string, now time.Time, loc *time.Location) error {
	start, end, announced := time.Time(req.Start), time.Time(req.End), time.Time(req.Announced)
	today := now.In(loc)
	tomorrow := time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, loc)
	if req.IntervalS == 0 {
		req.IntervalS = defaultInterval
	}
	req.Detectors = orEmpty(req.Detectors)
	if err := checkLabel("name", req.Name); err != nil {
		return err
	}
	if err := checkLabel("course", req.Course); err != nil {
		return err
	}
	inRange := func(t time.Time) bool { return t.UnixMilli() >= wire.MinTimeMS && t.UnixMilli() <= wire.MaxTimeMS }
	switch {
	case start.IsZero() || end.IsZero():
		return invalidf("start and end are required: %s", stampFormat)
	case !inRange(start) || !inRange(end):
		return invalidf("start and end must lie between 2020 and 2100")
	case !end.After(start):
		return invalidf("end must be after start")
	case end.Sub(start) > maxExamWindow:
		return invalidf("an exam window may last at most %d hours", int(maxExamWindow.Hours()))
	case announced.IsZero():
		return invalidf("announced is required: when the students were told which detectors run, %s", stampFormat)
	case announced.After(start):
		return invalidf("announced must not be after start")
	case !announced.Before(tomorrow):
		return invalidf("announced (%s) is later than today (%s, %s): give the day the students were told", announced.In(loc).Format("2006-01-02"), today.Format("2006-01-02"), loc)
	case req.IntervalS < minInterval || req.IntervalS > maxInterval:
		return invalidf("interval_s must be %d..%d", minInterval, maxInterval)
	}
	for _, err := range []error{
		checkText("legal_basis", req.LegalBasis, true, 2000),
		checkText("alternatives_considered", req.Alternatives, true, 4000),
		checkText("alternative_exam", req.AlternativeExam, false, 2000),
		checkText("crisis", req.Crisis, false, 2000),
		checkExamURL(req.URL, origins),
		wire.ValidateDetectors(req.Detectors),
	} {
		if err != nil {
			return err
		}
	}
	e.Name, e.Course, e.Start, e.End, e.Announced = req.Name, req.Course, start, end, announced
	e.LegalBasis, e.Alternatives, e.AlternativeExam = req.LegalBasis, req.Alternatives, req.AlternativeExam
	e.URL, e.Detectors, e.IntervalS, e.Crisis = req.URL, req.Detectors, req.IntervalS, strings.TrimSpace(req.Crisis)
	return e.CheckNotice()
}

func handleCreateExam(log *slog.Logger, store server.RosterStore, now func() time.Time, loc *time.Location, origins []string) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req examRequest
		e := server.Exam{ID: server.NewID("e-"), Created: now()}
		err := decodeStaff(w, r, &req)
		if err == nil {
			err = req.apply(&e, origins, e.Created, loc)
		}
		if err == nil {
			err = store.CreateExam(r.Context(), e, actor(r, e.Created))
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusCreated, e)
		return nil
	})
}

func handleUpdateExam(log *slog.Logger, store server.RosterStore, now func() time.Time, loc *time.Location, origins []string) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req examRequest
		err := decodeStaff(w, r, &req)
		if err != nil {
			return err
		}
		e, err := store.Exam(r.Context(), r.PathValue("id"))
		at := now()
		if err == nil {
			err = req.apply(&e, origins, at, loc)
		}
		if err == nil {
			err = store.UpdateExam(r.Context(), e, actor(r, at))
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, e)
		return nil
	})
}

// examListing is an exam as lists show it: with its number of sessions
// and how many of them the pre-check found no face in, whose face_absent
// and looking_away say little (server.Session.Unreliable). Counts only, no
// personal data.
type examListing struct {
	server.Exam
	Sessions   int `json:"sessions"`
	Unreliable int `json:"unreliable_sessions"`
}

// handleListExams answers every exam, for admins; a reviewer's list is
// handleReviewExams. Both list counts only, no personal data.
func handleListExams(log *slog.Logger, store server.ExamStore) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		es, err := store.Exams(r.Context())
		if err != nil {
			return err
		}
		return answerListings(w, r.Context(), store, es)
	})
}

// answerListings answers es with each exam's count of sessions, and of
// those marked unreliable.
func answerListings(w http.ResponseWriter, ctx context.Context, store server.ExamStore, es []server.Exam) error {
	list := make([]examListing, len(es))
	for i, e := range es {
		sessions, err := store.Sessions(ctx, e.ID)
		if err != nil {
			return err
		}
		list[i] = examListing{Exam: e, Sessions: len(sessions)}
		for _, s := range sessions {
			if s.Unreliable() {
				list[i].Unreliable++
			}
		}
	}
	encode(w, http.StatusOK, list)
	return nil
}

func handleGetExam(log *slog.Logger, store server.ExamStore) http.Handler {
	return reply(log, func(r *http.Request) (server.Exam, error) {
		return store.Exam(r.Context(), r.PathValue("id"))
	})
}

// checkEmail is a sanity check, not RFC 5322: one plain address, no
// display name, nothing a spreadsheet would run as a formula.
func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	switch {
	case len(s) > maxEmail || err != nil || a.Name != "" || a.Address != s:
		return invalidf("email %q is not a plain address like name@example.org", s)
	case strings.ContainsAny(s[:1], "=+-@"):
		return invalidf("email must not start with = + - or @")
	case !strings.Contains(s[strings.LastIndexByte(s, '@'):], "."):
		return invalidf("email %q has no domain such as example.org", s)
	}
	return nil
}

type studentLink struct {
	ID        string `json:"id"`
	StudentID string `json:"student_id"`
	Email     string `json:"email"`
	// Link carries the access token in the fragment, which browsers never
	// send to a server; only its hash is stored.
	Link string `json:"link"`
}

// parseStudents reads student_id,email lines, with an optional header row.
// Every error names its line, so the admin can fix the file and send it
// again: nothing is stored until all lines are valid.
func parseStudents(body []byte, taken map[string]bool) ([]server.Student, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff")) // spreadsheets write a byte order mark
	rd := csv.NewReader(bytes.NewReader(body))
	rd.FieldsPerRecord = -1
	var students []server.Student
	lineOf := map[string]int{}
	for first := true; ; first = false {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			return nil, invalidf("line %d: %v", pe.Line, pe.Err)
		} else if err != nil {
			return nil, invalidf("reading the CSV: %v", err)
		}
		line, _ := rd.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) != 2 {
			return nil, invalidf("line %d: want 2 fields, student_id,email; got %d", line, len(rec))
		}
		if first && strings.EqualFold(rec[0], "student_id") && strings.EqualFold(rec[1], "email") {
			continue
		}
		id, email := rec[0], rec[1]
		if err := checkLabel("student_id", id); err != nil {
			return nil, invalidf("line %d: %s", line, err.(*wire.Error).Message)
		}
		if err := checkEmail(email); err != nil {
			return nil, invalidf("line %d: %s", line, err.(*wire.Error).Message)
		}
		if prev, dup := lineOf[id]; dup {
			return nil, invalidf("line %d: student_id %q is already on line %d", line, id, prev)
		}
		if taken[id] {
			return nil, invalidf("line %d: student_id %q is already on this exam", line, id)
		}
		lineOf[id] = line
		students = append(students, server.Student{External: id, Email: email, Off: []wire.Kind{}})
	}
	if len(students) == 0 {
		return nil, invalidf("the file holds no students: one line student_id,email per student")
	}
	return students, nil
}

// handleListStudents answers an exam's students (their numbers, e-mail
// addresses, choices and accommodations, never a link: only a token's hash
// is kept), for the admin's Students section. Reading them is logged.
func handleListStudents(log *slog.Logger, store interface {
	server.ExamStore
	server.AccessLog
}, now func() time.Time) http.Handler {
	type response struct {
		Students []server.Student `json:"students"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		if _, err := store.Exam(r.Context(), id); err != nil {
			return err
		}
		if err := audit(r, store, now(), server.ActionReadStudents, "students of exam "+id, ""); err != nil {
			return err
		}
		students, err := store.Students(r.Context(), id)
		if err != nil {
			return err
		}
		for i := range students {
			students[i].Off = orEmpty(students[i].Off)
		}
		encode(w, http.StatusOK, response{Students: append([]server.Student{}, students...)})
		return nil
	})
}

func handleAddStudents(log *slog.Logger, store server.RosterStore, now func() time.Time) http.Handler {
	tooLarge := &wire.Error{Code: wire.CodeTooLarge, Message: fmt.Sprintf("the CSV exceeds %d KiB", maxStudentsCSV>>10)}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
			unsupportedMedia(w, "text/csv")
			return nil
		}
		if r.ContentLength > maxStudentsCSV {
			return tooLarge
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStudentsCSV))
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			err = tooLarge
		}
		if err != nil {
			return err
		}
		e, err := store.Exam(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		existing, err := store.Students(r.Context(), e.ID)
		if err != nil {
			return err
		}
		taken := map[string]bool{}
		for _, s := range existing {
			taken[s.External] = true
		}
		students, err := parseStudents(body, taken)
		if err != nil {
			return err
		}
		links := make([]studentLink, len(students))
		hashes := make([][]byte, len(students))
		for i := range students {
			students[i].ID, students[i].Exam = server.NewID("st-"), e.ID
			token := randomHex(16)
			sum := sha256.Sum256([]byte(token))
			hashes[i] = sum[:]
			links[i] = studentLink{ID: students[i].ID, StudentID: students[i].External, Email: students[i].Email, Link: "/exam#access=" + token}
		}
		if err := store.AddStudents(r.Context(), students, hashes, actor(r, now())); err != nil {
			return err
		}
		encode(w, http.StatusCreated, map[string]any{"students": links})
		return nil
	})
}

// checkKinds validates a list of detector kinds: catalogue kinds, each once.
// Integrity kinds describe the proctor and cannot be switched off.
func checkKinds(ks []wire.Kind) error {
	seen := map[wire.Kind]bool{}
	for _, k := range ks {
		if _, ok := wire.CatalogueEntry(k); !ok {
			return invalidf("%q is not a detector that can be switched off", k)
		}
		if seen[k] {
			return invalidf("%q is listed twice", k)
		}
		seen[k] = true
	}
	return nil
}

func handleSetAccommodations(log *slog.Logger, store server.RosterStore, now func() time.Time) http.Handler {
	type request struct {
		Off []wire.Kind `json:"off"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decode(w, r, &req)
		if err == nil {
			err = checkKinds(req.Off)
		}
		req.Off = orEmpty(req.Off)
		if err == nil {
			err = store.SetAccommodations(r.Context(), r.PathValue("id"), req.Off, actor(r, now()))
		}
		if err != nil {
			return err
		}
		s, err := store.Student(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, s)
		return nil
	})
}
