package sqladapter

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// timeFormat is how a table stores its timestamps (Table.TimeFormat).
type timeFormat struct {
	kind   tfKind
	layout string
}

type tfKind int

const (
	tfNative tfKind = iota
	tfUnix
	tfUnixMilli
	tfUnixMicro
	tfLayout
)

func parseTimeFormat(s string) (timeFormat, error) {
	switch s {
	case "":
		return timeFormat{kind: tfNative}, nil
	case "unix":
		return timeFormat{kind: tfUnix}, nil
	case "unix_ms":
		return timeFormat{kind: tfUnixMilli}, nil
	case "unix_us":
		return timeFormat{kind: tfUnixMicro}, nil
	}
	probe := time.Date(2024, time.November, 23, 13, 14, 15, 0, time.UTC)
	back, err := time.ParseInLocation(s, probe.Format(s), time.UTC)
	if err != nil || !back.Equal(probe) {
		return timeFormat{}, fmt.Errorf("TimeFormat %q is neither unix, unix_ms, unix_us nor a Go time layout that keeps the time to the second (such as \"2006-01-02 15:04:05\")", s)
	}
	return timeFormat{kind: tfLayout, layout: s}, nil
}

// truncate returns t in UTC at the precision the format keeps, so that the
// time the adapter reports for a write is the time it will read back.
func (f timeFormat) truncate(t time.Time) time.Time {
	t = t.UTC().Round(0)
	switch f.kind {
	case tfUnix:
		return t.Truncate(time.Second)
	case tfUnixMilli:
		return t.Truncate(time.Millisecond)
	case tfLayout:
		back, err := time.ParseInLocation(f.layout, t.Format(f.layout), time.UTC)
		if err != nil {
			return t.Truncate(time.Second)
		}
		return back.UTC()
	}
	return t.Truncate(time.Microsecond) // PostgreSQL's precision
}

// encode returns t, at the precision the format keeps, as the database
// stores it: the value the adapter writes.
func (f timeFormat) encode(t time.Time) any { return f.param(f.truncate(t)) }

// param returns t as a query parameter compared with the column. t comes
// from a value read, so it is not truncated: a row written by another
// program with more precision than the adapter writes compares exactly.
func (f timeFormat) param(t time.Time) any {
	t = t.UTC()
	switch f.kind {
	case tfUnix:
		return t.Unix()
	case tfUnixMilli:
		return t.UnixMilli()
	case tfUnixMicro:
		return t.UnixMicro()
	case tfLayout:
		return t.Format(f.layout)
	}
	return t
}

// textLayouts are the layouts tried for timestamps read as text when the
// format is the driver's own.
var textLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999 -0700 MST", // time.Time.String, as modernc.org/sqlite writes a time.Time into TEXT
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// decode reads a timestamp as the driver returned it.
func (f timeFormat) decode(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case int64:
		switch f.kind {
		case tfUnix:
			return time.Unix(x, 0).UTC(), nil
		case tfUnixMilli:
			return time.UnixMilli(x).UTC(), nil
		case tfUnixMicro:
			return time.UnixMicro(x).UTC(), nil
		}
		return time.Time{}, fmt.Errorf("%w: the timestamp is the integer %d: set Table.TimeFormat to unix, unix_ms or unix_us", ErrBadValue, x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return f.decode(int64(x))
		}
		return time.Time{}, fmt.Errorf("%w: the timestamp is the number %v", ErrBadValue, x)
	case []byte:
		return f.decode(string(x))
	case string:
		switch f.kind {
		case tfLayout:
			t, err := time.ParseInLocation(f.layout, x, time.UTC)
			if err != nil {
				return time.Time{}, fmt.Errorf("%w: timestamp %q does not match Table.TimeFormat %q", ErrBadValue, x, f.layout)
			}
			return t.UTC(), nil
		case tfUnix, tfUnixMilli, tfUnixMicro:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("%w: timestamp %q is not an integer epoch", ErrBadValue, x)
			}
			return f.decode(n)
		}
		for _, l := range textLayouts {
			if t, err := time.ParseInLocation(l, x, time.UTC); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("%w: timestamp %q is in no layout the adapter knows: set Table.TimeFormat", ErrBadValue, x)
	}
	return time.Time{}, fmt.Errorf("%w: a timestamp of type %T", ErrBadValue, v)
}

var decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// readValue converts a value the driver returned into the engine's
// canonical form.
func readValue(v any, k colKind) any {
	switch x := v.(type) {
	case int64:
		if k == kindBool {
			return x != 0
		}
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return x
		}
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	case []byte:
		return readValue(string(x), k)
	case string:
		if (k == kindNumeric || k == kindInt) && decimalRE.MatchString(x) {
			return json.Number(x)
		}
		return x
	case time.Time:
		return x.UTC()
	}
	return v
}

// writeValue converts a canonical value into a parameter for a column of
// kind k.
func writeValue(v any, k colKind) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64, float64, []byte:
		if b, ok := x.(bool); ok && k == kindInt {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return x, nil
	case string:
		return textParam(x, k), nil
	case json.Number:
		return textParam(string(x), k), nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return nil, fmt.Errorf("%w: %d overflows a 64-bit integer", ErrBadValue, x)
		}
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("%w: %d overflows a 64-bit integer", ErrBadValue, x)
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	case time.Time:
		if k == kindText {
			return x.UTC().Format(time.RFC3339Nano), nil
		}
		return x.UTC(), nil
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadValue, err)
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("%w: values of type %T cannot be written", ErrBadValue, v)
}

// textParam turns text into the parameter type the column wants, where
// that is unambiguous (drivers do not all convert text to numbers).
func textParam(s string, k colKind) any {
	switch k {
	case kindInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case kindFloat:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case kindBool:
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case kindTime:
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC()
		}
	}
	return s
}

// isDeleted reads a soft-delete column: set when not NULL, false, zero or
// empty.
func isDeleted(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case []byte:
		return isDeleted(string(x))
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		return s != "" && s != "0" && s != "false" && s != "f" && s != "n" && s != "no"
	}
	return true
}
