package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

type fakeUsers struct {
	users []User
	taken bool
}

func (f *fakeUsers) Users(context.Context) ([]User, error) { return f.users, nil }
func (f *fakeUsers) CreateUser(_ context.Context, u User, _ string, _ Actor) error {
	if f.taken {
		return ErrNameTaken
	}
	f.users = append(f.users, u)
	return nil
}

// TestFirstAdmin: one admin is made when there is none, hashing only then;
// a name taken by another account is reported.
func TestFirstAdmin(t *testing.T) {
	ctx, by := context.Background(), SystemActor("test", "test", time.Unix(1e9, 0))
	hashed := 0
	hash := func() (string, error) { hashed++; return "h", nil }

	f := &fakeUsers{users: []User{{Name: "rev", Role: RoleReviewer}}}
	if made, err := FirstAdmin(ctx, f, hash, by); !made || err != nil || hashed != 1 {
		t.Fatalf("no admin yet: made %v, %v, hashed %d", made, err, hashed)
	}
	if u := f.users[1]; u.Name != "admin" || u.Role != RoleAdmin || !strings.HasPrefix(u.ID, "u-") || len(u.ID) != 18 || !u.Created.Equal(by.At) {
		t.Errorf("made %+v", u)
	}
	if made, err := FirstAdmin(ctx, f, hash, by); made || err != nil || hashed != 1 {
		t.Errorf("an admin exists: made %v, %v, hashed %d", made, err, hashed)
	}
	if _, err := FirstAdmin(ctx, &fakeUsers{taken: true}, hash, by); !errors.Is(err, ErrNameTaken) {
		t.Errorf("name taken: %v", err)
	}
}
