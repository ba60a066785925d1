package sqladapter_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zohokit/zohokit/adapters/sqladapter"
	"github.com/zohokit/zohokit/sync"

	_ "modernc.org/sqlite"
)

// An ERP keeps its prices in a SQLite table. The adapter reads what changed
// since a cursor and writes upserts keyed by the engine's idempotency key.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "erp")
	defer os.RemoveAll(dir)
	// Your ERP's database, opened the usual way (here SQLite through
	// modernc.org/sqlite, which registers the driver "sqlite").
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "erp.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE prices (
		id INTEGER PRIMARY KEY, sku TEXT NOT NULL, price TEXT,
		updated_at TEXT, deleted INTEGER NOT NULL DEFAULT 0, zohokit_key TEXT UNIQUE)`)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = db.Exec(`INSERT INTO prices (sku, price, updated_at) VALUES
		('P-1', '10.00', '2026-03-02 09:00:00'), ('P-2', '12.50', '2026-03-02 09:05:00')`)

	erp, err := sqladapter.New(db, map[string]sqladapter.Table{
		"prices": {
			KeyColumn:        "zohokit_key",         // holds Op.Key: creates are idempotent
			SoftDeleteColumn: "deleted",             // deletes set it to 1
			TimeFormat:       "2006-01-02 15:04:05", // updated_at as SQLite's CURRENT_TIMESTAMP writes it
		},
	}, &sqladapter.Options{Now: func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		fmt.Println(err)
		return
	}

	var last sync.Cursor
	for ch, err := range erp.Changes(ctx, "prices", "") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ch.Record.ID, ch.Record.Fields["sku"], ch.Record.Fields["price"], ch.Cursor)
		last = ch.Cursor
	}

	res, err := erp.Write(ctx, "prices", []sync.Op{
		{Kind: sync.OpCreate, Key: "zk1-example", Fields: map[string]any{"sku": "P-3", "price": json.Number("7.25")}},
		{Kind: sync.OpDelete, ID: "1"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created", res[0].ID, res[0].Err, "deleted", res[1].ID, res[1].Err)

	for ch, err := range erp.Changes(ctx, "prices", last) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ch.Record.ID, ch.Record.Fields["sku"], "deleted:", ch.Record.Deleted)
	}
	// Output:
	// 1 P-1 10.00 2026-03-02T09:00:00Z|1
	// 2 P-2 12.50 2026-03-02T09:05:00Z|2
	// created 3 <nil> deleted 1 <nil>
	// 1 P-1 deleted: true
	// 3 P-3 deleted: false
}
