package zohotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// benchSeed fills Contacts with n records through the helper.
func benchSeed(b *testing.B, srv *Server, n int) {
	b.Helper()
	const chunk = 1000
	for i := 0; i < n; i += chunk {
		recs := make([]Record, 0, chunk)
		for j := i; j < min(i+chunk, n); j++ {
			recs = append(recs, Record{"Last_Name": contactName(j), "Email": contactEmail(j), "Phone": "555"})
		}
		if _, err := srv.CRM().PutMany("Contacts", recs); err != nil {
			b.Fatal(err)
		}
	}
}

// benchGet returns the decoded body of a GET.
func benchGet(b *testing.B, srv *Server, token, path string) map[string]any {
	req, _ := http.NewRequest("GET", srv.URL()+path, nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d %s", path, resp.StatusCode, raw)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		b.Fatal(err)
	}
	return body
}

// listAll pages through Contacts as a client does: pages up to 2,000, then
// page tokens. It returns the number of records read.
func listAll(b *testing.B, srv *Server, token string) int {
	n := 0
	next := ""
	for page := 1; ; page++ {
		path := "/crm/v8/Contacts?fields=Last_Name,Email&per_page=200"
		if page <= 10 {
			path += fmt.Sprintf("&page=%d", page)
		} else {
			path += "&page_token=" + url.QueryEscape(next)
		}
		body := benchGet(b, srv, token, path)
		n += len(body["data"].([]any))
		info := body["info"].(map[string]any)
		if info["more_records"] != true {
			return n
		}
		next = info["next_page_token"].(string)
	}
}

// BenchmarkListAll lists every record of a module through HTTP; the figure
// that matters is the cost per record read (ns/record) with the work per
// page staying flat as the module grows.
func BenchmarkListAll(b *testing.B) {
	for _, tc := range []struct {
		n   int
		oas bool
	}{{5000, false}, {5000, true}, {100_000, false}, {100_000, true}} {
		b.Run(fmt.Sprintf("records=%d/oas=%v", tc.n, tc.oas), func(b *testing.B) {
			if tc.oas {
				RequireOAS(b)
			}
			srv := NewServer(b, &Options{DisableOAS: !tc.oas, AccessTokenLifetime: 24 * time.Hour})
			benchSeed(b, srv, tc.n)
			token := srv.IssueAccessToken()
			read := 0
			for b.Loop() {
				read += listAll(b, srv, token)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(read), "ns/record")
			b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkGetPage is one list call of 200 records, with and without OAS
// validation: the difference is the validation cost per request.
func BenchmarkGetPage(b *testing.B) {
	for _, oas := range []bool{false, true} {
		b.Run(fmt.Sprintf("oas=%v", oas), func(b *testing.B) {
			if oas {
				RequireOAS(b)
			}
			srv := NewServer(b, &Options{DisableOAS: !oas, AccessTokenLifetime: 24 * time.Hour})
			benchSeed(b, srv, 1000)
			token := srv.IssueAccessToken()
			for b.Loop() {
				benchGet(b, srv, token, "/crm/v8/Contacts?fields=Last_Name,Email&per_page=200&page=3")
			}
		})
	}
}

// BenchmarkLoadOAS loads Zoho's 102 documents from scratch (the server does
// it once per process).
func BenchmarkLoadOAS(b *testing.B) {
	RequireOAS(b)
	dir := OASDir()
	for b.Loop() {
		if _, err := loadOASUncached(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
}

// BenchmarkSeed is the helper's insert rate.
func BenchmarkSeed(b *testing.B) {
	srv := NewServer(b, &Options{DisableOAS: true})
	n := 0
	for b.Loop() {
		benchSeed(b, srv, 1000)
		n += 1000
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkValidate is the OAS check of one request alone: a list call and
// an upsert with a body.
func BenchmarkValidate(b *testing.B) {
	RequireOAS(b)
	srv := NewServer(b, nil)
	body := []byte(`{"data":[{"Last_Name":"Doe","Email":"doe@example.com"}],"duplicate_check_fields":["Email"],"trigger":[]}`)
	for _, tc := range []struct {
		name, method, path string
		body               []byte
	}{
		{"list", "GET", "/crm/v8/Contacts?fields=Last_Name,Email&per_page=200&page=3", nil},
		{"upsert", "POST", "/crm/v8/Contacts/upsert", body},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req, _ := http.NewRequest(tc.method, srv.URL()+tc.path, nil)
			req.Header.Set("Content-Type", "application/json")
			rt, params, _ := srv.router.match(req.Method, req.URL.Path)
			for b.Loop() {
				ex := &exchange{s: srv, r: req, route: rt, params: params, body: tc.body}
				if v := srv.validate(ex); v != nil {
					b.Fatal(v)
				}
			}
		})
	}
}
