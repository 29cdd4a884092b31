package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// verifyReceipt checks a receipt file against the server's published key,
// or a key given on the command line, and prints a one-line summary.
func verifyReceipt(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify-receipt", stderr)
	keyFlag := fs.String("key", "", "the server's receipt key, base64 (instead of fetching it)")
	server := fs.String("server", "http://127.0.0.1:8080", "the server whose published key (/api/v1/receipt-key) to check against")
	if err := parseArgs(fs, args, 1, "usage: lokaal verify-receipt [--key BASE64 | --server URL] FILE"); err != nil {
		return err
	}
	serverSet := false
	fs.Visit(func(f *flag.Flag) { serverSet = serverSet || f.Name == "server" })
	if *keyFlag != "" && serverSet {
		return errors.New("give --key or --server, not both")
	}

	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var r wire.SignedReceipt
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return fmt.Errorf("%s is not a lokaal receipt: %v", fs.Arg(0), err)
	}

	keyB64, source := *keyFlag, "the key given"
	if keyB64 == "" {
		if keyB64, err = fetchKey(ctx, *server); err != nil {
			return err
		}
		source = "the key published by " + *server
	}
	key, err := base64.StdEncoding.Strict().DecodeString(keyB64)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("the receipt key must be base64 of %d bytes", ed25519.PublicKeySize)
	}
	if err := r.Verify(key); err != nil {
		var we *wire.Error
		if errors.As(err, &we) {
			err = errors.New(we.Message)
		}
		return fmt.Errorf("receipt %s does NOT verify against %s: %v", fs.Arg(0), source, err)
	}

	rc := r.Receipt
	kinds := make([]string, 0, len(rc.Counts))
	for k, n := range rc.Counts {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
	}
	slices.Sort(kinds)
	counts := strings.Join(kinds, " ")
	if counts == "" {
		counts = "none"
	}
	fmt.Fprintf(stdout, "OK: session %s of exam %s, %d summaries, head %s, issued %s, events: %s\n",
		rc.Session, rc.Exam, rc.LastSeq, rc.Head, time.UnixMilli(rc.Issued).UTC().Format(time.RFC3339), counts)
	return nil
}

// fetchKey gets the published receipt key.
func fetchKey(ctx context.Context, server string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(server, "/")+"/api/v1/receipt-key", nil)
	if err != nil {
		return "", fmt.Errorf("--server: %v", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetching the receipt key: %v", err)
	}
	defer res.Body.Close()
	var body struct {
		Key string `json:"key"`
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetching the receipt key: %s answered %s", req.URL, res.Status)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 4096)).Decode(&body); err != nil || body.Key == "" {
		return "", fmt.Errorf("fetching the receipt key: %s did not answer a key", req.URL)
	}
	return body.Key, nil
}
