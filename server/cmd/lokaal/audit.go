package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/sqlite"
)

const auditUsage = "usage: lokaal audit verify [--db data/lokaal.db]"

// audit runs the access-log subcommands; verify is the only one.
func audit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 1 || args[0] != "verify" {
		return errors.New(auditUsage)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "data/lokaal.db", "SQLite database file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(auditUsage)
	}
	// Open would create a missing database: verifying one is a mistake.
	if _, err := os.Stat(*dbPath); err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, *dbPath)
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
	head := anchor.Hash
	if len(entries) > 0 {
		head = entries[len(entries)-1].Hash
	}
	if anchor.Seq > 0 {
		fmt.Fprintf(stdout, "ok: %d entries from seq %d (entries up to %d deleted by retention, anchor %s), head %s\n",
			len(entries), anchor.Seq+1, anchor.Seq, anchor.Hash, head)
		return nil
	}
	fmt.Fprintf(stdout, "ok: %d entries, head %s\n", len(entries), head)
	return nil
}
