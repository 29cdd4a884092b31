//go:build js && wasm

// Command worker is lokaal on Cloudflare Workers: the same http.Handler as
// `lokaal serve`, with the same SQL store on D1, built by `make worker`.
//
// Workers start a fresh Go instance for every request and every cron
// event, so nothing here may depend on state surviving between them (hash
// chains and seq checks are serialised by D1 transactions, see server/d1),
// and main does as little as possible before serving: no work at package
// init, no migrations (wrangler applies them), no asset loading or
// compression (Workers static assets serve the pages and the client, see
// wrangler.toml), nothing read from D1 until a route needs it.
//
// Settings come from the Worker's environment (package config): secrets
// LOKAAL_ADMIN_TOKEN, LOKAAL_RECEIPT_KEY, LOKAAL_AUDIT_KEY and
// LOKAAL_ADMIN_PASSWORD, and
// [vars]. The served client builds are linked in by make worker
// (-X main.builds), so counts and summaries from them are accepted.
package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"testing/fstest"
	"time"
	_ "time/tzdata" // LOKAAL_TIME_ZONE: a Worker has no zoneinfo files

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/assets"
	"github.com/lokaal-nl/lokaal/server/cmd/worker/config"
	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/server/httpapi"
	"github.com/lokaal-nl/lokaal/server/password"
	"github.com/lokaal-nl/lokaal/server/retention"
	"github.com/lokaal-nl/lokaal/server/sqlite"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/cron"
)

// Linked in by make worker: the client files in build/public with their hex
// SHA-256, "name=hex,…" (publicgen -served), and the source revision.
var builds, revision string

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, cfgErr := config.Read(cloudflare.Getenv, builds, revision)
	db, err := d1.Open(cloudflare.GetBinding("DB"))
	if err != nil {
		cfgErr = errors.Join(cfgErr, err)
	}
	var store *sqlite.DB
	if db != nil {
		store = sqlite.New(db)
		if cfg.ReceiptSeed != "" {
			if err := store.UseReceiptSeed(cfg.ReceiptSeed); err != nil {
				cfgErr = errors.Join(cfgErr, errors.New(config.ReceiptKey+": "+err.Error()))
			}
		}
	}
	if cfgErr != nil {
		// Refuse to serve rather than run with a setting dropped.
		log.Error("worker misconfigured", "err", cfgErr)
		cron.ScheduleTaskNonBlock(func(context.Context) error { return cfgErr })
		workers.Serve(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "lokaal: the Worker is misconfigured; see its log", http.StatusServiceUnavailable)
		}))
		return
	}
	cron.ScheduleTaskNonBlock(func(ctx context.Context) error { return scheduled(ctx, log, store) })

	// Pages and the client come from Workers static assets; the handler
	// gets an empty set (loading it reads nothing and compresses nothing),
	// so its page routes are only reached if the assets are missing.
	files, err := assets.Load(fstest.MapFS{"build": &fstest.MapFile{Mode: fs.ModeDir}}, log)
	if err != nil {
		log.Error("assets", "err", err)
	}
	h := httpapi.NewServer(httpapi.Deps{
		Logger:         log,
		Store:          store,
		Assets:         files,
		AdminTokenHash: cfg.AdminTokenHash,
		AuditKey:       cfg.AuditKey,
		Builds:         cfg.Builds,
		Served:         cfg.Served,
		FrameOrigins:   cfg.FrameOrigins,
		Objection:      cfg.Objection,
		Revision:       cfg.Revision,
		Location:       cfg.Location,
		// Cloudflare ends TLS in front of the Worker.
		SecureCookies: true,
	})
	if cfg.AdminPassword != "" {
		h = firstAdmin(log, store, cfg.AdminPassword, h)
	}
	workers.Serve(recovering(log, h))
}

// recovering answers a panic with 500, as net/http's server does natively;
// in a Worker an unrecovered panic ends the instance and the request hangs
// until the runtime cancels it. A handler that has started its body and
// cannot finish it (the counts export, http.ErrAbortHandler) gets the
// error text after what it wrote, which no JSON or CSV reader takes for a
// complete export: net/http would cut the connection instead.
func recovering(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				log.Error("panic serving a request", "panic", v)
				http.Error(w, `{"code":"internal","message":"internal error"}`, http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// scheduled runs on the cron trigger of wrangler.toml: the retention engine,
// as serve's scheduler and `lokaal retention run` call it. An error is
// logged and returned; syumai's cron package then panics, which ends the
// instance and marks the cron event failed (workerd reports exceededCpu:
// the event's promise never settles). The run left what it finished done
// and wrote no deletion record, so the next event picks up the rest.
func scheduled(ctx context.Context, log *slog.Logger, store *sqlite.DB) error {
	rec, err := retention.Run(ctx, store, time.Now(), server.TriggerCron)
	if err != nil {
		log.Error("cron: retention", "err", err)
		return err
	}
	log.Info("cron: retention", "deleted", rec.Deleted)
	return nil
}

// firstAdmin creates the account "admin" with LOKAAL_ADMIN_PASSWORD when a
// login is tried and no admin exists, as serve does at start. A Worker has
// no start, and hashing at every instance would cost every request: this
// costs one read per login request, and the argon2id hash once.
func firstAdmin(log *slog.Logger, store *sqlite.DB, pw string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/auth/login" {
			if err := ensureAdmin(r.Context(), store, pw, time.Now()); err != nil {
				log.Error("first admin", "err", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func ensureAdmin(ctx context.Context, store *sqlite.DB, pw string, now time.Time) error {
	_, err := server.FirstAdmin(ctx, store, func() (string, error) { return password.Hash(pw) },
		server.SystemActor("worker", "worker (LOKAAL_ADMIN_PASSWORD)", now))
	if errors.Is(err, server.ErrNameTaken) { // a concurrent first login made it, or "admin" is a reviewer
		return nil
	}
	return err
}
