package crm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// bulkSetup is a validating fake, a client whose waits are instant, and a
// bulk service downloading into a directory the test watches.
func bulkSetup(t *testing.T, fake zohotest.BulkOptions) (*bundle, *crm.BulkService, string) {
	t.Helper()
	b := setup(t, fastRetries)
	require.NoError(t, b.srv.CRM().SetBulkOptions(fake))
	dir := t.TempDir()
	bs, err := crm.NewBulk(b.c, &crm.BulkOptions{TempDir: dir})
	require.NoError(t, err)
	return b, bs, dir
}

func TestBulkReadAcrossPages(t *testing.T) {
	t.Parallel()
	b, bs, dir := bulkSetup(t, zohotest.BulkOptions{ReadPageSize: 2000, CompleteAtPoll: 3})
	seeded := b.seedContacts(3500)

	var jobs []*crm.BulkReadJob
	got := map[string]crm.Record{}
	var order []string
	for rec, err := range bs.Read(context.Background(), crm.BulkRead{
		Module: "Contacts", Fields: []string{"Last_Name", "Email", "Title", "Modified_Time"},
		OnJob: func(j *crm.BulkReadJob) { jobs = append(jobs, j) },
	}) {
		require.NoError(t, err)
		got[rec.ID()] = rec
		order = append(order, rec.ID())
	}
	require.Len(t, got, 3500, "every record once")
	require.Len(t, jobs, 2, "two result pages")
	require.True(t, jobs[0].Result.MoreRecords)
	require.Equal(t, 2000, jobs[0].Result.Count)
	require.False(t, jobs[1].Result.MoreRecords)
	require.Equal(t, 1500, jobs[1].Result.Count)
	for _, s := range seeded {
		rec := got[s["id"].(string)]
		require.Equal(t, s["Last_Name"], rec.String("Last_Name"))
		require.Equal(t, s["Email"], rec.String("Email"))
		_, has := rec["Title"]
		require.False(t, has, "an empty cell is left out of the record")
		mt, ok := rec.Time("Modified_Time")
		require.True(t, ok)
		require.Equal(t, s["Modified_Time"], mt.String(), "date-times keep the user's offset")
	}
	// Each job was polled until complete: 3 status reads each.
	require.Equal(t, 6, b.srv.Calls("GET /crm/bulk/v8/read/{job_id}"))
	require.Equal(t, 2, b.srv.Calls("GET /crm/bulk/v8/read/{job_id}/result"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "downloaded files are removed")
}

func TestBulkReadCriteriaAndTypedValues(t *testing.T) {
	t.Parallel()
	b, bs, _ := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 1})
	require.NoError(t, b.srv.CRM().AddFields("Deals", zohotest.Field{APIName: "Won", Type: zohotest.FieldBoolean}))
	_, err := b.srv.CRM().PutMany("Deals", []zohotest.Record{
		{"Deal_Name": "Small", "Stage": "Qualification", "Amount": 100.5, "Won": false},
		{"Deal_Name": "Big", "Stage": "Closed Won", "Amount": 250000, "Won": true},
		{"Deal_Name": "Bigger", "Stage": "Closed Won", "Amount": 900000.25, "Won": true},
	})
	require.NoError(t, err)
	fields, err := b.c.Meta.Fields(context.Background(), "Deals")
	require.NoError(t, err)
	var names []string
	for rec, err := range bs.Read(context.Background(), crm.BulkRead{
		Module: "Deals", Fields: []string{"Deal_Name", "Amount", "Won"},
		Criteria: &crm.BulkCriteria{GroupOperator: "and", Group: []crm.BulkCriteria{
			crm.BulkCond("Stage", crm.CmpEqual, "Closed Won"),
			crm.BulkCond("Amount", crm.CmpGreaterThan, 300000),
		}},
		Convert: crm.TypedValues(fields),
	}) {
		require.NoError(t, err)
		names = append(names, rec.String("Deal_Name"))
		amount, ok := rec.Number("Amount")
		require.True(t, ok)
		require.Equal(t, json.Number("900000.25"), amount, "numbers stay exact")
		won, ok := rec.Bool("Won")
		require.True(t, ok)
		require.True(t, won)
	}
	require.Equal(t, []string{"Bigger"}, names)
}

func TestBulkReadStopsEarlyAndCleansUp(t *testing.T) {
	t.Parallel()
	b, bs, dir := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 1})
	b.seedContacts(50)
	n := 0
	for _, err := range bs.Read(context.Background(), crm.BulkRead{Module: "Contacts", Fields: []string{"Last_Name"}}) {
		require.NoError(t, err)
		n++
		if n == 10 {
			break
		}
	}
	require.Equal(t, 10, n)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "the file is removed when the loop stops early")
}

func TestBulkReadJobFailure(t *testing.T) {
	t.Parallel()
	b, bs, _ := bulkSetup(t, zohotest.BulkOptions{FailNext: 1})
	b.seedContacts(3)
	_, err := collectErr(bs.Read(context.Background(), crm.BulkRead{Module: "Contacts"}))
	require.ErrorIs(t, err, crm.ErrJobFailed)
	var je *crm.JobError
	require.ErrorAs(t, err, &je)
	require.Equal(t, crm.JobFailure, je.State)
}

func TestBulkReadValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	bs, err := crm.NewBulk(b.c, nil)
	require.NoError(t, err)
	for name, r := range map[string]crm.BulkRead{
		"no module":      {},
		"bad field":      {Module: "Contacts", Fields: []string{"A,B"}},
		"negative page":  {Module: "Contacts", Page: -1},
		"bad group":      {Module: "Contacts", Criteria: &crm.BulkCriteria{GroupOperator: "xor", Group: []crm.BulkCriteria{crm.BulkCond("A", crm.CmpEqual, 1)}}},
		"cond w/o field": {Module: "Contacts", Criteria: &crm.BulkCriteria{Comparator: crm.CmpEqual}},
	} {
		_, err := collectErr(bs.Read(context.Background(), r))
		require.Error(t, err, name)
	}
	require.Zero(t, b.srv.TotalCalls(), "invalid reads send nothing")
	_, err = crm.NewBulk(b.c, &crm.BulkOptions{PollInterval: -1})
	require.ErrorContains(t, err, "PollInterval")
}

// The download limit: 10 per minute on the client's clock; the 11th
// download waits for the window instead of drawing Zoho's 429. Client and
// fake share one clock, which jumps over every wait.
func TestBulkReadDownloadLimit(t *testing.T) {
	t.Parallel()
	clk := fakeclock.NewAuto(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	b := setupWith(t, &zohotest.Options{Clock: clk}, nil, func(c *zoho.Config) { c.Clock = clk })
	require.NoError(t, b.srv.CRM().SetBulkOptions(zohotest.BulkOptions{ReadPageSize: 1, CompleteAtPoll: 1}))
	bs, err := crm.NewBulk(b.c, nil)
	require.NoError(t, err)
	b.seedContacts(12)
	recs := collect(t, bs.Read(context.Background(), crm.BulkRead{Module: "Contacts", Fields: []string{"Last_Name"}}))
	require.Len(t, recs, 12)
	require.Equal(t, 12, b.srv.CallsWithStatus("GET /crm/bulk/v8/read/{job_id}/result", http.StatusOK))
	require.Zero(t, b.srv.CallsWithStatus("GET /crm/bulk/v8/read/{job_id}/result", http.StatusTooManyRequests))
	require.Contains(t, clk.Sleeps(), time.Minute, "the 11th download waited for the window")
}

func TestFakeBulkDownloadLimitAnswers429(t *testing.T) {
	t.Parallel()
	b := setup(t, fastRetries, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
	require.NoError(t, b.srv.CRM().SetBulkOptions(zohotest.BulkOptions{ReadPageSize: 1, CompleteAtPoll: 1, DownloadLimit: 2}))
	bs, err := crm.NewBulk(b.c, &crm.BulkOptions{DownloadsPerMinute: 100}) // a client that does not hold back
	require.NoError(t, err)
	b.seedContacts(5)
	_, err = collectErr(bs.Read(context.Background(), crm.BulkRead{Module: "Contacts", Fields: []string{"Last_Name"}}))
	require.ErrorIs(t, err, zoho.ErrRateLimited)
	require.Equal(t, 1, b.srv.CallsWithStatus("GET /crm/bulk/v8/read/{job_id}/result", http.StatusTooManyRequests))
}

func TestBulkReadCallback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var mu sync.Mutex
	var bodies []map[string]any
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	bs, err := crm.NewBulk(b.c, nil)
	require.NoError(t, err)
	b.seedContacts(2)
	job, _, err := bs.CreateRead(context.Background(), crm.BulkRead{Module: "Contacts", CallbackURL: recv.URL + "/bulk"}, "")
	require.NoError(t, err)
	require.Equal(t, crm.JobAdded, job.State)
	require.NoError(t, b.srv.CRM().CompleteBulkJobs())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, b.srv.CRM().WaitDeliveries(ctx))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, bodies, 1)
	require.Equal(t, job.ID, bodies[0]["job_id"])
	require.Equal(t, crm.JobCompleted, bodies[0]["state"])
}

func TestBulkWrite(t *testing.T) {
	t.Parallel()
	b, bs, dir := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 2})
	existing := b.seedContacts(1)[0]
	records := []crm.Record{
		{"Last_Name": "Hopper", "Email": "hopper@example.com", "Title": "Rear Admiral"},
		{"Email": "nameless@example.com"}, // no Last_Name: Zoho skips it
		{"Last_Name": "Liskov", "Email": "liskov@example.com", "Date_of_Birth": crm.Date{Year: 1939, Month: time.November, Day: 7}},
		{"Last_Name": "Renamed", "Email": existing["Email"]}, // matches by Email: updated
	}
	results, err := bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkUpsert, Module: "Contacts", FindBy: "Email"}, records)
	require.NoError(t, err)
	require.Len(t, results, 4)
	for i, r := range results {
		require.Equal(t, i, r.Index, "results in input order")
	}
	require.True(t, results[0].OK())
	require.Equal(t, crm.RowAdded, results[0].Status)
	require.False(t, results[1].OK())
	require.Equal(t, crm.RowSkipped, results[1].Status)
	var rowErr *crm.BulkRowError
	require.ErrorAs(t, results[1].Err, &rowErr)
	require.Equal(t, []crm.BulkFieldError{{Code: "MANDATORY_NOT_FOUND", Columns: []string{"Last_Name"}}}, rowErr.Errors)
	require.ErrorIs(t, results[1].Err, zoho.ErrInvalidData)
	require.Equal(t, crm.RowAdded, results[2].Status)
	require.Equal(t, crm.RowUpdated, results[3].Status)
	require.Equal(t, existing["id"], results[3].ID)

	got, ok := b.srv.CRM().Get("Contacts", results[0].ID)
	require.True(t, ok)
	require.Equal(t, "Rear Admiral", got["Title"])
	got, _ = b.srv.CRM().Get("Contacts", results[2].ID)
	require.Equal(t, "1939-11-07", got["Date_of_Birth"])
	got, _ = b.srv.CRM().Get("Contacts", existing["id"].(string))
	require.Equal(t, "Renamed", got["Last_Name"])

	// The upload went to the upload host with the headers, as multipart.
	log := b.srv.CallLog()
	var uploads int
	for _, c := range log {
		if c.Route == "POST /crm/v8/upload" {
			uploads++
			require.Equal(t, http.StatusOK, c.Status)
		}
	}
	require.Equal(t, 1, uploads)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "built and downloaded files are removed")
}

func TestBulkWriteSplitsFiles(t *testing.T) {
	t.Parallel()
	b, bs, _ := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 1})
	var records []crm.Record
	for i := range 25 {
		records = append(records, crm.Record{"Last_Name": fmt.Sprintf("L%02d", i)})
	}
	results, err := bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads", MaxRecordsPerFile: 10}, records)
	require.NoError(t, err)
	require.Len(t, results, 25)
	require.Equal(t, 3, b.srv.Calls("POST /crm/v8/upload"), "25 records in files of 10")
	require.Equal(t, 3, b.srv.Calls("POST /crm/bulk/v8/write"))
	leads := b.srv.CRM().List("Leads")
	require.Len(t, leads, 25)
	for i, r := range results {
		require.True(t, r.OK(), "record %d: %v", i, r.Err)
		require.Equal(t, leads[i]["id"], r.ID, "record %d", i)
		require.Equal(t, fmt.Sprintf("L%02d", i), leads[i]["Last_Name"])
	}

	// The byte cap splits too.
	results, err = bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads", MaxFileBytes: 14}, records[:4])
	require.NoError(t, err)
	require.Len(t, results, 4)
	require.Equal(t, 3+4, b.srv.Calls("POST /crm/v8/upload"), "one record per file: header (10 bytes) and a row (4) fill 14")
}

func TestBulkWriteUpdateAndErrors(t *testing.T) {
	t.Parallel()
	b, bs, _ := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 1})
	c := b.seedContacts(2)
	results, err := bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkUpdate, Module: "Contacts", FindBy: "id", Fields: []string{"id", "Title"}},
		[]crm.Record{{"id": c[1]["id"], "Title": "CTO"}, {"id": "5725767000000000001", "Title": "Nobody"}})
	require.NoError(t, err)
	require.Equal(t, crm.RowUpdated, results[0].Status)
	require.False(t, results[1].OK())
	got, _ := b.srv.CRM().Get("Contacts", c[1]["id"].(string))
	require.Equal(t, "CTO", got["Title"])

	for name, tc := range map[string]struct {
		w       crm.BulkWrite
		records []crm.Record
		want    string
	}{
		"operation":   {crm.BulkWrite{Operation: "merge", Module: "Leads"}, nil, "Operation"},
		"find_by":     {crm.BulkWrite{Operation: crm.BulkUpsert, Module: "Leads"}, nil, "FindBy"},
		"extra field": {crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads", Fields: []string{"Last_Name"}}, []crm.Record{{"Last_Name": "x", "Phone": "1"}}, "Phone is not one of"},
		"bad value":   {crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads"}, []crm.Record{{"Last_Name": struct{}{}}}, "cannot be written"},
		"no id":       {crm.BulkWrite{Operation: crm.BulkUpdate, Module: "Leads", FindBy: "id", Fields: []string{"id", "Last_Name"}}, []crm.Record{{"Last_Name": "x"}}, "no value for id"},
	} {
		_, err := bs.Write(context.Background(), tc.w, tc.records)
		require.ErrorContains(t, err, tc.want, name)
	}
}

func TestBulkWriteUploadHeaders(t *testing.T) {
	t.Parallel()
	// A client without an organisation id reads it from GET /org.
	b, _, _ := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 1})
	zc := zohotest.NewClient(t, b.srv, fastRetries, func(c *zoho.Config) { c.OrgID = "" })
	c, err := crm.New(zc, nil)
	require.NoError(t, err)
	bs, err := crm.NewBulk(c, nil)
	require.NoError(t, err)
	res, err := bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads"}, []crm.Record{{"Last_Name": "Org"}})
	require.NoError(t, err)
	require.True(t, res[0].OK())
	require.Equal(t, 1, b.srv.Calls("GET /crm/v8/org"))

	// A wrong organisation id gets Zoho's header error, and the whole job fails.
	bs, err = crm.NewBulk(b.c, &crm.BulkOptions{OrgID: "999"})
	require.NoError(t, err)
	res, err = bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads"}, []crm.Record{{"Last_Name": "A"}, {"Last_Name": "B"}})
	require.ErrorIs(t, err, zoho.ErrInvalidData)
	require.Len(t, res, 2)
	require.ErrorIs(t, res[1].Err, zoho.ErrInvalidData)
	require.Contains(t, err.Error(), "records 0-1")
}

// Zoho serves bulk write results from another host, to which the core
// client does not send the token: BulkOptions.Download fetches them.
func TestBulkWriteDownloadFunc(t *testing.T) {
	t.Parallel()
	b, _, _ := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 1})
	var urls []string
	bs, err := crm.NewBulk(b.c, &crm.BulkOptions{Download: func(ctx context.Context, url string, w io.Writer) error {
		urls = append(urls, url)
		tok, err := b.zc.Token(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Zoho-oauthtoken "+tok.AccessToken)
		resp, err := b.srv.Client().Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		_, err = io.Copy(w, resp.Body)
		return err
	}})
	require.NoError(t, err)
	res, err := bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads"}, []crm.Record{{"Last_Name": "Via download host"}})
	require.NoError(t, err)
	require.True(t, res[0].OK())
	require.Len(t, urls, 1)
	require.Contains(t, urls[0], "/bulk-write/")
}
