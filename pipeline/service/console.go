package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/shoubao/shoubao/pipeline/console"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

var _ console.Store = (*sqlstore.Store)(nil)

// consoleServer is the officers' console a service serves when
// http.listen is set (pipeline/console).
type consoleServer struct {
	ln net.Listener
}

// ListenConsole binds the console's address (http.listen) ahead of Run,
// so that the caller can tell where it is (port 0 picks one). It returns
// nil when no console is configured. Run serves on it; Close releases it.
func (s *Service) ListenConsole() (net.Addr, error) {
	if s.cfg.HTTP.Listen == "" {
		return nil, nil
	}
	if s.console != nil {
		return s.console.ln.Addr(), nil
	}
	ln, err := net.Listen("tcp", s.cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("console: http.listen %s: %w", s.cfg.HTTP.Listen, err)
	}
	s.console = &consoleServer{ln: ln}
	return ln.Addr(), nil
}

// ServeConsole serves the console (http.listen) until ctx is done, with
// the service's store and the files of its bus.
func (s *Service) ServeConsole(ctx context.Context) error {
	wait, err := s.serveConsole(ctx)
	if err != nil {
		return err
	}
	<-ctx.Done()
	wait()
	return nil
}

// serveConsole starts serving the console, if one is configured, until
// ctx is done; wait returns once it has shut down.
func (s *Service) serveConsole(ctx context.Context) (wait func(), err error) {
	addr, err := s.ListenConsole()
	if err != nil || addr == nil {
		return func() {}, err
	}
	st, ok := s.store.(console.Store)
	if !ok {
		return nil, errors.New("console: the store keeps no users")
	}
	h := console.New(console.Options{Config: s.cfg, Store: st, Files: s.bus, Log: s.log, Transport: s.transport})
	// Prometheus and load balancers on the same listener: /metrics,
	// /healthz, /readyz (pipeline/metrics).
	mux := http.NewServeMux()
	s.Metrics().Register(mux)
	mux.Handle("/", h)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := console.Serve(ctx, s.console.ln, mux, s.log); err != nil {
			s.log.Error("console stopped", "err", err)
		}
	}()
	s.log.Info("officers' console", "url", "http://"+addr.String()+"/")
	return func() { <-done }, nil
}

// closeConsole releases a listener Run never served on.
func (s *Service) closeConsole() {
	if s.console != nil {
		_ = s.console.ln.Close()
	}
}
