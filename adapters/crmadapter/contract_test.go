package crmadapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/crmadapter"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// TestContract runs synctest's adapter conformance suite on the Products
// module of a validating fake CRM, whose clock the suite moves. CRM stamps
// times to the second and lists deletions, so the adapter declares
// tombstones and not exact times; Get leaves deleted records out. The
// module's KeyField keeps the keys of the records the adapter creates.
func TestContract(t *testing.T) {
	t.Parallel()
	synctest.RunAdapter(t, synctest.AdapterHarness{
		New: func(t *testing.T) *synctest.AdapterSystem {
			zohotest.RequireOAS(t)
			clock := zohotest.NewFakeClock(t0)
			srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock})
			fake := srv.CRM()
			require.NoError(t, fake.AddFields("Products", zohotest.Field{APIName: "Zohokit_Key", Type: zohotest.FieldText, Unique: true}))
			c, err := crm.New(zohotest.NewClient(t, srv, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 }), nil)
			require.NoError(t, err)
			a, err := crmadapter.New(c, map[string]crmadapter.Module{"products": {
				Module: "Products", Fields: []string{"Product_Name", "Product_Code", "Unit_Price"}, KeyField: "Zohokit_Key",
			}}, &crmadapter.Options{PageSize: 2}) // pages split the seeded ties
			require.NoError(t, err)
			// A CRM user's edits: straight into the fake, as the UI would.
			return &synctest.AdapterSystem{
				Source: a, Sink: a, Reader: a, DataType: "products",
				Create: func(_ context.Context, f map[string]any) (string, error) {
					rec, err := fake.Put("Products", zohotest.Record(f))
					if err != nil {
						return "", err
					}
					return rec["id"].(string), nil
				},
				Edit: func(_ context.Context, id string, f map[string]any) error {
					_, err := fake.Update("Products", id, zohotest.Record(f))
					return err
				},
				Delete:  func(_ context.Context, id string) error { return fake.Delete("Products", id) },
				Advance: clock.Advance,
			}
		},
		NewFields: func(i int) map[string]any {
			return map[string]any{"Product_Name": fmt.Sprint("Product ", i), "Product_Code": fmt.Sprintf("PC-%d", i), "Unit_Price": json.Number(fmt.Sprintf("%d.50", 10+i))}
		},
		// Product_Name is mandatory: Zoho answers MANDATORY_NOT_FOUND.
		BadFields:  func(i int) map[string]any { return map[string]any{"Product_Code": fmt.Sprintf("BAD-%d", i)} },
		Tombstones: true,
		KeepsKeys:  true, // KeyField
	})
}
