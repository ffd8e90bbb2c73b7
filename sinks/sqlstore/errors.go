package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/shoubao/shoubao/sinks"
)

// fail is the boundary every error crosses on its way out of the store: it
// names the operation and translates the driver's error into the store's
// sentinels (see classify). Context errors and the sinks sentinels stay
// matchable with errors.Is; a driver's error is kept only as text, so that
// no caller comes to depend on a driver's types.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, sinks.ErrNotFound), errors.Is(err, sinks.ErrUnavailable), errors.Is(err, sinks.ErrCorrupt):
		return fmt.Errorf("%s: %w", op, err)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, sinks.ErrNotFound)
	}
	if kind := classify(err); kind != nil {
		return fmt.Errorf("%s: %w: %v", op, kind, err)
	}
	return fmt.Errorf("%s: %v", op, err)
}

// classify maps a driver error to sinks.ErrUnavailable or sinks.ErrCorrupt,
// or nil when it is neither (a constraint, a bug in a query…).
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return sinks.ErrCorrupt
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return sinks.ErrUnavailable
		}
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "XX001", pe.Code == "XX002": // data_corrupted, index_corrupted
			return sinks.ErrCorrupt
		case len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:2] == "28"), // connection exception, invalid authorization
			pe.Code == "3D000",                                         // invalid_catalog_name: no such database
			pe.Code == "53300",                                         // too_many_connections
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // admin/crash shutdown, cannot connect now
			return sinks.ErrUnavailable
		}
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			return sinks.ErrUnavailable
		}
		return nil
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return sinks.ErrUnavailable
	}
	return nil
}
