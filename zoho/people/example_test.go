package people_test

import (
	"context"
	"fmt"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/people"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// Add an employee and read the employee form, against the fake Zoho
// (offline).
func Example() {
	srv, err := zohotest.Start(&zohotest.Options{DisableOAS: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ctx := context.Background()
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := people.New(zc)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _, err = c.Forms.Add(ctx, "employee", map[string]any{
		"EmployeeID": "E001", "FirstName": "Ada", "LastName": "Lovelace", "EmailID": "ada@zylker.example",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for r, err := range c.Forms.Records(ctx, "employee", nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(r.String("EmployeeID"), r.String("FirstName"), r.String("LastName"))
	}
	// Output:
	// E001 Ada Lovelace
}
