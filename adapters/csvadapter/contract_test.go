package csvadapter_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/csvadapter"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// TestContract runs synctest's adapter conformance suite on the adapter
// and a simulated system on the other side of its folders (peer): the
// system applies the outbox's files as upserts by id and exports every
// change it makes into the inbox, as the package documentation asks of it.
func TestContract(t *testing.T) {
	t.Parallel()
	synctest.RunAdapter(t, synctest.AdapterHarness{
		New: func(t *testing.T) *synctest.AdapterSystem {
			root := t.TempDir()
			clock := synctest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			p := &peer{clock: clock, inbox: filepath.Join(root, "in"), outbox: filepath.Join(root, "out"),
				recs: map[string]map[string]any{}, imported: map[string]bool{}}
			require.NoError(t, os.Mkdir(p.inbox, 0o755))
			require.NoError(t, os.Mkdir(p.outbox, 0o755))
			a, err := csvadapter.New(map[string]csvadapter.Folder{"prices": {
				Inbox: p.inbox, Archive: filepath.Join(root, "archive"), Outbox: p.outbox,
				UpdatedAtColumn: "updated_at", DeletedColumn: "deleted",
			}}, &csvadapter.Options{Now: clock.Now})
			require.NoError(t, err)
			return &synctest.AdapterSystem{
				Source: a,
				// What the adapter writes reaches the system when it imports
				// the outbox; what it reads, once Changes has claimed it.
				Sink:     &importingSink{a: a, p: p},
				Reader:   &claimingReader{a: a},
				DataType: "prices",
				Create:   func(_ context.Context, f map[string]any) (string, error) { return p.create(f) },
				Edit:     func(_ context.Context, id string, f map[string]any) error { return p.edit(id, f) },
				Delete:   func(_ context.Context, id string) error { return p.remove(id) },
				Advance:  clock.Advance,
			}
		},
		NewFields: func(i int) map[string]any {
			return map[string]any{"sku": fmt.Sprintf("P-%d", i), "price": fmt.Sprintf("%d.50", 10+i)}
		},
		// The outbox cannot carry a field named like its op column.
		BadFields:   func(int) map[string]any { return map[string]any{"op": "x"} },
		Tombstones:  true,
		SoftDeletes: true, // Get reads the newest row of an id: a tombstone row
		KeepsKeys:   true, // a created record's id is its key
		ExactTimes:  true,
	})
}

// importingSink writes through the adapter, then has the system import the
// outbox.
type importingSink struct {
	a *csvadapter.Adapter
	p *peer
}

func (s *importingSink) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	res, err := s.a.Write(ctx, dataType, ops)
	if err != nil {
		return nil, err
	}
	if err := s.p.importOutbox(); err != nil {
		return nil, fmt.Errorf("the system could not import the outbox: %w", err)
	}
	return res, nil
}

// claimingReader reads through the adapter once its Changes has claimed
// the inbox's files: the adapter's Get reads the files a run has claimed,
// and a run has always read the records the engine asks it for.
type claimingReader struct{ a *csvadapter.Adapter }

func (r *claimingReader) Get(ctx context.Context, dataType string, ids []string) ([]sync.Record, error) {
	for _, err := range r.a.Changes(ctx, dataType, "") { // claims, archives nothing
		if err != nil {
			return nil, err
		}
	}
	return r.a.Get(ctx, dataType, ids)
}

// peer is the system on the other side of the folders: a table of records
// that exports every change into the inbox and imports the outbox.
type peer struct {
	clock         *synctest.Clock
	inbox, outbox string

	mu       gosync.Mutex
	recs     map[string]map[string]any // nil value: deleted
	imported map[string]bool           // outbox files applied
	files    int                       // inbox files written
	ids      int
}

// row is one exported change.
type row struct {
	id      string
	fields  map[string]any
	deleted bool
}

func (p *peer) create(f map[string]any) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids++
	id := fmt.Sprintf("R%04d", p.ids)
	p.recs[id] = maps.Clone(f)
	return id, p.export([]row{{id: id, fields: p.recs[id]}})
}

func (p *peer) edit(id string, f map[string]any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec := p.recs[id]
	if rec == nil {
		return fmt.Errorf("peer: no record %s", id)
	}
	maps.Copy(rec, f)
	return p.export([]row{{id: id, fields: rec}})
}

func (p *peer) remove(id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.recs[id] == nil {
		return fmt.Errorf("peer: no record %s", id)
	}
	p.recs[id] = nil
	return p.export([]row{{id: id, deleted: true}})
}

// importOutbox applies the outbox files not applied yet, in name order,
// each row an upsert or a delete by id, and exports the changes.
func (p *peer) importOutbox() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	entries, err := os.ReadDir(p.outbox)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || p.imported[e.Name()] {
			continue
		}
		f, err := os.Open(filepath.Join(p.outbox, e.Name()))
		if err != nil {
			return err
		}
		lines, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return err
		}
		header := lines[0]
		var changed []row
		for _, line := range lines[1:] {
			op, id := line[0], line[1]
			if op == csvadapter.OpDelete {
				if p.recs[id] != nil {
					p.recs[id] = nil
					changed = append(changed, row{id: id, deleted: true})
				}
				continue
			}
			rec := p.recs[id]
			if rec == nil {
				rec = map[string]any{}
				p.recs[id] = rec
			}
			for i := 3; i < len(header); i++ { // op, id, updated_at, fields
				switch line[i] {
				case "": // not set by this op
				case `\N`:
					rec[header[i]] = nil
				default:
					rec[header[i]] = line[i]
				}
			}
			changed = append(changed, row{id: id, fields: rec})
		}
		p.imported[e.Name()] = true
		if len(changed) > 0 {
			if err := p.export(changed); err != nil {
				return err
			}
		}
	}
	return nil
}

// export drops a file of rows into the inbox the safe way, stamped with
// the system's clock (p.mu held).
func (p *peer) export(rows []row) error {
	names := map[string]bool{}
	for _, r := range rows {
		for k := range r.fields {
			names[k] = true
		}
	}
	cols := slices.Sorted(maps.Keys(names))
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(append([]string{"id", "updated_at", "deleted"}, cols...))
	now := p.clock.Now().Format(time.RFC3339Nano)
	for _, r := range rows {
		line := []string{r.id, now, ""}
		if r.deleted {
			line[2] = "true"
		}
		for _, c := range cols {
			v, _ := r.fields[c].(string)
			line = append(line, v)
		}
		_ = w.Write(line)
	}
	w.Flush()
	p.files++
	name := fmt.Sprintf("export-%06d.csv", p.files)
	tmp := filepath.Join(p.inbox, "."+name)
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(p.inbox, name))
}
