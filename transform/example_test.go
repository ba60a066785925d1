package transform_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/zohokit/zohokit/transform"
)

// owners stands in for the sync engine's ID links between CRM users and ERP salespeople.
var owners = map[string]string{"5725767000000258001": "SP-07", "5725767000000258002": "SP-11"}

func ownerToSalesperson(_ context.Context, id string) (string, error) {
	if code, ok := owners[id]; ok {
		return code, nil
	}
	return "", transform.ErrNotFound
}

func salespersonToOwner(_ context.Context, code string) (string, error) {
	for id, c := range owners {
		if c == code {
			return id, nil
		}
	}
	return "", transform.ErrNotFound
}

// accountToCustomer maps a Zoho CRM Account to an ERP customer.
func accountToCustomer() (*transform.Mapping, error) {
	return transform.New("crm-account-to-erp-customer", []transform.Rule{
		transform.Field("Account_Name", "name", transform.Trim()),
		transform.Field("Account_Type", "type", transform.Picklist(map[string]string{
			"Customer": "CUST", "Reseller": "RESELLER", "Vendor": "VEND",
		})),
		transform.Field("Billing_Street", "address.street"),
		transform.Field("Billing_City", "address.city"),
		transform.Field("Billing_Code", "address.postcode"),
		transform.Field("Owner.id", "salesperson",
			transform.Lookup(ownerToSalesperson).WithReverse(salespersonToOwner)),
		transform.Field("Annual_Revenue", "revenue",
			transform.Money("INR", transform.RoundHalfEven).SourceScale(2)),
		transform.Field("Modified_Time", "updated_at", transform.DateTime(
			transform.Layout(transform.ZohoCRM).In("Asia/Kolkata"),
			transform.Layout("2006-01-02 15:04:05").In("UTC"))),
		transform.Const("source", "zoho-crm").OneWay(),
	}, &transform.Options{
		Unmapped:     transform.UnmappedError,
		Ignore:       []string{"id", "Owner.name", "Owner.email"},
		IgnoreTarget: []string{"erp_id"},
	})
}

// decode reads JSON the way adapters do: numbers as json.Number.
func decode(s string) map[string]any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var rec map[string]any
	if err := dec.Decode(&rec); err != nil {
		panic(err)
	}
	return rec
}

func printJSON(rec map[string]any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rec)
}

// A Zoho CRM Account becomes an ERP customer, and an edit made in the ERP goes back to CRM
// through the inverse mapping.
func Example() {
	ctx := context.Background()
	toERP, err := accountToCustomer()
	if err != nil {
		fmt.Println(err)
		return
	}
	toCRM, err := toERP.Invert()
	if err != nil {
		fmt.Println(err)
		return
	}

	account := decode(`{
		"id": "5725767000000412001",
		"Account_Name": "  Zylker   Traders ",
		"Account_Type": "Reseller",
		"Billing_Street": "12 Anna Salai",
		"Billing_City": "Chennai",
		"Billing_Code": "600002",
		"Owner": {"id": "5725767000000258001", "name": "Patricia Boyle", "email": "patricia@zylker.com"},
		"Annual_Revenue": 1234567.5,
		"Modified_Time": "2026-05-14T12:53:58+05:30"
	}`)
	customer, err := toERP.Apply(ctx, account)
	if err != nil {
		fmt.Println(err)
		return
	}
	printJSON(customer)

	// The warehouse moves the customer to another street and salesperson in the ERP.
	edited := decode(`{
		"erp_id": "C-1042", "source": "zoho-crm", "name": "Zylker Traders", "type": "RESELLER",
		"address": {"street": "7 Mount Road", "city": "Chennai", "postcode": "600002"},
		"salesperson": "SP-11", "revenue": "1234567.50", "updated_at": "2026-05-15 09:00:00"
	}`)
	back, err := toCRM.Apply(ctx, edited)
	if err != nil {
		fmt.Println(err)
		return
	}
	printJSON(back)
	// Output:
	// {
	//   "address": {
	//     "city": "Chennai",
	//     "postcode": "600002",
	//     "street": "12 Anna Salai"
	//   },
	//   "name": "Zylker Traders",
	//   "revenue": 1234567.50,
	//   "salesperson": "SP-07",
	//   "source": "zoho-crm",
	//   "type": "RESELLER",
	//   "updated_at": "2026-05-14 07:23:58"
	// }
	// {
	//   "Account_Name": "Zylker Traders",
	//   "Account_Type": "Reseller",
	//   "Annual_Revenue": 1234567.50,
	//   "Billing_City": "Chennai",
	//   "Billing_Code": "600002",
	//   "Billing_Street": "7 Mount Road",
	//   "Modified_Time": "2026-05-15T14:30:00+05:30",
	//   "Owner": {
	//     "id": "5725767000000258002"
	//   }
	// }
}

// Apply reports every failing field at once, with its path and value.
func ExampleMapping_Apply_errors() {
	toERP, err := accountToCustomer()
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = toERP.Apply(context.Background(), map[string]any{
		"Account_Name":  "Zylker",
		"Account_Type":  "Competitor",
		"Owner":         map[string]any{"id": "42"},
		"Modified_Time": "14/05/2026",
		"Website":       "https://zylker.com",
	})
	var me *transform.MappingError
	if errors.As(err, &me) {
		for _, fe := range me.Errors {
			fmt.Println(fe)
		}
	}
	fmt.Println(errors.Is(err, transform.ErrNotFound), errors.Is(err, transform.ErrUnknownValue))
	// Output:
	// Account_Type: "Competitor": picklist (3 values): value not in the value map
	// Owner.id: "42": look-up: no match
	// Modified_Time: "14/05/2026": date-time zoho-crm (Asia/Kolkata) → 2006-01-02 15:04:05 (UTC): invalid value: not a zoho-crm time: parsing time "14/05/2026" as "2006-01-02T15:04:05Z07:00": cannot parse "14/05/2026" as "2006"
	// Website: "https://zylker.com": unmapped source field
	// true true
}

// Mappings live in the service's zohokit.yaml; functions are registered by name.
func ExampleParseYAML() {
	cfg, err := transform.ParseYAML([]byte(`
authority:            # read by another package
  contacts: crm
mappings:
  crm-contact-to-erp-person:
    fields:
      - {from: Email, to: email, string: {trim: true, case: lower}}
      - {from: Owner.id, to: owner_code, lookup: owners}
      - from: Lead_Source
        to: channel
        picklist: {values: {Web: WEB, Trade Show: EVENT}, unknown: pass}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	mappings, err := cfg.Build(&transform.Registry{Lookups: map[string]transform.LookupConverter{
		"owners": transform.Lookup(ownerToSalesperson),
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	person, err := mappings["crm-contact-to-erp-person"].Apply(context.Background(), map[string]any{
		"Email": " Ada@Example.com ", "Owner": map[string]any{"id": "5725767000000258002"}, "Lead_Source": "Trade Show",
	})
	fmt.Println(person, err)
	// Output:
	// map[channel:EVENT email:ada@example.com owner_code:SP-11] <nil>
}
