package ops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Value is a canonical field value as a page shows it.
type Value struct {
	// Text is the value for people: strings as they are, numbers in plain
	// notation, times in RFC 3339, lists and maps as indented JSON.
	Text string
	// Kind is "null", "string", "empty" (the empty string), "number",
	// "bool", "time" or "json".
	Kind string
}

// Block reports whether the value reads better as a preformatted block.
func (v Value) Block() bool { return v.Kind == "json" || strings.Contains(v.Text, "\n") }

// display renders a canonical value for a page, redacted.
func (d *Dashboard) display(v any) Value {
	switch x := v.(type) {
	case nil:
		return Value{Text: "null", Kind: "null"}
	case string:
		if x == "" {
			return Value{Kind: "empty"}
		}
		return Value{Text: d.red.string(x), Kind: "string"}
	case bool:
		return Value{Text: strconv.FormatBool(x), Kind: "bool"}
	case json.Number:
		return Value{Text: d.red.string(string(x)), Kind: "number"}
	case time.Time:
		return Value{Text: x.Format(time.RFC3339Nano), Kind: "time"}
	case float64:
		return Value{Text: formatFloat(x), Kind: "number"}
	case float32:
		return Value{Text: formatFloat(float64(x)), Kind: "number"}
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return Value{Text: fmt.Sprint(x), Kind: "number"}
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // html/template escapes the page
		enc.SetIndent("", "  ")
		if err := enc.Encode(d.red.value(v)); err != nil {
			return Value{Text: d.red.string(fmt.Sprintf("%v", v)), Kind: "string"}
		}
		return Value{Text: strings.TrimSuffix(buf.String(), "\n"), Kind: "json"}
	}
}

// formatFloat writes a float in plain notation, or its name when JSON has
// none (NaN, infinities).
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseValue reads a value a person entered: as text (line breaks
// normalised), or as one JSON document decoded with numbers kept exact
// (json.Number), so the result is a canonical value.
func parseValue(text, format string) (any, error) {
	switch format {
	case "", "text":
		return strings.ReplaceAll(text, "\r\n", "\n"), nil
	case "json":
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("the value is not valid JSON: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("the value has text after its JSON document")
		}
		return v, nil
	default:
		return nil, fmt.Errorf("value format %q is not text or json", format)
	}
}
