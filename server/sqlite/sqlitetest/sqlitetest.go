//go:build !js

// Package sqlitetest opens the SQL store for other packages' tests, on
// native SQLite or, with LOKAAL_STORE=d1, on server/d1's driver over SQLite
// as D1 runs it, so that a suite runs unchanged against both.
package sqlitetest

import (
	"context"
	"os"

	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/server/d1/d1sqlite"
	"github.com/lokaal-nl/lokaal/server/sqlite"
)

// OnD1 reports whether LOKAAL_STORE=d1 asks for the D1 driver.
func OnD1() bool { return os.Getenv("LOKAAL_STORE") == "d1" }

// Open is sqlite.Open, or on D1: the migrations applied by sqlite.Open, as
// wrangler applies them, then sqlite.New over the d1 driver on a fresh
// connection to the file, as a Worker has. Close closes either.
func Open(ctx context.Context, path string) (*sqlite.DB, error) {
	db, err := sqlite.Open(ctx, path)
	if err != nil || !OnD1() {
		return db, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	b, err := d1sqlite.Open(path)
	if err != nil {
		return nil, err
	}
	return sqlite.New(d1.OpenDB(b)), nil
}
