package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"
)

// Role is what a caller may do. Staff (admin, reviewer) log in; a student
// holds an access link; a device holds a kiosk key and may only post counts.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleReviewer Role = "reviewer"
	RoleStudent  Role = "student"
	RoleDevice   Role = "device"
)

// Staff reports whether staff may log in with the role.
func (r Role) Staff() bool { return r == RoleAdmin || r == RoleReviewer }

// User is a staff account. Password is false for a single-sign-on user,
// who has no local password.
type User struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Role     Role       `json:"role"`
	Password bool       `json:"password"`
	Created  time.Time  `json:"created"`
	Disabled *time.Time `json:"disabled"`
}

// A staff login (its StaffSession) ends LoginAbsolute after it began, or
// earlier when unused for LoginIdle: a working day at most, and an unattended browser in a
// shared office is logged out within the hour.
const (
	LoginAbsolute = 8 * time.Hour
	LoginIdle     = time.Hour
)

// StaffSession is a staff login: a logged-in browser. It is not an exam
// Session (exam.go), a student's proctored sitting. Its id lives only in the cookie; the
// store keys it by the id's SHA-256.
type StaffSession struct {
	User     User
	CSRF     string // the synchronizer token state changes must carry
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time // absolute end
}

// Access log actions of staff accounts.
const (
	ActionCreateUser  = "create user"
	ActionUpdateUser  = "update user"
	ActionDisableUser = "disable user"
	ActionLogin       = "login"
	ActionLoginFailed = "login failed"
	ActionLogout      = "logout"
)

// Account errors.
var (
	ErrNameTaken = errors.New("a user with this name exists")
	ErrDisabled  = errors.New("the account is disabled")
)

// UserStore keeps staff accounts and their login sessions. Every change
// appends its access-log entry in the same transaction.
type UserStore interface {
	// CreateUser stores u with its argon2id hash ("" for single sign-on).
	CreateUser(ctx context.Context, u User, passwordHash string, by Actor) error
	// UserByName returns the user (disabled ones too) and its password
	// hash, "" when it has none. Names compare case-insensitively.
	UserByName(ctx context.Context, name string) (User, string, error)
	Users(ctx context.Context) ([]User, error)
	// DisableUser disables the user and ends all its sessions.
	DisableUser(ctx context.Context, id string, by Actor) (User, error)
	// EnsureSSOUser creates the single-sign-on user name, or updates its
	// role to the one its claims give now. It fails with ErrDisabled for a
	// disabled user and ErrNameTaken for a local (password) account.
	EnsureSSOUser(ctx context.Context, name string, role Role, newID string, by Actor) (User, error)
	// CreateStaffSession stores s under idHash and logs the login (via says
	// how: "password", "oidc").
	CreateStaffSession(ctx context.Context, s StaffSession, idHash []byte, via string) error
	// StaffSession returns the live session with idHash and marks it used
	// at now; ErrNotFound when unknown, expired, idle too long or its user
	// disabled.
	StaffSession(ctx context.Context, idHash []byte, now time.Time) (StaffSession, error)
	// DeleteStaffSession ends a session (logout) and logs it.
	DeleteStaffSession(ctx context.Context, idHash []byte, by Actor) error
	// ExpireStaffSessions deletes sessions ended by now and says how many.
	ExpireStaffSessions(ctx context.Context, now time.Time) (int, error)
}

// Reviewer tokens last DefaultReviewerDays unless the admin says otherwise
// at creation, at most MaxReviewerDays: a token handed to a committee
// member for one exam period should not open every later one.
const (
	DefaultReviewerDays = 90
	MaxReviewerDays     = 366
)

// Reviewer is a reviewer token: an exam-committee member's access for
// scripts, a name for the log, and a bearer token kept as its hash.
type Reviewer struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Created time.Time  `json:"created"`
	Expires time.Time  `json:"expires"`
	Revoked *time.Time `json:"revoked"`
	// Exams are the exams it is assigned to.
	Exams []string `json:"exams"`
}

// ReviewerStore keeps reviewer tokens and which exams each reviewer (a
// reviewer token or a reviewer account) may see. Changes are logged in
// their own transaction.
type ReviewerStore interface {
	CreateReviewer(ctx context.Context, r Reviewer, tokenHash []byte, by Actor) error
	// ReviewerByToken finds the live token: ErrNotFound when unknown,
	// revoked or expired at now.
	ReviewerByToken(ctx context.Context, hash []byte, now time.Time) (Reviewer, error)
	// Reviewers lists every token, revoked and expired ones too.
	Reviewers(ctx context.Context) ([]Reviewer, error)
	// RevokeReviewer revokes a token at once; revoking twice keeps the
	// first time.
	RevokeReviewer(ctx context.Context, id string, by Actor) (Reviewer, error)
	// SetExamReviewers replaces the exam's reviewers with ids, each a
	// reviewer token or a staff account with the reviewer role
	// (ErrNotReviewer otherwise).
	SetExamReviewers(ctx context.Context, exam string, ids []string, by Actor) error
	ExamReviewers(ctx context.Context, exam string) ([]string, error)
	// Assigned reports whether reviewer (an id) may see exam.
	Assigned(ctx context.Context, exam, reviewer string) (bool, error)
}

// ErrNotReviewer: an id given as a reviewer is neither a reviewer token nor
// a reviewer account.
var ErrNotReviewer = errors.New("not a reviewer token or an account with the reviewer role")

// NewID returns prefix and 16 random lowercase hex digits: unguessable, and
// a valid wire ID. Every id lokaal mints comes from here.
func NewID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b) // cannot fail since Go 1.24
	return prefix + hex.EncodeToString(b)
}

// FirstAdmin makes sure an admin can log in: when no admin account exists,
// it creates "admin" with the password hash hash makes (called only then:
// argon2id costs), and reports whether it did. It fails with ErrNameTaken
// when another account is named "admin" (or a concurrent call made it).
// `lokaal serve` calls it at start; the Worker, which has no start, at a
// login.
func FirstAdmin(ctx context.Context, store interface {
	Users(ctx context.Context) ([]User, error)
	CreateUser(ctx context.Context, u User, passwordHash string, by Actor) error
}, hash func() (string, error), by Actor) (bool, error) {
	users, err := store.Users(ctx)
	if err != nil {
		return false, err
	}
	for _, u := range users {
		if u.Role == RoleAdmin {
			return false, nil
		}
	}
	h, err := hash()
	if err != nil {
		return false, err
	}
	u := User{ID: NewID("u-"), Name: "admin", Role: RoleAdmin, Created: by.At}
	if err := store.CreateUser(ctx, u, h, by); err != nil {
		return false, err
	}
	return true, nil
}
