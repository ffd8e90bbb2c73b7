package sinks

import (
	"errors"
	"time"
)

// ErrExists: the record to be created exists already (a user name taken).
var ErrExists = errors.New("already exists")

// User roles.
const (
	RoleOfficer = "officer" // reads every page and records decisions
	RoleViewer  = "viewer"  // reads every page, decides nothing
)

// User is someone who may log in to the officers' console.
type User struct {
	Name string
	// Role is RoleOfficer or RoleViewer.
	Role string
	// PasswordHash is the password's bcrypt hash.
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Session is a logged-in browser. The token the browser holds is never
// stored: TokenHash is its SHA-256, in hex.
type Session struct {
	TokenHash string
	User      string
	// CSRF is the token every form of the session must carry.
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}
