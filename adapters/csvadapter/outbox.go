package csvadapter

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// Op column values of outbox files.
const (
	OpUpsert = "upsert"
	OpDelete = "delete"
)

// Write writes ops as one file in the outbox: creates and updates as
// upserts by id (a create's id is its Op.Key), deletes as deletes. An op
// the file cannot express (a create without a key, a field that collides
// with the op, id or updated-at column) fails alone; when no op is left no
// file is written. The error is non-nil when the file could not be written
// (nothing was).
func (a *Adapter) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	f, err := a.folder(dataType)
	if err != nil {
		return nil, err
	}
	if f.cfg.Outbox == "" {
		return nil, fmt.Errorf("csvadapter: write %q: %w: Outbox is not set", dataType, ErrNotConfigured)
	}
	now := a.now().UTC()
	results := make([]sync.Result, len(ops))
	reserved := map[string]bool{f.cfg.OpColumn: true, f.cfg.IDColumn: true}
	if f.cfg.UpdatedAtColumn != "" {
		reserved[f.cfg.UpdatedAtColumn] = true
	}
	fieldSet := map[string]bool{}
	cells := make([]map[string]string, len(ops))
	var rows []int // indexes of the ops written
	for i, op := range ops {
		res := &results[i]
		switch op.Kind {
		case sync.OpCreate:
			res.ID = op.Key
			if op.Key == "" {
				res.Err = fmt.Errorf("%w: a create needs Op.Key, which is its id in the outbox", ErrBadOp)
			}
		case sync.OpUpdate, sync.OpDelete:
			res.ID = op.ID
			if op.ID == "" {
				res.Err = fmt.Errorf("%w: an %s needs Op.ID", ErrBadOp, op.Kind)
			}
		default:
			res.Err = fmt.Errorf("%w: unknown op kind %q", ErrBadOp, op.Kind)
		}
		if op.Kind != sync.OpDelete {
			cells[i] = make(map[string]string, len(op.Fields))
			for name, v := range op.Fields {
				if reserved[name] {
					res.Err = errors.Join(res.Err, fmt.Errorf("%w: field %q is the outbox's own column", ErrBadOp, name))
				}
				cell, err := formatValue(v, f.cfg.NullText)
				if err != nil {
					res.Err = errors.Join(res.Err, fmt.Errorf("%w: field %q: %v", ErrBadOp, name, err))
				}
				cells[i][name] = cell
			}
		}
		if res.Err != nil {
			res.Err = fmt.Errorf("csvadapter: %s %s: %w", op.Kind, dataType, res.Err)
			res.ID = ""
			continue
		}
		res.Modified = now
		rows = append(rows, i)
		if op.Kind != sync.OpDelete {
			for name := range op.Fields {
				fieldSet[name] = true
			}
		}
	}
	if len(rows) == 0 {
		return results, nil
	}
	fields := make([]string, 0, len(fieldSet))
	for name := range fieldSet {
		fields = append(fields, name)
	}
	slices.Sort(fields)

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = f.cfg.Comma
	header := []string{f.cfg.OpColumn, f.cfg.IDColumn}
	if f.cfg.UpdatedAtColumn != "" {
		header = append(header, f.cfg.UpdatedAtColumn)
	}
	_ = w.Write(append(header, fields...))
	for _, i := range rows {
		line := make([]string, 0, len(header)+len(fields))
		kind := OpUpsert
		if ops[i].Kind == sync.OpDelete {
			kind = OpDelete
		}
		line = append(line, kind, results[i].ID)
		if f.cfg.UpdatedAtColumn != "" {
			line = append(line, f.formatTime(now))
		}
		for _, name := range fields {
			line = append(line, cells[i][name]) // empty: not set by this op
		}
		_ = w.Write(line)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("csvadapter: write %q: %w", dataType, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.publish(dataType, now, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("csvadapter: write %q: %w", dataType, err)
	}
	return results, nil
}

func (f *folder) formatTime(t time.Time) string {
	if f.cfg.TimeLayout != "" {
		return t.Format(f.cfg.TimeLayout)
	}
	return t.Format(time.RFC3339Nano)
}

// publish writes data into a new outbox file atomically: a hidden temporary
// file, flushed, then renamed to a name no file has. f.mu is held.
func (f *folder) publish(dataType string, now time.Time, data []byte) (string, error) {
	tmp, err := os.CreateTemp(f.cfg.Outbox, ".zohokit-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	prefix := safeName(dataType) + "-" + now.Format("20060102T150405.000000000Z") + "-"
	for {
		f.seq++
		name := prefix + fmt.Sprintf("%06d", f.seq) + ".csv"
		path := filepath.Join(f.cfg.Outbox, name)
		if _, err := os.Lstat(path); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return "", err
		}
		return name, syncDir(f.cfg.Outbox)
	}
}

// safeName keeps a data type's letters, digits, '-' and '_' for a file
// name.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "records"
	}
	return b.String()
}

// formatValue writes a canonical value as CSV text: null as nullText,
// times in RFC 3339 (UTC), objects and arrays as JSON.
func formatValue(v any, nullText string) (string, error) {
	switch x := v.(type) {
	case nil:
		return nullText, nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case map[string]any, []any:
		b, err := json.Marshal(x)
		return string(b), err
	}
	return "", fmt.Errorf("values of type %T cannot be written", v)
}
