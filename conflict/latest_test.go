package conflict_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/conflict"
)

func TestLatest(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	paris := time.FixedZone("CET", 3600)
	kolkata := time.FixedZone("IST", 5*3600+1800)
	at := func(left, right time.Time) conflict.Conflict {
		c := sample()
		c.LeftModified, c.RightModified = left, right
		return c
	}

	tests := []struct {
		name   string
		opts   conflict.LatestOptions
		c      conflict.Conflict
		action conflict.Action
		reason string
	}{
		{"right newer", conflict.LatestOptions{}, at(t0, t0.Add(3*time.Minute+12*time.Second)),
			conflict.TakeRight, "right (ERP) is newer by 3m12s"},
		{"left newer", conflict.LatestOptions{}, at(t0.Add(time.Second), t0),
			conflict.TakeLeft, "left (CRM) is newer by 1s"},
		{"instants, not wall clocks: 10:30 in Kolkata is before 06:01 in Paris", conflict.LatestOptions{},
			at(time.Date(2025, 3, 1, 10, 30, 0, 0, kolkata), time.Date(2025, 3, 1, 6, 1, 0, 0, paris)),
			conflict.TakeRight, "right (ERP) is newer by 1m0s"},
		{"the same instant in two zones is a tie", conflict.LatestOptions{TieSystem: "CRM"},
			at(t0, t0.In(kolkata)), conflict.TakeLeft, "modified at the same instant: tie goes to CRM"},
		{"outside the skew", conflict.LatestOptions{Skew: 2 * time.Second}, at(t0, t0.Add(2*time.Second+1)),
			conflict.TakeRight, "right (ERP) is newer by 2.000000001s"},
		{"at the skew is a tie", conflict.LatestOptions{Skew: 2 * time.Second, TieSystem: "CRM"}, at(t0, t0.Add(2*time.Second)),
			conflict.TakeLeft, "modified 2s apart, within skew 2s: tie goes to CRM"},
		{"within the skew: tie goes to the named system", conflict.LatestOptions{Skew: 2 * time.Second, TieSystem: "ERP"},
			at(t0.Add(time.Second), t0), conflict.TakeRight, "modified 1s apart, within skew 2s: tie goes to ERP"},
		{"within the skew: fixed side", conflict.LatestOptions{Skew: time.Minute, TieSide: conflict.Left},
			at(t0, t0.Add(30*time.Second)), conflict.TakeLeft, "modified 30s apart, within skew 1m0s: tie goes to the left side"},
		{"named system not on either side falls back to the side", conflict.LatestOptions{Skew: time.Minute, TieSystem: "Books", TieSide: conflict.Right},
			at(t0, t0.Add(30*time.Second)), conflict.TakeRight, "modified 30s apart, within skew 1m0s: tie goes to the right side"},
		{"within the skew without a tie rule abstains", conflict.LatestOptions{Skew: time.Minute},
			at(t0.Add(30*time.Second), t0), conflict.Abstain, "modified 30s apart, within skew 1m0s: no tie rule"},
		{"named system on neither side abstains", conflict.LatestOptions{Skew: time.Minute, TieSystem: "Books"},
			at(t0, t0), conflict.Abstain, "modified at the same instant: tie rule names Books, and not exactly one side is Books"},
		{"unknown left time is a tie", conflict.LatestOptions{TieSystem: "ERP"}, at(time.Time{}, t0),
			conflict.TakeRight, "left (CRM) modification time unknown: tie goes to ERP"},
		{"unknown right time is a tie, however old the left", conflict.LatestOptions{TieSystem: "ERP"}, at(t0.AddDate(-5, 0, 0), time.Time{}),
			conflict.TakeRight, "right (ERP) modification time unknown: tie goes to ERP"},
		{"both unknown", conflict.LatestOptions{TieSystem: "CRM"}, at(time.Time{}, time.Time{}),
			conflict.TakeLeft, "both modification times unknown: tie goes to CRM"},
		{"unknown time without tie rule", conflict.LatestOptions{}, at(time.Time{}, t0),
			conflict.Abstain, "left (CRM) modification time unknown: no tie rule"},
		{"centuries apart", conflict.LatestOptions{Skew: time.Hour}, at(time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)),
			conflict.TakeRight, "right (ERP) is newer by 2562047h47m16.854775807s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := conflict.NewLatest(&tt.opts)
			require.NoError(t, err)
			d, err := l.Resolve(context.Background(), tt.c)
			require.NoError(t, err)
			require.Equal(t, tt.action, d.Action)
			require.Equal(t, tt.reason, d.Reason)
			require.Nil(t, d.Value)
		})
	}
}

func TestLatestSidesWithoutSystems(t *testing.T) {
	t.Parallel()
	l, err := conflict.NewLatest(nil)
	require.NoError(t, err)
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	d, err := l.Resolve(context.Background(), conflict.Conflict{LeftModified: t0, RightModified: t0.Add(time.Millisecond)})
	require.NoError(t, err)
	require.Equal(t, conflict.Decision{Action: conflict.TakeRight, Reason: "right is newer by 1ms"}, d)
}

func TestLatestIgnoresMonotonicReadings(t *testing.T) {
	t.Parallel()
	l, err := conflict.NewLatest(&conflict.LatestOptions{TieSystem: "CRM"})
	require.NoError(t, err)
	now := time.Now() // carries a monotonic reading
	c := sample()
	c.LeftModified, c.RightModified = now, now.Round(0).In(time.FixedZone("X", -7*3600))
	d, err := l.Resolve(context.Background(), c)
	require.NoError(t, err)
	require.Equal(t, conflict.TakeLeft, d.Action)
	require.Equal(t, "modified at the same instant: tie goes to CRM", d.Reason)
}

func TestLatestFixedSideIsTheDocumentedExceptionToSymmetry(t *testing.T) {
	t.Parallel()
	l, err := conflict.NewLatest(&conflict.LatestOptions{TieSide: conflict.Left})
	require.NoError(t, err)
	c := sample()
	c.RightModified = c.LeftModified
	d, err := l.Resolve(context.Background(), c)
	require.NoError(t, err)
	swapped, err := l.Resolve(context.Background(), c.Swap())
	require.NoError(t, err)
	require.Equal(t, conflict.TakeLeft, d.Action)
	require.Equal(t, conflict.TakeLeft, swapped.Action, "a fixed side wins whichever system it is")
}

func TestNewLatestValidates(t *testing.T) {
	t.Parallel()
	_, err := conflict.NewLatest(&conflict.LatestOptions{Skew: -time.Second})
	require.EqualError(t, err, "conflict: LatestOptions.Skew is negative (-1s)")
	_, err = conflict.NewLatest(&conflict.LatestOptions{TieSide: 7})
	require.EqualError(t, err, "conflict: LatestOptions.TieSide is not a side (Side(7))")
}
