package books_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/books"
)

// Amounts survive create → get → list exactly, including those a float64
// cannot hold and sums that drift in floating point.
func TestAmountsRoundTripExactly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cust := b.customer("Acme Corp")
	cases := []struct {
		name  string
		lines []string // rates, quantity 1 each
		total string
	}{
		{"cents", []string{"1234.56"}, "1234.56"},
		{"point one plus point two", []string{"0.1", "0.2"}, "0.30"},
		{"beyond float64", []string{"12345678901234567.89"}, "12345678901234567.89"},
		{"many small", []string{"0.01", "0.01", "0.01", "0.07"}, "0.10"},
	}
	for _, tc := range cases {
		var lines []books.LineItem
		for _, r := range tc.lines {
			lines = append(lines, books.LineItem{Name: tc.name, Rate: amount(t, r), Quantity: amount(t, "1")})
		}
		inv, _, err := b.c.Invoices.Create(b.ctx(), books.Invoice{CustomerID: cust, ReferenceNumber: tc.name, LineItems: lines}, nil)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.total, inv.Total.String(), tc.name)

		got, _, err := b.c.Invoices.Get(b.ctx(), inv.InvoiceID)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.total, got.Total.String(), tc.name)
		for i, r := range tc.lines {
			require.Equal(t, r, got.LineItems[i].Rate.String(), "%s: line %d's rate is the text sent", tc.name, i)
		}
		// The float64 route really would lose this one.
		if tc.name == "beyond float64" {
			f, _ := strconv.ParseFloat(tc.total, 64)
			require.NotEqual(t, tc.total, strconv.FormatFloat(f, 'f', 2, 64))
		}

		listed, err := b.c.Invoices.FindByReference(b.ctx(), tc.name)
		require.NoError(t, err, tc.name)
		require.Len(t, listed, 1)
		require.Equal(t, tc.total, listed[0].Total.String(), tc.name)
		require.Equal(t, tc.total, listed[0].Balance.String(), tc.name)
	}
}

func TestAmount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, text string }{
		{"1234.56", "1234.56"}, {"1234.50", "1234.50"}, {"-0.10", "-0.10"}, {"1E+3", "1000"}, {"0", "0"},
		{"12345678901234567890.123456789", "12345678901234567890.123456789"},
	} {
		a, err := books.ParseAmount(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.text, a.String())
		b, err := json.Marshal(a)
		require.NoError(t, err)
		require.Equal(t, tc.text, string(b), "encoded as the exact JSON number")
		var back books.Amount
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, a, back)
	}
	for _, bad := range []string{"", "abc", "NaN", "Infinity", "1,000", "1E+999"} {
		_, err := books.ParseAmount(bad)
		require.Error(t, err, bad)
	}

	require.True(t, amount(t, "1.5").Equal(amount(t, "1.50")))
	require.False(t, amount(t, "1.5").Equal(books.Amount{}))
	require.Equal(t, -1, amount(t, "0.1").Cmp(amount(t, "0.2")))
	require.Equal(t, "1234.56", books.NewAmount(123456, -2).String())
	require.Equal(t, 0, books.NewAmount(0, 0).Sign())
	require.False(t, books.NewAmount(0, 0).IsZero(), "0 is a value")

	var v struct {
		A books.Amount `json:"a"`
		B books.Amount `json:"b"`
		C books.Amount `json:"c"`
		D books.Amount `json:"d,omitzero"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":"19.90","b":null,"c":""}`), &v))
	require.Equal(t, "19.90", v.A.String(), "quoted numbers are read too")
	require.True(t, v.B.IsZero())
	require.True(t, v.C.IsZero())
	out, err := json.Marshal(v)
	require.NoError(t, err)
	require.JSONEq(t, `{"a":19.90,"b":null,"c":null}`, string(out))
	require.Error(t, json.Unmarshal([]byte(`{"a":"x"}`), &v))
}

func TestTimesAndDates(t *testing.T) {
	t.Parallel()
	tm, err := books.ParseTime("2026-06-09T16:22:34-0400")
	require.NoError(t, err)
	require.True(t, tm.Equal(time.Date(2026, 6, 9, 20, 22, 34, 0, time.UTC)))
	require.Equal(t, "2026-06-09T16:22:34-0400", tm.String(), "written back in Books' layout and offset")
	b, err := json.Marshal(tm)
	require.NoError(t, err)
	require.Equal(t, `"2026-06-09T16:22:34-0400"`, string(b))

	for _, s := range []string{"2026-06-09T20:22:34Z", "2026-06-09T16:22:34-04:00", "2026-06-09T16:22:34.5-0400"} {
		_, err := books.ParseTime(s)
		require.NoError(t, err, s)
	}
	_, err = books.ParseTime("09/06/2026")
	require.Error(t, err)

	var v struct {
		T books.Time `json:"t"`
		D books.Date `json:"d"`
		E books.Date `json:"e"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"t":"","d":"2026-02-28","e":""}`), &v))
	require.True(t, v.T.IsZero())
	require.Equal(t, books.NewDate(2026, 2, 28), v.D)
	require.True(t, v.E.IsZero())
	require.Error(t, json.Unmarshal([]byte(`{"d":"2026-02-30"}`), &v))
	require.Equal(t, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), v.D.In(time.UTC))
}

// Members this package does not model, custom fields included, survive a
// decode and encode unchanged, and ids sent as numbers are read as strings.
func TestUnknownMembersAreKept(t *testing.T) {
	t.Parallel()
	in := `{
		"invoice_id": 460000000026049,
		"invoice_number": "INV-00003",
		"total": 1234.56,
		"payment_terms": "15",
		"line_items": [{"line_item_id": "1", "rate": 0.1, "quantity": 3, "item_total": 0.30, "warehouse_id": "7", "tags": [{"tag_id": "9"}]}],
		"custom_fields": [{"api_name": "cf_po", "value": 12345678901234567890, "show_on_pdf": true}],
		"billing_address": {"city": "Austin", "county": "Travis"},
		"template_id": "982000000000143",
		"is_emailed": false,
		"last_modified_time": "2026-06-09T16:22:34-0400"
	}`
	var inv books.Invoice
	require.NoError(t, json.Unmarshal([]byte(in), &inv))
	require.Equal(t, "460000000026049", inv.InvoiceID, "an id sent as a number")
	require.Equal(t, 15, inv.PaymentTerms, "a number sent as a string")
	require.Equal(t, "0.30", inv.LineItems[0].ItemTotal.String())
	require.Equal(t, json.Number("12345678901234567890"), inv.CustomFields[0].Value, "custom values keep their digits")
	require.Contains(t, inv.Extra, "template_id")
	require.Contains(t, inv.LineItems[0].Extra, "tags")
	require.Contains(t, inv.BillingAddress.Extra, "county")

	out, err := json.Marshal(inv)
	require.NoError(t, err)
	want := `{
		"invoice_id": "460000000026049",
		"invoice_number": "INV-00003",
		"total": 1234.56,
		"payment_terms": 15,
		"line_items": [{"line_item_id": "1", "rate": 0.1, "quantity": 3, "item_total": 0.30, "warehouse_id": "7", "tags": [{"tag_id": "9"}]}],
		"custom_fields": [{"api_name": "cf_po", "value": 12345678901234567890, "show_on_pdf": true}],
		"billing_address": {"city": "Austin", "county": "Travis"},
		"template_id": "982000000000143",
		"is_emailed": false,
		"last_modified_time": "2026-06-09T16:22:34-0400"
	}`
	require.JSONEq(t, want, string(out))
	require.Contains(t, string(out), `"total":1234.56`, "the amount's text is written as it came")

	var bad books.Invoice
	require.ErrorContains(t, json.Unmarshal([]byte(`{"line_items": "none"}`), &bad), "line_items")
}
