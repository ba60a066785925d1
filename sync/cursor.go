package sync

import (
	"strings"
	"time"
)

// Rewinder is implemented by Sources whose cursors the engine cannot read
// but which can move a cursor back in time: the engine calls it before
// every run to apply the pipeline's lookback window, with d = 0 when there
// is none. The returned cursor must be inclusive: reading from it yields
// every change made in the last d before c again, and every change stamped
// with c's own instant (drop any tie-breaker).
type Rewinder interface {
	Rewind(c Cursor, d time.Duration) Cursor
}

// timeCursorSep separates a time cursor's time from its tie-breaker.
const timeCursorSep = "|"

// TimeCursor returns a cursor in the engine's built-in time format: the
// instant t in UTC (RFC 3339 with nanoseconds), then, when tiebreak is not
// empty, "|" and tiebreak (an ID or sequence number that orders changes made
// at the same instant). Sources that use it get the pipeline's lookback
// window applied without implementing Rewinder: the engine moves the time
// back and drops the tie-breaker, and never commits a time cursor older
// than the one stored.
//
// Its reader, ParseTimeCursor, is what a Source calls on the cursor it is
// given: resume after (t, tiebreak), or from t inclusive when tiebreak is
// empty.
func TimeCursor(t time.Time, tiebreak string) Cursor {
	s := t.UTC().Format(time.RFC3339Nano)
	if tiebreak != "" {
		s += timeCursorSep + tiebreak
	}
	return Cursor(s)
}

// ParseTimeCursor reads a cursor made by TimeCursor (or a plain RFC 3339
// time). ok is false for the empty cursor and for cursors in other formats.
func ParseTimeCursor(c Cursor) (t time.Time, tiebreak string, ok bool) {
	if c == "" {
		return time.Time{}, "", false
	}
	ts, tb, _ := strings.Cut(string(c), timeCursorSep)
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", false
	}
	return t, tb, true
}

// readFrom returns the cursor to read side's changes from: the stored
// cursor moved back by the lookback window. applied is false when the
// window could not be applied (the cursor is opaque and the Source has no
// Rewind).
//
// Even without a lookback window, a cursor's tie-breaker is dropped, so
// that the cursor's whole instant is read again: systems stamp changes to
// the second (Zoho) or the microsecond, and a record changed again within
// the instant of the last change read keeps its timestamp; resuming after
// (instant, ID) would skip it when its ID sorts before the cursor's. The
// records read again are recognised as unchanged by their hash.
func (p *Pipeline) readFrom(src Source, stored Cursor) (c Cursor, applied bool) {
	d := p.cfg.Lookback
	if stored == "" {
		return stored, true
	}
	if r, ok := src.(Rewinder); ok {
		return r.Rewind(stored, d), true
	}
	if t, _, ok := ParseTimeCursor(stored); ok {
		return TimeCursor(t.Add(-d), ""), true
	}
	return stored, d == 0
}

// laterCursor returns the cursor to commit after reading next when stored
// was committed before: next, unless both are time cursors and next is
// earlier (a lookback window re-read), in which case stored stays.
func laterCursor(stored, next Cursor) Cursor {
	ts, _, ok1 := ParseTimeCursor(stored)
	tn, _, ok2 := ParseTimeCursor(next)
	if ok1 && ok2 && tn.Before(ts) {
		return stored
	}
	return next
}
