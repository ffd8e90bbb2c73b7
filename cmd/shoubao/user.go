package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks"
)

const userUsage = `usage: shoubao user KIND NAME [flags]

  add NAME --role officer|viewer   add a user of the officers' console
  passwd NAME                      set a new password (ends the user's sessions)
  role NAME officer|viewer         change what the user may do
  remove NAME                      remove the user (and end its sessions)
  list                             list the users

officer: sees every page and records decisions (assign, extend, roster…);
viewer: sees every page, decides nothing. The password comes from the first
line of standard input (asked for without echo on a terminal), or from
--password-file FILE; at least 8 characters. Flags may come before or after
NAME; --config (or $SHOUBAO_CONFIG) names the configuration, whose store
keeps the users.`

// userStore is what the user command needs of the store.
type userStore interface {
	AddUser(ctx context.Context, u sinks.User) error
	SetUser(ctx context.Context, u sinks.User) error
	User(ctx context.Context, name string) (sinks.User, error)
	Users(ctx context.Context) ([]sinks.User, error)
	DeleteUser(ctx context.Context, name string) error
}

func cmdUser(ctx context.Context, env *environment, args []string) (err error) {
	if len(args) == 0 {
		return usageError{"which? " + strings.SplitN(userUsage, "\n\n", 2)[1]}
	}
	kind := args[0]
	if kind == "-h" || kind == "--help" || kind == "help" {
		fmt.Fprintln(env.stderr, userUsage)
		return flag.ErrHelp
	}
	fs := newFlagSet(env, "user "+kind)
	path := configFlag(fs)
	role := fs.String("role", sinks.RoleViewer, "officer or viewer")
	pwFile := fs.String("password-file", "", "read the password from `FILE` instead of standard input")
	fs.Usage = func() { fmt.Fprintln(env.stderr, userUsage+"\n\nflags:"); fs.PrintDefaults() }
	// Flags may come before or after the positional arguments.
	var pos []string
	rest := args[1:]
	for {
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	want := map[string]int{"add": 1, "passwd": 1, "role": 2, "remove": 1, "list": 0}
	n, ok := want[kind]
	if !ok {
		return usageError{fmt.Sprintf("unknown %q\n%s", kind, userUsage)}
	}
	if len(pos) != n {
		return usageError{fmt.Sprintf("user %s takes %d argument(s)\n%s", kind, n, userUsage)}
	}
	if kind == "role" {
		*role = pos[1]
	}
	if *role != sinks.RoleOfficer && *role != sinks.RoleViewer {
		return usageError{fmt.Sprintf("--role %q: officer or viewer", *role)}
	}
	if *path == "" {
		return usageError{"--config is required (or set " + EnvConfig + ")"}
	}
	cfg, err := config.Read(*path)
	if err != nil {
		return err
	}
	defer func() { err = redactErr(cfg, err) }()
	if kind != "add" && cfg.Store.URL == "" {
		if err := checkStoreFile(cfg.DataDir); err != nil {
			return err
		}
	}
	st, err := service.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	store, ok := st.(userStore)
	if !ok {
		return errors.New("this store keeps no users")
	}
	where := "PostgreSQL"
	if cfg.Store.URL == "" {
		where = filepath.Join(cfg.DataDir, sqliteFile)
	}
	switch kind {
	case "list":
		us, err := store.Users(ctx)
		if err != nil {
			return err
		}
		if len(us) == 0 {
			fmt.Fprintln(env.stdout, "尚无用户。用 shoubao user add NAME --role officer 添加。")
		}
		for _, u := range us {
			fmt.Fprintf(env.stdout, "%s\t%s\t修改于 %s\n", u.Name, u.Role, u.UpdatedAt.In(config.ChinaTime()).Format("2006-01-02 15:04"))
		}
		return nil
	case "remove":
		if err := store.DeleteUser(ctx, pos[0]); err != nil {
			if errors.Is(err, sinks.ErrNotFound) {
				return fmt.Errorf("no user %q", pos[0])
			}
			return err
		}
		fmt.Fprintf(env.stdout, "已删除用户 %s。\n", pos[0])
		return nil
	case "role":
		u, err := store.User(ctx, pos[0])
		if err != nil {
			if errors.Is(err, sinks.ErrNotFound) {
				return fmt.Errorf("no user %q", pos[0])
			}
			return err
		}
		u.Role = *role
		if err := store.SetUser(ctx, u); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "用户 %s 的权限改为 %s。\n", u.Name, u.Role)
		return nil
	}
	name := strings.TrimSpace(pos[0])
	if name == "" || utf8.RuneCountInString(name) > 40 || strings.ContainsAny(name, "\r\n\t") {
		return usageError{fmt.Sprintf("user name %q: 1 to 40 characters, no tabs or line breaks", pos[0])}
	}
	pw, err := readPassword(env, *pwFile)
	if err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	if kind == "add" {
		if err := store.AddUser(ctx, sinks.User{Name: name, Role: *role, PasswordHash: string(hash)}); err != nil {
			if errors.Is(err, sinks.ErrExists) {
				return fmt.Errorf("user %q exists already (shoubao user passwd %s sets a new password)", name, name)
			}
			return err
		}
		fmt.Fprintf(env.stdout, "已添加用户 %s（%s），保存在 %s。\n", name, *role, where)
		return nil
	}
	u, err := store.User(ctx, name)
	if err != nil {
		if errors.Is(err, sinks.ErrNotFound) {
			return fmt.Errorf("no user %q", name)
		}
		return err
	}
	u.PasswordHash = string(hash)
	if err := store.SetUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "已为用户 %s 设置新密码；其已登录的会话随之失效。\n", name)
	return nil
}

// minPassword is the shortest password accepted.
const minPassword = 8

// readPassword reads the password from file, or the first line of
// standard input: asked for twice without echo on a terminal.
func readPassword(env *environment, file string) (string, error) {
	var pw string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		pw = strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r")
	case stdinTerminal(env.stdin):
		fd := int(env.stdin.(*os.File).Fd())
		fmt.Fprint(env.stderr, "密码：")
		a, err := term.ReadPassword(fd)
		fmt.Fprintln(env.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(env.stderr, "再输入一次：")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(env.stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", usageError{"the two passwords differ"}
		}
		pw = string(a)
	case env.stdin != nil:
		line, err := bufio.NewReader(io.LimitReader(env.stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if utf8.RuneCountInString(pw) < minPassword {
		return "", usageError{fmt.Sprintf("the password must have at least %d characters (from standard input, or --password-file)", minPassword)}
	}
	if len(pw) > 72 {
		return "", usageError{"the password is too long (at most 72 bytes)"}
	}
	return pw, nil
}

func stdinTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
