// Package config reads the Worker's settings from its environment: Worker
// secrets (wrangler secret put) and [vars] in wrangler.toml, never the
// bundle. It is plain Go over a getenv function, so it is tested natively;
// the Worker passes cloudflare.Getenv.
package config

import (
	"cmp"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"slices"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/server"

	"github.com/lokaal-nl/lokaal/server/httpapi"
)

// Environment names. The secrets: LOKAAL_ADMIN_TOKEN, LOKAAL_RECEIPT_KEY,
// LOKAAL_AUDIT_KEY, LOKAAL_ADMIN_PASSWORD. The rest are [vars].
const (
	AdminToken    = "LOKAAL_ADMIN_TOKEN"    // secret: the admin bearer token (only its hash is kept)
	ReceiptKey    = "LOKAAL_RECEIPT_KEY"    // secret: base64 32-byte Ed25519 seed signing receipts
	AuditKey      = "LOKAAL_AUDIT_KEY"      // secret: base64 32-byte Ed25519 seed signing the access log's head
	AdminPassword = "LOKAAL_ADMIN_PASSWORD" // secret: the first admin's password, used once
	AllowBuilds   = "LOKAAL_ALLOW_BUILDS"   // var: extra client builds, comma-separated hex SHA-256
	FrameOrigins  = "LOKAAL_FRAME_ORIGINS"  // var: https origins /exam may frame, comma-separated
	Objection     = "LOKAAL_OBJECTION_CONTACT"
	Revision      = "LOKAAL_REVISION"
	TimeZone      = "LOKAAL_TIME_ZONE" // var: the one clock's IANA zone (server.Zone); default UTC, a Worker has no local zone
)

// Config is what the Worker's handler needs from its environment.
type Config struct {
	AdminTokenHash []byte             // SHA-256 of LOKAAL_ADMIN_TOKEN; nil: admin API closed
	ReceiptSeed    string             // LOKAAL_RECEIPT_KEY, checked by the store
	AuditKey       ed25519.PrivateKey // from LOKAAL_AUDIT_KEY; nil: GET /api/v1/audit/head answers 503
	AdminPassword  string             // LOKAAL_ADMIN_PASSWORD
	Builds         []string           // the served builds (from the files linked in by make worker) and LOKAAL_ALLOW_BUILDS
	Served         map[string]string  // the client files (the wasm, the exam's models) → the hash linked in
	FrameOrigins   []string
	Objection      string
	Revision       string         // LOKAAL_REVISION, else the one linked in
	Location       *time.Location // LOKAAL_TIME_ZONE
}

// Read reads the environment. served is the client files the Worker's
// static assets serve, "name=hex-sha256,…" (httpapi.ServedList: kiosk.wasm,
// exam.wasm and the exam's models), linked in at build time; revision the
// source revision linked in. A malformed value
// is an error naming the variable (the Worker refuses to serve rather
// than run with a setting silently dropped).
func Read(getenv func(string) string, served, revision string) (Config, error) {
	c := Config{
		ReceiptSeed:   getenv(ReceiptKey),
		AdminPassword: getenv(AdminPassword),
		Objection:     strings.TrimSpace(getenv(Objection)),
		Revision:      cmp.Or(getenv(Revision), revision),
	}
	if t := getenv(AdminToken); t != "" {
		sum := sha256.Sum256([]byte(t))
		c.AdminTokenHash = sum[:]
	}
	var errs []error
	var err error
	// The audit key signs the access log's head; it lives only in this
	// secret, never in D1, so whoever can rewrite the database cannot sign
	// the head of a rewritten log.
	if seed := strings.TrimSpace(getenv(AuditKey)); seed != "" {
		b, err := base64.StdEncoding.DecodeString(seed)
		if err != nil || len(b) != ed25519.SeedSize {
			errs = append(errs, fmt.Errorf("%s: must be the base64 of a %d-byte seed (openssl rand -base64 32)", AuditKey, ed25519.SeedSize))
		} else {
			c.AuditKey = ed25519.NewKeyFromSeed(b)
		}
	}
	if c.Served, err = httpapi.ParseServed(served); err != nil {
		errs = append(errs, fmt.Errorf("linked builds: %w", err))
	}
	if len(c.Served) == 0 {
		c.Served = nil
	}
	c.Builds = httpapi.ServedBuilds(c.Served)
	extra, err := httpapi.ParseBuilds(getenv(AllowBuilds))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", AllowBuilds, err))
	}
	for _, b := range extra {
		if !slices.Contains(c.Builds, b) {
			c.Builds = append(c.Builds, b)
		}
	}
	if c.FrameOrigins, err = httpapi.ParseFrameOrigins(getenv(FrameOrigins)); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", FrameOrigins, err))
	}
	if c.Location, err = server.Zone(cmp.Or(strings.TrimSpace(getenv(TimeZone)), "UTC")); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", TimeZone, err))
	}
	return c, errors.Join(errs...)
}
