package authority

import (
	"errors"
	"fmt"
	"os"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// DecodeError is a document that could not be decoded: a YAML or JSON syntax
// error, a key the authority section does not know, a value of the wrong
// type.
type DecodeError struct {
	// File is the file name when the document came from Load.
	File string
	// Line and Column locate the problem, 1-based; 0 when unknown.
	Line, Column int
	// Msg is the decoder's message without the position.
	Msg string
	// Err is the decoder's error.
	Err error
}

// Error reads like `authority: rules.yaml: line 3, column 5: unknown field "systen"`.
func (e *DecodeError) Error() string {
	s := "authority: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Line > 0 {
		s += fmt.Sprintf("line %d, column %d: ", e.Line, e.Column)
	}
	return s + e.Msg
}

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Load reads a YAML or JSON file and returns the validated Table it
// describes; see Parse for the accepted shapes. Errors carry the file name
// and the line.
func Load(path string) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authority: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			de.File = path
		}
		return nil, err
	}
	return newFrom(cfg, path)
}

// Parse decodes a YAML or JSON document (JSON is read as YAML, so line
// numbers work the same) and returns the validated Table it describes.
//
// The document is either a standalone authority file, whose top level holds
// just the two keys
//
//	systems: [...]
//	rules: [...]
//
// or a document with an `authority:` key holding those two keys, such as the
// service's zohokit.yaml; then only that key is read, and the other
// top-level keys (mappings:, pipelines:, ...) are left to their own packages.
// Within the authority section unknown keys are errors.
func Parse(data []byte) (*Table, error) {
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, err
	}
	return New(cfg)
}

// ParseConfig decodes a document like Parse does, without validating it.
func ParseConfig(data []byte) (Config, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return Config{}, decodeError(err)
	}
	var body ast.Node
	switch len(file.Docs) {
	case 0:
	case 1:
		body = file.Docs[0].Body
	default:
		return Config{}, &DecodeError{Msg: fmt.Sprintf("%d YAML documents, want one", len(file.Docs))}
	}
	if body == nil || body.Type() == ast.NullType {
		return Config{}, &DecodeError{Msg: "the document is empty"}
	}
	if m, ok := body.(ast.MapNode); ok {
		var section, sectionKey, top ast.Node
		for it := m.MapRange(); it.Next(); {
			switch it.Key().GetToken().Value {
			case "authority":
				section, sectionKey = it.Value(), it.Key()
			case "systems", "rules":
				top = it.Key()
			}
		}
		if section != nil {
			if top != nil {
				return Config{}, decodeError(fmt.Errorf("top-level %q next to the authority: section; put it inside the section",
					top.GetToken().Value), top)
			}
			if section.Type() == ast.NullType {
				return Config{}, decodeError(errors.New("the authority: section is empty"), sectionKey)
			}
			body = section
		}
	}
	var cfg Config
	if err := yaml.NodeToValue(body, &cfg); err != nil {
		return Config{}, decodeError(err)
	}
	return cfg, nil
}

// newFrom validates cfg like New, naming file in the errors.
func newFrom(cfg Config, file string) (*Table, error) {
	errs := cfg.problems()
	if len(errs) == 0 {
		return New(cfg)
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		e.File = file
		out[i] = e
	}
	return nil, errors.Join(out...)
}

// decodeError turns a goccy/go-yaml error into a *DecodeError with the
// position; with a node, err is a message about that node.
func decodeError(err error, node ...ast.Node) error {
	de := &DecodeError{Msg: err.Error(), Err: err}
	var ye yaml.Error
	var te *yaml.TypeError
	switch {
	case len(node) > 0:
		if tk := node[0].GetToken(); tk != nil && tk.Position != nil {
			de.Line, de.Column = tk.Position.Line, tk.Position.Column
		}
	case errors.As(err, &te):
		// goccy's own message names Go struct fields, sometimes the wrong
		// one; say what was expected in the document's terms instead.
		de.Msg = fmt.Sprintf("expected %s, found %s", kindOf(te.DstType), kindOf(te.SrcType))
		if tk := te.Token; tk != nil && tk.Position != nil {
			de.Line, de.Column = tk.Position.Line, tk.Position.Column
		}
	case errors.As(err, &ye):
		de.Msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			de.Line, de.Column = tk.Position.Line, tk.Position.Column
		}
	}
	return de
}

// kindOf names a Go type in YAML's terms.
func kindOf(t reflect.Type) string {
	if t == nil {
		return "nothing"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a sequence"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return t.String()
	}
}

// The decoding hooks below make every entry remember its line and reject
// unknown keys, whatever options the enclosing document is decoded with.

// UnmarshalYAML decodes the section strictly (only systems and rules).
func (c *Config) UnmarshalYAML(node ast.Node) error {
	type plain Config
	return decodeStrict(node, (*plain)(c), nil)
}

// UnmarshalYAML decodes a system strictly and remembers its line.
func (s *System) UnmarshalYAML(node ast.Node) error {
	type plain System
	return decodeStrict(node, (*plain)(s), &s.line)
}

// UnmarshalYAML decodes a rule strictly and remembers its line.
func (r *Rule) UnmarshalYAML(node ast.Node) error {
	type plain Rule
	return decodeStrict(node, (*plain)(r), &r.line)
}

// UnmarshalYAML decodes an override strictly and remembers its line.
func (o *Override) UnmarshalYAML(node ast.Node) error {
	type plain Override
	return decodeStrict(node, (*plain)(o), &o.line)
}

func decodeStrict(node ast.Node, v any, line *int) error {
	if err := yaml.NodeToValue(node, v, yaml.Strict()); err != nil {
		return err
	}
	if line != nil {
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			*line = tk.Position.Line
		}
	}
	return nil
}
