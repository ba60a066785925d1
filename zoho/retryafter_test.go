package zoho

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
)

func TestParseRetryAfterEdgeCases(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	forever := time.Duration(1<<63 - 1)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{"-5", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"+Inf", 0, false},
		{"1e400", 0, false},
		// Longer than a Duration holds: the longest wait, never a negative one.
		{"99999999999", forever, true},
		{"1e300", forever, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(2 * time.Hour).Format(http.TimeFormat), 2 * time.Hour, true},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

// A Retry-After too large for a Duration is a wait beyond MaxRetryAfter:
// the error is returned, not retried at once. One that is not a number of
// seconds (Inf) is ignored: the backoff applies.
func TestHugeRetryAfterIsNotRetriedAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		calls  int
	}{{"99999999999", 1}, {"Inf", 2}} {
		fz := newFakeZoho(t)
		sc := &script{steps: []http.HandlerFunc{
			status(429, `{"code":"TOO_MANY_REQUESTS"}`, "Retry-After", tc.header),
			status(200, `{}`),
		}}
		fz.mux.Handle("GET /crm/v8/Leads", sc)
		fc := fakeclock.NewAuto(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
		cfg := fz.config()
		cfg.Clock = fc
		c := fz.client(cfg)
		_, err := doGet(t, c, t.Context(), CRM, "/Leads", nil)
		require.Equal(t, tc.calls, sc.count(), "Retry-After: %s", tc.header)
		if tc.calls == 1 {
			require.ErrorIs(t, err, ErrRateLimited)
			wait, ok := RetryAfter(err)
			require.True(t, ok)
			require.Equal(t, time.Duration(1<<63-1), wait)
			require.Empty(t, fc.Sleeps())
			continue
		}
		require.NoError(t, err)
		require.Len(t, fc.Sleeps(), 1)
		require.Positive(t, fc.Sleeps()[0], "a backoff wait, not an immediate retry")
	}
}
