package transform

import (
	"context"
	"encoding/json"
	"testing"
	"time"
	_ "time/tzdata" // tests do not depend on the machine's zoneinfo

	"github.com/stretchr/testify/require"
)

func TestDateTimeConversions(t *testing.T) {
	t.Parallel()
	crmIST := Layout(ZohoCRM).In("Asia/Kolkata")
	tests := []struct {
		name     string
		from, to TimeFormat
		in, want any
	}{
		{"CRM to Books in New York", crmIST, Layout(ZohoBooks).In("America/New_York"),
			"2019-01-02T14:44:13+05:30", "2019-01-02T04:14:13-0500"},
		{"Books to CRM in Kolkata", Layout(ZohoBooks), crmIST,
			"2026-06-09T16:22:34-0400", "2026-06-10T01:52:34+05:30"},
		{"CRM keeps the offset without a zone", Layout(ZohoCRM), Layout(ZohoBooks),
			"2026-05-14T12:53:58+03:00", "2026-05-14T12:53:58+0300"},
		{"CRM in UTC writes +00:00, never Z", Layout(ZohoCRM), Layout(ZohoCRM).In("UTC"),
			"2026-05-14T12:53:58+03:00", "2026-05-14T09:53:58+00:00"},
		{"CRM parses Z and fractions", Layout(ZohoCRM), Layout(RFC3339Nano),
			"2026-05-14T09:53:58.25Z", "2026-05-14T09:53:58.25Z"},
		{"CRM to ERP local wall clock", crmIST, Layout("2006-01-02 15:04:05").In("Europe/Berlin"),
			"2026-05-14T12:53:58+05:30", "2026-05-14 09:23:58"},
		{"ERP wall clock read in its zone", Layout("02.01.2006 15:04").In("Europe/Berlin"), Layout(RFC3339).In("UTC"),
			"14.05.2026 09:23", "2026-05-14T07:23:00Z"},
		{"wall clock without zone is UTC", Layout("2006-01-02 15:04:05"), Layout(UnixSeconds),
			"1970-01-02 00:00:00", json.Number("86400")},
		{"date to date", Layout(DateOnly), Layout("02/01/2006"), "2026-05-14", "14/05/2026"},
		{"date to date keeps the day whatever the zones", Layout(DateOnly).In("Asia/Kolkata"), Layout(DateOnly).In("America/Los_Angeles"),
			"2026-05-14", "2026-05-14"},
		{"a time.Time to a date takes its day in the target zone", Layout(DateOnly), Layout(DateOnly).In("Asia/Tokyo"),
			time.Date(2026, 5, 14, 20, 0, 0, 0, time.UTC), "2026-05-15"},
		{"date to date-time is midnight in the source zone", Layout(DateOnly).In("Asia/Kolkata"), Layout(ZohoBooks).In("UTC"),
			"2026-05-14", "2026-05-13T18:30:00+0000"},
		{"date-time to date takes the day in the target zone", crmIST, Layout(DateOnly).In("America/Los_Angeles"),
			"2026-05-14T03:00:00+05:30", "2026-05-13"},
		{"unix seconds", Layout(UnixSeconds), Layout(ZohoCRM).In("Asia/Kolkata"),
			json.Number("1546420453"), "2019-01-02T14:44:13+05:30"},
		{"unix seconds as text and float", Layout(UnixSeconds), Layout(RFC3339), 1546420453.0, "2019-01-02T09:14:13Z"},
		{"unix millis", Layout(UnixMillis), Layout(RFC3339Nano), json.Number("1546420453123"), "2019-01-02T09:14:13.123Z"},
		{"unix millis string", Layout(UnixMillis), Layout(UnixSeconds), "1546420453999", json.Number("1546420453")},
		{"negative unix", Layout(UnixSeconds), Layout(RFC3339), -1, "1969-12-31T23:59:59Z"},
		{"to unix millis", Layout(ZohoBooks), Layout(UnixMillis), "2026-06-09T16:22:34-0400", json.Number("1781036554000")},
		{"time.Time input", Layout(ZohoCRM), Layout(ZohoBooks).In("UTC"),
			time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), "2026-01-02T02:04:05+0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := convert(t, DateTime(tt.from, tt.to), tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDateTimeBadInput(t *testing.T) {
	t.Parallel()
	crm := DateTime(Layout(ZohoCRM), Layout(ZohoBooks))
	for _, in := range []any{"2026-06-09T16:22:34-0400", "2026-05-14", "yesterday", "", 1546420453, true, map[string]any{}} {
		_, err := convert(t, crm, in)
		require.ErrorIs(t, err, ErrInvalidValue, "%#v", in)
	}
	unix := DateTime(Layout(UnixSeconds), Layout(RFC3339))
	for _, in := range []any{"soon", "1.0000000001", json.Number("1e30"), false} {
		_, err := convert(t, unix, in)
		require.ErrorIs(t, err, ErrInvalidValue, "%#v", in)
	}
	date := DateTime(Layout(DateOnly), Layout(DateOnly))
	_, err := convert(t, date, "2026-02-30")
	require.ErrorIs(t, err, ErrInvalidValue)
	require.ErrorContains(t, err, "not a date time")
}

func TestDateTimeValidate(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		c    TimeConverter
		want string
	}{
		"typo in a named layout": {DateTime(Layout("zoho-crn"), Layout(ZohoBooks)), `unknown layout "zoho-crn"`},
		"layout without a year":  {DateTime(Layout("15:04"), Layout(ZohoBooks)), `unknown layout "15:04"`},
		"12-hour clock without PM": {DateTime(Layout(ZohoCRM), Layout("2006-01-02 03:04").In("UTC")),
			`unknown layout "2006-01-02 03:04"`},
		"empty layout":      {DateTime(Layout(""), Layout(ZohoBooks)), "from: empty layout"},
		"zone abbreviation": {DateTime(Layout("2006-01-02 15:04 MST"), Layout(ZohoBooks)), "ambiguous"},
		"unknown zone":      {DateTime(Layout(ZohoCRM).In("Asia/Calcutt"), Layout(ZohoBooks)), `unknown time zone "Asia/Calcutt"`},
		"Local zone":        {DateTime(Layout(ZohoCRM), Layout(ZohoBooks).In("Local")), "depends on the machine"},
		"offset lost": {DateTime(Layout(ZohoCRM), Layout("2006-01-02 15:04:05")),
			`layout "2006-01-02 15:04:05" has no UTC offset: set the zone`},
		"empty converter": {TimeConverter{}, "build it with DateTime"},
	}
	for name, tt := range tests {
		err := tt.c.Validate()
		require.ErrorIs(t, err, ErrInvalidMapping, name)
		require.ErrorContains(t, err, tt.want, name)
	}
	require.NoError(t, DateTime(Layout(ZohoCRM), Layout(DateOnly)).Validate(), "a date needs no offset")
	require.NoError(t, DateTime(Layout("2006-01-02 15:04"), Layout("2006-01-02T15:04")).Validate(), "floating to floating")
}

func TestDateTimeInverse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	roundTrip := []struct {
		name     string
		from, to TimeFormat
		in       any
	}{
		{"CRM ↔ UTC wall clock", Layout(ZohoCRM).In("Asia/Kolkata"), Layout("2006-01-02 15:04:05").In("UTC"), "2026-05-14T12:53:58+05:30"},
		{"CRM ↔ Books", Layout(ZohoCRM).In("Europe/Berlin"), Layout(ZohoBooks).In("America/New_York"), "2026-03-29T03:30:00+02:00"},
		{"date ↔ date-time", Layout(DateOnly), Layout(ZohoCRM).In("America/Los_Angeles"), "2026-05-14"},
		{"date in a zone ↔ date-time", Layout(DateOnly).In("Asia/Tokyo"), Layout(UnixSeconds), "2026-05-14"},
		{"seconds ↔ millis", Layout(UnixSeconds), Layout(UnixMillis), json.Number("1546420453")},
		{"millis ↔ nanos text", Layout(UnixMillis), Layout(RFC3339Nano).In("Asia/Kolkata"), json.Number("1546420453123")},
		{"floating ↔ floating", Layout("2006-01-02 15:04"), Layout("02.01.2006 15:04"), "2026-05-14 09:23"},
	}
	for _, tt := range roundTrip {
		c := DateTime(tt.from, tt.to)
		out, err := convert(t, c, tt.in)
		require.NoError(t, err, tt.name)
		inv, err := c.Inverse()
		require.NoError(t, err, tt.name)
		back, err := inv.Convert(ctx, out)
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.in, back, "%s: %v → %v → %v", tt.name, tt.in, out, back)
	}

	// Without a declared source zone the instant survives, not the offset text.
	c := DateTime(Layout(ZohoCRM), Layout(RFC3339).In("UTC"))
	out, err := convert(t, c, "2026-05-14T12:53:58+05:30")
	require.NoError(t, err)
	inv, err := c.Inverse()
	require.NoError(t, err)
	back, err := inv.Convert(ctx, out)
	require.NoError(t, err)
	require.Equal(t, "2026-05-14T07:23:58+00:00", back)

	lossy := map[string]TimeConverter{
		"millis to seconds":     DateTime(Layout(UnixMillis), Layout(ZohoCRM)),
		"date-time to date":     DateTime(Layout(ZohoCRM), Layout(DateOnly)),
		"seconds to minutes":    DateTime(Layout(ZohoBooks), Layout("2006-01-02 15:04").In("UTC")),
		"nanos to microseconds": DateTime(Layout(RFC3339Nano), Layout("2006-01-02T15:04:05.000000Z07:00")),
	}
	for name, c := range lossy {
		_, err := c.Inverse()
		require.ErrorIs(t, err, ErrNotInvertible, name)
		require.ErrorContains(t, err, "keeps only", name)
	}
}
