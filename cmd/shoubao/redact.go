package main

import (
	"io"

	"github.com/shoubao/shoubao/pipeline/config"
)

// redactErr masks the passwords of the configured URLs (store.url,
// bus.url) in err's message: drivers may quote the URL they were given.
// errors.Is and errors.As still see the original error.
func redactErr(cfg *config.Config, err error) error {
	if err == nil {
		return nil
	}
	if msg := cfg.Redact(err.Error()); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactWriter masks the configured URLs' passwords in what is written
// through it: the log, whose handler writes one whole record per Write.
type redactWriter struct {
	w   io.Writer
	cfg *config.Config
}

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := r.w.Write([]byte(r.cfg.Redact(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}
