package synctest

// The suite's tests of itself, continued: what it must pass, allow and
// skip, and the harnesses it refuses.

import (
	"context"
	"iter"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/sync"
)

func TestContractPassesOnTheAdapter(t *testing.T) {
	t.Parallel()
	h := metaHarness(nil)
	for _, g := range checkGroups {
		for _, c := range g.checks {
			t.Run(g.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				require.NoError(t, h.runCheck(t, c))
			})
		}
	}
}

// The contract allows what the suite must not count against an adapter.
func TestContractAllows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		check     string
		breakWith func(b *broken)
	}{
		{"Get in any order", "Reader/Get", func(b *broken) {
			b.get = func(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
				recs, err := b.a.Get(ctx, dt, ids)
				slices.Reverse(recs)
				return recs, err
			}
		}},
		{"deleted records as tombstones from Get", "Reader/Deleted", func(b *broken) {
			b.get = func(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
				chs, err := all(b.a.Changes(ctx, dt, ""))
				var out []sync.Record
				for _, rec := range latest(chs) {
					if slices.Contains(ids, rec.ID) {
						out = append(out, rec)
					}
				}
				return out, err
			}
		}},
		{"inclusive cursors re-yield their instant", "Source/Resume", func(b *broken) {
			b.changes = func(ctx context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
				if t, _, ok := sync.ParseTimeCursor(since); ok {
					since = sync.TimeCursor(t, "")
				}
				return b.a.Changes(ctx, dt, since)
			}
		}},
		{"records from a cancelled context's first page", "Source/Cancel", func(b *broken) {
			b.changes = func(ctx context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
				chs, _ := all(b.a.Changes(context.Background(), dt, since))
				return replay(chs, ctx.Err())
			}
		}},
	} {
		t.Run(tc.check+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, runNamed(t, metaHarness(tc.breakWith), tc.check))
		})
	}

	// A system that keeps no keys, and does not declare KeepsKeys.
	h := metaHarness(func(b *broken) {
		b.get = func(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
			recs, err := b.a.Get(ctx, dt, ids)
			for i := range recs {
				recs[i].Key = ""
			}
			return recs, err
		}
	})
	h.KeepsKeys = false
	require.NoError(t, runNamed(t, h, "RoundTrip/Keys"))
}

func TestContractSkipsWhatIsDeclaredMissing(t *testing.T) {
	t.Parallel()
	h := metaHarness(nil)
	h.Tombstones, h.BadFields = false, nil
	h.NoReader = true
	for check, reason := range map[string]string{
		"Source/Tombstones": "does not declare Tombstones",
		"Sink/PerOpFailure": "no BadFields",
		"Reader/Get":        "[NoReader]",
	} {
		err := runNamed(t, h, check)
		var s *skipped
		require.ErrorAs(t, err, &s, check)
		require.Contains(t, s.reason, reason, check)
	}

	h = metaHarness(nil)
	inner := h.New
	h.New = func(t *testing.T) *AdapterSystem {
		s := inner(t)
		s.Advance = nil
		return s
	}
	var s *skipped
	require.ErrorAs(t, runNamed(t, h, "Source/SameInstant"), &s, "no clock to hold still")
	require.Contains(t, s.reason, "Advance is nil")
}

func TestContractRejectsIncompleteHarnesses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(h *AdapterHarness)
		want   string
	}{
		{"no NewFields", func(h *AdapterHarness) { h.NewFields = nil }, "NewFields is nil"},
		{"fields that do not change", func(h *AdapterHarness) {
			h.NewFields = func(int) map[string]any { return map[string]any{"name": "same"} }
		}, `the same "name"`},
		{"a Reader not given", func(h *AdapterHarness) {
			inner := h.New
			h.New = func(t *testing.T) *AdapterSystem {
				s := inner(t)
				s.Reader = nil
				return s
			}
		}, "declare AdapterHarness.NoReader"},
		{"keys kept without a Sink", func(h *AdapterHarness) { h.NoSink = true }, "KeepsKeys is declared with NoSink"},
		{"a Source without Edit", func(h *AdapterHarness) {
			inner := h.New
			h.New = func(t *testing.T) *AdapterSystem {
				s := inner(t)
				s.Edit = nil
				return s
			}
		}, "Edit is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := metaHarness(nil)
			tc.change(&h)
			err := h.validate()
			if err == nil {
				c, _ := findCheck("Sink/Create")
				err = h.runCheck(t, c)
			}
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "harness")
		})
	}
}
