package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

const userColumns = "id, name, role, password_hash, created_ms, disabled_ms"

func scanUser(row scanner) (server.User, string, error) {
	var u server.User
	var hash sql.NullString
	if err := row.Scan(&u.ID, &u.Name, &u.Role, &hash, millis(&u.Created), optionalMillis(&u.Disabled)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			err = server.ErrNotFound
		}
		return u, "", err
	}
	u.Password = hash.Valid
	return u, hash.String, nil
}

// nameTaken reports whether a user called name exists, inside tx; the
// UNIQUE constraint would catch it too, but as an error we cannot tell from
// others.
func nameTaken(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE name = ?", name).Scan(&n)
	return n > 0, err
}

// CreateUser stores a staff account and logs its creation.
func (s *DB) CreateUser(ctx context.Context, u server.User, passwordHash string, by server.Actor) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		taken, err := nameTaken(ctx, tx, u.Name)
		if err != nil {
			return err
		}
		if taken {
			return server.ErrNameTaken
		}
		hash := sql.NullString{String: passwordHash, Valid: passwordHash != ""}
		return execLogged(ctx, tx, server.CreateUserEntry(by, u), "INSERT INTO users (id, name, role, password_hash, created_ms) VALUES (?, ?, ?, ?, ?)",
			u.ID, u.Name, string(u.Role), hash, u.Created.UnixMilli())
	})
}

// UserByName finds a user by name, case-insensitively.
func (s *DB) UserByName(ctx context.Context, name string) (server.User, string, error) {
	return scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE name = ?", name))
}

// Users lists every account, disabled ones too, by name.
func (s *DB) Users(ctx context.Context) ([]server.User, error) {
	return list(ctx, s.db, func(row scanner) (server.User, error) {
		u, _, err := scanUser(row)
		return u, err
	}, "SELECT "+userColumns+" FROM users ORDER BY name")
}

// DisableUser disables the account and deletes its sessions in one
// transaction, so it is logged out at once. Disabling twice keeps the
// first time.
func (s *DB) DisableUser(ctx context.Context, id string, by server.Actor) (server.User, error) {
	var u server.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, _, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id)); err != nil {
			return err
		}
		log, err := readLog(ctx, tx)
		if err != nil {
			return err
		}
		if err := stampOnce(ctx, tx, &u.Disabled, by.At, "UPDATE users SET disabled_ms = ? WHERE id = ?", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM staff_sessions WHERE user_id = ?", id); err != nil {
			return err
		}
		return log.append(ctx, tx, server.DisableUserEntry(by, u))
	})
	return u, err
}

// EnsureSSOUser creates or updates a single-sign-on account at login.
func (s *DB) EnsureSSOUser(ctx context.Context, name string, role server.Role, newID string, by server.Actor) (server.User, error) {
	var u server.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// Read the log's head first, with the other reads, before any write.
		log, err := readLog(ctx, tx)
		if err != nil {
			return err
		}
		var hash string
		u, hash, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE name = ?", name))
		switch {
		case errors.Is(err, server.ErrNotFound):
			u = server.User{ID: newID, Name: name, Role: role, Created: time.UnixMilli(by.At.UnixMilli())}
			if _, err := tx.ExecContext(ctx, "INSERT INTO users (id, name, role, created_ms) VALUES (?, ?, ?, ?)",
				u.ID, u.Name, string(u.Role), u.Created.UnixMilli()); err != nil {
				return err
			}
			return log.append(ctx, tx, server.SSOUserEntry(by, u, ""))
		case err != nil:
			return err
		case u.Disabled != nil:
			return server.ErrDisabled
		case hash != "":
			// A local account of the same name is someone else's until an
			// admin says otherwise.
			return server.ErrNameTaken
		case u.Role == role:
			return nil
		}
		old := u.Role
		u.Role = role
		if _, err := tx.ExecContext(ctx, "UPDATE users SET role = ? WHERE id = ?", string(role), u.ID); err != nil {
			return err
		}
		return log.append(ctx, tx, server.SSOUserEntry(by, u, old))
	})
	return u, err
}

// CreateStaffSession stores a session and logs the login.
func (s *DB) CreateStaffSession(ctx context.Context, ss server.StaffSession, idHash []byte, via string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execLogged(ctx, tx, server.LoginEntry(ss, via), `INSERT INTO staff_sessions (id_hash, user_id, csrf, created_ms, last_seen_ms, expires_ms)
			VALUES (?, ?, ?, ?, ?, ?)`, hex.EncodeToString(idHash), ss.User.ID, ss.CSRF,
			ss.Created.UnixMilli(), ss.LastSeen.UnixMilli(), ss.Expires.UnixMilli())
	})
}

// StaffSession returns the live session with idHash. A session is touched
// at most once a minute, so reading pages does not write on every request.
func (s *DB) StaffSession(ctx context.Context, idHash []byte, now time.Time) (server.StaffSession, error) {
	var ss server.StaffSession
	var created, seen, expires int64
	row := s.db.QueryRowContext(ctx, `SELECT s.csrf, s.created_ms, s.last_seen_ms, s.expires_ms,
		u.id, u.name, u.role, u.password_hash, u.created_ms, u.disabled_ms
		FROM staff_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, hex.EncodeToString(idHash))
	var u server.User
	var hash sql.NullString
	var ucreated int64
	var disabled sql.NullInt64
	err := row.Scan(&ss.CSRF, &created, &seen, &expires, &u.ID, &u.Name, &u.Role, &hash, &ucreated, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, server.ErrNotFound
	}
	if err != nil {
		return ss, err
	}
	ms := now.UnixMilli()
	if ms >= expires || ms >= seen+server.LoginIdle.Milliseconds() || disabled.Valid {
		return ss, server.ErrNotFound
	}
	u.Password, u.Created = hash.Valid, time.UnixMilli(ucreated)
	ss.User = u
	ss.Created, ss.Expires = time.UnixMilli(created), time.UnixMilli(expires)
	ss.LastSeen = time.UnixMilli(seen)
	if ms-seen >= time.Minute.Milliseconds() {
		if _, err := s.exec(ctx, "UPDATE staff_sessions SET last_seen_ms = ? WHERE id_hash = ?", ms, hex.EncodeToString(idHash)); err != nil {
			return ss, err
		}
		ss.LastSeen = time.UnixMilli(ms)
	}
	return ss, nil
}

// DeleteStaffSession ends a session and logs the logout; an unknown
// session is ErrNotFound and logs nothing.
func (s *DB) DeleteStaffSession(ctx context.Context, idHash []byte, by server.Actor) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM staff_sessions WHERE id_hash = ?", hex.EncodeToString(idHash)).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return server.ErrNotFound
		}
		return execLogged(ctx, tx, server.LogoutEntry(by), "DELETE FROM staff_sessions WHERE id_hash = ?", hex.EncodeToString(idHash))
	})
}

// ExpireStaffSessions deletes the sessions ended by now, absolute or idle.
func (s *DB) ExpireStaffSessions(ctx context.Context, now time.Time) (int, error) {
	ms := now.UnixMilli()
	res, err := s.exec(ctx, "DELETE FROM staff_sessions WHERE expires_ms <= ? OR last_seen_ms + ? <= ?",
		ms, server.LoginIdle.Milliseconds(), ms)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
