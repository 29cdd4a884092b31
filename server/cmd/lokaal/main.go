// Command lokaal serves the kiosk, the exam pages, the dashboard and the API
// on SQLite (lokaal serve). It checks an exam receipt (lokaal
// verify-receipt), that a server serves the client built from this source
// (lokaal verify-build) and the access log's hash chain (lokaal audit
// verify); adds a staff account (lokaal user add) and applies the retention
// policy (lokaal retention run) on the database; counts a recorded clip
// offline (lokaal replay); runs the face detector over still images (lokaal
// faces); and scores the detectors on labelled data (lokaal eval).
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/lokaal-nl/lokaal/internal/eval"
	"github.com/lokaal-nl/lokaal/internal/faces"
	"github.com/lokaal-nl/lokaal/internal/replay"
	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/assets"
	"github.com/lokaal-nl/lokaal/server/httpapi"
	"github.com/lokaal-nl/lokaal/server/sqlite"
	"github.com/lokaal-nl/lokaal/static"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lokaal:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  lokaal serve [--addr 127.0.0.1:8080] [--db data/lokaal.db] [--time-zone ZONE] [--frame-origins https://a.example,...]
               [--objection-contact TEXT] [--retention-every 1h] [--allow-build HEX,...] [--audit-key FILE] [--secure-cookies]
               [--oidc-issuer URL --oidc-client-id ID --oidc-redirect-url URL --oidc-role-claim CLAIM --oidc-roles VALUE=ROLE,...]
               (lokaal serve -h lists all)
  lokaal verify-receipt [--key BASE64 | --server http://127.0.0.1:8080] FILE
  lokaal verify-build [--src DIR] [--go go] https://host/
  lokaal audit verify [--db data/lokaal.db] [--head HEAD.json]
  lokaal user add [--db data/lokaal.db] --name NAME --role admin|reviewer
  lokaal retention run [--db data/lokaal.db] [--now RFC3339]
  lokaal replay ...
  lokaal faces [flags] FILE.jpg|FILE.png ...
  lokaal eval [--json] DIR...`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		return errors.New(usage)
	}
	switch args[1] {
	case "serve":
		return serve(ctx, args[2:], getenv, stdout, stderr)
	case "verify-receipt":
		return verifyReceipt(ctx, args[2:], stdout, stderr)
	case "verify-build":
		return verifyBuild(ctx, args[2:], stdout, stderr)
	case "audit":
		return audit(ctx, args[2:], stdout, stderr)
	case "user":
		return userCmd(ctx, args[2:], os.Stdin, stdout, stderr)
	case "retention":
		return retentionCmd(ctx, args[2:], stdout, stderr)
	case "replay":
		return replay.Run(ctx, args[2:], stdout, stderr)
	case "faces":
		return faces.Run(ctx, args[2:], stdout, stderr)
	case "eval":
		return eval.Run(ctx, args[2:], stdout, stderr)
	}
	return fmt.Errorf("unknown command %q\n%s", args[1], usage)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	dbPath := fs.String("db", "data/lokaal.db", "SQLite database file (its directory is created)")
	origins := fs.String("frame-origins", "", "comma-separated https origins whose exam pages /exam may frame")
	retentionEvery := fs.Duration("retention-every", time.Hour, "how often the retention policy is applied (also once at start); 0 disables it")
	objection := fs.String("objection-contact", "", "where students can object to proctoring, shown before an exam (default: the exam committee)")
	allowBuild := fs.String("allow-build", "", "comma-separated client builds (hex SHA-256 of a wasm) accepted besides the served ones, e.g. the previous release")
	auditKeyFile := fs.String("audit-key", "", "file holding the seed of the key that signs the access log's head, created on first start (default: audit.key beside the database); LOKAAL_AUDIT_KEY overrides it")
	secureCookies := fs.Bool("secure-cookies", false, "mark the staff session cookie Secure although requests arrive over plain HTTP: TLS ends at a proxy in front")
	timeZone := fs.String("time-zone", "", "the IANA time zone (e.g. Europe/Amsterdam) of the one clock timelines, tables and exports show, and 1d count buckets start in; LOKAAL_TIME_ZONE if unset, else this machine's")
	sso := addOIDCFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	frameOrigins, err := httpapi.ParseFrameOrigins(*origins)
	if err != nil {
		return fmt.Errorf("--frame-origins: %w", err)
	}
	if *timeZone == "" {
		*timeZone = getenv("LOKAAL_TIME_ZONE")
	}
	loc, err := server.Zone(*timeZone)
	if err != nil {
		return fmt.Errorf("--time-zone: %w", err)
	}
	builds, err := httpapi.ParseBuilds(*allowBuild)
	if err != nil {
		return fmt.Errorf("--allow-build: %w", err)
	}
	oidcLogin, err := sso.login(ctx, getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	db, err := sqlite.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// The receipt key: a configured seed wins over the stored one, so a
	// replacement or a second instance can sign with the same key.
	if seed := getenv("LOKAAL_RECEIPT_KEY"); seed != "" {
		if err := db.UseReceiptSeed(seed); err != nil {
			return fmt.Errorf("LOKAAL_RECEIPT_KEY: %w", err)
		}
	}
	if *auditKeyFile == "" {
		*auditKeyFile = filepath.Join(filepath.Dir(*dbPath), "audit.key")
	}
	auditKey, err := loadAuditKey(getenv("LOKAAL_AUDIT_KEY"), *auditKeyFile)
	if err != nil {
		return err
	}
	tokenHash, token, err := adminToken(ctx, db, getenv("LOKAAL_ADMIN_TOKEN"))
	if err != nil {
		return err
	}
	adminCreated, adminPassword, err := firstAdmin(ctx, db, getenv("LOKAAL_ADMIN_PASSWORD"), time.Now())
	if err != nil {
		return err
	}
	files, err := assets.Load(static.FS, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: httpapi.NewServer(httpapi.Deps{Logger: log, Store: db, Assets: files, AdminTokenHash: tokenHash, AuditKey: auditKey,
			FrameOrigins: frameOrigins, Objection: *objection, Builds: builds, Revision: revision, OIDC: oidcLogin, Location: loc, SecureCookies: *secureCookies}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "lokaal serving on %s/\n  dashboard: %s/admin (kiosks, exams, students)\n  rooms:     %s/dashboard (occupancy), %s/display?room=… (capacity screens)\n  kiosk:     %s/kiosk\n  review:    %s/review\n  time zone: %s\n",
		base, base, base, base, base, base, loc)
	switch {
	case token != "":
		fmt.Fprintf(stdout, "  admin token (shown once, only its hash is stored): %s\n", token)
	case getenv("LOKAAL_ADMIN_TOKEN") != "":
		fmt.Fprintln(stdout, "  admin token: from LOKAAL_ADMIN_TOKEN")
	default:
		fmt.Fprintln(stdout, "  admin token: as printed on first start (set LOKAAL_ADMIN_TOKEN to replace it)")
	}
	switch {
	case adminPassword != "":
		fmt.Fprintf(stdout, "  admin login: admin / %s (shown once, only its argon2id hash is stored)\n", adminPassword)
	case adminCreated:
		fmt.Fprintln(stdout, "  admin login: admin, with the password from LOKAAL_ADMIN_PASSWORD")
	}

	defer startRetention(ctx, log, db, *retentionEvery)()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Let requests in flight finish, so no acknowledged batch is cut off.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// adminToken returns the hash of the admin token: that of envToken if set,
// else the stored one, else that of a new token, which it also returns so
// it can be shown once.
func adminToken(ctx context.Context, db *sqlite.DB, envToken string) (hash []byte, token string, err error) {
	if envToken != "" {
		sum := sha256.Sum256([]byte(envToken))
		return sum[:], "", db.SetAdminTokenHash(ctx, sum[:])
	}
	if hash, err = db.AdminTokenHash(ctx); err != nil || hash != nil {
		return hash, "", err
	}
	token = rand.Text()
	sum := sha256.Sum256([]byte(token))
	return sum[:], token, db.SetAdminTokenHash(ctx, sum[:])
}
