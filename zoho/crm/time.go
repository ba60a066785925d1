package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// TimeLayout is how Zoho CRM writes date-times: seconds precision and the
// acting user's UTC offset, never "Z" ("2019-01-02T14:44:13+05:30").
const TimeLayout = "2006-01-02T15:04:05-07:00"

// DateLayout is how Zoho CRM writes dates ("2026-05-14").
const DateLayout = "2006-01-02"

// Time is a CRM date-time (Created_Time, Modified_Time, date-time fields).
// Zoho writes them in the acting user's offset ("2019-01-02T14:44:13+05:30");
// Time keeps that offset, formats back the same way, and compares as an
// instant through the embedded time.Time (a.Before(b.Time), a.Equal(b.Time)):
// never compare CRM timestamps as strings or with ==.
//
// The zero Time is "no value": it encodes as JSON null (or is left out by
// an omitzero tag) and JSON null or "" decode to it.
type Time struct{ time.Time }

// NewTime returns t as a Time.
func NewTime(t time.Time) Time { return Time{t} }

// ParseTime reads a CRM date-time. It accepts Zoho's form and any RFC 3339
// time ("Z" and fractional seconds included); "" gives the zero Time.
func ParseTime(s string) (Time, error) {
	if s == "" {
		return Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Time{}, fmt.Errorf("crm: date-time %q is not ISO 8601 with an offset (e.g. 2019-07-25T15:26:49+05:30)", s)
	}
	return Time{t}, nil
}

// FormatTime formats t as Zoho wants date-times in requests
// (If-Modified-Since, criteria, field values): seconds precision, in t's
// own offset, "+00:00" rather than "Z". Fractions of a second are dropped.
func FormatTime(t time.Time) string { return t.Format(TimeLayout) }

// String formats t as FormatTime does, or "" for the zero Time.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return FormatTime(t.Time)
}

// MarshalJSON encodes t as Zoho does, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = t.AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes a JSON string with ParseTime; null leaves the zero
// Time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if isJSONNull(b) {
		*t = Time{}
		return nil
	}
	s, err := jsonString(b)
	if err != nil {
		return fmt.Errorf("crm: date-time: %w", err)
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalText formats t as String does.
func (t Time) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText parses text with ParseTime.
func (t *Time) UnmarshalText(text []byte) error {
	v, err := ParseTime(string(text))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Date is a CRM date field ("yyyy-MM-dd"), a calendar day without a time
// zone. The zero Date is "no value" (JSON null).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a "2006-01-02" date; "" gives the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("crm: date %q is not yyyy-MM-dd", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns midnight of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	return d.In(time.UTC).Compare(e.In(time.UTC))
}

// String formats d as "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.In(time.UTC).Format(DateLayout)
}

// MarshalJSON encodes d as "2006-01-02", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON decodes a "2006-01-02" string; null leaves the zero Date.
func (d *Date) UnmarshalJSON(b []byte) error {
	if isJSONNull(b) {
		*d = Date{}
		return nil
	}
	s, err := jsonString(b)
	if err != nil {
		return fmt.Errorf("crm: date: %w", err)
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText formats d as String does.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses text with ParseDate.
func (d *Date) UnmarshalText(text []byte) error {
	v, err := ParseDate(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func isJSONNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

// jsonString reads a JSON string literal, fast when it has no escapes.
func jsonString(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && bytes.IndexByte(b[1:len(b)-1], '"') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("want a JSON string, got %s", strconv.Quote(excerpt(b)))
	}
	return s, nil
}

// excerpt shortens raw JSON for an error message.
func excerpt(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
