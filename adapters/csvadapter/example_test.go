package csvadapter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zohokit/zohokit/adapters/csvadapter"
	"github.com/zohokit/zohokit/sync"
)

// A legacy system exports changed customers into an inbox folder and
// imports files from an outbox folder.
func Example() {
	ctx := context.Background()
	root, _ := os.MkdirTemp("", "csvexample")
	defer os.RemoveAll(root)
	inbox, outbox := filepath.Join(root, "in"), filepath.Join(root, "out")
	_ = os.Mkdir(inbox, 0o755)
	_ = os.Mkdir(outbox, 0o755)

	// The other system drops a file (written aside, renamed in).
	_ = os.WriteFile(filepath.Join(inbox, ".export.part"), []byte(
		"id,name,city,updated_at\nC1,Ada,London,2026-03-02T08:00:00Z\nC2,Grace,Arlington,2026-03-02T08:05:00Z\n"), 0o644)
	_ = os.Rename(filepath.Join(inbox, ".export.part"), filepath.Join(inbox, "export.csv"))

	files, err := csvadapter.New(map[string]csvadapter.Folder{
		"customers": {Inbox: inbox, Archive: filepath.Join(root, "archive"), Outbox: outbox, UpdatedAtColumn: "updated_at"},
	}, &csvadapter.Options{Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		fmt.Println(err)
		return
	}

	var last sync.Cursor
	for ch, err := range files.Changes(ctx, "customers", "") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ch.Record.ID, ch.Record.Fields["name"], ch.Cursor)
		last = ch.Cursor
	}
	// Once the engine has committed the last cursor, the next read archives
	// the file.
	for range files.Changes(ctx, "customers", last) {
	}
	archived, _ := os.ReadDir(filepath.Join(root, "archive"))
	fmt.Println("archived:", archived[0].Name())

	res, err := files.Write(ctx, "customers", []sync.Op{
		{Kind: sync.OpCreate, Key: "zk1-new", Fields: map[string]any{"name": "Edsger", "city": "Austin"}},
		{Kind: sync.OpUpdate, ID: "C1", Fields: map[string]any{"city": "Cambridge"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ids:", res[0].ID, res[1].ID)
	out, _ := os.ReadDir(outbox)
	data, _ := os.ReadFile(filepath.Join(outbox, out[0].Name()))
	fmt.Println(out[0].Name())
	fmt.Print(string(data))
	// Output:
	// C1 Ada 0000000001-export.csv#1/2
	// C2 Grace 0000000001-export.csv#2/2
	// archived: 0000000001-export.csv
	// ids: zk1-new C1
	// customers-20260302T090000.000000000Z-000001.csv
	// op,id,updated_at,city,name
	// upsert,zk1-new,2026-03-02T09:00:00Z,Austin,Edsger
	// upsert,C1,2026-03-02T09:00:00Z,Cambridge,
}
