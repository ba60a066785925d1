package conflict_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
)

// valueGen generates canonical field values, nesting maps and slices up to
// depth.
func valueGen(depth int) *rapid.Generator[any] {
	gens := []*rapid.Generator[any]{
		rapid.Just[any](nil),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Map(rapid.String(), func(s string) any { return s }),
		rapid.Map(rapid.Float64Range(-1e9, 1e9), func(f float64) any { return f }),
		rapid.Map(rapid.Int64Range(-99999, 99999), func(i int64) any { return json.Number(strconv.FormatInt(i, 10)) }),
		rapid.Map(timeGen(), func(t time.Time) any { return t }),
	}
	if depth > 0 {
		gens = append(gens,
			rapid.Map(rapid.SliceOfN(valueGen(depth-1), 0, 3), func(s []any) any { return s }),
			rapid.Map(rapid.MapOfN(rapid.StringMatching(`[a-z]{1,6}`), valueGen(depth-1), 0, 3), func(m map[string]any) any { return m }),
		)
	}
	return rapid.OneOf(gens...)
}

// timeGen generates instants in arbitrary fixed zones, and the zero time.
func timeGen() *rapid.Generator[time.Time] {
	return rapid.OneOf(
		rapid.Just(time.Time{}),
		rapid.Custom(func(t *rapid.T) time.Time {
			sec := rapid.Int64Range(-1e10, 1e10).Draw(t, "sec")
			nsec := rapid.Int64Range(0, 999_999_999).Draw(t, "nsec")
			return time.Unix(sec, nsec).In(zoneGen().Draw(t, "zone"))
		}),
	)
}

func zoneGen() *rapid.Generator[*time.Location] {
	return rapid.Custom(func(t *rapid.T) *time.Location {
		return time.FixedZone("", rapid.IntRange(-14*60, 14*60).Draw(t, "offsetMinutes")*60)
	})
}

var systems = []string{"CRM", "ERP", "Books", ""}

// conflictGen generates conflicts; right times are often close to left
// times, so that skew tolerances and ties are exercised.
func conflictGen() *rapid.Generator[conflict.Conflict] {
	return rapid.Custom(func(t *rapid.T) conflict.Conflict {
		c := conflict.Conflict{
			Pipeline:    rapid.SampledFrom([]string{"", "customers-sync"}).Draw(t, "pipeline"),
			DataType:    rapid.SampledFrom([]string{"customers", "invoices", "tickets"}).Draw(t, "dataType"),
			Field:       rapid.SampledFrom([]string{"", "email", "delivery_address", "delivery_city", "total"}).Draw(t, "field"),
			LeftID:      rapid.StringMatching(`[0-9]{0,3}`).Draw(t, "leftID"),
			RightID:     rapid.StringMatching(`[0-9]{0,3}`).Draw(t, "rightID"),
			LeftSystem:  rapid.SampledFrom(systems).Draw(t, "leftSystem"),
			RightSystem: rapid.SampledFrom(systems).Draw(t, "rightSystem"),
			Base:        valueGen(2).Draw(t, "base"),
			Left:        valueGen(2).Draw(t, "left"),
			Right:       valueGen(2).Draw(t, "right"),
		}
		c.LeftModified = timeGen().Draw(t, "leftModified")
		if !c.LeftModified.IsZero() && rapid.Bool().Draw(t, "close") {
			delta := time.Duration(rapid.Int64Range(-3e9, 3e9).Draw(t, "delta"))
			c.RightModified = c.LeftModified.Add(delta).In(zoneGen().Draw(t, "rightZone"))
		} else {
			c.RightModified = timeGen().Draw(t, "rightModified")
		}
		if rapid.Bool().Draw(t, "sameValues") {
			c.Right = c.Left // the engine filters these, but resolvers must still be well behaved
		}
		return c
	})
}

func latestGen() *rapid.Generator[*conflict.Latest] {
	return rapid.Custom(func(t *rapid.T) *conflict.Latest {
		l, err := conflict.NewLatest(&conflict.LatestOptions{
			Skew:      rapid.SampledFrom([]time.Duration{0, time.Nanosecond, time.Second, 2 * time.Second, time.Hour}).Draw(t, "skew"),
			TieSystem: rapid.SampledFrom(systems).Draw(t, "tieSystem"),
		})
		require.NoError(t, err)
		return l
	})
}

// resolvers builds each kind of resolver, with fresh review storage.
func resolvers(t *rapid.T, tbl *authority.Table) map[string]conflict.Resolver {
	latest := latestGen().Draw(t, "latest")
	auth, err := conflict.NewAuthority(tbl)
	require.NoError(t, err)
	review, err := conflict.NewManualReview(conflict.NewMemoryReviews())
	require.NoError(t, err)
	chain, err := conflict.NewChain(latest, auth, review)
	require.NoError(t, err)
	undecidable, err := conflict.NewChain(latest, auth)
	require.NoError(t, err)
	policy, err := conflict.NewPolicy(&conflict.PolicyOptions{
		Rules: []conflict.PolicyRule{
			{Field: "delivery_address", Resolver: review},
			{DataType: "invoices", Resolver: auth},
			{DataType: "customers", Field: "email", Resolver: latest},
		},
		Default: chain,
	})
	require.NoError(t, err)
	return map[string]conflict.Resolver{
		"latest": latest, "authority": auth, "manual review": review,
		"chain": chain, "chain that may not decide": undecidable, "policy": policy,
	}
}

// Swapping the sides mirrors every resolver's decision.
func TestPropertyMirror(t *testing.T) {
	t.Parallel()
	tbl := table(t)
	rapid.Check(t, func(t *rapid.T) {
		c := conflictGen().Draw(t, "conflict")
		for name, r := range resolvers(t, tbl) {
			d, err := r.Resolve(context.Background(), c)
			ds, errs := r.Resolve(context.Background(), c.Swap())
			require.Equal(t, err == nil, errs == nil, "%s: %v / %v", name, err, errs)
			if err != nil {
				require.ErrorIs(t, err, conflict.ErrUndecided, name)
				require.ErrorIs(t, errs, conflict.ErrUndecided, name)
				continue
			}
			m := d.Mirror()
			require.Equal(t, m.Action, ds.Action, "%s: %q vs swapped %q", name, d.Reason, ds.Reason)
			require.Equal(t, m.Value, ds.Value, name)
			require.Equal(t, m.ReviewID, ds.ReviewID, name)
			require.NotEmpty(t, d.Reason, "%s: every decision explains itself", name)
		}
	})
}

// The same input always gets the same decision, reason included.
func TestPropertyDeterministic(t *testing.T) {
	t.Parallel()
	tbl := table(t)
	rapid.Check(t, func(t *rapid.T) {
		c := conflictGen().Draw(t, "conflict")
		for name, r := range resolvers(t, tbl) {
			d1, err1 := r.Resolve(context.Background(), c)
			d2, err2 := r.Resolve(context.Background(), c)
			require.Equal(t, d1, d2, name)
			if err1 != nil || err2 != nil {
				require.EqualError(t, err2, err1.Error(), name)
			}
		}
	})
}

// Latest compares instants: moving either time to another zone changes
// nothing, and outside the skew the later instant always wins.
func TestPropertyLatestComparesInstants(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := conflictGen().Draw(t, "conflict")
		l := latestGen().Draw(t, "latest")
		d, err := l.Resolve(context.Background(), c)
		require.NoError(t, err)

		moved := c
		moved.LeftModified = c.LeftModified.In(zoneGen().Draw(t, "leftZone"))
		moved.RightModified = c.RightModified.In(zoneGen().Draw(t, "rightZone"))
		dm, err := l.Resolve(context.Background(), moved)
		require.NoError(t, err)
		require.Equal(t, d, dm)

		skewed, err := conflict.NewLatest(&conflict.LatestOptions{Skew: 2 * time.Second, TieSystem: "CRM"})
		require.NoError(t, err)
		d, err = skewed.Resolve(context.Background(), c)
		require.NoError(t, err)
		lt, rt := c.LeftModified, c.RightModified
		if lt.IsZero() || rt.IsZero() {
			return
		}
		switch diff := lt.Sub(rt); {
		case diff > 2*time.Second:
			require.Equal(t, conflict.TakeLeft, d.Action)
		case diff < -2*time.Second:
			require.Equal(t, conflict.TakeRight, d.Action)
		default:
			require.Contains(t, d.Reason, "tie", "within the skew, the tie rule decides")
		}
	})
}

// With a fixed tie side, decisions outside ties still mirror.
func TestPropertyLatestTieSideMirrorsOutsideTies(t *testing.T) {
	t.Parallel()
	l, err := conflict.NewLatest(&conflict.LatestOptions{Skew: time.Second, TieSide: conflict.Right})
	require.NoError(t, err)
	rapid.Check(t, func(t *rapid.T) {
		c := conflictGen().Draw(t, "conflict")
		if c.LeftModified.IsZero() || c.RightModified.IsZero() {
			t.Skip("a tie")
		}
		if d := c.LeftModified.Sub(c.RightModified); d >= -time.Second && d <= time.Second {
			t.Skip("a tie")
		}
		d, err := l.Resolve(context.Background(), c)
		require.NoError(t, err)
		ds, err := l.Resolve(context.Background(), c.Swap())
		require.NoError(t, err)
		require.Equal(t, d.Mirror().Action, ds.Action)
	})
}
