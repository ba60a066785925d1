package crm_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// exampleClient starts a fake Zoho with a few contacts and returns a CRM
// client for it, so the examples run offline. In production the zoho.Config
// names a real data centre (zoho.EU.DataCenter()) and real credentials.
func exampleClient() (*crm.Client, func()) {
	srv, err := zohotest.Start(nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"Lovelace", "Hopper", "Hamilton"} {
		if _, err := srv.CRM().Put("Contacts", zohotest.Record{"Last_Name": name, "Email": name + "@example.com"}); err != nil {
			log.Fatal(err)
		}
	}
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	c, err := crm.New(zc, nil)
	if err != nil {
		log.Fatal(err)
	}
	return c, srv.Close
}

// Creating a client: the core zoho.Client carries credentials, data centre,
// rate limits and retries; crm.New wraps it. Here the fake Zoho stands in
// for a data centre.
func Example() {
	srv, err := zohotest.Start(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	cfg := srv.ClientConfig() // in production: zoho.Config{ClientID: ..., ClientSecret: ..., RefreshToken: ..., DataCenter: zoho.EU.DataCenter()}
	cfg.RateLimits = zoho.RateLimits{CRMEdition: zoho.EditionProfessional}
	zc, err := zoho.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	c, err := crm.New(zc, &crm.Options{MetadataTTL: time.Hour})
	if err != nil {
		log.Fatal(err)
	}

	me, _, err := c.Users.Current(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	org, _, err := c.Org.Get(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("acting as:", me.Email)
	fmt.Println("organisation:", org.CompanyName)
	// Output:
	// acting as: test.user@example.com
	// organisation: Zylker Test Org
}

// Listing a module: the iterator fetches pages as the loop ranges and moves
// to page_token past 2,000 records by itself.
func ExampleRecordsService_List() {
	c, done := exampleClient()
	defer done()

	ctx := context.Background()
	for rec, err := range c.Records.List(ctx, "Contacts", &crm.ListOptions{
		Fields: []string{"Last_Name", "Email"}, SortBy: crm.SortByID, SortOrder: crm.SortAsc,
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.String("Last_Name"), rec.String("Email"))
	}
	// Output:
	// Lovelace Lovelace@example.com
	// Hopper Hopper@example.com
	// Hamilton Hamilton@example.com
}

// Listing what changed since the last run: with nothing changed, Zoho
// answers 304 and the list yields nothing; OnPage tells why.
func ExampleListOptions_modifiedSince() {
	c, done := exampleClient()
	defer done()

	lastRun := time.Now().Add(time.Hour) // a cursor from the future: nothing is newer
	n, notModified := 0, false
	for _, err := range c.Records.List(context.Background(), "Contacts", &crm.ListOptions{
		Fields: []string{"Last_Name"}, ModifiedSince: lastRun,
		OnPage: func(p crm.PageInfo) { notModified = p.NotModified },
	}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println("records:", n, "not modified:", notModified)
	// Output:
	// records: 0 not modified: true
}

// Upserting records: one Result per record, in order. A record Zoho
// refuses has a *RecordError with Zoho's code; the others are written.
// NoTriggers keeps Zoho's workflows from firing on a sync's writes.
func ExampleRecordsService_Upsert() {
	c, done := exampleClient()
	defer done()

	results, err := c.Records.Upsert(context.Background(), "Contacts", []crm.Record{
		{"Last_Name": "Hopper", "Email": "Hopper@example.com", "Title": "Rear Admiral"},
		{"Email": "nameless@example.com"},
		{"Last_Name": "Liskov", "Email": "liskov@example.com"},
	}, &crm.WriteOptions{NoTriggers: true, DuplicateCheckFields: []string{"Email"}})
	if err != nil {
		log.Fatal(err) // whole calls failed (see crm.WriteError)
	}
	for _, r := range results {
		var re *crm.RecordError
		switch {
		case r.OK():
			fmt.Println(r.Index, r.Action)
		case errors.As(r.Err, &re):
			fmt.Println(r.Index, re.Code, re.APIName)
		}
	}
	// Output:
	// 0 update
	// 1 MANDATORY_NOT_FOUND Last_Name
	// 2 insert
}

// Typed records: Contact declares the common fields; custom fields ride
// along in Extra.
func ExampleModule() {
	c, done := exampleClient()
	defer done()
	ctx := context.Background()

	contacts := c.Contacts()
	res, err := contacts.Insert(ctx, []crm.Contact{{
		FirstName: "Barbara", LastName: "Liskov", Email: "barbara@example.com",
		DateOfBirth: crm.Date{Year: 1939, Month: time.November, Day: 7},
	}}, nil)
	if err != nil || !res[0].OK() {
		log.Fatal(err, res)
	}
	got, _, err := contacts.Get(ctx, res[0].ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.FullName, got.DateOfBirth)
	// Output:
	// Barbara Liskov 1939-11-07
}

// Search criteria are built from conditions; values are escaped and
// date-times keep their offset.
func ExampleAnd() {
	since := time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("IST", 5*3600+30*60))
	c := crm.And(
		crm.Equals("Last_Name", "Burns, B (Jr)"),
		crm.GreaterEqual("Modified_Time", since),
	)
	fmt.Println(c)
	// Output:
	// ((Last_Name:equals:Burns\, B \(Jr\))and(Modified_Time:greater_equal:2026-03-01T09:00:00+05:30))
}

// COQL over any number of records: All pages by id, past Zoho's 2,000 rows
// per call and 10,000 by offset.
func ExampleCOQLService_All() {
	c, done := exampleClient()
	defer done()

	for rec, err := range c.COQL.All(context.Background(), crm.Select{
		Module: "Contacts", Fields: []string{"Last_Name"}, Where: "Email like '%@example.com'",
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.String("Last_Name"))
	}
	// Output:
	// Lovelace
	// Hopper
	// Hamilton
}
