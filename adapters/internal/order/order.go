// Package order holds what the Zoho adapters share to read a time-ordered
// change stream exactly: a position of (time, id), id order for numeric
// Zoho ids, and a Grouper that yields the records of each second in id
// order, whatever order the API listed them in.
package order

import (
	"slices"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// Position is a place in a time-ordered stream: after (Time, ID), or from
// Time inclusive when ID is empty. The zero Position (Set false) is the
// stream's start.
type Position struct {
	Set  bool
	Time time.Time
	ID   string
}

// Passed reports whether the record (t, id) comes at or before p, so that
// a stream resuming from p skips it.
func (p Position) Passed(t time.Time, id string) bool {
	if !p.Set || t.After(p.Time) {
		return false
	}
	if t.Before(p.Time) {
		return true
	}
	return p.ID != "" && CompareID(p.ID, id) >= 0
}

// CompareID orders Zoho ids (decimal numbers of up to 19 digits) as
// numbers, and other strings in byte order.
func CompareID(a, b string) int {
	if digits(a) && digits(b) && len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsID reports whether s has the form of a Zoho record id (decimal
// digits).
func IsID(s string) bool { return digits(s) }

// Grouper reads records sorted by time (Record.Modified, to the second)
// from Pull and yields those after After, the records of each instant in
// id order, so that a cursor of (time, id) resumes exactly.
type Grouper struct {
	// Pull returns the next record; more is false at the end.
	Pull  func() (rec sync.Record, err error, more bool)
	After Position

	group []sync.Record // the current instant's records, sorted
	next  *sync.Record  // the first record of the next instant, read ahead
	done  bool
}

// Peek returns the next record without consuming it; ok is false at the
// end.
func (g *Grouper) Peek() (rec sync.Record, ok bool, err error) {
	for len(g.group) == 0 {
		if g.done && g.next == nil {
			return sync.Record{}, false, nil
		}
		if g.next != nil {
			g.group = append(g.group, *g.next)
			g.next = nil
		}
		for !g.done {
			r, err, more := g.Pull()
			if !more {
				g.done = true
				break
			}
			if err != nil {
				return sync.Record{}, false, err
			}
			if len(g.group) > 0 && !r.Modified.Equal(g.group[0].Modified) {
				g.next = &r
				break
			}
			g.group = append(g.group, r)
		}
		slices.SortStableFunc(g.group, func(x, y sync.Record) int { return CompareID(x.ID, y.ID) })
		g.group = slices.DeleteFunc(g.group, func(r sync.Record) bool { return g.After.Passed(r.Modified, r.ID) })
	}
	return g.group[0], true, nil
}

// Pop consumes the record Peek returned.
func (g *Grouper) Pop() { g.group = g.group[1:] }
