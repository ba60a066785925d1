package zohotest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentUse drives writes, lists, searches, COQL, helpers and
// accounting at once; run with -race. (The bundle's call helper may stop a
// goroutine on a transport error; wg.Go still marks it done.)
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.seedContacts(50)
	require.NoError(t, b.srv.AddFault(FaultRule{Route: "GET /crm/v8/{module}", Fault: ServerError(500), Probability: 0.1}))
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				switch i % 5 {
				case 0:
					r := b.call("POST", "/crm/v8/Contacts", map[string]any{"data": []any{map[string]any{"Last_Name": fmt.Sprintf("W%d-%d", w, i)}}})
					assert.Equal(t, http.StatusCreated, r.status)
				case 1:
					r := b.call("GET", "/crm/v8/Contacts?fields=Last_Name&per_page=20", nil)
					assert.Contains(t, []int{200, 500}, r.status)
				case 2:
					b.call("GET", "/crm/v8/Contacts/search?word=contact", nil)
				case 3:
					b.call("POST", "/crm/v8/coql", map[string]any{"select_query": "select Last_Name from Contacts where id > 0"})
				case 4:
					_, err := b.srv.CRM().Put("Contacts", Record{"Last_Name": "helper"})
					assert.NoError(t, err)
					_ = b.srv.Calls("GET /crm/v8/{module}")
					_ = b.srv.CRM().Changes()
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, 50+16+16, b.srv.CRM().Count("Contacts"))
	require.Equal(t, 64, b.srv.TotalCalls())
}
