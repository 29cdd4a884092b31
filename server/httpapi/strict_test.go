package httpapi

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Lenient JSON would clear a student's accommodations: a body of null, a
// repeated key (the last wins), a key in another case. Each is refused
// with 400 and changes nothing.
func TestStrictBodiesStoreNothing(t *testing.T) {
	e := newEnv(t)
	ex := e.createExam(nil)
	a := e.importStudents(ex.ID, "s1,a@example.edu")[0]
	path := "/api/v1/students/" + a.ID + "/accommodations"
	off := []wire.Kind{wire.Speech, wire.MultipleFaces}
	wantStatus(t, e.do("PUT", path, map[string]any{"off": off}, true), http.StatusOK)
	for _, body := range []string{`null`, `{"off":["speech","multiple_faces"],"off":[]}`, `{"OFF":[]}`, `{"Off":[]}`} {
		wantError(t, e.do("PUT", path, body, true), http.StatusBadRequest, wire.CodeMalformed)
	}
	// The student's policy still has both off.
	info := decodeJSON[wire.StudentInfo](t, e.as(a.token(), "GET", "/api/v1/student", nil))
	if got := kinds(info.Policy); !reflect.DeepEqual(got, []wire.Kind{wire.FaceAbsent, wire.FocusLost}) {
		t.Errorf("policy after the refused bodies: %v", got)
	}
	before := e.allRows()
	wantError(t, e.do("PUT", path, `{"off":[],"off":["speech"]}`, true), http.StatusBadRequest, wire.CodeMalformed)
	if after := e.allRows(); !reflect.DeepEqual(before, after) {
		t.Errorf("rows changed: %v -> %v", before, after)
	}
}
