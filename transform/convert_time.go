package transform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Named layouts for TimeFormat.Layout. Any other layout is a Go reference layout
// ("2006-01-02 15:04:05", "02/01/2006").
const (
	// ZohoCRM is Zoho CRM's date-time: RFC 3339 with the acting user's offset and a colon,
	// "2019-01-02T14:44:13+05:30". Parsing also accepts "Z" and fraction digits.
	ZohoCRM = "zoho-crm"
	// ZohoBooks is Zoho Books' date-time: the org's offset without a colon,
	// "2026-06-09T16:22:34-0400" (which time.RFC3339 does not parse).
	ZohoBooks = "zoho-books"
	// DateOnly is a calendar date, "2006-01-02" (Zoho's date fields).
	DateOnly = "date"
	// RFC3339 is time.RFC3339 ("Z" for UTC), whole seconds.
	RFC3339 = "rfc3339"
	// RFC3339Nano is time.RFC3339Nano, up to nanoseconds.
	RFC3339Nano = "rfc3339nano"
	// UnixSeconds is seconds since 1970-01-01 UTC, written as an integer json.Number.
	UnixSeconds = "unix"
	// UnixMillis is milliseconds since 1970-01-01 UTC, written as an integer json.Number.
	UnixMillis = "unix-ms"
)

// TimeFormat is one side of a date-time conversion: a layout and the time zone (IANA name,
// such as "Asia/Kolkata" or "UTC") its values are in. Zone matters in three cases: a layout
// without a UTC offset is read in it (UTC when empty); values are converted into the target's
// zone before they are written; and the inverse writes back into the source's zone.
type TimeFormat struct {
	Layout string `yaml:"layout" json:"layout"`
	Zone   string `yaml:"zone,omitempty" json:"zone,omitempty"`
}

// Layout returns a TimeFormat for a named or Go layout, without a zone.
func Layout(layout string) TimeFormat { return TimeFormat{Layout: layout} }

// In returns a copy of f in the named IANA time zone.
func (f TimeFormat) In(zone string) TimeFormat {
	f.Zone = zone
	return f
}

// String describes the format.
func (f TimeFormat) String() string {
	if f.Zone == "" {
		return f.Layout
	}
	return f.Layout + " (" + f.Zone + ")"
}

// precision is the finest unit a layout keeps.
type precision int

const (
	precNano precision = iota
	precMicro
	precMilli
	precSecond
	precMinute
	precHour
	precDay
)

var precDurations = []time.Duration{time.Nanosecond, time.Microsecond, time.Millisecond,
	time.Second, time.Minute, time.Hour}

func (p precision) String() string {
	return [...]string{"nanoseconds", "microseconds", "milliseconds", "seconds", "minutes",
		"hours", "days"}[p]
}

// timeLayout is a resolved layout.
type timeLayout struct {
	name   string
	unix   time.Duration // 0 for text, time.Second or time.Millisecond for Unix numbers
	format string
	parse  []string
	prec   precision
	offset bool // the value pins the instant by itself (a UTC offset, or a Unix number)
}

// resolveLayout resolves a named layout or checks a Go layout by formatting and parsing a probe.
func resolveLayout(name string) (timeLayout, error) {
	switch name {
	case ZohoCRM:
		return timeLayout{name: name, format: "2006-01-02T15:04:05-07:00", parse: []string{time.RFC3339}, prec: precSecond, offset: true}, nil
	case ZohoBooks:
		return timeLayout{name: name, format: "2006-01-02T15:04:05-0700", parse: []string{"2006-01-02T15:04:05Z0700", time.RFC3339}, prec: precSecond, offset: true}, nil
	case DateOnly:
		return timeLayout{name: name, format: time.DateOnly, parse: []string{time.DateOnly}, prec: precDay}, nil
	case RFC3339:
		return timeLayout{name: name, format: time.RFC3339, parse: []string{time.RFC3339}, prec: precSecond, offset: true}, nil
	case RFC3339Nano:
		return timeLayout{name: name, format: time.RFC3339Nano, parse: []string{time.RFC3339Nano}, prec: precNano, offset: true}, nil
	case UnixSeconds:
		return timeLayout{name: name, unix: time.Second, prec: precSecond, offset: true}, nil
	case UnixMillis:
		return timeLayout{name: name, unix: time.Millisecond, prec: precMilli, offset: true}, nil
	case "":
		return timeLayout{}, errors.New("empty layout")
	}
	if strings.Contains(name, "MST") {
		return timeLayout{}, fmt.Errorf("layout %q: zone abbreviations (MST) are ambiguous when parsed; use -07:00 or Z07:00", name)
	}
	probe := time.Date(2001, 2, 3, 16, 5, 6, 123456789, time.UTC)
	rt, err := time.Parse(name, probe.Format(name))
	l := timeLayout{name: name, format: name, parse: []string{name}, prec: -1}
	if err == nil {
		for p, d := range precDurations {
			if rt.Equal(probe.Truncate(d)) {
				l.prec = precision(p)
				break
			}
		}
		y, m, d := rt.Date()
		if l.prec < 0 && y == 2001 && m == 2 && d == 3 && rt.Equal(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
			l.prec = precDay
		}
	}
	if l.prec < 0 {
		return timeLayout{}, fmt.Errorf("unknown layout %q: not a named layout (%s) and not a Go layout that keeps the date (such as \"2006-01-02 15:04:05\")",
			name, strings.Join([]string{ZohoCRM, ZohoBooks, DateOnly, RFC3339, RFC3339Nano, UnixSeconds, UnixMillis}, ", "))
	}
	if l.prec < precDay {
		inZone := probe.In(time.FixedZone("", 5*3600+30*60))
		rt, err := time.Parse(name, inZone.Format(name))
		l.offset = err == nil && rt.Equal(inZone.Truncate(precDurations[l.prec]))
	}
	return l, nil
}

// loadZone loads an IANA zone; "" is no zone.
func loadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, nil
	case "Local":
		return nil, errors.New(`zone "Local" depends on the machine: name an IANA zone such as "Europe/Berlin"`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as \"Asia/Kolkata\"; programs on machines without zoneinfo import time/tzdata)", name)
	}
	return loc, nil
}

// TimeConverter converts dates and date-times between layouts and time zones. Input is text in
// the source layout, a Unix number for the Unix layouts, or a time.Time. Output is text in the
// target layout (a string) or an integer json.Number for the Unix layouts. A date is a calendar
// day: to a date-time it becomes midnight in the source zone; a date-time becomes the day it
// is in the target zone; a date to a date keeps the day whatever the zones. Build one with
// DateTime.
//
// Invertibility: the inverse reads the target layout and writes the source layout, in the
// source's zone (UTC for a source layout without an offset; the target's zone when a source
// with offsets declares no zone, which keeps the instant but not the original offset text).
// It exists when the target keeps at least the source's precision: seconds to milliseconds is
// invertible, milliseconds to seconds or a date-time to a date is not (the inverse of an
// inverse is the original, so Invert works twice). A target layout without an offset, in a
// zone with daylight saving time, cannot tell apart the repeated hour in autumn.
type TimeConverter struct {
	from, to       TimeFormat
	src, dst       timeLayout
	srcLoc, dstLoc *time.Location
	err            error
	// undoes is set on an inverse: its own inverse is the original converter even when it
	// drops precision (seconds → milliseconds inverts to milliseconds → seconds, and back).
	undoes *TimeConverter
}

// DateTime returns a converter from one date or date-time format to another. Invalid layouts
// and zones are reported when the mapping is built.
func DateTime(from, to TimeFormat) TimeConverter {
	c := TimeConverter{from: from, to: to}
	var errs []error
	var err error
	if c.src, err = resolveLayout(from.Layout); err != nil {
		errs = append(errs, fmt.Errorf("from: %w", err))
	}
	if c.dst, err = resolveLayout(to.Layout); err != nil {
		errs = append(errs, fmt.Errorf("to: %w", err))
	}
	if c.srcLoc, err = loadZone(from.Zone); err != nil {
		errs = append(errs, fmt.Errorf("from: %w", err))
	}
	if c.dstLoc, err = loadZone(to.Zone); err != nil {
		errs = append(errs, fmt.Errorf("to: %w", err))
	}
	if len(errs) == 0 && (c.src.offset || c.srcLoc != nil) && !c.dst.offset && c.dstLoc == nil && c.dst.prec != precDay {
		errs = append(errs, fmt.Errorf("to: layout %q has no UTC offset: set the zone its times are written in", to.Layout))
	}
	if len(errs) > 0 {
		c.err = invalid("%w", errors.Join(errs...))
	}
	return c
}

// Convert reads a date or date-time and writes it in the target layout and zone.
func (c TimeConverter) Convert(_ context.Context, v any) (any, error) {
	if c.err != nil {
		return nil, c.err
	}
	t, err := readTime(v, c.src, c.srcLoc)
	if err != nil {
		return nil, err
	}
	_, isTime := v.(time.Time)
	if c.dstLoc != nil && (isTime || c.src.prec != precDay || c.dst.prec != precDay) {
		// A date to a date is the same calendar day in any zone: only instants move.
		t = t.In(c.dstLoc)
	}
	return writeTime(t, c.dst), nil
}

// readTime reads a value in a layout; text without an offset is read in loc (UTC when nil).
func readTime(v any, l timeLayout, loc *time.Location) (time.Time, error) {
	if t, ok := v.(time.Time); ok {
		return t, nil
	}
	if l.unix != 0 {
		if s, ok := v.(string); ok {
			v = json.Number(strings.TrimSpace(s))
		}
		d, err := parseDecimal(v)
		if err != nil {
			return time.Time{}, fmt.Errorf("not a %s time: %w", l.name, err)
		}
		return unixTime(d, l.unix)
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, badValue("want %s text, got %T", l.name, v)
	}
	if loc == nil {
		loc = time.UTC
	}
	var first error
	for _, layout := range l.parse {
		t, err := time.ParseInLocation(layout, s, loc)
		if err == nil {
			return t, nil
		}
		if first == nil {
			first = err
		}
	}
	return time.Time{}, badValue("not a %s time: %v", l.name, first)
}

// unixTime turns a Unix number (seconds or milliseconds, fractions allowed down to
// nanoseconds) into a time without going through a float.
func unixTime(d *apd.Decimal, unit time.Duration) (time.Time, error) {
	// Scale to nanoseconds: shift the exponent by 9 (seconds) or 6 (milliseconds).
	shift := int32(9)
	if unit == time.Millisecond {
		shift = 6
	}
	ns := new(apd.Decimal).Set(d)
	ns.Exponent += shift
	if err := quantize(ns, 0, RoundExact); err != nil {
		return time.Time{}, badValue("%s: finer than a nanosecond", d.Text('f'))
	}
	n := ns.Coeff.MathBigInt()
	if ns.Negative {
		n.Neg(n)
	}
	sec, nsec := new(big.Int).DivMod(n, big.NewInt(1e9), new(big.Int))
	if !sec.IsInt64() || sec.Int64() > 1<<40 || sec.Int64() < -(1<<40) {
		return time.Time{}, badValue("%s is out of range", d.Text('f'))
	}
	return time.Unix(sec.Int64(), nsec.Int64()).UTC(), nil
}

// writeTime formats a time in a layout.
func writeTime(t time.Time, l timeLayout) any {
	switch l.unix {
	case time.Second:
		return json.Number(strconv.FormatInt(t.Unix(), 10))
	case time.Millisecond:
		return json.Number(strconv.FormatInt(t.UnixMilli(), 10))
	}
	return t.Format(l.format)
}

// Inverse returns the converter back, when the target keeps the source's precision.
func (c TimeConverter) Inverse() (Converter, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.undoes != nil {
		return *c.undoes, nil
	}
	if c.dst.prec > c.src.prec {
		return nil, notInvertible("%s keeps only %s but %s has %s", c.to, c.dst.prec, c.from, c.src.prec)
	}
	back := c.from
	if back.Zone == "" && !c.src.offset && c.src.unix == 0 {
		back.Zone = "UTC" // the forward read it as UTC
	}
	inv := DateTime(c.to, back)
	if inv.err != nil {
		return nil, inv.err
	}
	inv.undoes = &c
	return inv, nil
}

// Validate reports bad layouts and zones.
func (c TimeConverter) Validate() error {
	if c.src.name == "" && c.err == nil {
		return invalid("empty TimeConverter: build it with DateTime")
	}
	return c.err
}

// String describes the converter.
func (c TimeConverter) String() string {
	return fmt.Sprintf("date-time %s → %s", c.from, c.to)
}
