package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// revision is the source revision, set on the server binary only by the
// Makefile (-ldflags -X main.revision=…); never stamped into the wasm, whose
// bytes must not depend on it.
var revision string

// wasmFlags are the Makefile's WASM_FLAGS: no paths, no build id, no VCS
// stamp, so the client builds byte for byte the same everywhere.
var wasmFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-buildid="}

// clientEnv reads the checkout's Makefile for CLIENT_ENV, the toolchain
// the client is built with (GOTOOLCHAIN=… GOEXPERIMENT=…): the checkout
// being verified says how it builds, not this binary.
func clientEnv(src string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(src, "Makefile"))
	if err != nil {
		return nil, fmt.Errorf("the checkout's Makefile: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "CLIENT_ENV"); ok {
			if _, v, ok = strings.Cut(v, ":="); ok {
				return strings.Fields(v), nil
			}
		}
	}
	return nil, nil // an older checkout: the go command as it is
}

// clientPackages are the served client files and the packages they are
// built from.
var clientPackages = map[string]string{
	"kiosk.wasm": "./wasm/cmd/kiosk",
	"exam.wasm":  "./wasm/cmd/exam",
}

// modelSources are the model files the exam may load and how the Makefile
// makes them (MODEL_SPECS): converted by internal/cmd/modelgen from a file
// in node_modules (npm ci in the checkout), or, for pigo's cascade, copied
// from its Go module.
var modelSources = map[string]struct{ kind, in string }{
	"blazeface-short.lknn": {"blazeface-short", "node_modules/@mediapipe/face_detection/face_detection_short_range.tflite"},
	"blazeface-full.lknn":  {"blazeface-full", "node_modules/@mediapipe/face_detection/face_detection_full_range.tflite"},
	"silero-v5.lknn":       {"silero", "node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx"},
	"facefinder":           {"", "github.com/esimov/pigo@v1.4.6/cascade/facefinder"},
}

// maxWasmBytes bounds a download: the clients are a few MB.
const maxWasmBytes = 64 << 20

// verifyBuild downloads the wasm a server serves and compares it with a
// build of the local checkout: the check anyone can run that the code in
// their browser is the published code.
func verifyBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify-build", stderr)
	src := fs.String("src", ".", "the checked-out source (the directory holding go.mod)")
	goCmd := fs.String("go", "go", "the go command to build with")
	if err := parseArgs(fs, args, 1, "usage: lokaal verify-build [--src DIR] https://host/"); err != nil {
		return err
	}
	base := strings.TrimRight(fs.Arg(0), "/")
	client := &http.Client{Timeout: 2 * time.Minute}

	var facts struct {
		Revision  string `json:"revision"`
		GoVersion string `json:"go_version"`
		ClientGo  string `json:"client_toolchain"`
		Builds    struct {
			Served map[string]string `json:"served"`
			Exam   string            `json:"exam"`
		} `json:"builds"`
	}
	body, err := fetch(ctx, client, base+"/api/v1/transparency", 1<<20)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, &facts); err != nil {
		return fmt.Errorf("%s/api/v1/transparency: %w", base, err)
	}
	var files []string
	for name := range facts.Builds.Served {
		_, wasm := clientPackages[name]
		if _, model := modelSources[name]; !wasm && !model {
			return fmt.Errorf("the server serves %q, which this checkout does not know how to build", name)
		}
		files = append(files, name)
	}
	if len(files) == 0 {
		return fmt.Errorf("%s serves no client build", base)
	}
	slices.Sort(files)

	env, err := clientEnv(*src)
	if err != nil {
		return err
	}
	localGo := goVersion(ctx, *goCmd, *src, env)
	fmt.Fprintf(stdout, "server: %s  revision %s  client built with %s\n", base, facts.Revision, facts.ClientGo)
	fmt.Fprintf(stdout, "local:  %s  revision %s  client built with %s (%s)\n", *src, gitRevision(ctx, *src), strings.Join(env, " "), localGo)
	if facts.ClientGo != strings.Join(env, " ") {
		fmt.Fprintf(stdout, "warning: the server's client was built with %q, this checkout builds it with %q; the wasm differs between toolchains\n", facts.ClientGo, strings.Join(env, " "))
	}

	dir, err := os.MkdirTemp("", "lokaal-verify-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSERVED SHA-256\tLOCAL SHA-256\tRESULT")
	bad := 0
	for _, name := range files {
		claimed := facts.Builds.Served[name]
		served, local, result := "-", "-", "ok"
		wasm, err := fetch(ctx, client, base+"/assets/"+name, maxWasmBytes)
		if err == nil {
			served = hexSum(wasm)
			out := filepath.Join(dir, name)
			if pkg, ok := clientPackages[name]; ok {
				err = buildWasm(ctx, *goCmd, *src, env, pkg, out)
			} else {
				err = buildModel(ctx, *goCmd, *src, name, out)
			}
			if err == nil {
				var b []byte
				if b, err = os.ReadFile(out); err == nil {
					local = hexSum(b)
				}
			}
		}
		switch {
		case err != nil:
			result = "ERROR: " + err.Error()
		case served != claimed:
			result = "MISMATCH: the file served is not the one /transparency names (" + claimed + ")"
		case local != served:
			result = "MISMATCH: the served file is not a build of this checkout"
		}
		if result != "ok" {
			bad++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, served, local, result)
	}
	tw.Flush()
	// The exam build summaries carry is the manifest of exam.wasm and its
	// models: it must follow from the files just checked.
	if _, ok := facts.Builds.Served["exam.wasm"]; ok {
		exam := map[string]string{}
		for name, sum := range facts.Builds.Served {
			if name != "kiosk.wasm" {
				exam[name] = sum
			}
		}
		if id, err := wire.ManifestBuild(exam); err != nil || id != facts.Builds.Exam {
			fmt.Fprintf(stdout, "exam build %s: MISMATCH: the manifest of the files above is %s\n", facts.Builds.Exam, id)
			bad++
		} else {
			fmt.Fprintf(stdout, "exam build %s: the manifest of exam.wasm and its models\n", id)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d client files do not match the local build", bad, len(files))
	}
	fmt.Fprintf(stdout, "OK: %s serves exactly the client built from %s\n", base, *src)
	return nil
}

// buildWasm builds one client with the Makefile's flags and toolchain
// (env), as `make wasm` does.
func buildWasm(ctx context.Context, goCmd, src string, env []string, pkg, out string) error {
	args := append([]string{"build"}, wasmFlags...)
	cmd := exec.CommandContext(ctx, goCmd, append(args, "-o", out, pkg)...)
	cmd.Dir = src
	cmd.Env = append(append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS=", "CGO_ENABLED=0"), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v: %s", pkg, err, strings.TrimSpace(string(b)))
	}
	return nil
}

// buildModel makes one model file as the Makefile does.
func buildModel(ctx context.Context, goCmd, src, name, out string) error {
	m := modelSources[name]
	if m.kind == "" { // a file of a Go module, as served
		mod, file, _ := strings.Cut(m.in, "/cascade/")
		cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", mod)
		cmd.Dir = src
		b, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("go mod download %s: %v", mod, err)
		}
		var info struct{ Dir string }
		if err := json.Unmarshal(b, &info); err != nil {
			return err
		}
		data, err := os.ReadFile(filepath.Join(info.Dir, "cascade", file))
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	}
	if _, err := os.Stat(filepath.Join(src, m.in)); err != nil {
		return fmt.Errorf("%s: run npm ci in %s first", m.in, src)
	}
	cmd := exec.CommandContext(ctx, goCmd, "run", "./internal/cmd/modelgen", m.kind, m.in, out)
	cmd.Dir = src
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("modelgen %s: %v: %s", m.kind, err, strings.TrimSpace(string(b)))
	}
	return nil
}

func fetch(ctx context.Context, client *http.Client, url string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("GET %s: larger than %d bytes", url, limit)
	}
	return b, err
}

func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// goVersion is the toolchain that builds in src (go.mod's toolchain line
// may select another than the one on PATH).
func goVersion(ctx context.Context, goCmd, src string, env []string) string {
	cmd := exec.CommandContext(ctx, goCmd, "env", "GOVERSION")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func gitRevision(ctx context.Context, src string) string {
	b, err := exec.CommandContext(ctx, "git", "-C", src, "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
