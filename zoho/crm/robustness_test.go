package crm_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// An error ends a bulk read even when the loop goes on after it: the
// pages after a failed one are not read, so no page is silently skipped.
func TestBulkReadEndsAtItsFirstError(t *testing.T) {
	t.Parallel()
	b, bs, _ := bulkSetup(t, zohotest.BulkOptions{ReadPageSize: 2000, CompleteAtPoll: 1})
	b.seedContacts(3500)
	require.NoError(t, b.srv.Script("GET /crm/bulk/v8/read/{job_id}/result",
		zohotest.Respond(http.StatusBadRequest, map[string]any{"code": "INVALID_DATA", "message": "result not found", "status": "error"})))

	records, errs := 0, 0
	for _, err := range bs.Read(context.Background(), crm.BulkRead{Module: "Contacts", Fields: []string{"Last_Name"}}) {
		if err != nil {
			errs++
			continue // a loop that logs errors and goes on
		}
		records++
	}
	require.Equal(t, 1, errs)
	require.Zero(t, records, "the second page is not read after the first failed")
	require.Equal(t, 1, b.srv.Calls("POST /crm/bulk/v8/read"), "one job")
}

// A write Zoho accepted keeps the new record's id even when a date-time of
// its answer is in a form this package does not parse.
func TestWriteResultKeepsTheIDWhateverTheTimes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.srv.Script("POST /crm/v8/Contacts", zohotest.Respond(http.StatusCreated, map[string]any{
		"data": []any{map[string]any{
			"code": "SUCCESS", "status": "success", "message": "record added",
			"details": map[string]any{
				"Modified_Time": "2026-05-14T12:53+05:30", "Created_Time": "2026-05-14T12:53+05:30",
				"id": "5000000000001", "Created_By": map[string]any{"id": "1", "name": "A"},
			},
		}},
	})))
	results, err := b.c.Records.Insert(t.Context(), "Contacts", []crm.Record{{"Last_Name": "Odd"}}, nil)
	require.NoError(t, err)
	require.Len(t, results, 1)
	require.True(t, results[0].OK())
	require.Equal(t, "5000000000001", results[0].ID, "the id Zoho gave")
}

// When Zoho grants a channel less time than the renewal margin (its
// one-hour default, say), the renewer renews before that expiry, not in a
// loop without pause.
func TestRenewerPacesShortGrants(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clk := fakeclock.New(start)
	b := setupWith(t, &zohotest.Options{Clock: clk}, nil, func(c *zoho.Config) { c.Clock = clk })
	granted := crm.FormatTime(start.Add(30 * time.Minute))
	require.NoError(t, b.srv.AddFault(zohotest.FaultRule{Route: "PATCH /crm/v8/actions/watch", Fault: zohotest.Respond(http.StatusOK, map[string]any{
		"watch": []any{map[string]any{"code": "SUCCESS", "status": "success", "message": "extended",
			"details": map[string]any{"events": []any{map[string]any{"channel_id": "5", "channel_expiry": granted,
				"resource_name": "Deals", "resource_id": "1", "resource_uri": "https://www.zohoapis.com/crm/v8/Deals"}}}}},
	})}))
	r, err := crm.NewWatch(b.c).NewRenewer([]crm.Watch{{ChannelID: 5, Events: []string{"Deals.all"}, NotifyURL: "https://hooks.example.com/r"}},
		&crm.RenewerOptions{Lifetime: 24 * time.Hour, Margin: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()

	err = clk.WaitPending(waitCtx, 1)
	next, _ := clk.Next()
	cancel()
	runErr := <-done
	require.NoError(t, err, "the renewer waits after the first renewal")
	require.ErrorIs(t, runErr, context.Canceled)
	require.Equal(t, 1, b.srv.Calls("PATCH /crm/v8/actions/watch"), "one renewal, not a loop")
	require.Equal(t, start.Add(15*time.Minute), next, "halfway to the granted expiry")
}

// Zoho answers some bulk-write errors with HTTP 200 and "status":"error";
// creating the job reports them as the typed error they are, so that a
// permission error stops the remaining files as it does for uploads.
func TestBulkWriteJobErrorWithStatus200IsTyped(t *testing.T) {
	t.Parallel()
	b, bs, _ := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 1})
	require.NoError(t, b.srv.AddFault(zohotest.FaultRule{Route: "POST /crm/bulk/v8/write", Fault: zohotest.Respond(http.StatusOK,
		map[string]any{"status": "error", "code": "NO_PERMISSION", "message": "permission denied", "details": map[string]any{}})}))
	var records []crm.Record
	for i := range 3 {
		records = append(records, crm.Record{"Last_Name": fmt.Sprintf("L%d", i)})
	}
	results, err := bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads", MaxRecordsPerFile: 1}, records)
	require.ErrorIs(t, err, zoho.ErrForbidden)
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "NO_PERMISSION", ze.Code)
	require.Len(t, results, 3)
	require.Equal(t, 1, b.srv.Calls("POST /crm/bulk/v8/write"), "the other files are not sent")
}

// Write takes its records as a slice, so it checks every record before
// sending any file: a bad record late in the input is an argument error,
// with nothing written, as its documentation says.
func TestBulkWriteChecksEveryRecordBeforeSending(t *testing.T) {
	t.Parallel()
	b, bs, dir := bulkSetup(t, zohotest.BulkOptions{CompleteAtPoll: 1})
	records := []crm.Record{{"Last_Name": "A"}, {"Last_Name": "B"}, {"Last_Name": struct{ X int }{1}}}
	results, err := bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkInsert, Module: "Leads", MaxRecordsPerFile: 1}, records)
	require.ErrorContains(t, err, "record 2")
	require.Nil(t, results)
	require.Zero(t, b.srv.Calls("POST /crm/v8/upload"), "nothing sent")
	require.Empty(t, b.srv.CRM().List("Leads"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)

	_, err = bs.Write(context.Background(), crm.BulkWrite{Operation: crm.BulkUpdate, Module: "Leads", FindBy: "id", Fields: []string{"id", "Last_Name"}},
		[]crm.Record{{"id": "1", "Last_Name": "A"}, {"Last_Name": "no id"}})
	require.ErrorContains(t, err, "record 1")
	require.Zero(t, b.srv.Calls("POST /crm/v8/upload"))
}

// COQL.All reads its Select once: changing the caller's Fields slice while
// the loop runs does not change the later batches' queries.
func TestCOQLAllKeepsItsOwnCopyOfTheFields(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedContacts(5)
	fields := []string{"Last_Name", "Email"}
	n := 0
	for rec, err := range b.c.COQL.All(t.Context(), crm.Select{Module: "Contacts", Fields: fields, BatchSize: 2}) {
		require.NoError(t, err)
		require.NotEmpty(t, rec.String("Email"))
		n++
		fields[1] = "No_Such_Field" // the caller reuses its slice
	}
	require.Equal(t, 5, n)
}

// A call refused before it left (no access token could be had) is reported
// as not sent, so a caller knows an insert is safe to send again.
func TestWriteRefusedForWantOfATokenIsNotSent(t *testing.T) {
	t.Parallel()
	b := setup(t, func(cfg *zoho.Config) { cfg.RefreshToken = "1000.not-a-refresh-token" })
	results, err := b.c.Records.Insert(t.Context(), "Contacts", []crm.Record{{"Last_Name": "Lovelace"}}, nil)
	var we *crm.WriteError
	require.ErrorAs(t, err, &we)
	require.Len(t, we.Failed, 1)
	require.False(t, we.Failed[0].Sent, "Zoho never saw the insert")
	require.Error(t, results[0].Err)
	require.Zero(t, b.srv.CRM().Count("Contacts"))
}
