package crm_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// Exporting a module with bulk read: Read creates the job, waits for it,
// downloads the zipped CSV to a temporary file and yields its rows as
// records, page after page, holding one row in memory at a time.
func ExampleBulkService_Read() {
	c, done := exampleClient() // a fake Zoho with three contacts
	defer done()

	bulk, err := crm.NewBulk(c, &crm.BulkOptions{PollInterval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	for rec, err := range bulk.Read(context.Background(), crm.BulkRead{
		Module:   "Contacts",
		Fields:   []string{"Last_Name", "Email"},
		Criteria: &crm.BulkCriteria{Field: "Last_Name", Comparator: crm.CmpStartsWith, Value: "H"},
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.String("Last_Name"), rec.String("Email"))
	}
	// Output:
	// Hopper Hopper@example.com
	// Hamilton Hamilton@example.com
}

// Importing records with bulk write: one result per record, in input
// order; a row Zoho skips carries its errors.
func ExampleBulkService_Write() {
	c, done := exampleClient()
	defer done()

	bulk, err := crm.NewBulk(c, &crm.BulkOptions{PollInterval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	results, err := bulk.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkUpsert, Module: "Contacts", FindBy: "Email"}, []crm.Record{
		{"Last_Name": "Hopper", "Email": "Hopper@example.com", "Title": "Rear Admiral"},
		{"Email": "nameless@example.com"},
		{"Last_Name": "Liskov", "Email": "liskov@example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		fmt.Println(r.Index, r.Status, r.Errors)
	}
	// Output:
	// 0 UPDATED []
	// 1 SKIPPED [{MANDATORY_NOT_FOUND [Last_Name]}]
	// 2 ADDED []
}

// Enabling a notification channel: Zoho then POSTs a callback to the
// notify URL for every matching change, with the channel's token, which
// the receiver checks. Keep channels alive with a Renewer.
func ExampleWatchService_Enable() {
	srv, err := zohotest.Start(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	c, err := crm.New(zc, nil)
	if err != nil {
		log.Fatal(err)
	}

	got := make(chan crm.Notification, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n, err := crm.ParseNotification(body)
		if err != nil || n.Token != "our-shared-secret" {
			http.Error(w, "not from Zoho", http.StatusForbidden)
			return
		}
		got <- n
	}))
	defer receiver.Close()

	results, _, err := crm.NewWatch(c).Enable(context.Background(), crm.Watch{
		ChannelID:     1000000068001,
		Events:        []string{"Deals.create", "Deals.edit"},
		NotifyURL:     receiver.URL + "/zoho/deals",
		Token:         "our-shared-secret",
		ChannelExpiry: time.Now().Add(24 * time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("subscribed:", results[0].Events[0].ResourceName)

	if _, err := c.Records.Insert(context.Background(), "Deals", []crm.Record{{"Deal_Name": "Big one", "Stage": "Qualification"}}, nil); err != nil {
		log.Fatal(err)
	}
	n := <-got
	fmt.Println(n.Module, n.Operation, len(n.IDs), "record, channel", n.ChannelID)
	// Output:
	// subscribed: Deals
	// Deals create 1 record, channel 1000000068001
}
