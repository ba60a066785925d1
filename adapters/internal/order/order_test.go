package order

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/sync"
)

func TestCompareIDIsNumeric(t *testing.T) {
	t.Parallel()
	require.Equal(t, -1, CompareID("999", "1000"))
	require.Equal(t, 1, CompareID("5725767000000415002", "5725767000000415001"))
	require.Equal(t, 0, CompareID("42", "42"))
	require.Equal(t, -1, CompareID("a", "b"))
}

func TestPositionPassed(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := Position{Set: true, Time: t0, ID: "20"}
	require.True(t, at.Passed(t0, "20"))
	require.True(t, at.Passed(t0, "3"), "3 < 20 as numbers")
	require.False(t, at.Passed(t0, "100"))
	require.True(t, at.Passed(t0.Add(-time.Second), "999"))
	require.False(t, at.Passed(t0.Add(time.Second), "1"))
	require.False(t, Position{Set: true, Time: t0}.Passed(t0, "1"), "a bare time is inclusive")
	require.False(t, Position{}.Passed(t0, "1"))
}

func TestGrouperOrdersEachInstantByID(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Second)
	// The API listed the records of t0 and t1 in no particular id order.
	in := []sync.Record{
		{ID: "30", Modified: t0}, {ID: "4", Modified: t0}, {ID: "100", Modified: t0},
		{ID: "7", Modified: t1}, {ID: "2", Modified: t1},
	}
	read := func(after Position) []string {
		i := 0
		g := &Grouper{After: after, Pull: func() (sync.Record, error, bool) {
			if i == len(in) {
				return sync.Record{}, nil, false
			}
			i++
			return in[i-1], nil, true
		}}
		var out []string
		for {
			r, ok, err := g.Peek()
			require.NoError(t, err)
			if !ok {
				return out
			}
			g.Pop()
			out = append(out, r.ID)
		}
	}
	require.Equal(t, []string{"4", "30", "100", "2", "7"}, read(Position{}))
	require.Equal(t, []string{"100", "2", "7"}, read(Position{Set: true, Time: t0, ID: "30"}))
	require.Equal(t, []string{"7"}, read(Position{Set: true, Time: t1, ID: "2"}))
	require.Empty(t, read(Position{Set: true, Time: t1, ID: "7"}))
}
