package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/internal/syncbuf"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var servingLine = regexp.MustCompile(`serving on (http://[0-9.:]+)/`)

// serveInProcess runs `lokaal serve` with flags until the returned stop is
// called.
func serveInProcess(t *testing.T, db string, env map[string]string, flags ...string) (base, stdout string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"lokaal", "serve", "--addr", "127.0.0.1:0", "--db", db}, flags...), func(k string) string { return env[k] }, &out, &errs)
	}()
	// Serve compresses every asset at start: on a loaded 2-core machine that
	// took over 20 s.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := servingLine.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "admin token") {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, errs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return base, out.String(), func() error {
		cancel()
		return <-done
	}
}

// request sends a request to a running server, with body of contentType
// and the bearer token when they are set, and reads the answer whole.
func request(t *testing.T, method, url, contentType, token string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestAdminTokenShownOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "lokaal.db")
	base, out, stop := serveInProcess(t, db, nil)
	m := regexp.MustCompile(`admin token \(shown once.*\): (\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, base+"/admin") || !strings.Contains(out, base+"/kiosk") {
		t.Fatalf("first start printed %q", out)
	}
	token := m[1]
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	base, out, stop = serveInProcess(t, db, nil)
	defer stop()
	if strings.Contains(out, token) {
		t.Errorf("token printed again: %q", out)
	}
	for auth, want := range map[string]int{token: 200, "nope": 401} {
		if res, _ := request(t, "GET", base+"/api/v1/rooms", "", auth, nil); res.StatusCode != want {
			t.Errorf("Bearer %s: %d, want %d", auth, res.StatusCode, want)
		}
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{"lokaal"}, {"lokaal", "frobnicate"}, {"lokaal", "serve", "--nope"}} {
		if err := run(context.Background(), args, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// TestCrash kills the server without warning right after it acknowledged a
// batch: the batch must survive, and resending it must be a duplicate.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lokaal")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "data", "lokaal.db")
	const token = "crash-test-token"

	start := func() (*exec.Cmd, string) {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--allow-build", strings.Repeat("ab", 32))
		cmd.Env = append(os.Environ(), "LOKAAL_ADMIN_TOKEN="+token)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if m := servingLine.FindStringSubmatch(lines.Text()); m != nil {
				go io.Copy(io.Discard, stdout)
				return cmd, m[1]
			}
		}
		t.Fatal("server exited before serving")
		return nil, ""
	}
	call := func(base, method, path string, body any, admin bool) (int, []byte) {
		t.Helper()
		js, _ := json.Marshal(body)
		auth := ""
		if admin {
			auth = token
		}
		res, b := request(t, method, base+path, "application/json", auth, bytes.NewReader(js))
		return res.StatusCode, b
	}

	cmd, base := start()
	line := wire.Line{Name: "door", A: [2]float64{0, 0.8}, B: [2]float64{1, 0.8}, Mode: wire.Immediate}
	status, body := call(base, "POST", "/api/v1/kiosks", map[string]any{"name": "Door", "room": "hall", "lines": []wire.Line{line}}, true)
	if status != 201 {
		t.Fatalf("create kiosk: %d %s", status, body)
	}
	var k struct {
		Code string `json:"enrolment_code"`
	}
	json.Unmarshal(body, &k)
	pub, priv, _ := ed25519.GenerateKey(nil)
	status, body = call(base, "POST", "/api/v1/enrol", wire.EnrolRequest{Code: k.Code, PublicKey: base64.StdEncoding.EncodeToString(pub)}, false)
	if status != 201 {
		t.Fatalf("enrol: %d %s", status, body)
	}
	var enrolled wire.EnrolResponse
	json.Unmarshal(body, &enrolled)
	startMS := time.Now().Add(-time.Minute).UnixMilli()
	batch := wire.CountBatch{Device: enrolled.Device, Seq: 1, Build: strings.Repeat("ab", 32), Start: startMS, End: startMS + 60000,
		Lines: []wire.LineCount{{Line: "door", In: 4, Out: 1}}}.Sign(priv)
	if status, body = call(base, "POST", "/api/v1/counts", batch, false); status != 201 {
		t.Fatalf("ingest: %d %s", status, body)
	}

	// No shutdown, no flush: the acknowledgement must already be durable.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	_, base = start()
	q := fmt.Sprintf("/api/v1/counts?room=hall&bucket=1h&from=%d&to=%d", startMS-3600_000, startMS+3600_000)
	status, body = call(base, "GET", q, nil, true)
	var export struct {
		Rows []struct {
			Line    string
			In, Out int64
		}
	}
	if err := json.Unmarshal(body, &export); status != 200 || err != nil {
		t.Fatalf("export: %d %s", status, body)
	}
	var in, out int64
	for _, r := range export.Rows {
		in, out = in+r.In, out+r.Out
	}
	if in != 4 || out != 1 {
		t.Errorf("after the crash the export has in %d, out %d; want 4, 1: %s", in, out, body)
	}
	if status, body = call(base, "POST", "/api/v1/counts", batch, false); status != 200 || !strings.Contains(string(body), `"duplicate"`) {
		t.Errorf("resend after the crash: %d %s", status, body)
	}
}

// The one clock: --time-zone (else LOKAAL_TIME_ZONE) names the zone every
// page shows times in; an unknown zone stops serve before it listens.
func TestServeTimeZone(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := serveInProcess(t, filepath.Join(dir, "a.db"), map[string]string{"LOKAAL_TIME_ZONE": "America/New_York"}, "--time-zone", "Asia/Tokyo")
	defer stop()
	_, body := request(t, "GET", base+"/api/v1/clock", "", "", nil)
	var clock struct {
		TimeZone string `json:"time_zone"`
	}
	if err := json.Unmarshal(body, &clock); err != nil || clock.TimeZone != "Asia/Tokyo" {
		t.Fatalf("GET /api/v1/clock: %+v, %v; want the flag's zone", clock, err)
	}
	err := run(context.Background(), []string{"lokaal", "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "b.db")},
		func(k string) string { return map[string]string{"LOKAAL_TIME_ZONE": "Europe/Amsterdan"}[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "time zone") {
		t.Fatalf("serve with an unknown LOKAAL_TIME_ZONE: %v", err)
	}
}

// TestReceiptKeyFromEnv: LOKAAL_RECEIPT_KEY replaces the stored receipt key
// (the server publishes its public half); a bad one stops serve at start.
func TestReceiptKeyFromEnv(t *testing.T) {
	db := filepath.Join(t.TempDir(), "lokaal.db")
	seed := bytes.Repeat([]byte{42}, ed25519.SeedSize)
	want := base64.StdEncoding.EncodeToString(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
	published := func(env map[string]string) string {
		base, _, stop := serveInProcess(t, db, env)
		defer stop()
		_, body := request(t, "GET", base+"/api/v1/receipt-key", "", "", nil)
		var got struct{ Key string }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		return got.Key
	}
	stored := published(nil)
	if stored == "" || stored == want {
		t.Fatalf("stored key %q", stored)
	}
	if got := published(map[string]string{"LOKAAL_RECEIPT_KEY": base64.StdEncoding.EncodeToString(seed)}); got != want {
		t.Errorf("with LOKAAL_RECEIPT_KEY: key %q, want %q", got, want)
	}
	if got := published(nil); got != stored {
		t.Errorf("without it again: key %q, want the stored %q", got, stored)
	}

	env := map[string]string{"LOKAAL_RECEIPT_KEY": "c2hvcnQ="}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // were it to serve anyway
	defer cancel()
	err := run(ctx, []string{"lokaal", "serve", "--addr", "127.0.0.1:0", "--db", db}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "LOKAAL_RECEIPT_KEY") {
		t.Errorf("a bad seed: %v", err)
	}
}
