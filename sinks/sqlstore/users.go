package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shoubao/shoubao/sinks"
)

// Users of the officers' console and their sessions.

const userColumns = `name, role, password_hash, created_at, updated_at`

var (
	qAddUser = q(`INSERT INTO users (` + userColumns + `) VALUES (?,?,?,?,?) ON CONFLICT (name) DO NOTHING`)
	qSetUser = q(`UPDATE users SET role = ?, password_hash = ?, updated_at = ? WHERE name = ?`)
	qUser    = q(`SELECT ` + userColumns + ` FROM users WHERE name = ?`)
	qUsers   = q(`SELECT ` + userColumns + ` FROM users ORDER BY name`)
	qDelUser = q(`DELETE FROM users WHERE name = ?`)

	qAddSession = q(`INSERT INTO sessions (token_hash, user_name, csrf, created_at, expires_at) VALUES (?,?,?,?,?)`)
	// A session outlives neither its expiry nor its user.
	qSession = q(`SELECT s.token_hash, s.user_name, s.csrf, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.name = s.user_name
		WHERE s.token_hash = ? AND s.expires_at > ?`)
	qExtendSession   = q(`UPDATE sessions SET expires_at = ? WHERE token_hash = ?`)
	qDelSession      = q(`DELETE FROM sessions WHERE token_hash = ?`)
	qDelUserSessions = q(`DELETE FROM sessions WHERE user_name = ?`)
	qDelExpired      = q(`DELETE FROM sessions WHERE expires_at <= ?`)
)

func scanUser(r interface{ Scan(...any) error }, u *sinks.User) error {
	return r.Scan(&u.Name, &u.Role, &u.PasswordHash, (*timeCol)(&u.CreatedAt), (*timeCol)(&u.UpdatedAt))
}

// AddUser creates a user; a name already taken is an error wrapping
// sinks.ErrExists. CreatedAt and UpdatedAt are the store's clock.
func (s *Store) AddUser(ctx context.Context, u sinks.User) error {
	now := s.d.time(s.stamp())
	res, err := s.exec(ctx, qAddUser, u.Name, u.Role, u.PasswordHash, now, now)
	if err != nil {
		return fail("add user", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail("add user", err)
	} else if n == 0 {
		return fmt.Errorf("add user %s: %w", u.Name, sinks.ErrExists)
	}
	return nil
}

// SetUser changes a user's role and password hash. A password change ends
// the user's sessions. An unknown user is an error wrapping
// sinks.ErrNotFound.
func (s *Store) SetUser(ctx context.Context, u sinks.User) error {
	return fail("set user", s.inTx(ctx, func(tx handle) error {
		var old sinks.User
		if err := scanUser(tx.queryRow(ctx, qUser, u.Name), &old); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, qSetUser, u.Role, u.PasswordHash, s.d.time(s.stamp()), u.Name); err != nil {
			return err
		}
		if old.PasswordHash != u.PasswordHash {
			_, err := tx.exec(ctx, qDelUserSessions, u.Name)
			return err
		}
		return nil
	}))
}

// User returns the named user, or an error wrapping sinks.ErrNotFound.
func (s *Store) User(ctx context.Context, name string) (sinks.User, error) {
	var u sinks.User
	err := scanUser(s.queryRow(ctx, qUser, name), &u)
	return u, fail("user", err)
}

// Users lists every user by name.
func (s *Store) Users(ctx context.Context) ([]sinks.User, error) {
	rows, err := s.query(ctx, qUsers)
	out, err := collect(rows, err, func(r *sql.Rows, u *sinks.User) error { return scanUser(r, u) })
	return out, fail("list users", err)
}

// DeleteUser removes a user and its sessions; an unknown user is an error
// wrapping sinks.ErrNotFound. The decisions it made keep its name.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return fail("delete user", s.inTx(ctx, func(tx handle) error {
		if _, err := tx.exec(ctx, qDelUserSessions, name); err != nil {
			return err
		}
		res, err := tx.exec(ctx, qDelUser, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sinks.ErrNotFound
		}
		return nil
	}))
}

// CreateSession stores a new session (CreatedAt zero: the store's clock).
func (s *Store) CreateSession(ctx context.Context, se sinks.Session) error {
	at := se.CreatedAt
	if at.IsZero() {
		at = s.stamp()
	}
	_, err := s.exec(ctx, qAddSession, se.TokenHash, se.User, se.CSRF, s.d.time(at), s.d.time(se.ExpiresAt))
	return fail("create session", err)
}

// Session returns the session whose token hashes to tokenHash if it has
// not expired at now and its user still exists; otherwise an error
// wrapping sinks.ErrNotFound.
func (s *Store) Session(ctx context.Context, tokenHash string, now time.Time) (sinks.Session, error) {
	var se sinks.Session
	err := s.queryRow(ctx, qSession, tokenHash, s.d.time(now)).Scan(&se.TokenHash, &se.User, &se.CSRF,
		(*timeCol)(&se.CreatedAt), (*timeCol)(&se.ExpiresAt))
	return se, fail("session", err)
}

// ExtendSession moves a session's expiry.
func (s *Store) ExtendSession(ctx context.Context, tokenHash string, expires time.Time) error {
	_, err := s.exec(ctx, qExtendSession, s.d.time(expires), tokenHash)
	return fail("extend session", err)
}

// DeleteSession ends a session (logging out); an unknown one is no error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, qDelSession, tokenHash)
	return fail("delete session", err)
}

// DeleteExpiredSessions removes the sessions expired at now and returns
// how many there were.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.exec(ctx, qDelExpired, s.d.time(now))
	if err != nil {
		return 0, fail("delete expired sessions", err)
	}
	n, err := res.RowsAffected()
	return int(n), fail("delete expired sessions", err)
}
