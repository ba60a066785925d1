package sqladapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/adapters/sqladapter"
	"github.com/zohokit/zohokit/sync/synctest"
)

// TestContract runs synctest's adapter conformance suite on both engines,
// with soft deletes (tombstones) and with hard deletes (none).
func TestContract(t *testing.T) {
	t.Parallel()
	forEach(t, func(t *testing.T, eng engine) {
		for _, soft := range []bool{true, false} {
			name := "soft-deletes"
			if !soft {
				name = "hard-deletes"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				synctest.RunAdapter(t, contractHarness(eng, soft))
			})
		}
	})
}

func contractHarness(eng engine, soft bool) synctest.AdapterHarness {
	table := sqladapter.Table{KeyColumn: "zk_key"}
	if soft {
		table.SoftDeleteColumn = "deleted_at"
	}
	return synctest.AdapterHarness{
		New: func(t *testing.T) *synctest.AdapterSystem {
			db := eng.open(t)
			_, err := db.Exec(eng.ddl)
			require.NoError(t, err)
			clock := synctest.NewClock(t0)
			a, err := sqladapter.New(db, map[string]sqladapter.Table{"products": table}, &sqladapter.Options{Now: clock.Now, PageSize: 2}) // pages split the seeded ties
			require.NoError(t, err)
			// The ERP's own writes, behind the adapter's back: they stamp
			// updated_at as the system does.
			ph := func(n int) string {
				if eng.dialect == sqladapter.Postgres {
					return "$" + strconv.Itoa(n)
				}
				return "?"
			}
			exec := func(ctx context.Context, q string, args ...any) error {
				res, err := db.ExecContext(ctx, q, args...)
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err == nil && n != 1 {
					return fmt.Errorf("%d rows changed", n)
				}
				return nil
			}
			return &synctest.AdapterSystem{
				Source: a, Sink: a, Reader: a, DataType: "products",
				Create: func(ctx context.Context, f map[string]any) (string, error) {
					cols := slices.Sorted(maps.Keys(f))
					args := make([]any, 0, len(cols)+1)
					phs := make([]string, 0, len(cols)+1)
					for i, c := range cols {
						args, phs = append(args, sqlValue(f[c])), append(phs, ph(i+1))
					}
					args, phs = append(args, clock.Now()), append(phs, ph(len(cols)+1))
					q := fmt.Sprintf("INSERT INTO products (%s, updated_at) VALUES (%s) RETURNING id", strings.Join(cols, ", "), strings.Join(phs, ", "))
					var id int64
					err := db.QueryRowContext(ctx, q, args...).Scan(&id)
					return strconv.FormatInt(id, 10), err
				},
				Edit: func(ctx context.Context, id string, f map[string]any) error {
					var sets []string
					var args []any
					for _, c := range slices.Sorted(maps.Keys(f)) {
						args = append(args, sqlValue(f[c]))
						sets = append(sets, c+" = "+ph(len(args)))
					}
					args = append(args, clock.Now(), id)
					q := fmt.Sprintf("UPDATE products SET %s, updated_at = %s WHERE id = %s", strings.Join(sets, ", "), ph(len(args)-1), ph(len(args)))
					return exec(ctx, q, args...)
				},
				Delete: func(ctx context.Context, id string) error {
					if soft {
						return exec(ctx, fmt.Sprintf("UPDATE products SET deleted_at = %s, updated_at = %s WHERE id = %s", ph(1), ph(2), ph(3)), clock.Now(), clock.Now(), id)
					}
					return exec(ctx, "DELETE FROM products WHERE id = "+ph(1), id)
				},
				Advance: clock.Advance,
			}
		},
		NewFields: func(i int) map[string]any {
			return map[string]any{"sku": fmt.Sprintf("SKU-%d", i), "name": fmt.Sprint("Item ", i), "price": json.Number(fmt.Sprintf("%d.50", 10+i))}
		},
		BadFields:   func(int) map[string]any { return map[string]any{"name": "no sku"} }, // sku is NOT NULL
		Tombstones:  soft,
		SoftDeletes: soft,
		KeepsKeys:   true, // KeyColumn
		ExactTimes:  true,
	}
}

// sqlValue is a field value as the ERP's own code would pass it.
func sqlValue(v any) any {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	return v
}
