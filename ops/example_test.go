package ops_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/ops"
	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
)

// Mount the dashboard under /ops next to the service's other handlers,
// with a bearer token, and read a pipeline's status from the JSON API.
func Example() {
	ctx := context.Background()
	st := store.NewMemory(nil)
	q, err := queue.NewMemory(nil)
	if err != nil {
		log.Fatal(err)
	}
	// What the sync engine records: one successful run.
	id, err := st.StartRun(ctx, "contacts-crm-erp", time.Time{}, false)
	if err != nil {
		log.Fatal(err)
	}
	if err := st.FinishRun(ctx, store.Run{ID: id, Status: store.RunSucceeded, Counts: store.Counts{Read: 12, Created: 3}}); err != nil {
		log.Fatal(err)
	}

	const token = "a-long-random-token-from-the-environment"
	dash, err := ops.New(st, q, &ops.Options{
		Pipelines: func() []ops.PipelineInfo {
			return []ops.PipelineInfo{{Name: "contacts-crm-erp", Strategy: "pull", DataType: "contacts",
				LeftSystem: "CRM", RightSystem: "ERP", Interval: 15 * time.Minute}}
		},
		Authority:    authority.Default(),
		BearerTokens: map[string]string{"ops": token},
		BasePath:     "/ops",
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ops/", dash)
	// The Zoho clients, the queue worker and the webhook receivers feed
	// dash.Metrics(): zoho.Config's Observer is dash.Metrics().ZohoObserver().
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string, withToken bool) *http.Response {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			log.Fatal(err)
		}
		if withToken {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		return resp
	}

	resp := get("/ops/api/pipelines", false)
	resp.Body.Close()
	fmt.Println("without the token:", resp.StatusCode)

	resp = get("/ops/api/pipelines", true)
	defer resp.Body.Close()
	var answer struct {
		Pipelines []ops.PipelineView `json:"pipelines"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		log.Fatal(err)
	}
	p := answer.Pipelines[0]
	fmt.Printf("%s: %s, authority %s, last run %s (%d created)\n",
		p.Name, p.Status, p.Authority.System, p.LastRun.Status, p.LastRun.Counts.Created)

	resp = get("/ops/healthz", false)
	resp.Body.Close()
	fmt.Println("healthz:", resp.StatusCode)
	// Output:
	// without the token: 401
	// contacts-crm-erp: healthy, authority CRM, last run succeeded (3 created)
	// healthz: 200
}
