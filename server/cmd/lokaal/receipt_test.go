package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

func writeReceipt(t *testing.T, r any) string {
	t.Helper()
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "receipt.json")
	if err := os.WriteFile(path, js, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVerifyReceipt(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	key := base64.StdEncoding.EncodeToString(pub)
	receipt := wire.Receipt{Session: "s-0123456789abcdef", Exam: "e-0123456789abcdef", LastSeq: 12, Head: strings.Repeat("ab", 32),
		Counts: map[wire.Kind]int64{wire.FaceAbsent: 2, wire.PageReloaded: 1}, Issued: 1773306000000}.Sign(priv)
	good := writeReceipt(t, receipt)

	tampered := receipt
	tampered.Receipt.Counts = map[wire.Kind]int64{wire.PageReloaded: 1}
	forged := wire.Receipt{Session: "s-0123456789abcdef"}.Sign(priv)
	forged.Key = base64.StdEncoding.EncodeToString(otherPub) // claims another key

	// The published key, from a server.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/receipt-key" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"key": key})
	}))
	defer srv.Close()

	for _, c := range []struct {
		name string
		args []string
		ok   bool
		want string // in stdout when ok, in the error otherwise
	}{
		{"key", []string{"--key", key, good}, true, "OK: session s-0123456789abcdef of exam e-0123456789abcdef, 12 summaries, head " + strings.Repeat("ab", 32) + ", issued 2026-03-12T09:00:00Z, events: face_absent=2 page_reloaded=1"},
		{"server", []string{"--server", srv.URL, good}, true, "OK: session s-0123456789abcdef"},
		{"tampered", []string{"--key", key, writeReceipt(t, tampered)}, false, "does NOT verify"},
		{"wrong key", []string{"--key", base64.StdEncoding.EncodeToString(otherPub), good}, false, "names a different server key"},
		{"forged key field", []string{"--key", base64.StdEncoding.EncodeToString(otherPub), writeReceipt(t, forged)}, false, "does NOT verify"},
		{"server without key", []string{"--server", srv.URL + "/nothing", good}, false, "404"},
		{"not a receipt", []string{"--key", key, writeReceipt(t, map[string]int{"x": 1})}, false, "not a lokaal receipt"},
		{"both", []string{"--key", key, "--server", srv.URL, good}, false, "not both"},
		{"no file", []string{"--key", key}, false, "usage"},
		{"bad key", []string{"--key", "abc", good}, false, "base64 of 32 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"lokaal", "verify-receipt"}, c.args...), func(string) string { return "" }, &out, io.Discard)
			switch {
			case c.ok && err != nil:
				t.Fatalf("error %v", err)
			case c.ok && (!strings.Contains(out.String(), c.want) || strings.Count(out.String(), "\n") != 1):
				t.Errorf("printed %q, want one line with %q", out.String(), c.want)
			case !c.ok && err == nil:
				t.Fatalf("no error; printed %q", out.String())
			case !c.ok && !strings.Contains(err.Error(), c.want):
				t.Errorf("error %q, want %q", err, c.want)
			case !c.ok && out.Len() > 0:
				t.Errorf("printed %q on failure", out.String())
			}
		})
	}
}

func TestServeRefusesABadOrigin(t *testing.T) {
	// serve refuses a bad origin before it opens anything.
	err := run(context.Background(), []string{"lokaal", "serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--frame-origins", "http://insecure.example"},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--frame-origins") {
		t.Errorf("serve with a bad origin: %v", err)
	}
}

// TestServeExamFlags checks that --frame-origins and --objection-contact
// reach the exam page's CSP, exam validation and the transparency screen.
func TestServeExamFlags(t *testing.T) {
	const token = "flags-test-token"
	base, _, stop := serveInProcess(t, filepath.Join(t.TempDir(), "lokaal.db"), map[string]string{"LOKAAL_ADMIN_TOKEN": token},
		"--frame-origins", "https://exams.example.org", "--objection-contact", "the exam board, board@example.edu",
		"--allow-build", strings.Repeat("0", 64))
	defer stop()
	call := func(method, path, contentType, auth string, body string) (*http.Response, []byte) {
		t.Helper()
		return request(t, method, base+path, contentType, auth, strings.NewReader(body))
	}

	res, _ := call("GET", "/exam", "", "", "")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self' https://exams.example.org") {
		t.Errorf("/exam CSP %q", csp)
	}
	now := time.Now()
	exam := map[string]any{"name": "Flags", "course": "F1", "start": now.Format(time.RFC3339), "end": now.Add(time.Hour).Format(time.RFC3339),
		"announced": now.Add(-11 * 24 * time.Hour).Format(time.RFC3339), "legal_basis": "art. 1", "alternatives_considered": "oral exam",
		"url": "https://exams.example.org/q/1", "detectors": []map[string]any{{"kind": "focus_lost"}}}
	js, _ := json.Marshal(exam)
	res, body := call("POST", "/api/v1/exams", "application/json", token, string(js))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("exam on an allowed origin: %d %s", res.StatusCode, body)
	}
	var e struct{ ID string }
	json.Unmarshal(body, &e)
	res, body = call("POST", "/api/v1/exams/"+e.ID+"/students", "text/csv", token, "s1,a@example.edu\n")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("import: %d %s", res.StatusCode, body)
	}
	var links struct{ Students []struct{ Link string } }
	json.Unmarshal(body, &links)
	res, body = call("GET", "/api/v1/student", "", strings.TrimPrefix(links.Students[0].Link, "/exam#access="), "")
	var info struct{ Objection string }
	if json.Unmarshal(body, &info); res.StatusCode != http.StatusOK || info.Objection != "the exam board, board@example.edu" {
		t.Errorf("student info: %d %s", res.StatusCode, body)
	}

	// A session's receipt verifies against this server's published key.
	access := strings.TrimPrefix(links.Students[0].Link, "/exam#access=")
	if res, body = call("POST", "/api/v1/student/choice", "application/json", access, `{"choice":"proctored"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("choice: %d %s", res.StatusCode, body)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	start, _ := json.Marshal(wire.StartRequest{PublicKey: base64.StdEncoding.EncodeToString(pub), Build: strings.Repeat("0", 64)})
	res, body = call("POST", "/api/v1/student/sessions", "application/json", access, string(start))
	var policy wire.Policy
	if json.Unmarshal(body, &policy); res.StatusCode != http.StatusCreated {
		t.Fatalf("start: %d %s", res.StatusCode, body)
	}
	finish, _ := json.Marshal(wire.Finish{Session: policy.Session, Head: wire.Genesis, At: time.Now().UnixMilli()}.Sign(priv))
	res, body = call("POST", "/api/v1/sessions/"+policy.Session+"/finish", "application/json", "", string(finish))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("finish: %d %s", res.StatusCode, body)
	}
	file := filepath.Join(t.TempDir(), "receipt.json")
	os.WriteFile(file, body, 0o600)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"lokaal", "verify-receipt", "--server", base, file}, func(string) string { return "" }, &out, io.Discard); err != nil ||
		!strings.HasPrefix(out.String(), "OK: session "+policy.Session) {
		t.Errorf("verify-receipt: %v, %q", err, out.String())
	}
	if !bytes.Contains(body, []byte(`"last_seq":0`)) {
		t.Fatalf("receipt %s", body)
	}
	os.WriteFile(file, bytes.Replace(body, []byte(`"last_seq":0`), []byte(`"last_seq":1`), 1), 0o600)
	if err := run(context.Background(), []string{"lokaal", "verify-receipt", "--server", base, file}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("a tampered receipt verifies against the server")
	}
}
