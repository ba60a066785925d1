package fakeclock

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAdvanceFiresDueTimersInOrder(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(start)
	var fired []string
	var at []time.Time
	c.AfterFunc(2*time.Second, func() { fired = append(fired, "b"); at = append(at, c.Now()) })
	c.AfterFunc(time.Second, func() { fired = append(fired, "a"); at = append(at, c.Now()) })
	stop := c.AfterFunc(1500*time.Millisecond, func() { fired = append(fired, "stopped") })
	c.AfterFunc(time.Minute, func() { fired = append(fired, "later") })
	require.Equal(t, 4, c.Pending())
	require.True(t, stop())
	require.False(t, stop(), "a second stop reports nothing stopped")

	c.Advance(3 * time.Second)
	require.Equal(t, []string{"a", "b"}, fired)
	require.Equal(t, []time.Time{start.Add(time.Second), start.Add(2 * time.Second)}, at, "each timer sees its own deadline")
	require.Equal(t, start.Add(3*time.Second), c.Now())
	require.Equal(t, 1, c.Pending())
	next, ok := c.Next()
	require.True(t, ok)
	require.Equal(t, start.Add(time.Minute), next)
	c.Set(start) // never backward
	require.Equal(t, start.Add(3*time.Second), c.Now())
}

func TestWaitPending(t *testing.T) {
	t.Parallel()
	c := New(time.Now())
	go c.AfterFunc(time.Hour, func() {})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.WaitPending(ctx, 1))
	ctx2, cancel2 := context.WithCancel(t.Context())
	cancel2()
	require.ErrorIs(t, c.WaitPending(ctx2, 5), context.Canceled)
}

func TestAutoAdvance(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewAuto(start)
	done := make(chan struct{})
	c.AfterFunc(7*time.Second, func() { close(done) })
	<-done
	require.Equal(t, start.Add(7*time.Second), c.Now())
	require.Equal(t, []time.Duration{7 * time.Second}, c.Sleeps())
}
