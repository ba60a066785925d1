package zoho

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// pages serves items in pages of size per, with numeric cursors.
func pages(items []int, per int, fetches *int) PageFunc[int] {
	return func(_ context.Context, cursor string) ([]int, string, error) {
		*fetches++
		start := 0
		if cursor != "" {
			start, _ = strconv.Atoi(cursor)
		}
		end := min(start+per, len(items))
		next := ""
		if end < len(items) {
			next = strconv.Itoa(end)
		}
		return items[start:end], next, nil
	}
}

func TestPaginateYieldsEveryItemLazily(t *testing.T) {
	t.Parallel()
	items := []int{1, 2, 3, 4, 5, 6, 7}
	fetches := 0
	var got []int
	for v, err := range Paginate(t.Context(), pages(items, 3, &fetches)) {
		require.NoError(t, err)
		got = append(got, v)
	}
	require.Equal(t, items, got)
	require.Equal(t, 3, fetches)

	fetches = 0
	for v := range Paginate(t.Context(), pages(items, 3, &fetches)) {
		if v == 2 {
			break
		}
	}
	require.Equal(t, 1, fetches, "breaking stops fetching")
}

func TestPaginateYieldsAnErrorOnceAndStops(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	calls := 0
	fetch := func(_ context.Context, cursor string) ([]string, string, error) {
		calls++
		if cursor == "" {
			return []string{"a"}, "p2", nil
		}
		return nil, "", boom
	}
	var vals []string
	var errs []error
	for v, err := range Paginate(t.Context(), fetch) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		vals = append(vals, v)
	}
	require.Equal(t, []string{"a"}, vals)
	require.Equal(t, []error{boom}, errs)
	require.Equal(t, 2, calls)
}

func TestPaginateStopsOnAStuckCursorAndOnCancel(t *testing.T) {
	t.Parallel()
	stuck := func(context.Context, string) ([]int, string, error) { return []int{1}, "same", nil }
	var errs []error
	for _, err := range Paginate(t.Context(), stuck) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	require.Len(t, errs, 1)
	require.ErrorContains(t, errs[0], `next cursor "same" equals the current one`)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	fetches := 0
	for _, err := range Paginate(ctx, pages([]int{1}, 1, &fetches)) {
		require.ErrorIs(t, err, context.Canceled)
	}
	require.Zero(t, fetches)
}
