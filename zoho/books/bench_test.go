package books_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/zohokit/zohokit/zoho/books"
)

// BenchmarkDecodeInvoicePage measures decoding a full list page (200
// invoice summaries, with custom fields and members the struct does not
// declare) into typed Invoices, the per-page cost of a pull.
func BenchmarkDecodeInvoicePage(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 200 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"invoice_id":"4600000000%05d","customer_name":"Customer %d","customer_id":"4600000000%05d",
			"status":"sent","invoice_number":"INV-%06d","reference_number":"deal-%d","date":"2026-06-09","due_date":"2026-06-24",
			"currency_code":"USD","total":%d.56,"balance":%d.56,"created_time":"2026-06-09T16:22:34-0400",
			"last_modified_time":"2026-06-09T16:22:34-0400","is_emailed":false,"has_attachment":false,
			"custom_fields":[{"customfield_id":"1","api_name":"cf_region","value":"EMEA"}]}`, i, i, i, i, i, i*10, i*10)
	}
	sb.WriteString("]")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		var page []books.Invoice
		if err := json.Unmarshal(data, &page); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(200*b.N)/b.Elapsed().Seconds(), "invoices/s")
}
