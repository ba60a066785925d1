package transform

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// maxNumberDigits caps the digits of a number in plain notation, so that "1e1000000000" is an
// error rather than a gigabyte of zeros.
const maxNumberDigits = 1000

// maxDepth caps the nesting of a value (and catches a map that contains itself).
const maxDepth = 64

// Canonical returns v in the canonical form that Apply writes (see the package documentation):
// nil, bool, string, json.Number in plain decimal notation, time.Time in UTC without a monotonic
// reading, []any and map[string]any of canonical values. Other Go numbers, named string and
// number types, other slices and maps with string keys, pointers, json.Marshaler and
// encoding.TextMarshaler values are converted; anything else (a struct, a channel, NaN) is an
// error wrapping ErrInvalidValue. The result never shares a map or slice with v.
func Canonical(v any) (any, error) { return canonical(v, 0) }

func canonical(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, badValue("nested deeper than %d levels", maxDepth)
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool, string:
		return x, nil
	case json.Number:
		return canonicalNumber(string(x))
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), nil
	case float64:
		return canonicalFloat(x, 64)
	case float32:
		return canonicalFloat(float64(x), 32)
	case time.Time:
		return x.Round(0).UTC(), nil
	case *apd.Decimal:
		if x == nil {
			return nil, nil
		}
		return decimalNumber(x)
	case apd.Decimal:
		return decimalNumber(&x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := canonical(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := canonical(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	case json.Marshaler:
		return canonicalJSON(x, depth)
	case encoding.TextMarshaler:
		b, err := x.MarshalText()
		if err != nil {
			return nil, badValue("%T: %v", x, err)
		}
		return string(b), nil
	}
	return canonicalReflect(reflect.ValueOf(v), depth)
}

// canonicalReflect handles named types, other numbers, slices, maps and pointers.
func canonicalReflect(rv reflect.Value, depth int) (any, error) {
	switch rv.Kind() {
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(rv.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return json.Number(strconv.FormatUint(rv.Uint(), 10)), nil
	case reflect.Float32:
		return canonicalFloat(rv.Float(), 32)
	case reflect.Float64:
		return canonicalFloat(rv.Float(), 64)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return canonical(rv.Elem().Interface(), depth+1)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil, nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 && rv.Kind() == reflect.Slice {
			// As encoding/json does: bytes are a base64 string.
			return canonicalJSON(rv.Interface(), depth)
		}
		out := make([]any, rv.Len())
		for i := range out {
			c, err := canonical(rv.Index(i).Interface(), depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, badValue("map with %s keys: keys must be strings", rv.Type().Key())
		}
		if rv.IsNil() {
			return nil, nil
		}
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			k := it.Key().String()
			c, err := canonical(it.Value().Interface(), depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	case reflect.Invalid:
		return nil, nil
	}
	return nil, badValue("unsupported type %s", rv.Type())
}

// canonicalJSON reads a value through its JSON encoding.
func canonicalJSON(v any, depth int) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, badValue("%T: %v", v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, badValue("%T: %v", v, err)
	}
	return canonical(out, depth+1)
}

// canonicalFloat writes a float through its shortest decimal representation, so that the
// float64 1234.56 (decoded from JSON) becomes exactly 1234.56.
func canonicalFloat(f float64, bits int) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, badValue("%v is not a JSON number", f)
	}
	return canonicalNumber(strconv.FormatFloat(f, 'f', -1, bits))
}

// canonicalNumber checks decimal text and writes it in plain notation: no exponent, no '+', no
// leading zeros, no negative zero; the fraction digits (the scale) are kept.
func canonicalNumber(s string) (json.Number, error) {
	if isPlainDecimal(s) {
		return json.Number(s), nil
	}
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite {
		return "", badValue("%q is not a decimal number", s)
	}
	return formatDecimal(d)
}

// decimalNumber writes an apd decimal as a canonical number.
func decimalNumber(d *apd.Decimal) (any, error) {
	if d.Form != apd.Finite {
		return nil, badValue("%s is not a JSON number", d)
	}
	var c apd.Decimal
	c.Set(d)
	return formatDecimal(&c)
}

// formatDecimal writes a finite decimal in plain notation.
func formatDecimal(d *apd.Decimal) (json.Number, error) {
	digits := d.NumDigits()
	if d.Exponent >= 0 {
		digits += int64(d.Exponent)
	} else {
		digits = max(digits, int64(-d.Exponent)+1)
	}
	if digits > maxNumberDigits {
		return "", badValue("number has %d digits (more than %d)", digits, maxNumberDigits)
	}
	if d.IsZero() {
		d.Negative = false
	}
	return json.Number(d.Text('f')), nil
}

// isPlainDecimal reports whether s is already canonical: -?(0|[1-9][0-9]*)(\.[0-9]+)?, not a
// negative zero, not too long.
func isPlainDecimal(s string) bool {
	if s == "" || len(s) > maxNumberDigits {
		return false
	}
	i, neg, nonZero := 0, false, false
	if s[0] == '-' {
		neg, i = true, 1
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		nonZero = nonZero || s[i] != '0'
		i++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return false
	}
	if i < len(s) {
		if s[i] != '.' || i+1 == len(s) {
			return false
		}
		for i++; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
			nonZero = nonZero || s[i] != '0'
		}
	}
	return !neg || nonZero
}

// reduceNumber drops trailing fraction zeros of a canonical number, so that numbers equal in
// value have equal text ("1.50" and "1.5", "2.00" and "2").
func reduceNumber(n json.Number) string {
	s := string(n)
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// Equal reports whether two values are equal as canonical values: numbers by value whatever
// their Go type or scale (int 2, float64 2, json.Number "2.00"), times as instants, maps and
// arrays element by element; a string never equals a number, and a null never equals a missing
// key. Values that Canonical rejects are compared with reflect.DeepEqual.
func Equal(a, b any) bool {
	if sa, ok := a.(string); ok {
		sb, ok := b.(string)
		return ok && sa == sb
	}
	ca, errA := Canonical(a)
	cb, errB := Canonical(b)
	if errA != nil || errB != nil {
		return reflect.DeepEqual(a, b)
	}
	return equalCanonical(ca, cb)
}

func equalCanonical(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && (x == y || reduceNumber(x) == reduceNumber(y))
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalCanonical(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalCanonical(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// Hash returns a content hash (hex SHA-256) of a value that agrees with Equal: Equal(a, b)
// implies Hash(a) == Hash(b), and different values get different hashes. The sync engine
// hashes a record's mapped fields to skip writes that would change nothing. The encoding is
// stable across processes and versions of this package; a change to it is a breaking change.
func Hash(v any) (string, error) {
	c, err := Canonical(v)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	var buf []byte
	buf = appendHash(buf, c)
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// appendHash writes a canonical value as tagged, length-prefixed bytes.
func appendHash(buf []byte, v any) []byte {
	str := func(buf []byte, tag byte, s string) []byte {
		buf = append(buf, tag)
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		return append(buf, s...)
	}
	switch x := v.(type) {
	case nil:
		return append(buf, 'z')
	case bool:
		if x {
			return append(buf, 't')
		}
		return append(buf, 'f')
	case string:
		return str(buf, 's', x)
	case json.Number:
		return str(buf, 'n', reduceNumber(x))
	case time.Time:
		buf = append(buf, 'T')
		buf = binary.AppendVarint(buf, x.Unix())
		return binary.AppendUvarint(buf, uint64(x.Nanosecond()))
	case []any:
		buf = append(buf, 'a')
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		for _, e := range x {
			buf = appendHash(buf, e)
		}
		return buf
	case map[string]any:
		buf = append(buf, 'm')
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			buf = str(buf, 'k', k)
			buf = appendHash(buf, x[k])
		}
		return buf
	}
	// Canonical never returns another type; should it, the type name keeps hashes distinct.
	return str(buf, '?', fmt.Sprintf("%T %v", v, v))
}
