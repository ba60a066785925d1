package queue_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

func TestDefaultBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempt int
		base    time.Duration
	}{
		{-1, time.Second}, {0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second},
		{10, 512 * time.Second}, {12, 2048 * time.Second}, {13, time.Hour}, {100, time.Hour}, {math.MaxInt, time.Hour},
	} {
		for range 20 {
			d := queue.DefaultBackoff(tc.attempt)
			require.GreaterOrEqual(t, d, time.Duration(float64(tc.base)*0.8), "attempt %d", tc.attempt)
			require.LessOrEqual(t, d, time.Duration(float64(tc.base)*1.2), "attempt %d", tc.attempt)
		}
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[queue.DefaultBackoff(5)] = true
	}
	require.Greater(t, len(seen), 1, "delays are jittered")
}

func TestExponentialBackoff(t *testing.T) {
	t.Parallel()
	b, err := queue.ExponentialBackoff(10*time.Second, 3, time.Minute, 0)
	require.NoError(t, err)
	var got []time.Duration
	for attempt := 1; attempt <= 4; attempt++ {
		got = append(got, b(attempt))
	}
	require.Equal(t, []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, time.Minute}, got,
		"without jitter: initial×multiplierⁿ⁻¹, capped")

	for _, tc := range []struct {
		initial, maxDelay time.Duration
		multiplier        float64
		jitter            float64
		param             string
	}{
		{0, time.Minute, 2, 0.1, "initial"},
		{time.Second, time.Minute, 0.5, 0.1, "multiplier"},
		{time.Second, time.Minute, math.NaN(), 0.1, "multiplier"},
		{time.Minute, time.Second, 2, 0.1, "maxDelay"},
		{time.Second, time.Minute, 2, 1, "jitter"},
		{time.Second, time.Minute, 2, -0.1, "jitter"},
	} {
		_, err := queue.ExponentialBackoff(tc.initial, tc.multiplier, tc.maxDelay, tc.jitter)
		require.ErrorContains(t, err, tc.param)
	}
}

func TestRetryErrors(t *testing.T) {
	t.Parallel()
	base := errors.New("upstream 503")
	r := queue.RetryAfter(time.Minute, base)
	require.ErrorIs(t, r, base, "RetryAfter keeps the cause for errors.Is")
	require.EqualError(t, r, "upstream 503 (retry after 1m0s)")
	g := queue.GiveUp(base)
	require.ErrorIs(t, g, base)
	require.EqualError(t, g, "upstream 503 (gave up)")
	require.EqualError(t, queue.GiveUp(nil), "gave up")
	require.EqualError(t, queue.RetryAfter(-time.Second, nil), "retry after 0s", "a negative delay is none")
}
