package synctest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// memoryHarness runs the suite on the in-memory Adapter, on a fake clock.
func memoryHarness() synctest.AdapterHarness {
	return synctest.AdapterHarness{
		New: func(t *testing.T) *synctest.AdapterSystem {
			clock := synctest.NewClock(t0)
			a := synctest.NewAdapter(&synctest.Options{Now: clock.Now})
			// The in-memory system accepts any fields: make it refuse the
			// records BadFields marks, as a real system refuses bad data.
			a.Inject(synctest.Fault{Op: sync.OpCreate, Err: synctest.Rejected("missing name"), Match: func(op sync.Op) bool {
				_, ok := op.Fields["name"]
				return !ok
			}})
			return &synctest.AdapterSystem{
				Source: a, Sink: a, Reader: a, DataType: "deals",
				Create: func(_ context.Context, f map[string]any) (string, error) { return a.Put("deals", "", f).ID, nil },
				Edit: func(_ context.Context, id string, f map[string]any) error {
					_, err := a.Update("deals", id, f)
					return err
				},
				Delete:  func(_ context.Context, id string) error { return a.Delete("deals", id) },
				Advance: clock.Advance,
			}
		},
		NewFields: func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprint("Deal ", i), "amount": json.Number(fmt.Sprintf("%d.50", 100+i))}
		},
		BadFields:  func(i int) map[string]any { return map[string]any{"amount": json.Number("1")} },
		Tombstones: true,
		KeepsKeys:  true,
		ExactTimes: true,
	}
}

func TestAdapterContract(t *testing.T) {
	t.Parallel()
	synctest.RunAdapter(t, memoryHarness())
}
