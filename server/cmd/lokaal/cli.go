package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"

	"github.com/lokaal-nl/lokaal/server/sqlite"
)

// newFlags is the flag set of a subcommand; its errors and help go to
// stderr, and a bad flag is returned rather than exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseArgs parses args with fs and wants exactly n arguments after the
// flags: any other number answers usage.
func parseArgs(fs *flag.FlagSet, args []string, n int, usage string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != n {
		return errors.New(usage)
	}
	return nil
}

// dbFlags is the flag set of a subcommand on the database, `lokaal CMD
// VERB` named "CMD VERB", with --db its file.
func dbFlags(name string, stderr io.Writer) (fs *flag.FlagSet, dbPath *string) {
	fs = newFlags(name, stderr)
	return fs, fs.String("db", "data/lokaal.db", "SQLite database file")
}

// parseVerb parses args, the words after `lokaal CMD`: the VERB fs is
// named for, then flags only; anything else answers usage.
func parseVerb(fs *flag.FlagSet, args []string, usage string) error {
	_, verb, _ := strings.Cut(fs.Name(), " ")
	if len(args) < 1 || args[0] != verb {
		return errors.New(usage)
	}
	return parseArgs(fs, args[1:], 0, usage)
}

// openExisting opens the database at path, which must exist: Open would
// create a missing one, and checking or pruning an empty database is a
// mistake in the path.
func openExisting(ctx context.Context, path string) (*sqlite.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, path)
}
