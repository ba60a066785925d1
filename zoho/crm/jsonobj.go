package crm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file holds the JSON plumbing behind the typed records: a light walk
// over the members of a JSON object (so that a typed struct can keep the
// members it does not declare in Extra without decoding the object twice
// into maps), and the encoder that merges Extra back.

var errNotObject = errors.New("not a JSON object")

// eachMember calls f with the raw key (between the quotes, escapes kept)
// and the raw value of every member of the JSON object in data. JSON null
// is an object without members.
func eachMember(data []byte, f func(key, value []byte) error) error {
	i := skipSpace(data, 0)
	if i < len(data) && data[i] == 'n' && bytes.HasPrefix(data[i:], []byte("null")) {
		return nil
	}
	if i >= len(data) || data[i] != '{' {
		return errNotObject
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return errNotObject
		}
		end, err := skipString(data, i)
		if err != nil {
			return err
		}
		key := data[i+1 : end-1]
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return errNotObject
		}
		i = skipSpace(data, i+1)
		vend, err := skipValue(data, i)
		if err != nil {
			return err
		}
		if err := f(key, data[i:vend]); err != nil {
			return err
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return errNotObject
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return nil
		default:
			return errNotObject
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index after the string literal starting at i.
func skipString(data []byte, i int) (int, error) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errors.New("unterminated JSON string")
}

// skipValue returns the index after the JSON value starting at i.
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errors.New("missing JSON value")
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, err := skipString(data, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("unterminated JSON value")
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j, nil
		}
		j++
	}
	return j, nil
}

// decodeAny decodes one raw JSON value as encoding/json would into an any,
// but with numbers as json.Number so that no decimal loses precision.
func decodeAny(raw []byte) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty JSON value")
	}
	switch c := raw[0]; {
	case c == 'n' && string(raw) == "null":
		return nil, nil
	case c == 't' && string(raw) == "true":
		return true, nil
	case c == 'f' && string(raw) == "false":
		return false, nil
	case c == '"':
		in := raw[1 : len(raw)-1]
		if bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
			return string(in), nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		if json.Valid(raw) {
			return json.Number(raw), nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.InputOffset() != int64(len(raw)) {
		return nil, fmt.Errorf("invalid JSON value %q", excerpt(raw))
	}
	return v, nil
}

// fieldSet is the JSON member names a struct type declares.
type fieldSet struct {
	names map[string]struct{}
	list  []string // in declaration order
}

// structFields lists the JSON names of t's fields (embedded structs'
// fields included), as encoding/json names them; t must be a struct type.
func structFields(t reflect.Type) fieldSet {
	fs := fieldSet{names: map[string]struct{}{}}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || (f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "") {
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
		if _, dup := fs.names[name]; dup {
			continue
		}
		fs.names[name] = struct{}{}
		fs.list = append(fs.list, name)
	}
	return fs
}

func fieldsOf[T any]() fieldSet { return structFields(reflect.TypeFor[T]()) }

// has reports whether a raw key names a declared field; like encoding/json,
// it falls back to a case-insensitive match.
func (fs fieldSet) has(key []byte) bool {
	if _, ok := fs.names[string(key)]; ok {
		return true
	}
	for _, n := range fs.list {
		if len(n) == len(key) && strings.EqualFold(n, string(key)) {
			return true
		}
	}
	return false
}

// unmarshalWithExtra decodes data into plain (a struct pointer whose type
// declares fs) and collects every member plain does not declare into
// *extra (nil when there are none).
func unmarshalWithExtra(data []byte, plain any, fs fieldSet, extra *map[string]any) error {
	if err := json.Unmarshal(data, plain); err != nil {
		return err
	}
	*extra = nil
	return eachMember(data, func(key, value []byte) error {
		if fs.has(key) {
			return nil
		}
		v, err := decodeAny(value)
		if err != nil {
			return err
		}
		k, err := memberKey(key)
		if err != nil {
			return err
		}
		if *extra == nil {
			*extra = make(map[string]any, 4)
		}
		(*extra)[k] = v
		return nil
	})
}

// memberKey unescapes a raw key.
func memberKey(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw), nil
	}
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s); err != nil {
		return "", fmt.Errorf("bad JSON key %q: %w", raw, err)
	}
	return s, nil
}

// marshalWithExtra encodes plain, then merges extra into the object: a key
// of extra replaces the declared field of that name (so a nil value sends
// null, which clears the field in Zoho), other keys are appended in sorted
// order.
func marshalWithExtra(plain any, extra map[string]any) ([]byte, error) {
	b, err := json.Marshal(plain)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	out := make([]byte, 0, len(b)+32*len(extra))
	out = append(out, '{')
	n := 0
	err = eachMember(b, func(key, value []byte) error {
		if _, over := extra[string(key)]; over {
			return nil
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, '"')
		out = append(out, key...)
		out = append(out, '"', ':')
		out = append(out, value...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(extra[k])
		if err != nil {
			return nil, fmt.Errorf("crm: Extra[%q]: %w", k, err)
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, kb...)
		out = append(out, ':')
		out = append(out, vb...)
	}
	return append(out, '}'), nil
}
