package csvadapter

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"github.com/zohokit/zohokit/sync"
)

// Errors the adapter reports, matched with errors.Is.
var (
	// ErrUnknownDataType: no folder is configured for the data type.
	ErrUnknownDataType = errors.New("csvadapter: unknown data type")
	// ErrNotConfigured: the operation needs a folder that is not configured
	// (Changes and Get need Inbox, Write needs Outbox).
	ErrNotConfigured = errors.New("csvadapter: folder not configured")
	// ErrMalformed: an inbox file that cannot be read as records; it was
	// moved to the rejected folder.
	ErrMalformed = errors.New("csvadapter: malformed file")
	// ErrBadCursor: a cursor this adapter did not make.
	ErrBadCursor = errors.New("csvadapter: bad cursor")
	// ErrBadOp: an operation the outbox cannot express.
	ErrBadOp = errors.New("csvadapter: bad operation")
)

// Folder configures the files of one data type. Set Inbox to read, Outbox
// to write, or both.
type Folder struct {
	// Inbox is the folder the other system drops files into. It must exist.
	Inbox string
	// Work holds the files claimed from the inbox until they are archived;
	// empty means ".zohokit-work" inside Inbox.
	Work string
	// Archive receives the files whose records are all synced; required
	// with Inbox.
	Archive string
	// Rejected receives malformed files, each with a ".error.txt" note;
	// empty means "rejected" inside Archive.
	Rejected string
	// Pattern selects the inbox files to read (filepath.Match on the base
	// name); empty means "*.csv".
	Pattern string

	// Outbox is the folder written files go to. It must exist.
	Outbox string

	// IDColumn holds the record's ID; empty means "id".
	IDColumn string
	// UpdatedAtColumn, when set, holds the record's modification time; in
	// the inbox it is required in every file, in the outbox it is written
	// with the time of the write.
	UpdatedAtColumn string
	// TimeLayout is the layout of UpdatedAtColumn; empty means RFC 3339.
	TimeLayout string
	// DeletedColumn, when set, marks tombstones in inbox files.
	DeletedColumn string
	// OpColumn is the outbox column that says "upsert" or "delete"; empty
	// means "op".
	OpColumn string
	// Comma is the field separator; zero means ','.
	Comma rune
	// NullText marks a null value in outbox files, where an empty cell
	// means "not set by this operation" (an update carries only the fields
	// it changes); inbox cells holding it, or empty, are read as null.
	// Empty means `\N`.
	NullText string
}

// Options configures an Adapter. The zero value works.
type Options struct {
	// Now is the time of writes (outbox file names, updated-at); nil means
	// time.Now.
	Now func() time.Time
}

// Adapter reads and writes the CSV files of the configured data types. It is
// a sync.Source, sync.Sink and sync.Reader, safe for concurrent use within
// one process; run one pipeline per folder (the engine's lease sees to it).
type Adapter struct {
	now     func() time.Time
	folders map[string]*folder
}

var (
	_ sync.Source = (*Adapter)(nil)
	_ sync.Sink   = (*Adapter)(nil)
	_ sync.Reader = (*Adapter)(nil)
)

// folder is a configured Folder with its defaults applied.
type folder struct {
	dataType string
	cfg      Folder

	mu  gosync.Mutex // serialises claiming, archiving and reading the work folder
	seq int          // the last outbox sequence number used (under mu)
}

// New returns an adapter of the given folders, by data type. It checks the
// configuration and that the inbox and outbox folders exist; the adapter's
// own folders (work, archive, rejected) are created when needed.
func New(folders map[string]Folder, opts *Options) (*Adapter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	a := &Adapter{now: o.Now, folders: map[string]*folder{}}
	if a.now == nil {
		a.now = time.Now
	}
	var problems []string
	if len(folders) == 0 {
		problems = append(problems, "no folders configured")
	}
	names := make([]string, 0, len(folders))
	for dt := range folders {
		names = append(names, dt)
	}
	sort.Strings(names)
	owner := map[string]string{} // folder path → "data type's field"
	for _, dt := range names {
		f, errs := newFolder(dt, folders[dt])
		for _, e := range errs {
			problems = append(problems, fmt.Sprintf("folders[%q].%s", dt, e))
		}
		if f == nil {
			continue
		}
		for field, dir := range map[string]string{"Inbox": f.cfg.Inbox, "Work": f.cfg.Work, "Archive": f.cfg.Archive, "Rejected": f.cfg.Rejected, "Outbox": f.cfg.Outbox} {
			if dir == "" {
				continue
			}
			abs, _ := filepath.Abs(dir)
			if prev, dup := owner[abs]; dup && (field != "Outbox" || !strings.HasSuffix(prev, ".Outbox")) {
				problems = append(problems, fmt.Sprintf("folders[%q].%s %q is also %s", dt, field, dir, prev))
			}
			owner[abs] = fmt.Sprintf("folders[%q].%s", dt, field)
		}
		a.folders[dt] = f
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("csvadapter: New: %s", strings.Join(problems, "; "))
	}
	return a, nil
}

func newFolder(dataType string, c Folder) (*folder, []string) {
	var errs []string
	if c.Inbox == "" && c.Outbox == "" {
		errs = append(errs, "Inbox or Outbox: set at least one")
	}
	if c.IDColumn == "" {
		c.IDColumn = "id"
	}
	if c.OpColumn == "" {
		c.OpColumn = "op"
	}
	if c.Pattern == "" {
		c.Pattern = "*.csv"
	}
	if c.Comma == 0 {
		c.Comma = ','
	}
	if c.NullText == "" {
		c.NullText = `\N`
	}
	if _, err := filepath.Match(c.Pattern, "x"); err != nil {
		errs = append(errs, fmt.Sprintf("Pattern %q: %v", c.Pattern, err))
	}
	if c.Comma == '"' || c.Comma == '\r' || c.Comma == '\n' || c.Comma == 0xFFFD {
		errs = append(errs, fmt.Sprintf("Comma %q cannot separate fields", c.Comma))
	}
	if c.TimeLayout != "" {
		probe := time.Date(2024, 11, 23, 13, 14, 15, 0, time.UTC)
		if back, err := time.Parse(c.TimeLayout, probe.Format(c.TimeLayout)); err != nil || !back.Equal(probe) {
			errs = append(errs, fmt.Sprintf("TimeLayout %q is not a Go time layout that keeps the time to the second", c.TimeLayout))
		}
	}
	cols := map[string]string{c.IDColumn: "IDColumn"}
	for field, name := range map[string]string{"UpdatedAtColumn": c.UpdatedAtColumn, "DeletedColumn": c.DeletedColumn, "OpColumn": c.OpColumn} {
		if name == "" {
			continue
		}
		if prev, dup := cols[name]; dup {
			errs = append(errs, fmt.Sprintf("%s and %s are both %q", prev, field, name))
		}
		cols[name] = field
	}
	dir := func(field, path string) {
		st, err := os.Stat(path)
		switch {
		case err != nil:
			errs = append(errs, fmt.Sprintf("%s %q: %v", field, path, err))
		case !st.IsDir():
			errs = append(errs, fmt.Sprintf("%s %q is not a directory", field, path))
		}
	}
	if c.Inbox != "" {
		dir("Inbox", c.Inbox)
		if c.Archive == "" {
			errs = append(errs, "Archive: required with Inbox (synced files are moved there)")
		}
		if c.Work == "" {
			c.Work = filepath.Join(c.Inbox, ".zohokit-work")
		}
		if c.Rejected == "" && c.Archive != "" {
			c.Rejected = filepath.Join(c.Archive, "rejected")
		}
	}
	if c.Outbox != "" {
		dir("Outbox", c.Outbox)
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		return nil, errs
	}
	return &folder{dataType: dataType, cfg: c}, nil
}

// folder returns the configured folder of dataType.
func (a *Adapter) folder(dataType string) (*folder, error) {
	f, ok := a.folders[dataType]
	if !ok {
		names := make([]string, 0, len(a.folders))
		for dt := range a.folders {
			names = append(names, dt)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w %q (configured: %s)", ErrUnknownDataType, dataType, strings.Join(names, ", "))
	}
	return f, nil
}
