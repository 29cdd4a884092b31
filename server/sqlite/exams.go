package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

const examColumns = `id, name, course, start_ms, end_ms, announced_ms, legal_basis, alternatives,
	alternative_exam, url, detectors, interval_s, crisis, created_ms`

func scanExam(row scanner) (server.Exam, error) {
	var e server.Exam
	var detectors string
	if err := row.Scan(&e.ID, &e.Name, &e.Course, millis(&e.Start), millis(&e.End), millis(&e.Announced), &e.LegalBasis, &e.Alternatives,
		&e.AlternativeExam, &e.URL, &detectors, &e.IntervalS, &e.Crisis, millis(&e.Created)); err != nil {
		return e, err
	}
	return e, json.Unmarshal([]byte(detectors), &e.Detectors)
}

// examArgs are the exam's values for the columns between id and created_ms,
// in examColumns' order: those an update may change.
func examArgs(e server.Exam) ([]any, error) {
	if e.Detectors == nil {
		e.Detectors = []wire.DetectorSetting{}
	}
	detectors, err := json.Marshal(e.Detectors)
	if err != nil {
		return nil, err
	}
	return []any{e.Name, e.Course, e.Start.UnixMilli(), e.End.UnixMilli(), e.Announced.UnixMilli(), e.LegalBasis,
		e.Alternatives, e.AlternativeExam, e.URL, string(detectors), e.IntervalS, e.Crisis}, nil
}

// CreateExam stores a new exam, stamping Created with now when unset, and
// logs it with its crisis reason.
func (s *DB) CreateExam(ctx context.Context, e server.Exam, by server.Actor) error {
	if e.Created.IsZero() {
		e.Created = time.Now()
	}
	args, err := examArgs(e)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execLogged(ctx, tx, server.ExamEntry(by, server.ActionCreateExam, e), "INSERT INTO exams ("+examColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			append(append([]any{e.ID}, args...), e.Created.UnixMilli())...)
	})
}

// UpdateExam replaces everything but the exam's id and creation time, and
// logs the policy change with its crisis reason.
func (s *DB) UpdateExam(ctx context.Context, e server.Exam, by server.Actor) error {
	args, err := examArgs(e)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, "exams", e.ID); err != nil {
			return err
		}
		return execLogged(ctx, tx, server.ExamEntry(by, server.ActionUpdateExam, e), `UPDATE exams SET name = ?, course = ?, start_ms = ?, end_ms = ?, announced_ms = ?,
			legal_basis = ?, alternatives = ?, alternative_exam = ?, url = ?, detectors = ?, interval_s = ?, crisis = ?
			WHERE id = ?`, append(args, e.ID)...)
	})
}

// Exam returns one exam.
func (s *DB) Exam(ctx context.Context, id string) (server.Exam, error) {
	e, err := scanExam(s.db.QueryRowContext(ctx, "SELECT "+examColumns+" FROM exams WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, server.ErrNotFound
	}
	return e, err
}

// Exams returns every exam, latest start first.
func (s *DB) Exams(ctx context.Context) ([]server.Exam, error) {
	return list(ctx, s.db, scanExam, "SELECT "+examColumns+" FROM exams ORDER BY start_ms DESC, id")
}

const studentColumns = "id, exam_id, external_id, email, accommodations, choice, choice_ms"

func scanStudent(row scanner) (server.Student, error) {
	var st server.Student
	var off string
	if err := row.Scan(&st.ID, &st.Exam, &st.External, &st.Email, &off, &st.Choice, optionalMillis(&st.ChoiceAt)); err != nil {
		return st, err
	}
	return st, json.Unmarshal([]byte(off), &st.Off)
}

// AddStudents adds students with their token hashes in one transaction. A
// student_id already on the exam, or twice in the list, is a wire.Error
// naming it, and nothing is stored. The import is logged per exam.
func (s *DB) AddStudents(ctx context.Context, students []server.Student, tokenHashes [][]byte, by server.Actor) error {
	if len(students) != len(tokenHashes) {
		return fmt.Errorf("%d students but %d token hashes", len(students), len(tokenHashes))
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		// Every check reads before the first insert (see the package doc).
		listed := map[[2]string]bool{}
		perExam := map[string]int{}
		offs := make([]string, len(students))
		for i, st := range students {
			perExam[st.Exam]++
			if err := exists(ctx, tx, "exams", st.Exam); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM students WHERE exam_id = ? AND external_id = ?",
				st.Exam, st.External).Scan(&n); err != nil {
				return err
			}
			key := [2]string{st.Exam, st.External}
			if n > 0 || listed[key] {
				return &wire.Error{Code: wire.CodeInvalid, Message: fmt.Sprintf("student %q is already on this exam", st.External)}
			}
			listed[key] = true
			var err error
			if offs[i], err = kinds(st.Off); err != nil {
				return err
			}
		}
		log, err := readLog(ctx, tx)
		if err != nil {
			return err
		}
		for i, st := range students {
			if _, err := tx.ExecContext(ctx, `INSERT INTO students (id, exam_id, external_id, email, token_hash, accommodations)
				VALUES (?, ?, ?, ?, ?, ?)`, st.ID, st.Exam, st.External, st.Email, hex.EncodeToString(tokenHashes[i]), offs[i]); err != nil {
				return err
			}
		}
		exams := slices.Sorted(maps.Keys(perExam))
		for _, exam := range exams {
			if err := log.append(ctx, tx, server.ImportEntry(by, exam, perExam[exam])); err != nil {
				return err
			}
		}
		return nil
	})
}

// StudentByToken finds the student whose access token hashes to hash.
func (s *DB) StudentByToken(ctx context.Context, hash []byte) (server.Student, error) {
	return s.student(ctx, "token_hash", hex.EncodeToString(hash))
}

// Student returns one student.
func (s *DB) Student(ctx context.Context, id string) (server.Student, error) {
	return s.student(ctx, "id", id)
}

func (s *DB) student(ctx context.Context, column, value string) (server.Student, error) {
	st, err := scanStudent(s.db.QueryRowContext(ctx, "SELECT "+studentColumns+" FROM students WHERE "+column+" = ?", value))
	if errors.Is(err, sql.ErrNoRows) {
		return st, server.ErrNotFound
	}
	return st, err
}

// Students returns an exam's students by student_id.
func (s *DB) Students(ctx context.Context, exam string) ([]server.Student, error) {
	return listOf(ctx, s.db, "exams", exam, scanStudent, "SELECT "+studentColumns+" FROM students WHERE exam_id = ? ORDER BY external_id", exam)
}

// SetAccommodations replaces the detectors switched off for a student. The
// log names the student, not the detectors, which may hint at health.
func (s *DB) SetAccommodations(ctx context.Context, student string, off []wire.Kind, by server.Actor) error {
	js, err := kinds(off)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, "students", student); err != nil {
			return err
		}
		return execLogged(ctx, tx, server.AccommodationsEntry(by, student), "UPDATE students SET accommodations = ? WHERE id = ?", js, student)
	})
}

// SetChoice records the student's choice and when it was made, unless the
// student has a session: then the choice is frozen (the check and the
// update are one statement, see CreateSession), and the same choice again
// changes nothing, not even its time.
func (s *DB) SetChoice(ctx context.Context, student string, c server.Choice, at time.Time) error {
	err := found(s.exec(ctx, `UPDATE students SET choice = ?, choice_ms = ?
		WHERE id = ? AND NOT EXISTS (SELECT 1 FROM sessions WHERE student_id = ?)`, string(c), at.UnixMilli(), student, student))
	if !errors.Is(err, server.ErrNotFound) {
		return err
	}
	st, err := s.Student(ctx, student)
	switch {
	case err != nil:
		return err
	case st.Choice == c:
		return nil
	default:
		return server.ErrChoiceFrozen
	}
}
