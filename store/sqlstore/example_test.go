package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/store/sqlstore"
	"github.com/zohokit/zohokit/zoho"
)

// Open a SQLite store, commit a batch's links and cursor together with a
// write of the application's own in the same transaction, and look the
// links up again.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "zohokit.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if _, err := st.DB().ExecContext(ctx, `CREATE TABLE audit (note TEXT NOT NULL)`); err != nil {
		log.Fatal(err)
	}

	cp := store.Checkpoint{
		Pipeline: "invoices",
		Links:    []store.Link{{LeftID: "INV-001", RightID: "books-4411", LeftHash: "h1", RightHash: "h1"}},
		Cursors:  map[store.Side]string{store.Left: "2025-06-02T08:00:00Z"},
	}
	// With queue/sqlqueue on st.DB(), within would call EnqueueTx instead.
	err = st.CommitTx(ctx, cp, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit (note) VALUES ('INV-001 pushed to Books')`)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	links, err := st.Links(ctx, "invoices", store.Left, []string{"INV-001", "INV-002"})
	if err != nil {
		log.Fatal(err)
	}
	var notes int
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM audit`).Scan(&notes); err != nil {
		log.Fatal(err)
	}
	fmt.Println("INV-001 is", links["INV-001"].RightID, "| links found:", len(links), "| audit notes:", notes)
	// Output:
	// INV-001 is books-4411 | links found: 1 | audit notes: 1
}

// Keep Zoho's access token in the store's database, so that every replica
// shares one token and refreshes it once: give the token store to each
// replica's zoho.Client as Config.TokenStore.
func ExampleNewSQLiteTokenStore() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlstore-tokens")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "zohokit.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	tokens, err := sqlstore.NewSQLiteTokenStore(ctx, st.DB(), nil)
	if err != nil {
		log.Fatal(err)
	}
	key := zoho.TokenKey("1000.CLIENTID", zoho.EU, "the refresh token")
	unlock, err := tokens.Lock(ctx, key) // what a Client does before it refreshes
	if err != nil {
		log.Fatal(err)
	}
	_ = tokens.Save(ctx, key, &zoho.TokenState{AccessToken: "1000.abc", Expiry: time.Now().Add(time.Hour), APIDomain: "https://www.zohoapis.eu"})
	if err := unlock(); err != nil {
		log.Fatal(err)
	}

	got, err := tokens.Load(ctx, key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.APIDomain)
	// Output:
	// https://www.zohoapis.eu
}
