package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// randomBidi draws a bidirectional pipeline over b, resolving conflicts by
// the latest edit (the CRM on ties), with a random batch size and deletes
// propagated.
func randomBidi(rt *rapid.T, b *bundle) *sync.Pipeline {
	cfg := b.config(sync.Bidirectional)
	latest, err := conflict.NewLatest(&conflict.LatestOptions{TieSystem: "CRM"})
	require.NoError(rt, err)
	cfg.Resolver = latest
	cfg.BatchSize = rapid.IntRange(1, 4).Draw(rt, "batch")
	cfg.Deletes.Mode = sync.DeletePropagate
	return b.pipeline(rt, cfg)
}

// randomEdit edits one of the systems at random: a create, an edit of a
// random field to a random value (including values the mapping
// normalises), a delete, or a tick of the clock. It returns false when it
// drew a run instead, for the caller to do.
func randomEdit(rt *rapid.T, b *bundle) bool {
	leftFields := []string{"Name", "Email", "City", "Phone"}
	values := []any{"a", "b", " b ", "c", nil}
	edit := func(a *synctest.Adapter, right bool) {
		recs := a.Records(dt)
		if len(recs) == 0 || rapid.IntRange(0, 4).Draw(rt, "create?") == 0 {
			fields := map[string]any{}
			for _, f := range leftFields {
				fields[f] = rapid.SampledFrom(values).Draw(rt, "value")
			}
			if right {
				fields = map[string]any{"name": fields["Name"], "email": fields["Email"],
					"address": map[string]any{"city": fields["City"]}, "phone": fields["Phone"]}
			}
			a.Put(dt, "", fields)
			return
		}
		rec := rapid.SampledFrom(recs).Draw(rt, "record")
		if rapid.IntRange(0, 9).Draw(rt, "delete?") == 0 {
			require.NoError(rt, a.Delete(dt, rec.ID))
			return
		}
		f := rapid.SampledFrom(leftFields).Draw(rt, "field")
		v := rapid.SampledFrom(values).Draw(rt, "value")
		change := map[string]any{f: v}
		if right {
			change = map[string]any{map[string]string{"Name": "name", "Email": "email", "Phone": "phone"}[f]: v}
			if f == "City" {
				change = map[string]any{"address": map[string]any{"city": v}}
			}
		}
		_, err := a.Update(dt, rec.ID, change)
		require.NoError(rt, err)
	}
	switch rapid.IntRange(0, 3).Draw(rt, "step") {
	case 0:
		edit(b.left, false)
	case 1:
		edit(b.right, true)
	case 2:
		b.clock.Advance(time.Duration(rapid.IntRange(0, 2).Draw(rt, "tick")) * time.Second)
	default:
		return false
	}
	return true
}

// TestPropertyBidiConvergesWithoutEchoes edits both systems at random
// (creates, edits of random fields to random values, including values the
// mapping normalises, deletes), interleaved with runs of random batch
// sizes. After every run the next run must write nothing (no echo, no
// flip-flop), and in the end both systems must agree.
func TestPropertyBidiConvergesWithoutEchoes(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		b := setup(rt)
		p := randomBidi(rt, b)
		steps := rapid.IntRange(1, 30).Draw(rt, "steps")
		for range steps {
			if !randomEdit(rt, b) {
				run(rt, p)
				b.requireQuietT(rt, p)
			}
		}
		run(rt, p)
		b.requireQuietT(rt, p)
		synctest.RequireConverged(rt, b.left, dt, b.right, dt, b.mapping)
	})
}

// TestPropertyBidiPlanIsTheRun edits both systems at random and, before
// each run, plans it: the plan must list exactly the writes the run then
// makes, side by side and in order.
func TestPropertyBidiPlanIsTheRun(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		b := setup(rt)
		p := randomBidi(rt, b)
		steps := rapid.IntRange(1, 30).Draw(rt, "steps")
		for range steps {
			if randomEdit(rt, b) {
				continue
			}
			plan, err := p.Plan(context.Background())
			require.NoError(rt, err)
			b.resetCalls()
			rep := run(rt, p)
			for _, side := range []store.Side{store.Left, store.Right} {
				a := map[store.Side]*synctest.Adapter{store.Left: b.left, store.Right: b.right}[side]
				require.Equal(rt, opsOn(plan, side), a.WrittenOps(),
					"the writes on the %s side:\n%s\n%s", side, plan, rep)
			}
		}
	})
}

// requireQuietT is requireQuiet for any T.
func (b *bundle) requireQuietT(t T, p *sync.Pipeline) {
	t.Helper()
	b.resetCalls()
	rep := run(t, p)
	require.Zero(t, b.writes(), "a run after a run must write nothing: %s", rep)
}
