package finance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Codec decodes and encodes one typed struct T of the Books and Inventory
// packages so that nothing is lost on a round trip: members of the JSON
// object that T does not declare go to (and come back from) an Extra map.
//
// Decoding is tolerant where Zoho is inconsistent: a string field accepts a
// JSON number or bool (ids arrive as "460000000026049" or as
// 460000000026049), a number field accepts a quoted number (or "" as zero),
// a bool field accepts "true"/"false", and interface fields keep numbers as
// json.Number. Any other mismatch is an error naming the member.
//
// T is the "fields" twin of an exported type (type invoiceFields Invoice),
// so that encoding/json does not call the exported type's methods again; its
// Extra field is tagged `json:"-"`. A Codec is immutable and safe for
// concurrent use.
type Codec[T any] struct {
	fields map[string]codecField
	err    error // T is not a struct
}

type codecField struct {
	index []int
	kind  reflect.Kind
}

// NewCodec builds the codec of struct type T from its json tags.
func NewCodec[T any]() *Codec[T] {
	c := &Codec[T]{fields: map[string]codecField{}}
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		c.err = fmt.Errorf("finance: Codec of %s: not a struct", t)
		return c
	}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		c.fields[name] = codecField{index: f.Index, kind: f.Type.Kind()}
	}
	return c
}

// Known reports whether T declares the member name.
func (c *Codec[T]) Known(name string) bool {
	_, ok := c.fields[name]
	return ok
}

// Decode decodes the JSON object data into v, and the members T does not
// declare into *extra (nil when there are none). JSON null leaves v as it is.
func (c *Codec[T]) Decode(data []byte, v *T, extra *map[string]json.RawMessage) error {
	if c.err != nil {
		return c.err
	}
	if isNull(data) {
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	rv := reflect.ValueOf(v).Elem()
	var ex map[string]json.RawMessage
	for name, raw := range members {
		f, ok := c.fields[name]
		if !ok {
			if ex == nil {
				ex = map[string]json.RawMessage{}
			}
			ex[name] = raw
			continue
		}
		if err := decodeField(raw, rv.FieldByIndex(f.index)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	*extra = ex
	return nil
}

// decodeField decodes raw into the field fv, tolerating Zoho's scalar
// quirks.
func decodeField(raw json.RawMessage, fv reflect.Value) error {
	raw = bytes.TrimSpace(raw)
	if fv.Kind() == reflect.Interface {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		return dec.Decode(fv.Addr().Interface())
	}
	err := json.Unmarshal(raw, fv.Addr().Interface())
	if err == nil {
		return nil
	}
	if len(raw) == 0 {
		return err
	}
	switch fv.Kind() {
	case reflect.String:
		if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') || string(raw) == "true" || string(raw) == "false" {
			fv.SetString(string(raw))
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if s, ok := quoted(raw); ok {
			if s == "" {
				fv.SetInt(0)
				return nil
			}
			if n, perr := strconv.ParseInt(s, 10, 64); perr == nil && !fv.OverflowInt(n) {
				fv.SetInt(n)
				return nil
			}
		}
	case reflect.Float32, reflect.Float64:
		if s, ok := quoted(raw); ok {
			if s == "" {
				fv.SetFloat(0)
				return nil
			}
			if n, perr := strconv.ParseFloat(s, 64); perr == nil {
				fv.SetFloat(n)
				return nil
			}
		}
	case reflect.Bool:
		if s, ok := quoted(raw); ok {
			if b, perr := strconv.ParseBool(s); perr == nil {
				fv.SetBool(b)
				return nil
			}
		}
	}
	return err
}

func quoted(raw []byte) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return strings.TrimSpace(s), true
}

// Encode encodes v as a JSON object with the members of extra that T does
// not declare (a declared member always comes from v), minus the members
// named in omit (the ones Zoho computes, left out of writes).
func (c *Codec[T]) Encode(v *T, extra map[string]json.RawMessage, omit ...string) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	b, err := json.Marshal(v)
	if err != nil || (len(extra) == 0 && len(omit) == 0) {
		return b, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, err
	}
	for name, raw := range extra {
		if _, declared := c.fields[name]; declared {
			continue
		}
		if !json.Valid(raw) {
			return nil, fmt.Errorf("extra member %q is not valid JSON", name)
		}
		members[name] = raw
	}
	for _, name := range omit {
		delete(members, name)
	}
	return json.Marshal(members)
}
