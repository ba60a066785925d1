package people_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/people"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

var testStart = time.Date(2026, 6, 9, 13, 0, 0, 0, time.UTC)

type bundle struct {
	srv   *zohotest.Server
	clock *fakeclock.Clock
	c     *people.Client
}

func setup(t *testing.T, configure ...func(*zoho.Config)) *bundle {
	t.Helper()
	clock := fakeclock.NewAuto(testStart)
	srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock, DisableOAS: true})
	zc := zohotest.NewClient(t, srv, append([]func(*zoho.Config){func(c *zoho.Config) { c.Clock = clock }}, configure...)...)
	c, err := people.New(zc)
	require.NoError(t, err)
	return &bundle{srv: srv, clock: clock, c: c}
}

func (b *bundle) employees(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id, err := b.srv.People().AddRecord("employee", zohotest.Record{
			"EmployeeID": fmt.Sprintf("E%03d", i), "FirstName": "Ada", "LastName": fmt.Sprintf("L%03d", i),
			"EmailID": fmt.Sprintf("e%03d@zylker.example", i), "Salary": "1234.56",
		})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ids
}

func TestRecordsArePagedWithSIndex(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.employees(t, 7)
	var got []people.Record
	for r, err := range b.c.Forms.Records(t.Context(), "employee", &people.ListOptions{PerPage: 3}) {
		require.NoError(t, err)
		got = append(got, r)
	}
	require.Len(t, got, 7)
	for i, r := range got {
		require.Equal(t, ids[i], r.ID)
		require.Equal(t, fmt.Sprintf("E%03d", i), r.String("EmployeeID"))
	}
	require.Equal(t, "1234.56", got[0].String("Salary"))
	m, ok := got[0].Modified()
	require.True(t, ok)
	require.True(t, m.Equal(testStart))

	var starts []string
	for _, c := range b.srv.CallLog() {
		if c.Route == "GET /people/api/forms/{form}/getRecords" {
			starts = append(starts, c.Query.Get("sIndex")+"/"+c.Query.Get("limit"))
		}
	}
	require.Equal(t, []string{"1/3", "4/3", "7/3"}, starts)

	// A page that ends exactly at the last record: People's "No records
	// found" (7024) on the next one ends the list quietly.
	var n int
	for _, err := range b.c.Forms.Records(t.Context(), "employee", &people.ListOptions{PerPage: 7}) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 7, n)
	for _, err := range b.c.Forms.Records(t.Context(), "department", nil) {
		require.ErrorIs(t, err, zoho.ErrNotFound, "an unknown form (7011)")
	}
}

func TestIncrementalRecords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.employees(t, 4)
	b.clock.Advance(time.Hour)
	checkpoint := b.clock.Now()
	_, _, err := b.c.Forms.Update(t.Context(), "employee", ids[2], map[string]any{"LastName": "Lovelace"})
	require.NoError(t, err)
	var got []people.Record
	for r, err := range b.c.Forms.Records(t.Context(), "employee", &people.ListOptions{ModifiedSince: checkpoint}) {
		require.NoError(t, err)
		got = append(got, r)
	}
	require.Len(t, got, 1, "only the record changed at or after the checkpoint")
	require.Equal(t, ids[2], got[0].ID)
	require.Equal(t, "Lovelace", got[0].String("LastName"))
}

func TestGetAddUpdate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	id, _, err := b.c.Forms.Add(ctx, "employee", map[string]any{"EmployeeID": "E100", "FirstName": "Grace", "LastName": "Hopper", "EmailID": "grace@zylker.example"})
	require.NoError(t, err)
	r, _, err := b.c.Forms.Get(ctx, "employee", id)
	require.NoError(t, err)
	require.Equal(t, "Hopper", r.String("LastName"))
	require.Equal(t, id, r.String("Zoho_ID"))

	_, _, err = b.c.Forms.Add(ctx, "employee", map[string]any{"EmployeeID": "E101", "FirstName": "No", "LastName": "Mail"})
	require.ErrorIs(t, err, zoho.ErrInvalidData, "a mandatory field missing (7052)")
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "7052", ze.Code)
	require.Equal(t, http.StatusOK, ze.StatusCode, "People reports errors with HTTP 200")

	_, _, err = b.c.Forms.Add(ctx, "employee", map[string]any{"EmployeeID": "E100", "FirstName": "G", "LastName": "H", "EmailID": "x@zylker.example"})
	require.ErrorIs(t, err, zoho.ErrDuplicate)

	_, _, err = b.c.Forms.Update(ctx, "employee", "1234", map[string]any{"LastName": "X"})
	require.ErrorIs(t, err, zoho.ErrNotFound)
	_, _, err = b.c.Forms.Get(ctx, "employee", "a&b")
	require.Error(t, err)

	// The record's fields travel in the body, never in the URL.
	for _, c := range b.srv.CallLog() {
		require.NotContains(t, c.Query, "inputData", c.Path)
	}
}

// People's errors: the envelope with status 1, HTTP 200, and codes this
// package does not map keep their code.
func TestEnvelopeErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
	require.NoError(t, b.srv.Script("GET /people/api/forms/{form}/getDataByID",
		zohotest.Respond(200, `{"response":{"message":"Error occurred","uri":"/api/forms/employee/getDataByID","errors":[{"code":7202,"message":"Permission denied for this API"}],"status":1}}`),
		zohotest.Respond(200, `{"response":{"status":1,"errors":{"code":7050,"message":{"Email":"Invalid value"}}}}`),
		zohotest.Respond(500, `oops`)))
	_, _, err := b.c.Forms.Get(t.Context(), "employee", "1")
	var ze *zoho.Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "7202", ze.Code)
	require.Equal(t, "Permission denied for this API", ze.Message)
	require.Equal(t, zoho.People, ze.Product)

	_, _, err = b.c.Forms.Get(t.Context(), "employee", "1")
	require.ErrorIs(t, err, zoho.ErrInvalidData)
	require.ErrorAs(t, err, &ze)
	require.JSONEq(t, `{"Email":"Invalid value"}`, string(ze.Details))

	_, _, err = b.c.Forms.Get(t.Context(), "employee", "1")
	require.ErrorIs(t, err, zoho.ErrServer)
}

// The daily quota: the core client's People limiter, configured for the
// licences, fails a call it cannot fit before sending it; the fake's own
// quota answers 429.
func TestDailyLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *zoho.Config) {
		c.RateLimits.People = zoho.Limit{Requests: 3, Window: 24 * time.Hour, MaxWait: time.Minute}
	})
	b.employees(t, 1)
	for range 3 {
		for _, err := range b.c.Forms.Records(t.Context(), "employee", nil) {
			require.NoError(t, err)
		}
	}
	before := b.srv.TotalCalls()
	for _, err := range b.c.Forms.Records(t.Context(), "employee", nil) {
		require.ErrorIs(t, err, zoho.ErrRateLimited)
		var le *zoho.LimitError
		require.ErrorAs(t, err, &le)
	}
	require.Equal(t, before, b.srv.TotalCalls(), "nothing was sent")

	f := setup(t, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
	f.srv.People().SetDailyLimit(2)
	f.employees(t, 1)
	for i := range 3 {
		for _, err := range f.c.Forms.Records(t.Context(), "employee", nil) {
			if i < 2 {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, zoho.ErrRateLimited, "the fake's quota")
			}
		}
	}
}
