//go:build js && wasm

// Command worker is lokaal on Cloudflare Workers: the same http.Handler as
// `lokaal serve`, with D1 as the store, built by `make worker`.
//
// Workers start a fresh Go instance for every request and every cron
// event, so nothing here may depend on state surviving between them, and
// main does as little as possible before serving: no migrations (wrangler
// applies them), no asset compression (Workers static assets serve the
// pages and the client, see wrangler.toml).
//
// Today the store answers Ping from D1 and nothing else: the lead wires
// the SQL store on d1.Open next (see the report of issue 5's groundwork).
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"io/fs"
	"log/slog"
	"os"
	"testing/fstest"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/assets"
	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/server/httpapi"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/cron"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	db, err := d1.Open(cloudflare.GetBinding("DB"))
	if err != nil {
		log.Error("no D1 binding DB", "err", err)
	}
	cron.ScheduleTaskNonBlock(func(ctx context.Context) error { return scheduled(ctx, log, db) })

	var tokenHash []byte
	if t := cloudflare.Getenv("LOKAAL_ADMIN_TOKEN"); t != "" { // a Worker secret
		sum := sha256.Sum256([]byte(t))
		tokenHash = sum[:]
	}
	// Pages and the client come from Workers static assets; the handler
	// gets an empty set, so its page routes are only reached if the
	// assets are missing.
	files, err := assets.Load(fstest.MapFS{"build": &fstest.MapFile{Mode: fs.ModeDir}}, log)
	if err != nil {
		log.Error("assets", "err", err)
	}
	workers.Serve(httpapi.NewServer(httpapi.Deps{
		Logger:         log,
		Store:          store{db: db},
		Assets:         files,
		AdminTokenHash: tokenHash,
		Revision:       cloudflare.Getenv("LOKAAL_REVISION"),
	}))
}

// scheduled runs on the cron trigger of wrangler.toml. It will run the
// retention engine; for now it only proves the path reaches D1.
func scheduled(ctx context.Context, log *slog.Logger, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&n); err != nil {
		log.Error("cron: D1", "err", err)
		return err
	}
	log.Info("cron: retention not wired yet", "tables", n)
	return nil
}

// store is the placeholder for the SQL store on D1: Ping works, every other
// method is the nil interface's and panics.
type store struct {
	server.Store
	db *sql.DB
}

func (s store) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}
