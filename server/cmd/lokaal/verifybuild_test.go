package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the checkout this test runs in.
const repoRoot = "../../.."

// fakeServer serves /api/v1/transparency naming claimed as kiosk.wasm's
// hash, and wasm as /assets/kiosk.wasm.
func fakeServer(t *testing.T, claimed string, wasm []byte) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/transparency", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"revision": "test", "go_version": "go-test",
			"builds": map[string]any{"served": map[string]string{"kiosk.wasm": claimed}}})
	})
	mux.HandleFunc("GET /assets/kiosk.wasm", func(w http.ResponseWriter, r *http.Request) { w.Write(wasm) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

func TestVerifyBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kiosk.wasm")
	}
	out := filepath.Join(t.TempDir(), "kiosk.wasm")
	env, err := clientEnv(repoRoot)
	if err != nil || len(env) == 0 {
		t.Fatalf("CLIENT_ENV %q: %v", env, err)
	}
	if err := buildWasm(context.Background(), "go", repoRoot, env, clientPackages["kiosk.wasm"], out); err != nil {
		t.Fatal(err)
	}
	real, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(real)
	tampered[len(tampered)/2] ^= 1

	verify := func(url string) (string, error) {
		var stdout bytes.Buffer
		err := run(context.Background(), []string{"lokaal", "verify-build", "--src", repoRoot, url}, func(string) string { return "" }, &stdout, io.Discard)
		return stdout.String(), err
	}

	got, err := verify(fakeServer(t, hexSum(real), real))
	if err != nil || !strings.Contains(got, "kiosk.wasm  "+hexSum(real)+"  "+hexSum(real)+"  ok") || !strings.Contains(got, "OK: ") {
		t.Errorf("the published build: %v\n%s", err, got)
	}
	// A server that names what it serves, but serves something else than
	// this source builds.
	got, err = verify(fakeServer(t, hexSum(tampered), tampered))
	if err == nil || !strings.Contains(got, "MISMATCH: the served file is not a build of this checkout") || strings.Contains(got, "OK: ") {
		t.Errorf("a tampered build: %v\n%s", err, got)
	}
	// A server whose /transparency names the real build but serves another.
	got, err = verify(fakeServer(t, hexSum(real), tampered))
	if err == nil || !strings.Contains(got, "MISMATCH: the file served is not the one /transparency names") {
		t.Errorf("a server lying on /transparency: %v\n%s", err, got)
	}
}

func TestVerifyBuildUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"a", "b"}} {
		if err := verifyBuild(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	// A server that serves no client cannot be verified.
	if err := verifyBuild(context.Background(), []string{fakeServerNone(t)}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no client build") {
		t.Errorf("no builds: %v", err)
	}
}

func fakeServerNone(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"builds":{"served":{}}}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestVerifyBuildModel: a model file is rebuilt as the Makefile makes it
// (pigo's cascade: copied from its Go module) and compared like the wasm.
func TestVerifyBuildModel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "facefinder")
	if err := buildModel(context.Background(), "go", repoRoot, "facefinder", out); err != nil {
		t.Skip("pigo's module is not downloadable here:", err)
	}
	real, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(body []byte) string {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /api/v1/transparency", func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"revision": "test", "go_version": "go-test",
				"builds": map[string]any{"served": map[string]string{"facefinder": hexSum(real)}}})
		})
		mux.HandleFunc("GET /assets/facefinder", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv.URL + "/"
	}
	var stdout bytes.Buffer
	if err := verifyBuild(context.Background(), []string{"--src", repoRoot, serve(real)}, &stdout, io.Discard); err != nil {
		t.Errorf("the published model: %v\n%s", err, stdout.String())
	}
	tampered := bytes.Clone(real)
	tampered[len(tampered)/2] ^= 1
	stdout.Reset()
	if err := verifyBuild(context.Background(), []string{"--src", repoRoot, serve(tampered)}, &stdout, io.Discard); err == nil {
		t.Errorf("a changed model passed:\n%s", stdout.String())
	}
}
