package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks"
)

// demoUser is the console user `demo --keep` creates.
const demoUser = "演示"

// demoConsoleYAML makes `demo --keep` serve the officers' console on a
// free loopback port.
const demoConsoleYAML = "http: {listen: \"127.0.0.1:0\"}\n"

// demoConsole readies the console of `demo --keep`: binds its address and
// gives the demo user a new random password, and prints both.
func demoConsole(ctx context.Context, env *environment, svc *service.Service) error {
	addr, err := svc.ListenConsole()
	if err != nil || addr == nil {
		return err
	}
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	pw := base64.RawURLEncoding.EncodeToString(b)
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	store, ok := svc.Store().(userStore)
	if !ok {
		return errors.New("this store keeps no users")
	}
	u := sinks.User{Name: demoUser, Role: sinks.RoleOfficer, PasswordHash: string(hash)}
	if err := store.AddUser(ctx, u); errors.Is(err, sinks.ErrExists) {
		err = store.SetUser(ctx, u) // a kept --data-dir: a new password
	} else if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "\n网页控制台（用浏览器打开）：http://%s/\n  用户名 %s，密码 %s\n", addr, demoUser, pw)
	return nil
}
