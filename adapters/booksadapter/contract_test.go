package booksadapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/booksadapter"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/books"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// TestContract runs synctest's adapter conformance suite on Books items and
// contacts of a fake Books, whose clock the suite moves. Books has no
// deleted-records list (no tombstones), stamps times to the second, and
// zoho/books cannot delete items: the harnesses declare it.
func TestContract(t *testing.T) {
	t.Parallel()
	t.Run("items", func(t *testing.T) {
		t.Parallel()
		synctest.RunAdapter(t, synctest.AdapterHarness{
			New: func(t *testing.T) *synctest.AdapterSystem {
				return newBooksSystem(t, booksadapter.Entity{Entity: booksadapter.Items, MatchField: "sku"},
					func(ctx context.Context, c *books.Client, id string, f map[string]any) error {
						var it books.Item
						if err := recode(f, &it); err != nil {
							return err
						}
						_, _, err := c.Items.Update(ctx, id, it)
						return err
					}, nil)
			},
			NewFields: func(i int) map[string]any {
				return map[string]any{"name": fmt.Sprint("Widget ", i), "sku": fmt.Sprintf("W-%d", i), "rate": json.Number(fmt.Sprintf("%d.50", 10+i))}
			},
			// "name" and "rate" are required.
			BadFields:   func(i int) map[string]any { return map[string]any{"sku": fmt.Sprintf("BAD-%d", i)} },
			NoDeleteOps: true,
		})
	})
	t.Run("contacts", func(t *testing.T) {
		t.Parallel()
		synctest.RunAdapter(t, synctest.AdapterHarness{
			New: func(t *testing.T) *synctest.AdapterSystem {
				return newBooksSystem(t, booksadapter.Entity{Entity: booksadapter.Contacts, MatchField: "email"},
					func(ctx context.Context, c *books.Client, id string, f map[string]any) error {
						var ct books.Contact
						if err := recode(f, &ct); err != nil {
							return err
						}
						_, _, err := c.Contacts.Update(ctx, id, ct)
						return err
					},
					func(ctx context.Context, c *books.Client, id string) error {
						_, err := c.Contacts.Delete(ctx, id)
						return err
					})
			},
			NewFields: func(i int) map[string]any {
				return map[string]any{"contact_name": fmt.Sprint("Customer ", i), "email": fmt.Sprintf("c%d@example.com", i)}
			},
			// "contact_name" is required.
			BadFields: func(i int) map[string]any { return map[string]any{"email": fmt.Sprintf("bad%d@example.com", i)} },
		})
	})
	// Contacts whose key is kept in a member (company_name, here: a member
	// a list filters on): creates look the key up, and records come back
	// with it as their Record.Key.
	t.Run("contacts keyed", func(t *testing.T) {
		t.Parallel()
		synctest.RunAdapter(t, synctest.AdapterHarness{
			New: func(t *testing.T) *synctest.AdapterSystem {
				return newBooksSystem(t, booksadapter.Entity{Entity: booksadapter.Contacts, KeyField: "company_name"},
					func(ctx context.Context, c *books.Client, id string, f map[string]any) error {
						var ct books.Contact
						if err := recode(f, &ct); err != nil {
							return err
						}
						_, _, err := c.Contacts.Update(ctx, id, ct)
						return err
					},
					func(ctx context.Context, c *books.Client, id string) error {
						_, err := c.Contacts.Delete(ctx, id)
						return err
					})
			},
			NewFields: func(i int) map[string]any {
				return map[string]any{"contact_name": fmt.Sprint("Customer ", i), "email": fmt.Sprintf("c%d@example.com", i)}
			},
			BadFields: func(i int) map[string]any { return map[string]any{"email": fmt.Sprintf("bad%d@example.com", i)} },
			KeepsKeys: true,
		})
	})
}

// newBooksSystem starts a fake Books for one check, with an adapter of
// entity as the data type "records". The system's users edit and delete
// through their own client (edit, remove), as the Books UI would.
func newBooksSystem(t *testing.T, entity booksadapter.Entity,
	edit func(ctx context.Context, c *books.Client, id string, f map[string]any) error,
	remove func(ctx context.Context, c *books.Client, id string) error,
) *synctest.AdapterSystem {
	clock := zohotest.NewFakeClock(t0)
	srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock})
	client := func() *books.Client {
		c, err := books.New(zohotest.NewClient(t, srv, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 }), srv.Books().OrgID())
		require.NoError(t, err)
		return c
	}
	a, err := booksadapter.New(client(), map[string]booksadapter.Entity{"records": entity}, &booksadapter.Options{PageSize: 2})
	require.NoError(t, err)
	users := client()
	s := &synctest.AdapterSystem{
		Source: a, Sink: a, Reader: a, DataType: "records",
		Edit:    func(ctx context.Context, id string, f map[string]any) error { return edit(ctx, users, id, f) },
		Advance: clock.Advance,
	}
	if remove != nil {
		s.Delete = func(ctx context.Context, id string) error { return remove(ctx, users, id) }
	}
	return s
}

// recode converts fields into one of the client's typed records.
func recode(fields map[string]any, v any) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
