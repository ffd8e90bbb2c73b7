package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shoubao/shoubao/sinks"
)

// UserStore is the part of a store that keeps the console's users and
// sessions.
type UserStore interface {
	AddUser(ctx context.Context, u sinks.User) error
	SetUser(ctx context.Context, u sinks.User) error
	User(ctx context.Context, name string) (sinks.User, error)
	Users(ctx context.Context) ([]sinks.User, error)
	DeleteUser(ctx context.Context, name string) error
	CreateSession(ctx context.Context, s sinks.Session) error
	Session(ctx context.Context, tokenHash string, now time.Time) (sinks.Session, error)
	ExtendSession(ctx context.Context, tokenHash string, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// RunUsers runs the users and sessions part of the suite; newStore as for
// Run.
func RunUsers(t *testing.T, newStore func(t *testing.T) UserStore) {
	tests := []struct {
		name string
		f    func(t *testing.T, s UserStore)
	}{
		{"Users", testUsers},
		{"UsersConcurrentAdd", testUsersConcurrentAdd},
		{"Sessions", testSessions},
		{"SessionsEndWithUser", testSessionsEndWithUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, newStore(t))
		})
	}
}

func testUsers(t *testing.T, s UserStore) {
	ctx := context.Background()
	if _, err := s.User(ctx, "王科长"); !errors.Is(err, sinks.ErrNotFound) {
		t.Fatalf("User on empty store: %v, want ErrNotFound", err)
	}
	if err := s.AddUser(ctx, sinks.User{Name: "王科长", Role: sinks.RoleOfficer, PasswordHash: "$2a$10$hash1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser(ctx, sinks.User{Name: "李", Role: sinks.RoleViewer, PasswordHash: "$2a$10$hash2"}); err != nil {
		t.Fatal(err)
	}
	err := s.AddUser(ctx, sinks.User{Name: "王科长", Role: sinks.RoleViewer, PasswordHash: "other"})
	if !errors.Is(err, sinks.ErrExists) {
		t.Fatalf("AddUser of a taken name: %v, want ErrExists", err)
	}
	u, err := s.User(ctx, "王科长")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != sinks.RoleOfficer || u.PasswordHash != "$2a$10$hash1" || u.CreatedAt.IsZero() || !u.UpdatedAt.Equal(u.CreatedAt) {
		t.Errorf("user round trip: %+v (the taken name must keep its first values)", u)
	}
	u.Role = sinks.RoleViewer
	if err := s.SetUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUser(ctx, sinks.User{Name: "nobody", Role: sinks.RoleViewer}); !errors.Is(err, sinks.ErrNotFound) {
		t.Errorf("SetUser of an unknown user: %v, want ErrNotFound", err)
	}
	all, err := s.Users(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("Users = %+v, %v", all, err)
	}
	byName := map[string]sinks.User{all[0].Name: all[0], all[1].Name: all[1]}
	if byName["王科长"].Role != sinks.RoleViewer || byName["李"].PasswordHash != "$2a$10$hash2" {
		t.Errorf("Users after SetUser: %+v", all)
	}
	if err := s.DeleteUser(ctx, "李"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "李"); !errors.Is(err, sinks.ErrNotFound) {
		t.Errorf("DeleteUser twice: %v, want ErrNotFound", err)
	}
	if all, _ := s.Users(ctx); len(all) != 1 {
		t.Errorf("Users after delete: %+v", all)
	}
}

// testUsersConcurrentAdd: of processes adding the same name at once,
// exactly one succeeds.
func testUsersConcurrentAdd(t *testing.T, s UserStore) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, exists := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.AddUser(ctx, sinks.User{Name: "张", Role: sinks.RoleOfficer, PasswordHash: "h"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, sinks.ErrExists):
				exists++
			default:
				t.Errorf("AddUser: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || exists != 7 {
		t.Errorf("8 concurrent AddUser: %d created, %d ErrExists; want 1 and 7", ok, exists)
	}
}

func testSessions(t *testing.T, s UserStore) {
	ctx := context.Background()
	if err := s.AddUser(ctx, sinks.User{Name: "王科长", Role: sinks.RoleOfficer, PasswordHash: "h1"}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 8, 9, 0, 0, 123456789, time.UTC)
	se := sinks.Session{TokenHash: "aa01", User: "王科长", CSRF: "csrf-1", CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour)}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, sinks.Session{TokenHash: "aa02", User: "王科长", CSRF: "csrf-2", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, "aa01", now)
	if err != nil {
		t.Fatal(err)
	}
	if got.User != "王科长" || got.CSRF != "csrf-1" || !got.CreatedAt.Equal(now.Truncate(time.Microsecond)) ||
		!got.ExpiresAt.Equal(now.Add(12*time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("session round trip: %+v", got)
	}
	if err := s.CreateSession(ctx, se); err == nil {
		t.Error("CreateSession with a token hash in use: no error")
	}
	if _, err := s.Session(ctx, "aa01", now.Add(12*time.Hour)); !errors.Is(err, sinks.ErrNotFound) {
		t.Errorf("Session at its expiry: %v, want ErrNotFound", err)
	}
	if err := s.ExtendSession(ctx, "aa01", now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "aa01", now.Add(20*time.Hour)); err != nil {
		t.Errorf("Session after ExtendSession: %v", err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1 (aa02)", n, err)
	}
	if err := s.DeleteSession(ctx, "aa01"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "aa01"); err != nil {
		t.Errorf("DeleteSession twice: %v", err)
	}
	if _, err := s.Session(ctx, "aa01", now); !errors.Is(err, sinks.ErrNotFound) {
		t.Errorf("Session after logout: %v, want ErrNotFound", err)
	}
}

// testSessionsEndWithUser: a password change or a deleted user ends the
// user's sessions; a role change does not.
func testSessionsEndWithUser(t *testing.T, s UserStore) {
	ctx := context.Background()
	now := time.Now()
	for _, n := range []string{"甲", "乙"} {
		if err := s.AddUser(ctx, sinks.User{Name: n, Role: sinks.RoleOfficer, PasswordHash: "h-" + n}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, sinks.Session{TokenHash: "t-" + n, User: n, CSRF: "c", ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetUser(ctx, sinks.User{Name: "甲", Role: sinks.RoleViewer, PasswordHash: "h-甲"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "t-甲", now); err != nil {
		t.Errorf("session after a role change: %v", err)
	}
	if err := s.SetUser(ctx, sinks.User{Name: "甲", Role: sinks.RoleViewer, PasswordHash: "new"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "t-甲", now); !errors.Is(err, sinks.ErrNotFound) {
		t.Errorf("session after a password change: %v, want ErrNotFound", err)
	}
	if err := s.DeleteUser(ctx, "乙"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "t-乙", now); !errors.Is(err, sinks.ErrNotFound) {
		t.Errorf("session of a deleted user: %v, want ErrNotFound", err)
	}
}
