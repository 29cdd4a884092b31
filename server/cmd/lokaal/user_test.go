package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/password"
	"github.com/lokaal-nl/lokaal/server/sqlite"
)

func checkPassword(t *testing.T, dbPath, name, pw string) server.User {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, hash, err := db.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := password.Verify(pw, hash); !ok || err != nil {
		t.Errorf("%s's password %q does not verify: %v", name, pw, err)
	}
	return u
}

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "l.db")
	ctx := context.Background()

	// Piped: the first line is the password.
	in := filepath.Join(dir, "pw")
	os.WriteFile(in, []byte("a piped password\nignored\n"), 0o600)
	f, _ := os.Open(in)
	defer f.Close()
	var out, errs bytes.Buffer
	if err := userCmd(ctx, []string{"add", "--db", dbPath, "--name", "ann", "--role", "reviewer"}, f, &out, &errs); err != nil {
		t.Fatal(err, errs.String())
	}
	if strings.Contains(out.String(), "password") {
		t.Errorf("printed a password it did not make: %q", out.String())
	}
	if u := checkPassword(t, dbPath, "ann", "a piped password"); u.Role != server.RoleReviewer {
		t.Errorf("role %s", u.Role)
	}

	// From a terminal (not piped): generated and printed once.
	out.Reset()
	if err := userCmd(ctx, []string{"add", "--db", dbPath, "--name", "bob", "--role", "admin"}, nil, &out, &errs); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`password \(shown once[^)]*\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no password in %q", out.String())
	}
	checkPassword(t, dbPath, "bob", m[1])

	for _, args := range [][]string{
		{"add", "--db", dbPath, "--name", "Bob", "--role", "admin"},     // taken
		{"add", "--db", dbPath, "--name", "carl", "--role", "student"},  // not staff
		{"add", "--db", dbPath, "--role", "admin"},                      // no name
		{"remove", "--db", dbPath, "--name", "carl", "--role", "admin"}, // no such command
	} {
		if err := userCmd(ctx, args, nil, &out, &errs); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("short\n"), 0o600)
	f3, _ := os.Open(short)
	defer f3.Close()
	if err := userCmd(ctx, []string{"add", "--db", dbPath, "--name", "dan", "--role", "admin"}, f3, &out, &errs); err == nil {
		t.Error("a 5-character password was accepted")
	}
}

func TestFirstAdmin(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	for _, env := range []string{"", "the configured password"} {
		dbPath := filepath.Join(t.TempDir(), "l.db")
		db, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		created, generated, err := firstAdmin(ctx, db, env, now)
		if err != nil || !created || (env == "") != (generated != "") {
			t.Fatalf("env %q: %v %q %v", env, created, generated, err)
		}
		// A second start creates nothing.
		if created, generated, err := firstAdmin(ctx, db, "", now); created || generated != "" || err != nil {
			t.Errorf("second start: %v %q %v", created, generated, err)
		}
		db.Close()
		pw := env
		if pw == "" {
			pw = generated
		}
		if u := checkPassword(t, dbPath, "admin", pw); u.Role != server.RoleAdmin {
			t.Errorf("role %s", u.Role)
		}
	}
}
