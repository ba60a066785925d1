package transform

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// benchMapping is a typical CRM Account → ERP customer mapping of 12 fields.
func benchMapping(b *testing.B) (*Mapping, map[string]any) {
	b.Helper()
	codes := map[string]string{"5725767000000258001": "SP-07"}
	m, err := New("bench", []Rule{
		Field("Account_Name", "name", Trim()),
		Field("Account_Number", "code"),
		Field("Account_Type", "type", Picklist(map[string]string{"Customer": "CUST", "Reseller": "RESELLER", "Vendor": "VEND"})),
		Field("Billing_Street", "address.street"),
		Field("Billing_City", "address.city"),
		Field("Billing_Code", "address.postcode"),
		Field("Billing_Country", "address.country"),
		Field("Owner.id", "salesperson", Lookup(func(_ context.Context, id string) (string, error) { return codes[id], nil })),
		Field("Annual_Revenue", "revenue", Money("INR", RoundHalfEven)),
		Field("Modified_Time", "updated_at", DateTime(Layout(ZohoCRM).In("Asia/Kolkata"), Layout("2006-01-02 15:04:05").In("UTC"))),
		Field("Phone", "phone", Normalize{Trim: true}),
		Const("source", "zoho-crm"),
	}, &Options{Unmapped: UnmappedError, Ignore: []string{"id", "Owner.name"}})
	if err != nil {
		b.Fatal(err)
	}
	rec := map[string]any{
		"id": "5725767000000412001", "Account_Name": " Zylker Traders ", "Account_Number": "A-1042",
		"Account_Type": "Reseller", "Billing_Street": "12 Anna Salai", "Billing_City": "Chennai",
		"Billing_Code": "600002", "Billing_Country": "India",
		"Owner":          map[string]any{"id": "5725767000000258001", "name": "Patricia Boyle"},
		"Annual_Revenue": json.Number("1234567.5"), "Modified_Time": "2026-05-14T12:53:58+05:30", "Phone": "+91 44 1234 5678",
	}
	return m, rec
}

func BenchmarkApply(b *testing.B) {
	m, rec := benchMapping(b)
	ctx := context.Background()
	start := time.Now()
	for b.Loop() {
		if _, err := m.Apply(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}

func BenchmarkHash(b *testing.B) {
	m, rec := benchMapping(b)
	out, err := m.Apply(context.Background(), rec)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for b.Loop() {
		if _, err := Hash(out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}
