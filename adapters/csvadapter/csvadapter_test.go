package csvadapter_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/csvadapter"
	"github.com/zohokit/zohokit/sync"
)

type bundle struct {
	a                            *csvadapter.Adapter
	inbox, archive, outbox, work string
	rejected                     string
	now                          time.Time
}

func setup(t *testing.T, mod func(*csvadapter.Folder)) *bundle {
	t.Helper()
	root := t.TempDir()
	b := &bundle{
		inbox: filepath.Join(root, "in"), archive: filepath.Join(root, "archive"), outbox: filepath.Join(root, "out"),
		now: time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC),
	}
	require.NoError(t, os.Mkdir(b.inbox, 0o755))
	require.NoError(t, os.Mkdir(b.outbox, 0o755))
	f := csvadapter.Folder{Inbox: b.inbox, Archive: b.archive, Outbox: b.outbox, UpdatedAtColumn: "updated_at", DeletedColumn: "deleted"}
	if mod != nil {
		mod(&f)
	}
	b.work = filepath.Join(b.inbox, ".zohokit-work")
	b.rejected = filepath.Join(b.archive, "rejected")
	a, err := csvadapter.New(map[string]csvadapter.Folder{"prices": f}, &csvadapter.Options{Now: func() time.Time { return b.now }})
	require.NoError(t, err)
	b.a = a
	return b
}

// drop puts a file into the inbox the safe way: written aside, renamed in.
func (b *bundle) drop(t *testing.T, name, content string) {
	t.Helper()
	tmp := filepath.Join(b.inbox, "."+name+".part")
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(b.inbox, name)))
}

func (b *bundle) changes(t *testing.T, since sync.Cursor) ([]sync.Change, error) {
	t.Helper()
	var out []sync.Change
	for ch, err := range b.a.Changes(context.Background(), "prices", since) {
		if err != nil {
			return out, err
		}
		out = append(out, ch)
	}
	return out, nil
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return out
}

func ids(chs []sync.Change) []string {
	var out []string
	for _, ch := range chs {
		out = append(out, ch.Record.ID)
	}
	return out
}

const fileA = "id,sku,price,updated_at,deleted\n" +
	"1,P-1,10.00,2026-03-02T08:00:00+01:00,\n" +
	"2,P-2,,2026-03-02T08:01:00Z,\n" +
	"3,P-3,3.00,2026-03-02T08:02:00Z,yes\n"

const fileB = "id,sku,price,updated_at,deleted\n" +
	"4,P-4,4.00,2026-03-02T08:03:00Z,\n" +
	"1,P-1,11.00,2026-03-02T08:04:00Z,\n"

func TestChangesReadClaimsAndArchivesOnlyPastTheCursor(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.drop(t, "a.csv", fileA)
	b.drop(t, "b.csv", fileB)
	require.NoError(t, os.WriteFile(filepath.Join(b.inbox, "c.csv.tmp"), []byte("id\n9\n"), 0o644)) // still being written

	all, err := b.changes(t, "")
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2", "3", "4", "1"}, ids(all))
	require.Equal(t, []string{"c.csv.tmp"}, names(t, b.inbox), "claimed files leave the inbox; others stay")
	require.Equal(t, []string{"0000000001-a.csv", "0000000002-b.csv"}, names(t, b.work))

	r := all[0].Record
	require.True(t, r.Modified.Equal(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)))
	require.Equal(t, map[string]any{"sku": "P-1", "price": "10.00"}, r.Fields)
	require.Nil(t, all[1].Record.Fields["price"], "an empty cell is null")
	require.True(t, all[2].Record.Deleted)
	require.Equal(t, sync.Cursor("0000000001-a.csv#3/3"), all[2].Cursor)

	// The engine has committed the cursor of row 2 only: the run read
	// further, but a crash lost it. Nothing is archived; row 3 comes again.
	again, err := b.changes(t, all[1].Cursor)
	require.NoError(t, err)
	require.Equal(t, []string{"3", "4", "1"}, ids(again))
	require.Empty(t, names(t, b.archive))

	// The cursor past a.csv's last row archives it, and only it.
	rest, err := b.changes(t, all[2].Cursor)
	require.NoError(t, err)
	require.Equal(t, []string{"4", "1"}, ids(rest))
	require.Equal(t, []string{"0000000001-a.csv"}, names(t, b.archive))

	// Past everything: b.csv is archived, nothing is read.
	none, err := b.changes(t, all[4].Cursor)
	require.NoError(t, err)
	require.Empty(t, none)
	require.Equal(t, []string{"0000000001-a.csv", "0000000002-b.csv"}, names(t, b.archive))
	require.Empty(t, names(t, b.work))
}

func TestClaimsNeverReuseAnArchivedName(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.drop(t, "a.csv", fileA)
	all, err := b.changes(t, "")
	require.NoError(t, err)
	_, err = b.changes(t, all[len(all)-1].Cursor) // archives a.csv
	require.NoError(t, err)
	b.drop(t, "a.csv", fileB) // the same name again, and the cursor reset
	again, err := b.changes(t, "")
	require.NoError(t, err)
	require.Equal(t, []string{"4", "1"}, ids(again))
	require.Equal(t, sync.Cursor("0000000002-a.csv#2/2"), again[1].Cursor)
	require.Equal(t, []string{"0000000001-a.csv"}, names(t, b.archive), "the archived file is untouched")
}

func TestLateFileWithAnEarlierNameIsReadNotLost(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.drop(t, "20260302-0900.csv", fileA)
	first, err := b.changes(t, "")
	require.NoError(t, err)
	b.drop(t, "20260301-2359.csv", fileB) // arrives late, sorts first
	next, err := b.changes(t, first[len(first)-1].Cursor)
	require.NoError(t, err)
	require.Equal(t, []string{"4", "1"}, ids(next))
	require.Equal(t, sync.Cursor("0000000002-20260301-2359.csv#2/2"), next[1].Cursor)
}

func TestMalformedFileIsRejectedAndTheNextRunGoesOn(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.drop(t, "a.csv", "id,sku,updated_at\n1,P-1,2026-03-02T08:00:00Z\n2,P-2\n")
	b.drop(t, "b.csv", fileB)
	chs, err := b.changes(t, "")
	require.ErrorIs(t, err, csvadapter.ErrMalformed)
	require.ErrorContains(t, err, "0000000001-a.csv")
	require.Empty(t, chs, "no row of a malformed file is yielded")
	require.Equal(t, []string{"0000000001-a.csv", "0000000001-a.csv.error.txt"}, names(t, b.rejected))
	note, err := os.ReadFile(filepath.Join(b.rejected, "0000000001-a.csv.error.txt"))
	require.NoError(t, err)
	require.Contains(t, string(note), "wrong number of fields")

	chs, err = b.changes(t, "")
	require.NoError(t, err)
	require.Equal(t, []string{"4", "1"}, ids(chs))

	for _, bad := range []struct{ content, want string }{
		{"sku\nP-1\n", `no id column "id"`},
		{"id,updated_at\n,2026-03-02T08:00:00Z\n", "line 2: the id column"},
		{"id,updated_at\n1,yesterday\n", "line 2: updated_at"},
		{"id,id,updated_at\n1,1,2026-03-02T08:00:00Z\n", `column "id" appears twice`},
	} {
		b.drop(t, "x.csv", bad.content)
		_, err := b.changes(t, chs[1].Cursor)
		require.ErrorIs(t, err, csvadapter.ErrMalformed)
		require.ErrorContains(t, err, bad.want)
	}
}

func TestGetFindsTheNewestRow(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.drop(t, "a.csv", fileA)
	b.drop(t, "b.csv", fileB)
	all, err := b.changes(t, "")
	require.NoError(t, err)
	_, err = b.changes(t, all[2].Cursor) // archives a.csv
	require.NoError(t, err)

	got, err := b.a.Get(context.Background(), "prices", []string{"1", "3", "99"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "1", got[0].ID)
	require.Equal(t, "11.00", got[0].Fields["price"], "the newest row of id 1 (b.csv)")
	require.Equal(t, "3", got[1].ID)
	require.True(t, got[1].Deleted, "found in the archive")
}

// receiver applies outbox files the way the package documentation asks a
// receiving system to: each row an upsert by id, or a delete.
func receiver(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
	state := map[string]map[string]string{}
	for _, name := range names(t, dir) {
		fh, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		rows, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		require.NoError(t, err)
		header := rows[0]
		for _, row := range rows[1:] {
			rec := map[string]string{}
			for i, h := range header {
				rec[h] = row[i]
			}
			if rec["op"] == csvadapter.OpDelete {
				delete(state, rec["id"])
				continue
			}
			if prev, ok := state[rec["id"]]; ok {
				for k, v := range rec {
					if v != "" { // an empty cell is a field the op did not set
						prev[k] = v
					}
				}
				continue
			}
			state[rec["id"]] = rec
		}
	}
	return state
}

func TestWriteOneAtomicFilePerBatch(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	create := sync.Op{Kind: sync.OpCreate, Key: "zk1-aaa", Fields: map[string]any{"sku": "P-9", "price": json.Number("9.90"), "tags": []any{"a", "b"}}}
	res, err := b.a.Write(ctx, "prices", []sync.Op{
		create,
		{Kind: sync.OpUpdate, ID: "7", Fields: map[string]any{"price": nil, "active": true}},
		{Kind: sync.OpDelete, ID: "8"},
		{Kind: sync.OpCreate, Fields: map[string]any{"sku": "no key"}},
		{Kind: sync.OpUpdate, ID: "7", Fields: map[string]any{"op": "sneaky"}},
		{Kind: sync.OpUpdate, ID: "7", Fields: map[string]any{"x": struct{}{}}},
	})
	require.NoError(t, err)
	require.Equal(t, "zk1-aaa", res[0].ID, "a create's id is its key")
	require.True(t, res[0].Modified.Equal(b.now))
	require.Equal(t, "7", res[1].ID)
	require.NoError(t, res[2].Err)
	for _, i := range []int{3, 4, 5} {
		require.ErrorIs(t, res[i].Err, csvadapter.ErrBadOp, "op %d", i)
		require.False(t, sync.IsRetryable(res[i].Err))
	}

	files := names(t, b.outbox)
	require.Equal(t, []string{"prices-20260302T091500.000000000Z-000001.csv"}, files, "one file, no temporary left behind")
	data, err := os.ReadFile(filepath.Join(b.outbox, files[0]))
	require.NoError(t, err)
	require.Equal(t, "op,id,updated_at,active,price,sku,tags\n"+
		"upsert,zk1-aaa,2026-03-02T09:15:00Z,,9.90,P-9,\"[\"\"a\"\",\"\"b\"\"]\"\n"+
		"upsert,7,2026-03-02T09:15:00Z,true,\\N,,\n"+
		"delete,8,2026-03-02T09:15:00Z,,,,\n", string(data))

	// The same create again (a crash before the checkpoint): another file,
	// the same id, so the receiver still holds one record.
	res, err = b.a.Write(ctx, "prices", []sync.Op{create})
	require.NoError(t, err)
	require.Equal(t, "zk1-aaa", res[0].ID)
	require.Len(t, names(t, b.outbox), 2)
	state := receiver(t, b.outbox)
	created := 0
	for _, rec := range state {
		if rec["sku"] == "P-9" {
			created++
		}
	}
	require.Equal(t, 1, created)

	// A batch of only bad ops writes no file.
	_, err = b.a.Write(ctx, "prices", []sync.Op{{Kind: sync.OpDelete}})
	require.NoError(t, err)
	require.Len(t, names(t, b.outbox), 2)
}

func TestNewNamesTheMisconfiguration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := csvadapter.New(map[string]csvadapter.Folder{
		"a": {},
		"b": {Inbox: filepath.Join(dir, "missing")},
		"c": {Outbox: dir, IDColumn: "k", OpColumn: "k"},
		"d": {Inbox: dir, Archive: filepath.Join(dir, "arch"), Outbox: dir},
		"e": {Outbox: dir, TimeLayout: "15:04", Pattern: "["},
	}, nil)
	require.Error(t, err)
	for _, want := range []string{
		`folders["a"].Inbox or Outbox: set at least one`,
		`folders["b"].Archive: required with Inbox`,
		`folders["b"].Inbox`,
		`IDColumn and OpColumn are both "k"`,
		`TimeLayout "15:04"`,
		`Pattern "["`,
	} {
		require.Contains(t, err.Error(), want)
	}
	require.True(t, strings.Contains(err.Error(), `folders["d"].Outbox`) || strings.Contains(err.Error(), `folders["d"].Inbox`), err.Error())

	a, err := csvadapter.New(map[string]csvadapter.Folder{"out": {Outbox: dir}}, nil)
	require.NoError(t, err)
	for _, err := range a.Changes(context.Background(), "out", "") {
		require.ErrorIs(t, err, csvadapter.ErrNotConfigured)
	}
	for _, err := range a.Changes(context.Background(), "in", "") {
		require.ErrorIs(t, err, csvadapter.ErrUnknownDataType)
	}
	for _, bad := range []sync.Cursor{"nofile", "0000000001-a.csv#3", "x#1/2", "0000000001-a.csv#3/2", "../0000000001-a.csv#1/1"} {
		b := setup(t, nil)
		_, err := b.changes(t, bad)
		require.ErrorIs(t, err, csvadapter.ErrBadCursor, "cursor %q", bad)
	}
}

func TestWithoutUpdatedAtTheFileTimeIsModified(t *testing.T) {
	t.Parallel()
	b := setup(t, func(f *csvadapter.Folder) { f.UpdatedAtColumn, f.DeletedColumn, f.Comma = "", "", ';' })
	b.drop(t, "a.csv", "id;name\n1;Ada\n")
	mt := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// The claim keeps the file's modification time.
	require.NoError(t, os.Chtimes(filepath.Join(b.inbox, "a.csv"), mt, mt))
	chs, err := b.changes(t, "")
	require.NoError(t, err)
	require.Len(t, chs, 1)
	require.True(t, chs[0].Record.Modified.Equal(mt))
	require.Equal(t, "Ada", chs[0].Record.Fields["name"])
	require.True(t, slices.Equal([]string{"0000000001-a.csv"}, names(t, b.work)))
}
