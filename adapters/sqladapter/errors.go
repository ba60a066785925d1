package sqladapter

import (
	"database/sql/driver"
	"errors"
	"strings"
)

// transientError is a database error worth retrying: it answers
// Retryable() true, which sync.IsRetryable looks for.
type transientError struct{ err error }

func (e *transientError) Error() string   { return e.err.Error() }
func (e *transientError) Unwrap() error   { return e.err }
func (e *transientError) Retryable() bool { return true }

// classify marks the errors that a later attempt may not meet: a busy or
// locked SQLite database; a PostgreSQL serialization failure, deadlock,
// lock timeout, lost connection or server shutting down.
func classify(err error) error {
	if err == nil || !transient(err) {
		return err
	}
	return &transientError{err: err}
}

func transient(err error) bool {
	if errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		s := pg.SQLState()
		return strings.HasPrefix(s, "40") || strings.HasPrefix(s, "08") || strings.HasPrefix(s, "53") ||
			s == "55P03" || s == "57P01" || s == "57P02" || s == "57P03"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "database table is locked")
}
