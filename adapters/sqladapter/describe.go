package sqladapter

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// colKind is what a column holds, as far as the adapter cares.
type colKind int

const (
	kindOther colKind = iota
	kindInt
	kindNumeric // exact decimals: read as json.Number
	kindFloat
	kindBool
	kindTime
	kindText
)

// description is a table's columns as the database reports them.
type description struct {
	kinds  map[string]colKind // every column of the table
	order  []string           // every column, in table order
	sel    []string           // the columns Changes and Get select: id, updated-at, [soft-delete], [key], fields
	fields []string           // the columns that go into Record.Fields
	keyAt  int                // the index in sel of the key column, read into Record.Key; 0 for none
}

// describe reads the table's columns once and checks the configuration
// against them. A failure is not cached, so a table created later is found.
func (t *table) describe(ctx context.Context, db *sql.DB) (*description, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.desc != nil {
		return t.desc, nil
	}
	fail := func(err error) (*description, error) {
		return nil, fmt.Errorf("sqladapter: table %s (data type %q): %w", t.cfg.Name, t.dataType, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+t.qname+" WHERE 1 = 0")
	if err != nil {
		return fail(err)
	}
	types, err := rows.ColumnTypes()
	rows.Close()
	if err != nil {
		return fail(err)
	}
	d := &description{kinds: map[string]colKind{}}
	for _, ct := range types {
		d.kinds[ct.Name()] = kindOf(ct.DatabaseTypeName())
		d.order = append(d.order, ct.Name())
	}
	var missing []string
	need := func(field, name string) {
		if _, ok := d.kinds[name]; name != "" && !ok {
			missing = append(missing, fmt.Sprintf("%s %q", field, name))
		}
	}
	c := t.cfg
	need("IDColumn", c.IDColumn)
	need("UpdatedAtColumn", c.UpdatedAtColumn)
	need("SoftDeleteColumn", c.SoftDeleteColumn)
	need("KeyColumn", c.KeyColumn)
	for i, col := range c.Columns {
		need(fmt.Sprintf("Columns[%d]", i), col)
	}
	if len(missing) > 0 {
		return fail(fmt.Errorf("%w: %s (the table has %s)", ErrUnknownColumn, strings.Join(missing, ", "), strings.Join(d.order, ", ")))
	}
	managed := []string{c.IDColumn, c.UpdatedAtColumn, c.SoftDeleteColumn, c.KeyColumn}
	if len(c.Columns) > 0 {
		for _, col := range c.Columns {
			if !slices.Contains(d.fields, col) {
				d.fields = append(d.fields, col)
			}
		}
	} else {
		for _, col := range d.order {
			if !slices.Contains(managed, col) {
				d.fields = append(d.fields, col)
			}
		}
	}
	d.sel = []string{c.IDColumn, c.UpdatedAtColumn}
	if c.SoftDeleteColumn != "" {
		d.sel = append(d.sel, c.SoftDeleteColumn)
	}
	if c.KeyColumn != "" {
		d.keyAt = len(d.sel)
		d.sel = append(d.sel, c.KeyColumn)
	}
	d.sel = append(d.sel, d.fields...)
	t.desc = d
	return d, nil
}

// kindOf classifies a column by its database type name (PostgreSQL's
// "INT8", "NUMERIC", "TIMESTAMPTZ"; SQLite's declared type).
func kindOf(typeName string) colKind {
	s := strings.ToUpper(typeName)
	switch {
	case strings.Contains(s, "INT") && !strings.Contains(s, "POINT") && !strings.Contains(s, "INTERVAL"):
		return kindInt
	case strings.Contains(s, "NUMERIC"), strings.Contains(s, "DECIMAL"), strings.Contains(s, "MONEY"):
		return kindNumeric
	case strings.Contains(s, "REAL"), strings.Contains(s, "FLOA"), strings.Contains(s, "DOUB"):
		return kindFloat
	case strings.Contains(s, "BOOL"):
		return kindBool
	case strings.Contains(s, "TIME"), strings.Contains(s, "DATE"):
		return kindTime
	case strings.Contains(s, "CHAR"), strings.Contains(s, "TEXT"), strings.Contains(s, "CLOB"), s == "UUID":
		return kindText
	}
	return kindOther
}

// selectList returns the quoted select list.
func (d *description) selectList() string {
	q := make([]string, len(d.sel))
	for i, c := range d.sel {
		q[i] = quote(c)
	}
	return strings.Join(q, ", ")
}
