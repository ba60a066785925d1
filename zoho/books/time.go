package books

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// TimeLayout is how Books and Inventory write date-times: seconds and the
// organisation's UTC offset without a colon ("2026-06-09T16:22:34-0400"),
// which time.RFC3339 does not parse.
const TimeLayout = finance.TimeLayout

// DateLayout is how Books writes dates ("2026-06-09").
const DateLayout = "2006-01-02"

// Time is a Books date-time (created_time, last_modified_time). It keeps the
// organisation's offset, writes itself back in Books' layout, and compares
// as an instant through the embedded time.Time (a.Before(b.Time),
// a.Equal(b.Time)): never compare Books timestamps as strings.
//
// The zero Time is "no value": JSON null or "" decode to it, it encodes as
// null, and omitzero leaves it out.
type Time struct{ time.Time }

// ParseTime reads Books' layout, and RFC 3339 too ("Z", "+00:00",
// fractions); "" gives the zero Time.
func ParseTime(s string) (Time, error) {
	if s == "" {
		return Time{}, nil
	}
	for _, layout := range []string{TimeLayout, time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{t}, nil
		}
	}
	return Time{}, fmt.Errorf("books: date-time %q is not like 2026-06-09T16:22:34-0400", s)
}

// String formats t in Books' layout, or "" for the zero Time.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.Format(TimeLayout)
}

// MarshalJSON writes t in Books' layout, or null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Format(TimeLayout))
}

// UnmarshalJSON reads a quoted date-time (see ParseTime); null and "" give
// the zero Time.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("books: date-time %s is not a string", b)
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Date is a calendar date without a time zone (an invoice's date and
// due_date). The zero Date is "no value": null or "" decode to it, it
// encodes as null, and omitzero leaves it out.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date; it is not normalised (use DateOf for that).
func NewDate(year int, month time.Month, day int) Date { return Date{year, month, day} }

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "yyyy-MM-dd"; "" gives the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("books: date %q is not like 2026-06-09", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether d holds no date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns midnight of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// String formats d as "2026-06-09", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalJSON writes "2026-06-09", or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "2026-06-09"; null and "" give the zero Date.
func (d *Date) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("books: date %s is not a string", b)
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
