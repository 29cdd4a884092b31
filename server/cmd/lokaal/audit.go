package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

const auditUsage = "usage: lokaal audit verify [--db data/lokaal.db] [--head HEAD.json]"

// audit runs the access-log subcommands; verify is the only one.
func audit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := dbFlags("audit verify", stderr)
	headPath := fs.String("head", "", "a signed head kept elsewhere (the JSON of GET /api/v1/audit/head): the log must hold its entry unchanged")
	if err := parseVerb(fs, args, auditUsage); err != nil {
		return err
	}
	var head *server.SignedHead
	if *headPath != "" {
		raw, err := os.ReadFile(*headPath)
		if err != nil {
			return err
		}
		head = new(server.SignedHead)
		if err := json.Unmarshal(raw, head); err != nil {
			return fmt.Errorf("%s: not a signed head: %w", *headPath, err)
		}
		if err := head.Verify(); err != nil {
			return fmt.Errorf("%s: %w", *headPath, err)
		}
	}
	db, err := openExisting(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// The retention engine deletes old entries: the chain then starts at
	// its anchor, which the latest retention run's entry names.
	anchor, err := db.AccessAnchor(ctx)
	if err != nil {
		return err
	}
	entries, err := db.AccessEntries(ctx, 1, 0)
	if err != nil {
		return err
	}
	if seq, err := server.VerifyChainFrom(anchor, entries); err != nil {
		fmt.Fprintf(stdout, "broken at seq %d: %v\n", seq, err)
		return fmt.Errorf("the access log in %s does not verify from seq %d on", *dbPath, seq)
	}
	if err := server.CheckAnchor(anchor, entries); err != nil {
		fmt.Fprintf(stdout, "broken anchor: %v\n", err)
		return fmt.Errorf("the access log in %s starts at an anchor no retention run recorded", *dbPath)
	}
	last := anchor.Hash
	if len(entries) > 0 {
		last = entries[len(entries)-1].Hash
	}
	if head != nil {
		if err := server.CheckHead(*head, anchor, entries); err != nil {
			fmt.Fprintf(stdout, "does not match the signed head: %v\n", err)
			return fmt.Errorf("the access log in %s does not match the head in %s", *dbPath, *headPath)
		}
	}
	if anchor.Seq > 0 {
		fmt.Fprintf(stdout, "ok: %d entries from seq %d (entries up to %d deleted by retention, anchor %s), head %s\n",
			len(entries), anchor.Seq+1, anchor.Seq, anchor.Hash, last)
	} else {
		fmt.Fprintf(stdout, "ok: %d entries, head %s\n", len(entries), last)
	}
	if head != nil {
		fmt.Fprintf(stdout, "ok: holds entry %d of the head signed by %s at %s\n", head.Seq, head.Key, time.UnixMilli(head.At).UTC().Format(time.RFC3339))
	}
	return nil
}

// loadAuditKey reads the key that signs the access log's head: from a
// base64 seed (LOKAAL_AUDIT_KEY) when set, else from the seed in file,
// which is created (0600) on first start. The key never enters the
// database: whoever can rewrite the database must not be able to sign
// the rewritten head.
func loadAuditKey(seed, file string) (ed25519.PrivateKey, error) {
	parse := func(s, from string) (ed25519.PrivateKey, error) {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil || len(b) != ed25519.SeedSize {
			return nil, fmt.Errorf("%s: the audit key must be the base64 of a %d-byte seed", from, ed25519.SeedSize)
		}
		return ed25519.NewKeyFromSeed(b), nil
	}
	if seed != "" {
		return parse(seed, "LOKAAL_AUDIT_KEY")
	}
	raw, err := os.ReadFile(file)
	if err == nil {
		return parse(string(raw), file)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	b := make([]byte, ed25519.SeedSize)
	rand.Read(b)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(b) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(b), nil
}
