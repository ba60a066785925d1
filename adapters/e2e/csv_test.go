package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/csvadapter"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
)

// A legacy system's CSV exports are pulled into the ERP: a file is archived
// only by the run after the one that checkpointed its last record.
func TestCSVInboxIntoERPArchivesAfterTheCheckpoint(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{noOAS: true})
	inbox, archive := filepath.Join(w.dir, "inbox"), filepath.Join(w.dir, "archive")
	require.NoError(t, os.Mkdir(inbox, 0o755))
	files, err := csvadapter.New(map[string]csvadapter.Folder{"customers": {Inbox: inbox, Archive: archive, UpdatedAtColumn: "changed"}}, nil)
	require.NoError(t, err)
	m, err := transform.New("legacy-to-erp", []transform.Rule{
		transform.Field("name", "name"),
		transform.Field("city", "ship_city"),
	}, nil)
	require.NoError(t, err)
	p, err := sync.New(sync.Config{
		Name: "legacy-customers", DataType: "customers", Strategy: sync.Pull,
		Left:    sync.Side{System: "Legacy", Source: files, Reader: files},
		Right:   sync.Side{System: "ERP", Sink: w.erp},
		Mapping: m, Store: w.store, Clock: w.clock,
	})
	require.NoError(t, err)
	drop := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(inbox, "."+name), []byte(content), 0o644))
		require.NoError(t, os.Rename(filepath.Join(inbox, "."+name), filepath.Join(inbox, name)))
	}
	archived := func() int {
		entries, _ := os.ReadDir(archive)
		n := 0
		for _, e := range entries {
			if e.Type().IsRegular() {
				n++
			}
		}
		return n
	}
	erpCustomers := func() int {
		var n int
		require.NoError(t, w.erpDB.QueryRow("SELECT count(*) FROM customers").Scan(&n))
		return n
	}

	drop("day1.csv", "id,name,city,changed\nL1,Ada,London,2026-03-01T10:00:00Z\nL2,Grace,Arlington,2026-03-01T11:00:00Z\n")
	rep, err := p.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, rep.Counts.Created, rep.String())
	require.Zero(t, archived(), "its checkpoint was committed by this run: the file waits for the next")

	drop("day2.csv", "id,name,city,changed\nL1,Ada,Cambridge,2026-03-02T10:00:00Z\n")
	rep, err = p.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, rep.Counts.Updated, rep.String())
	require.Equal(t, 1, archived(), "day1.csv is archived")

	rep, err = p.Run(context.Background())
	require.NoError(t, err)
	require.Zero(t, rep.Counts.Read, rep.String())
	require.Equal(t, 2, archived())
	require.Equal(t, 2, erpCustomers())
	var city string
	require.NoError(t, w.erpDB.QueryRow("SELECT ship_city FROM customers WHERE name = 'Ada'").Scan(&city))
	require.Equal(t, "Cambridge", city)
}
