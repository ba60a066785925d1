package store_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
)

// A batch of a sync run commits its links and cursor at once; the next run
// pairs records through the links and resumes from the cursor. A lease keeps
// a second replica from running the same pipeline.
func ExampleNewMemory() {
	ctx := context.Background()
	s := store.NewMemory(nil)

	err := s.Commit(ctx, store.Checkpoint{
		Pipeline: "contacts",
		Links: []store.Link{
			{LeftID: "crm-1001", RightID: "erp-7", Base: []byte(`{"city":"Pune"}`), LeftHash: "h1", RightHash: "h1"},
			{LeftID: "crm-1002", RightID: "erp-9"},
		},
		Cursors: map[store.Side]string{store.Left: "2025-06-02T08:00:00Z"},
	})
	if err != nil {
		log.Fatal(err)
	}

	links, err := s.Links(ctx, "contacts", store.Right, []string{"erp-7", "erp-8"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("erp-7 is", links["erp-7"].LeftID, "with base", string(links["erp-7"].Base), "| found", len(links))

	cursor, err := s.Cursor(ctx, "contacts", store.Left)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("resume after", cursor)

	a, _ := s.AcquireLease(ctx, "sync:contacts", "replica-a", time.Minute)
	b, _ := s.AcquireLease(ctx, "sync:contacts", "replica-b", time.Minute)
	fmt.Println("replica-a runs:", a, "| replica-b runs:", b)
	// Output:
	// erp-7 is crm-1001 with base {"city":"Pune"} | found 1
	// resume after 2025-06-02T08:00:00Z
	// replica-a runs: true | replica-b runs: false
}

// A conflict held for a person is recorded once however many runs meet it,
// decided on the dashboard, and marked applied by the checkpoint of the run
// that wrote the decision.
func ExampleMemory_RecordReview() {
	ctx := context.Background()
	s := store.NewMemory(nil)
	c := conflict.Conflict{Pipeline: "customers", DataType: "customers", Field: "city",
		LeftID: "crm-1001", RightID: "erp-7", LeftSystem: "CRM", RightSystem: "ERP",
		Base: "Pune", Left: "Mumbai", Right: "Delhi"}
	r := conflict.Review{Key: conflict.ReviewKey(c), Conflict: c, Reason: "held for a person to decide"}

	id, _ := s.RecordReview(ctx, r)
	again, _ := s.RecordReview(ctx, r) // the next run meets the same conflict
	fmt.Println("one review:", id == again)

	if err := s.Resolve(ctx, conflict.Resolution{ReviewID: id, Action: conflict.TakeRight, DecidedBy: "ops@example.com"}); err != nil {
		log.Fatal(err)
	}
	if err := s.Commit(ctx, store.Checkpoint{Pipeline: "customers", AppliedReviews: []string{id}}); err != nil {
		log.Fatal(err)
	}
	items, _ := s.Reviews(ctx, store.ReviewFilter{Pipeline: "customers"})
	fmt.Println(items[0].Status, items[0].Resolution.Action, items[0].Review.Conflict.Right)
	// Output:
	// one review: true
	// applied take-right Delhi
}
