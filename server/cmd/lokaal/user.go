package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/password"
	"github.com/lokaal-nl/lokaal/server/sqlite"
)

const userUsage = `usage: lokaal user add [--db data/lokaal.db] --name NAME --role admin|reviewer
  The password is read from standard input when it is piped (one line),
  otherwise a new one is generated and printed once.`

// cliActor is who the access log names for accounts made on the command
// line: whoever can run the binary on the server.
const cliActor = "command line"

// userCmd runs `lokaal user add`. stdin is read only when piped, so a
// password is never echoed on a terminal.
func userCmd(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) error {
	fs, dbPath := dbFlags("user add", stderr)
	name := fs.String("name", "", "the login name")
	role := fs.String("role", "", "admin or reviewer")
	if err := parseVerb(fs, args, userUsage); err != nil {
		return err
	}
	if *name == "" || !server.Role(*role).Staff() {
		return errors.New(userUsage)
	}
	pw, generated := "", false
	if piped(stdin) {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		pw, generated = rand.Text(), true
	}
	db, err := sqlite.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := addUser(ctx, db, *name, server.Role(*role), pw, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added with role %s\n", *name, *role)
	if generated {
		fmt.Fprintf(stdout, "password (shown once, only its argon2id hash is stored): %s\n", pw)
	}
	return nil
}

// piped reports whether f is a pipe or a file rather than a terminal.
func piped(f *os.File) bool {
	if f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice == 0
}

func addUser(ctx context.Context, db *sqlite.DB, name string, role server.Role, pw string, now time.Time) error {
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	u := server.User{ID: server.NewID("u-"), Name: name, Role: role, Created: now}
	err = db.CreateUser(ctx, u, hash, server.SystemActor("cli", cliActor, now))
	if errors.Is(err, server.ErrNameTaken) {
		return fmt.Errorf("a user named %q exists", name)
	}
	return err
}

// firstAdmin makes sure an admin can log in (server.FirstAdmin), with
// envPassword, or with a generated password that it returns to be shown
// once.
func firstAdmin(ctx context.Context, db *sqlite.DB, envPassword string, now time.Time) (created bool, generated string, err error) {
	pw := envPassword
	if pw == "" {
		generated = rand.Text()
		pw = generated
	}
	created, err = server.FirstAdmin(ctx, db, func() (string, error) { return password.Hash(pw) }, server.SystemActor("cli", cliActor, now))
	if errors.Is(err, server.ErrNameTaken) {
		err = fmt.Errorf("a user named %q exists", "admin")
	}
	if err != nil {
		return false, "", fmt.Errorf("creating the first admin: %w", err)
	}
	if !created {
		generated = ""
	}
	return created, generated, nil
}
