package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/shoubao/shoubao/pipeline/console"
	"github.com/shoubao/shoubao/pipeline/service"
)

// cmdServe serves the officers' console alone: the store, and the bus for
// file downloads. It needs no mailbox secrets. With the embedded store and
// bus, while `shoubao run` holds the data directory, it serves the pages
// without file downloads (run serves the console itself when http.listen
// is set).
func cmdServe(ctx context.Context, env *environment, args []string) (err error) {
	fs := newFlagSet(env, "serve")
	path := configFlag(fs)
	listen := fs.String("listen", "", "address to serve on (default: http.listen, else 127.0.0.1:8080)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := readRecord(*path)
	if err != nil {
		return err
	}
	defer func() { err = redactErr(cfg, err) }()
	switch {
	case *listen != "":
		cfg.HTTP.Listen = *listen
	case cfg.HTTP.Listen == "":
		cfg.HTTP.Listen = "127.0.0.1:8080"
	}
	log := newLogger(redactWriter{env.stderr, cfg}, cfg.LogLevel)
	svc, err := service.OpenOffline(ctx, cfg, log)
	if err == nil {
		defer svc.Close()
		addr, err := svc.ListenConsole()
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "控制台：http://%s/ （Ctrl-C 停止）\n", addr)
		return svc.ServeConsole(ctx)
	}
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		return err
	}
	// `shoubao run` holds the embedded store and bus: the pages from the
	// store alone.
	st, err := service.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, ok := st.(console.Store)
	if !ok {
		return errors.New("this store keeps no users")
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Listen, err)
	}
	log.Warn("shoubao run holds the data directory: serving without file downloads (set http.listen in run's configuration to have run serve the console with them)",
		"data_dir", cfg.DataDir)
	fmt.Fprintf(env.stdout, "控制台：http://%s/ （不含文件下载；Ctrl-C 停止）\n", ln.Addr())
	return console.Serve(ctx, ln, console.New(console.Options{Config: cfg, Store: cs, Log: log}), log)
}
