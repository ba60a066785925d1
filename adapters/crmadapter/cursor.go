package crmadapter

import (
	"fmt"
	"strings"
	"time"

	"github.com/zohokit/zohokit/adapters/internal/order"
	"github.com/zohokit/zohokit/sync"
)

// position is a place in one of the two streams.
type position = order.Position

// formatPosition writes a position as "<time>|<id>", "" when unset.
func formatPosition(p position) string {
	if !p.Set {
		return ""
	}
	s := p.Time.UTC().Format(time.RFC3339Nano)
	if p.ID != "" {
		s += "|" + p.ID
	}
	return s
}

// cursor is the adapter's position in a module's records (m) and in its
// deleted records (d).
type cursor struct {
	m, d position
}

func (c cursor) encode() sync.Cursor {
	return sync.Cursor("m=" + formatPosition(c.m) + ";d=" + formatPosition(c.d))
}

// parseCursor reads a cursor made by encode, or a plain time cursor
// (sync.TimeCursor), which positions both streams.
func parseCursor(s sync.Cursor) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	if !strings.HasPrefix(string(s), "m=") {
		t, id, ok := sync.ParseTimeCursor(s)
		if !ok {
			return cursor{}, fmt.Errorf("%w %q", ErrBadCursor, s)
		}
		return cursor{m: position{Set: true, Time: t, ID: id}, d: position{Set: true, Time: t}}, nil
	}
	ms, ds, ok := strings.Cut(strings.TrimPrefix(string(s), "m="), ";d=")
	if !ok {
		return cursor{}, fmt.Errorf("%w %q: want m=<time>|<id>;d=<time>|<id>", ErrBadCursor, s)
	}
	var c cursor
	var err error
	if c.m, err = parsePosition(ms); err != nil {
		return cursor{}, fmt.Errorf("%w %q: %v", ErrBadCursor, s, err)
	}
	if c.d, err = parsePosition(ds); err != nil {
		return cursor{}, fmt.Errorf("%w %q: %v", ErrBadCursor, s, err)
	}
	return c, nil
}

func parsePosition(s string) (position, error) {
	if s == "" {
		return position{}, nil
	}
	ts, id, _ := strings.Cut(s, "|")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return position{}, err
	}
	return position{Set: true, Time: t.UTC(), ID: id}, nil
}

// Rewind moves both positions of a cursor back by d and drops their ids,
// so that reading from it yields every change of the last d before c
// again: the engine's lookback window. A cursor it cannot read is
// returned as it is.
func (a *Adapter) Rewind(c sync.Cursor, d time.Duration) sync.Cursor {
	cur, err := parseCursor(c)
	if err != nil || c == "" {
		return c
	}
	for _, p := range []*position{&cur.m, &cur.d} {
		if p.Set {
			if !p.Time.IsZero() {
				p.Time = p.Time.Add(-d)
			}
			p.ID = ""
		}
	}
	return cur.encode()
}
