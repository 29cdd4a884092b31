//go:build !js

package sqlite

import (
	"errors"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

func TestUsers(t *testing.T) {
	db := openNew(t)
	t0 := time.UnixMilli(1_770_000_000_000)
	by := server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: t0}
	ann := server.User{ID: "u-1", Name: "Ann", Role: server.RoleReviewer, Created: t0}
	if err := db.CreateUser(ctx, ann, "$argon2id$fake", by); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, server.User{ID: "u-2", Name: "ann", Role: server.RoleAdmin, Created: t0}, "", by); !errors.Is(err, server.ErrNameTaken) {
		t.Errorf("same name in other case: %v", err)
	}
	if err := db.CreateUser(ctx, server.User{ID: "u-3", Name: "Bob", Role: "student", Created: t0}, "", by); err == nil {
		t.Error("a student account was stored")
	}
	u, hash, err := db.UserByName(ctx, "ANN")
	if err != nil || u.ID != "u-1" || u.Role != server.RoleReviewer || !u.Password || hash != "$argon2id$fake" || !u.Created.Equal(t0) {
		t.Errorf("UserByName = %+v %q %v", u, hash, err)
	}
	if _, _, err := db.UserByName(ctx, "nobody"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown name: %v", err)
	}

	// Sessions: idle and absolute expiry, touched at most once a minute.
	idHash := []byte("0123456789abcdef0123456789abcdef")
	ss := server.StaffSession{User: u, CSRF: "c", Created: t0, LastSeen: t0, Expires: t0.Add(server.LoginAbsolute)}
	if err := db.CreateStaffSession(ctx, ss, idHash, "password"); err != nil {
		t.Fatal(err)
	}
	at := t0
	for range 9 { // 7h50 in steps under the idle time: still alive
		at = at.Add(50 * time.Minute)
		if at.After(t0.Add(server.LoginAbsolute)) {
			break
		}
		got, err := db.StaffSession(ctx, idHash, at)
		if err != nil || got.User.Name != "Ann" || got.CSRF != "c" || !got.LastSeen.Equal(at) {
			t.Fatalf("at %v: %+v %v", at.Sub(t0), got, err)
		}
	}
	if _, err := db.StaffSession(ctx, idHash, t0.Add(server.LoginAbsolute)); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("after the absolute end: %v", err)
	}
	idle := []byte("idle-session-hash-0123456789abcd")
	ss.Created, ss.LastSeen, ss.Expires = at, at, at.Add(server.LoginAbsolute)
	if err := db.CreateStaffSession(ctx, ss, idle, "password"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StaffSession(ctx, idle, at.Add(server.LoginIdle-time.Millisecond)); err != nil {
		t.Errorf("just before idle: %v", err)
	}
	late := at.Add(server.LoginIdle - time.Millisecond + server.LoginIdle)
	if _, err := db.StaffSession(ctx, idle, late); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("idle for an hour: %v", err)
	}
	if n, err := db.ExpireStaffSessions(ctx, late); n != 2 || err != nil {
		t.Errorf("ExpireStaffSessions = %d %v", n, err)
	}

	// Logout, then disabling ends the remaining sessions.
	live := []byte("live-session-hash-0123456789abcd")
	ss.Created, ss.LastSeen, ss.Expires = late, late, late.Add(server.LoginAbsolute)
	for _, h := range [][]byte{idHash, live} {
		if err := db.CreateStaffSession(ctx, ss, h, "oidc"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteStaffSession(ctx, idHash, server.Actor{Kind: server.ActorStaff, ID: "u-Ann", Who: "Ann", At: late}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteStaffSession(ctx, idHash, server.Actor{Kind: server.ActorStaff, ID: "u-Ann", Who: "Ann", At: late}); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("second logout: %v", err)
	}
	if _, err := db.StaffSession(ctx, live, late); err != nil {
		t.Fatal(err)
	}
	d, err := db.DisableUser(ctx, "u-1", server.Actor{Kind: server.ActorStaff, ID: "u-admin", Who: "admin", At: late})
	if err != nil || d.Disabled == nil || !d.Disabled.Equal(late) {
		t.Fatalf("DisableUser = %+v %v", d, err)
	}
	if _, err := db.StaffSession(ctx, live, late); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("session of a disabled user: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM staff_sessions"); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	if _, err := db.DisableUser(ctx, "u-404", by); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("disable unknown: %v", err)
	}

	// Single sign-on: created without a password, role follows the claims,
	// never takes over a local or disabled account.
	sso, err := db.EnsureSSOUser(ctx, "carol@uni.example", server.RoleReviewer, "u-4", by)
	if err != nil || sso.ID != "u-4" || sso.Password {
		t.Fatalf("EnsureSSOUser = %+v %v", sso, err)
	}
	if sso, err = db.EnsureSSOUser(ctx, "carol@uni.example", server.RoleAdmin, "u-5", by); err != nil || sso.ID != "u-4" || sso.Role != server.RoleAdmin {
		t.Errorf("role change: %+v %v", sso, err)
	}
	if _, err := db.EnsureSSOUser(ctx, "ann", server.RoleAdmin, "u-6", by); !errors.Is(err, server.ErrDisabled) {
		t.Errorf("disabled: %v", err)
	}
	if err := db.CreateUser(ctx, server.User{ID: "u-7", Name: "dave", Role: server.RoleAdmin, Created: t0}, "$argon2id$x", by); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureSSOUser(ctx, "Dave", server.RoleAdmin, "u-8", by); !errors.Is(err, server.ErrNameTaken) {
		t.Errorf("local account: %v", err)
	}
	users, err := db.Users(ctx)
	if err != nil || len(users) != 3 || users[0].Name != "Ann" || users[1].Name != "carol@uni.example" {
		t.Errorf("Users = %+v %v", users, err)
	}

	// Every change and login is in the access log, in order.
	entries, err := db.AccessEntries(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	want := []string{"create user", "login", "login", "login", "login", "logout", "disable user", "create user", "update user", "create user"}
	if len(actions) != len(want) {
		t.Fatalf("actions %q, want %q", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("actions %q, want %q", actions, want)
		}
	}
	if _, err := server.VerifyChainFrom(server.GenesisAnchor, entries); err != nil {
		t.Error(err)
	}
}
