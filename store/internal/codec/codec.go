// Package codec encodes review items (conflict.Review and
// conflict.Resolution) as JSON that decodes to the same Go values, so that a
// review read back from a store holds the same types as when it was
// recorded: json.Number stays json.Number, an int stays an int, a time.Time
// stays a time.Time.
//
// Plain JSON cannot do that (every number would come back as float64 or
// json.Number, every time as a string), so values are tagged: null, booleans,
// strings and arrays are plain JSON, and everything else is an object with
// one key naming its kind:
//
//	{"n": "12.50"}                  json.Number
//	{"i": "42", "k": "int64"}       a Go integer of kind k
//	{"f": "0.1", "k": "float64"}    a Go float of kind k (NaN and infinities too)
//	{"t": "2025-06-02T08:00:00Z"}   time.Time (RFC 3339, nanoseconds, offset kept)
//	{"m": {"a": ..., "b": ...}}     map[string]any
//
// Both the memory store and the SQL stores use it, so they accept and refuse
// the same values.
package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/zohokit/zohokit/conflict"
)

// maxDepth bounds the nesting of values, which also stops a map that
// contains itself.
const maxDepth = 64

// tagged is the object form of a value that is not a JSON primitive.
type tagged struct {
	N *string                    `json:"n,omitempty"`
	I *string                    `json:"i,omitempty"`
	F *string                    `json:"f,omitempty"`
	K string                     `json:"k,omitempty"`
	T *string                    `json:"t,omitempty"`
	M map[string]json.RawMessage `json:"m,omitempty"`
}

// EncodeValue returns the tagged JSON of v, which must be nil, a bool, a
// string, a Go integer or float, a json.Number, a time.Time, or a []any or
// map[string]any of those.
func EncodeValue(v any) (json.RawMessage, error) { return encode(v, 0) }

func encode(v any, depth int) (json.RawMessage, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels", maxDepth)
	}
	var t tagged
	switch x := v.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case bool, string:
		return json.Marshal(x)
	case json.Number:
		s := string(x)
		t.N = &s
	case time.Time:
		s := x.Format(time.RFC3339Nano)
		t.T = &s
	case []any:
		parts := make([]json.RawMessage, len(x))
		for i, e := range x {
			raw, err := encode(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			parts[i] = raw
		}
		return json.Marshal(parts)
	case map[string]any:
		if len(x) == 0 {
			return json.RawMessage(`{"m":{}}`), nil
		}
		t.M = make(map[string]json.RawMessage, len(x))
		for k, e := range x {
			raw, err := encode(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
			t.M[k] = raw
		}
	default:
		if !encodeNumber(v, &t) {
			return nil, fmt.Errorf("unsupported value of type %T (want nil, bool, string, a number, json.Number, time.Time, []any or map[string]any)", v)
		}
	}
	return json.Marshal(t)
}

// encodeNumber fills t for a Go integer or float and reports whether v was
// one.
func encodeNumber(v any, t *tagged) bool {
	var s string
	switch x := v.(type) {
	case int:
		s, t.K = strconv.FormatInt(int64(x), 10), "int"
	case int8:
		s, t.K = strconv.FormatInt(int64(x), 10), "int8"
	case int16:
		s, t.K = strconv.FormatInt(int64(x), 10), "int16"
	case int32:
		s, t.K = strconv.FormatInt(int64(x), 10), "int32"
	case int64:
		s, t.K = strconv.FormatInt(x, 10), "int64"
	case uint:
		s, t.K = strconv.FormatUint(uint64(x), 10), "uint"
	case uint8:
		s, t.K = strconv.FormatUint(uint64(x), 10), "uint8"
	case uint16:
		s, t.K = strconv.FormatUint(uint64(x), 10), "uint16"
	case uint32:
		s, t.K = strconv.FormatUint(uint64(x), 10), "uint32"
	case uint64:
		s, t.K = strconv.FormatUint(x, 10), "uint64"
	case float32:
		s, t.K = strconv.FormatFloat(float64(x), 'g', -1, 32), "float32"
		t.F = &s
		return true
	case float64:
		s, t.K = strconv.FormatFloat(x, 'g', -1, 64), "float64"
		t.F = &s
		return true
	default:
		return false
	}
	t.I = &s
	return true
}

// DecodeValue decodes what EncodeValue returned.
func DecodeValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty value")
	}
	switch raw[0] {
	case 'n':
		return nil, json.Unmarshal(raw, new(any))
	case 't', 'f':
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '[':
		var parts []json.RawMessage
		if err := json.Unmarshal(raw, &parts); err != nil {
			return nil, err
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			v, err := DecodeValue(p)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = v
		}
		return out, nil
	case '{':
		var t tagged
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, err
		}
		return decodeTagged(t)
	}
	return nil, fmt.Errorf("not a tagged value: %.40s", raw)
}

func decodeTagged(t tagged) (any, error) {
	switch {
	case t.N != nil:
		return json.Number(*t.N), nil
	case t.T != nil:
		return time.Parse(time.RFC3339Nano, *t.T)
	case t.I != nil:
		return decodeInt(*t.I, t.K)
	case t.F != nil:
		bits := map[string]int{"float32": 32, "float64": 64}[t.K]
		if bits == 0 {
			return nil, fmt.Errorf("unknown float kind %q", t.K)
		}
		f, err := strconv.ParseFloat(*t.F, bits)
		if err != nil {
			return nil, err
		}
		if bits == 32 {
			return float32(f), nil
		}
		return f, nil
	case t.M != nil:
		out := make(map[string]any, len(t.M))
		for k, raw := range t.M {
			v, err := DecodeValue(raw)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, errors.New("tagged value has no known tag")
}

func decodeInt(s, kind string) (any, error) {
	bits := map[string]int{"int": strconv.IntSize, "int8": 8, "int16": 16, "int32": 32, "int64": 64,
		"uint": strconv.IntSize, "uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64}[kind]
	if bits == 0 {
		return nil, fmt.Errorf("unknown integer kind %q", kind)
	}
	if kind[0] == 'u' {
		u, err := strconv.ParseUint(s, 10, bits)
		if err != nil {
			return nil, err
		}
		switch kind {
		case "uint":
			return uint(u), nil
		case "uint8":
			return uint8(u), nil
		case "uint16":
			return uint16(u), nil
		case "uint32":
			return uint32(u), nil
		}
		return u, nil
	}
	i, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "int":
		return int(i), nil
	case "int8":
		return int8(i), nil
	case "int16":
		return int16(i), nil
	case "int32":
		return int32(i), nil
	}
	return i, nil
}

// reviewDoc is a conflict.Review as stored.
type reviewDoc struct {
	Key           string          `json:"key"`
	Reason        string          `json:"reason,omitempty"`
	Pipeline      string          `json:"pipeline,omitempty"`
	DataType      string          `json:"data_type,omitempty"`
	Field         string          `json:"field,omitempty"`
	LeftID        string          `json:"left_id,omitempty"`
	RightID       string          `json:"right_id,omitempty"`
	LeftSystem    string          `json:"left_system,omitempty"`
	RightSystem   string          `json:"right_system,omitempty"`
	Base          json.RawMessage `json:"base"`
	Left          json.RawMessage `json:"left"`
	Right         json.RawMessage `json:"right"`
	LeftModified  time.Time       `json:"left_modified,omitzero"`
	RightModified time.Time       `json:"right_modified,omitzero"`
}

// EncodeReview returns r as JSON. It fails, naming the field, when a value
// of r.Conflict cannot be encoded.
func EncodeReview(r conflict.Review) ([]byte, error) {
	c := r.Conflict
	d := reviewDoc{
		Key: r.Key, Reason: r.Reason, Pipeline: c.Pipeline, DataType: c.DataType, Field: c.Field,
		LeftID: c.LeftID, RightID: c.RightID, LeftSystem: c.LeftSystem, RightSystem: c.RightSystem,
		LeftModified: c.LeftModified, RightModified: c.RightModified,
	}
	for _, f := range []struct {
		name string
		v    any
		dst  *json.RawMessage
	}{{"Base", c.Base, &d.Base}, {"Left", c.Left, &d.Left}, {"Right", c.Right, &d.Right}} {
		raw, err := EncodeValue(f.v)
		if err != nil {
			return nil, fmt.Errorf("the conflict's %s value: %w", f.name, err)
		}
		*f.dst = raw
	}
	return json.Marshal(d)
}

// DecodeReview decodes what EncodeReview returned.
func DecodeReview(data []byte) (conflict.Review, error) {
	var d reviewDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return conflict.Review{}, fmt.Errorf("decode review: %w", err)
	}
	r := conflict.Review{Key: d.Key, Reason: d.Reason, Conflict: conflict.Conflict{
		Pipeline: d.Pipeline, DataType: d.DataType, Field: d.Field,
		LeftID: d.LeftID, RightID: d.RightID, LeftSystem: d.LeftSystem, RightSystem: d.RightSystem,
		LeftModified: d.LeftModified, RightModified: d.RightModified,
	}}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *any
	}{{"base", d.Base, &r.Conflict.Base}, {"left", d.Left, &r.Conflict.Left}, {"right", d.Right, &r.Conflict.Right}} {
		v, err := DecodeValue(f.raw)
		if err != nil {
			return conflict.Review{}, fmt.Errorf("decode review: %s: %w", f.name, err)
		}
		*f.dst = v
	}
	return r, nil
}

// resolutionDoc is a conflict.Resolution as stored.
type resolutionDoc struct {
	ReviewID  string          `json:"review_id"`
	Action    conflict.Action `json:"action"`
	Value     json.RawMessage `json:"value"`
	DecidedBy string          `json:"decided_by,omitempty"`
	DecidedAt time.Time       `json:"decided_at,omitzero"`
	Note      string          `json:"note,omitempty"`
}

// EncodeResolution returns res as JSON.
func EncodeResolution(res conflict.Resolution) ([]byte, error) {
	raw, err := EncodeValue(res.Value)
	if err != nil {
		return nil, fmt.Errorf("the resolution's Value: %w", err)
	}
	return json.Marshal(resolutionDoc{ReviewID: res.ReviewID, Action: res.Action, Value: raw,
		DecidedBy: res.DecidedBy, DecidedAt: res.DecidedAt, Note: res.Note})
}

// DecodeResolution decodes what EncodeResolution returned.
func DecodeResolution(data []byte) (*conflict.Resolution, error) {
	var d resolutionDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("decode resolution: %w", err)
	}
	v, err := DecodeValue(d.Value)
	if err != nil {
		return nil, fmt.Errorf("decode resolution: value: %w", err)
	}
	return &conflict.Resolution{ReviewID: d.ReviewID, Action: d.Action, Value: v,
		DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt, Note: d.Note}, nil
}
