package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// benchPage is a 200-record Contacts page as Zoho sends it: ~25 fields
// per record, lookups, users, times in the user's offset, two custom
// fields.
func benchPage() []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":[`)
	for i := range 200 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"48768760000006%05d","Owner":{"name":"Test User","id":"4876876000000100001","email":"test.user@example.com"},`+
			`"First_Name":"Ada","Last_Name":"Lovelace %d","Full_Name":"Ada Lovelace %d","Email":"ada%d@example.com",`+
			`"Phone":"+44 20 7946 %04d","Mobile":null,"Title":"Analyst","Department":"R&D","Lead_Source":"Web",`+
			`"Account_Name":{"name":"Zylker","id":"4876876000000300001"},"Date_of_Birth":"1815-12-10","Email_Opt_Out":false,`+
			`"Mailing_Street":"12 St James's Square","Mailing_City":"London","Mailing_State":null,"Mailing_Zip":"SW1Y 4LB","Mailing_Country":"UK",`+
			`"Description":"A contact with a \"quoted\" word and ünïcödé.",`+
			`"Created_Time":"2026-03-01T09:00:00+05:30","Modified_Time":"2026-03-02T10:30:00+05:30",`+
			`"Created_By":{"name":"Test User","id":"4876876000000100001","email":"test.user@example.com"},`+
			`"Modified_By":{"name":"Test User","id":"4876876000000100001","email":"test.user@example.com"},`+
			`"Loyalty_Tier":"Gold","Lifetime_Value":12345.67}`, i, i, i, i, i)
	}
	b.WriteString(`],"info":{"per_page":200,"count":200,"page":1,"more_records":true,"sort_by":"id","sort_order":"desc",` +
		`"next_page_token":"c8582e7f1cbd6e3b7d2ab5c4d5e6f708","previous_page_token":null,"page_token_expiry":"2026-03-02T10:30:00+05:30"}}`)
	return b.Bytes()
}

// runPageBench runs decode (which decodes one page and visits its records)
// and reports time and allocations per record.
func runPageBench(b *testing.B, decode func(body []byte) error) {
	body := benchPage()
	allocs := testing.AllocsPerRun(3, func() { _ = decode(body) })
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := decode(body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*200), "ns/record")
	b.ReportMetric(allocs/200, "allocs/record")
}

// decodeLikeTheClient decodes a page the way the client does: straight
// from the body through jsonSink.ReadFrom, numbers as json.Number.
func decodeLikeTheClient[T any](body []byte, visit func(*T)) error {
	var env struct {
		Data []T  `json:"data"`
		Info Info `json:"info"`
	}
	if _, err := (&jsonSink{v: &env}).ReadFrom(bytes.NewReader(body)); err != nil {
		return err
	}
	if len(env.Data) != 200 {
		return fmt.Errorf("decoded %d records", len(env.Data))
	}
	for i := range env.Data {
		visit(&env.Data[i])
	}
	return nil
}

var sinkString string

// BenchmarkDecodePage measures decoding and iterating one 200-record page,
// per record: the open Record, the typed Contact (declared fields plus
// Extra), and, as a baseline, plain encoding/json into maps (which turns
// numbers into float64 and so loses decimal precision).
func BenchmarkDecodePage(b *testing.B) {
	b.Run("Record", func(b *testing.B) {
		runPageBench(b, func(body []byte) error {
			return decodeLikeTheClient(body, func(r *Record) { sinkString = r.String("Last_Name") })
		})
	})
	b.Run("Contact", func(b *testing.B) {
		runPageBench(b, func(body []byte) error {
			return decodeLikeTheClient(body, func(c *Contact) { sinkString = c.LastName })
		})
	})
	b.Run("baseline-map-float64", func(b *testing.B) {
		runPageBench(b, func(body []byte) error {
			var env struct {
				Data []map[string]any `json:"data"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				return err
			}
			for _, r := range env.Data {
				sinkString, _ = r["Last_Name"].(string)
			}
			return nil
		})
	})
}
