package csvadapter

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// seqDigits is the width of the sequence number of claimed files.
const seqDigits = 10

// cursor is a position in the claimed files: after row Row of File, which
// has Total rows.
type cursor struct {
	File       string
	Row, Total int
}

func (c cursor) String() string { return fmt.Sprintf("%s#%d/%d", c.File, c.Row, c.Total) }

// done reports whether every row of the file has been passed.
func (c cursor) done() bool { return c.Row >= c.Total }

func parseCursor(s sync.Cursor) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	file, pos, ok := strings.Cut(string(s), "#")
	row, total, ok2 := strings.Cut(pos, "/")
	r, err1 := strconv.Atoi(row)
	n, err2 := strconv.Atoi(total)
	if !ok || !ok2 || err1 != nil || err2 != nil || r < 0 || n < r || seqOf(file) < 0 || filepath.Base(file) != file {
		return cursor{}, fmt.Errorf("%w %q: want <claimed file>#<row>/<rows>", ErrBadCursor, s)
	}
	return cursor{File: file, Row: r, Total: n}, nil
}

// seqOf returns the sequence number of a claimed file's name, -1 for other
// names.
func seqOf(name string) int {
	if len(name) < seqDigits+2 || name[seqDigits] != '-' {
		return -1
	}
	n, err := strconv.Atoi(name[:seqDigits])
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// ignored reports whether an inbox entry is not (yet) a file to read.
func (f *folder) ignored(e fs.DirEntry) bool {
	name := e.Name()
	if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") ||
		strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part") {
		return true
	}
	ok, _ := filepath.Match(f.cfg.Pattern, name)
	return !ok
}

// claimed lists the claimed files in order.
func (f *folder) claimed() ([]string, error) { return claimedIn(f.cfg.Work) }

// claimedIn lists the claimed files of dir in order.
func claimedIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && seqOf(e.Name()) >= 0 {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// prepare archives the claimed files the cursor is past and claims the new
// inbox files. It returns the claimed files still to read.
func (f *folder) prepare(cur cursor) ([]string, error) {
	if err := os.MkdirAll(f.cfg.Work, 0o755); err != nil {
		return nil, err
	}
	names, err := f.claimed()
	if err != nil {
		return nil, err
	}
	var keep []string
	for _, name := range names {
		if name < cur.File || (name == cur.File && cur.done()) {
			if err := f.move(name, f.cfg.Archive); err != nil {
				return nil, fmt.Errorf("archive %s: %w", name, err)
			}
			continue
		}
		keep = append(keep, name)
	}
	// New claims number on from every claimed file still known, so that no
	// name repeats one in the archive (a cursor reset would otherwise
	// reuse them).
	next := max(seqOf(cur.File), 0)
	for _, dir := range []string{f.cfg.Archive, f.cfg.Rejected} {
		done, err := claimedIn(dir)
		if err != nil {
			return nil, err
		}
		names = append(names, done...)
	}
	for _, name := range names {
		next = max(next, seqOf(name))
	}
	entries, err := os.ReadDir(f.cfg.Inbox)
	if err != nil {
		return nil, err
	}
	for _, e := range entries { // ReadDir sorts by name
		if f.ignored(e) {
			continue
		}
		next++
		claimed := fmt.Sprintf("%0*d-%s", seqDigits, next, e.Name())
		if err := os.Rename(filepath.Join(f.cfg.Inbox, e.Name()), filepath.Join(f.cfg.Work, claimed)); err != nil {
			return nil, fmt.Errorf("claim %s: %w", e.Name(), err)
		}
		keep = append(keep, claimed)
	}
	return keep, syncDir(f.cfg.Work)
}

// move moves a claimed file into dir.
func (f *folder) move(name, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(f.cfg.Work, name), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// Changes claims the inbox's new files, archives those the cursor is past,
// and yields the records of the claimed files from the cursor on, in claim
// order and row order.
func (a *Adapter) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		fail := func(err error) { yield(sync.Change{}, fmt.Errorf("csvadapter: changes of %q: %w", dataType, err)) }
		f, err := a.folder(dataType)
		if err != nil {
			yield(sync.Change{}, err)
			return
		}
		if f.cfg.Inbox == "" {
			fail(fmt.Errorf("%w: Inbox is not set", ErrNotConfigured))
			return
		}
		cur, err := parseCursor(since)
		if err != nil {
			fail(err)
			return
		}
		f.mu.Lock()
		files, err := f.prepare(cur)
		f.mu.Unlock()
		if err != nil {
			fail(err)
			return
		}
		for _, name := range files {
			if err := ctx.Err(); err != nil {
				fail(err)
				return
			}
			f.mu.Lock()
			rows, err := f.read(f.cfg.Work, name)
			if err != nil && errors.Is(err, ErrMalformed) {
				err = f.reject(name, err)
			}
			f.mu.Unlock()
			if err != nil {
				fail(err)
				return
			}
			skip := 0
			if name == cur.File {
				skip = cur.Row
			}
			for i := skip; i < len(rows); i++ {
				c := cursor{File: name, Row: i + 1, Total: len(rows)}
				if !yield(sync.Change{Record: rows[i], Cursor: sync.Cursor(c.String())}, nil) {
					return
				}
			}
		}
	}
}

// reject moves a malformed claimed file to the rejected folder with a note
// of why, and returns the error to report.
func (f *folder) reject(name string, cause error) error {
	if err := f.move(name, f.cfg.Rejected); err != nil {
		return errors.Join(cause, fmt.Errorf("move %s to the rejected folder: %w", name, err))
	}
	note := filepath.Join(f.cfg.Rejected, name+".error.txt")
	if err := os.WriteFile(note, []byte(cause.Error()+"\n"), 0o644); err != nil {
		return errors.Join(cause, err)
	}
	return fmt.Errorf("%w (moved to %s)", cause, f.cfg.Rejected)
}

// read parses a whole file of dir into records.
func (f *folder) read(dir, name string) ([]sync.Record, error) {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var modTime time.Time
	if f.cfg.UpdatedAtColumn == "" {
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		modTime = st.ModTime().UTC()
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrMalformed, name, fmt.Sprintf(format, args...))
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.Comma = f.cfg.Comma
	header, err := r.Read()
	if err != nil {
		return nil, bad("no header row: %v", err)
	}
	index := map[string]int{}
	for i, h := range header {
		if _, dup := index[h]; dup {
			return nil, bad("column %q appears twice in the header", h)
		}
		index[h] = i
	}
	col := func(name string) int {
		if i, ok := index[name]; ok && name != "" {
			return i
		}
		return -1
	}
	idCol, updCol, delCol := col(f.cfg.IDColumn), col(f.cfg.UpdatedAtColumn), col(f.cfg.DeletedColumn)
	switch {
	case idCol < 0:
		return nil, bad("the header has no id column %q", f.cfg.IDColumn)
	case f.cfg.UpdatedAtColumn != "" && updCol < 0:
		return nil, bad("the header has no updated-at column %q", f.cfg.UpdatedAtColumn)
	}
	var rows []sync.Record
	for {
		cells, err := r.Read()
		if errors.Is(err, csv.ErrFieldCount) || (err != nil && !errors.Is(err, io.EOF)) {
			return nil, bad("%v", err)
		}
		if err != nil {
			break
		}
		line, _ := r.FieldPos(0)
		rec := sync.Record{ID: strings.TrimSpace(cells[idCol]), Fields: make(map[string]any, len(cells)), Modified: modTime}
		if rec.ID == "" {
			return nil, bad("line %d: the id column %q is empty", line, f.cfg.IDColumn)
		}
		if sync.IsIdempotencyKey(rec.ID) {
			rec.Key = rec.ID // a record created through the outbox: its id is its key
		}
		if updCol >= 0 {
			if rec.Modified, err = f.parseTime(cells[updCol]); err != nil {
				return nil, bad("line %d: %s: %v", line, f.cfg.UpdatedAtColumn, err)
			}
		}
		if delCol >= 0 {
			rec.Deleted = truthy(cells[delCol])
		}
		for i, h := range header {
			if i == idCol || i == updCol || i == delCol {
				continue
			}
			if cells[i] == "" || cells[i] == f.cfg.NullText {
				rec.Fields[h] = nil
			} else {
				rec.Fields[h] = cells[i]
			}
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

func (f *folder) parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if f.cfg.TimeLayout != "" {
		t, err := time.Parse(f.cfg.TimeLayout, s)
		return t.UTC(), err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "y", "x":
		return true
	}
	return false
}

// Get returns the newest row of each id in the work and archive folders
// (newest file first); ids found in no file are left out.
func (a *Adapter) Get(ctx context.Context, dataType string, ids []string) ([]sync.Record, error) {
	f, err := a.folder(dataType)
	if err != nil {
		return nil, err
	}
	if f.cfg.Inbox == "" {
		return nil, fmt.Errorf("csvadapter: get %q: %w: Inbox is not set", dataType, ErrNotConfigured)
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	found := map[string]sync.Record{}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, dir := range []string{f.cfg.Work, f.cfg.Archive} {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("csvadapter: get %q: %w", dataType, err)
		}
		for i := len(entries) - 1; i >= 0 && len(found) < len(want); i-- {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			e := entries[i]
			if !e.Type().IsRegular() || seqOf(e.Name()) < 0 {
				continue
			}
			rows, err := f.read(dir, e.Name())
			if errors.Is(err, fs.ErrNotExist) {
				continue // archived by another process meanwhile: it is read in the archive
			}
			if err != nil {
				return nil, fmt.Errorf("csvadapter: get %q: %w", dataType, err)
			}
			for j := len(rows) - 1; j >= 0; j-- {
				rec := rows[j]
				if _, seen := found[rec.ID]; want[rec.ID] && !seen {
					found[rec.ID] = rec
				}
			}
		}
	}
	out := make([]sync.Record, 0, len(found))
	for _, id := range ids {
		if rec, ok := found[id]; ok {
			out = append(out, rec)
			delete(found, id)
		}
	}
	return out, nil
}

// syncDir flushes a directory's entries (a rename) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
