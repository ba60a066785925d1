package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
)

var cursorTests = []namedTest{
	{"EmptyWhenNoneCommitted", func(t *testing.T, b *bundle) {
		for _, side := range []store.Side{store.Left, store.Right} {
			c, err := b.s.Cursor(t.Context(), "contacts", side)
			require.NoError(t, err)
			require.Empty(t, c)
		}
	}},
	{"PerPipelineAndSide", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		require.NoError(t, b.s.Commit(ctx, store.Checkpoint{Pipeline: "contacts", Cursors: map[store.Side]string{store.Left: "L1"}}))
		requireCursors(t, b.s, "contacts", "L1", "")
		require.NoError(t, b.s.Commit(ctx, store.Checkpoint{Pipeline: "contacts", Cursors: map[store.Side]string{store.Right: "R1"}}))
		requireCursors(t, b.s, "contacts", "L1", "R1") // a side not in the checkpoint keeps its cursor
		require.NoError(t, b.s.Commit(ctx, store.Checkpoint{Pipeline: "contacts", Cursors: map[store.Side]string{store.Left: "L2", store.Right: "R2"}}))
		requireCursors(t, b.s, "contacts", "L2", "R2")
		requireCursors(t, b.s, "invoices", "", "") // pipelines are separate
		require.NoError(t, b.s.Commit(ctx, store.Checkpoint{Pipeline: "invoices", Cursors: map[store.Side]string{store.Left: "I1"}}))
		requireCursors(t, b.s, "invoices", "I1", "")
		requireCursors(t, b.s, "contacts", "L2", "R2")
	}},
	{"EmptyCursorResets", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		require.NoError(t, b.s.Commit(ctx, store.Checkpoint{Pipeline: "p", Cursors: map[store.Side]string{store.Left: "2025-06-01T00:00:00Z|42"}}))
		require.NoError(t, b.s.Commit(ctx, store.Checkpoint{Pipeline: "p", Cursors: map[store.Side]string{store.Left: ""}}))
		requireCursors(t, b.s, "p", "", "")
	}},
	{"InvalidArguments", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		_, err := b.s.Cursor(ctx, "p", store.Side("up"))
		require.Error(t, err)
		_, err = b.s.Cursor(ctx, "", store.Left)
		require.Error(t, err)
		err = b.s.Commit(ctx, store.Checkpoint{Pipeline: "p", Cursors: map[store.Side]string{store.Left: "L", "up": "U"}})
		require.Error(t, err)
		requireCursors(t, b.s, "p", "", "") // nothing of the bad checkpoint was kept
		require.Error(t, b.s.Commit(ctx, store.Checkpoint{Cursors: map[store.Side]string{store.Left: "L"}}))
	}},
}

func requireCursors(t *testing.T, s store.Store, pipeline, left, right string) {
	t.Helper()
	l, err := s.Cursor(t.Context(), pipeline, store.Left)
	require.NoError(t, err)
	r, err := s.Cursor(t.Context(), pipeline, store.Right)
	require.NoError(t, err)
	require.Equal(t, [2]string{left, right}, [2]string{l, r}, "cursors of %s (left, right)", pipeline)
}

// lookup returns the links of ids on side, failing the test on error.
func lookup(t *testing.T, s store.Store, pipeline string, side store.Side, ids ...string) map[string]store.Link {
	t.Helper()
	m, err := s.Links(t.Context(), pipeline, side, ids)
	require.NoError(t, err)
	require.NotNil(t, m)
	return m
}

// commitLinks commits links to pipeline p, failing the test on error.
func commitLinks(t *testing.T, s store.Store, p string, links ...store.Link) {
	t.Helper()
	require.NoError(t, s.Commit(t.Context(), store.Checkpoint{Pipeline: p, Links: links}))
}

// pairs returns the left → right pairs a look-up by left ID finds.
func pairs(t *testing.T, s store.Store, p string, leftIDs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, l := range lookup(t, s, p, store.Left, leftIDs...) {
		require.Equal(t, id, l.LeftID)
		out[id] = l.RightID
	}
	// The right side must agree with the left.
	var rights []string
	for _, r := range out {
		rights = append(rights, r)
	}
	byRight := lookup(t, s, p, store.Right, rights...)
	require.Len(t, byRight, len(out), "look-up by right ID of %v", rights)
	for r, l := range byRight {
		require.Equal(t, r, l.RightID)
		require.Equal(t, r, out[l.LeftID], "link of left ID %s seen from the right", l.LeftID)
	}
	return out
}

var linkTests = []namedTest{
	{"RoundTrip", func(t *testing.T, b *bundle) {
		now := b.clock.Advance(1500 * time.Millisecond)
		in := store.Link{
			LeftID: "crm-1001", RightID: "erp-C7",
			Base:     []byte(`{"city":"Pune","name":"Zylker"}`),
			LeftHash: "sha256:aaa", RightHash: "sha256:bbb",
			LeftModified:  time.Date(2025, 6, 1, 10, 11, 12, 123456000, time.UTC),
			RightModified: time.Date(2025, 6, 1, 9, 0, 0, 0, time.FixedZone("IST", 19800)),
		}
		commitLinks(t, b.s, "customers", in)
		want := in
		want.Pipeline = "customers"
		want.UpdatedAt = now
		want.RightModified = in.RightModified.UTC()
		require.Equal(t, map[string]store.Link{"crm-1001": want}, lookup(t, b.s, "customers", store.Left, "crm-1001"))
		require.Equal(t, map[string]store.Link{"erp-C7": want}, lookup(t, b.s, "customers", store.Right, "erp-C7"))
	}},
	{"TimesKeptToTheMicrosecond", func(t *testing.T, b *bundle) {
		mod := time.Date(2025, 6, 1, 10, 11, 12, 123456789, time.UTC)
		commitLinks(t, b.s, "p", store.Link{LeftID: "a", RightID: "b", LeftModified: mod})
		got := lookup(t, b.s, "p", store.Left, "a")["a"]
		require.Equal(t, mod.Truncate(time.Microsecond), got.LeftModified)
		require.True(t, got.RightModified.IsZero())
	}},
	{"AbsentIDsAreAbsent", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "p", store.Link{LeftID: "L1", RightID: "R1"}, store.Link{LeftID: "L2", RightID: "R2"})
		got := lookup(t, b.s, "p", store.Left, "L1", "nope", "R2", "L1")
		require.Len(t, got, 1)
		require.Equal(t, "R1", got["L1"].RightID)
		got = lookup(t, b.s, "p", store.Right, "R2", "L2")
		require.Len(t, got, 1)
		require.Equal(t, "L2", got["R2"].LeftID)
		require.Empty(t, lookup(t, b.s, "p", store.Left))
		require.Empty(t, lookup(t, b.s, "p", store.Right, []string{}...))
		require.Empty(t, lookup(t, b.s, "other", store.Left, "L1"))
	}},
	{"UpsertReplacesTheLink", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "p", store.Link{LeftID: "L", RightID: "R", Base: []byte(`{"a":1}`), LeftHash: "h1", RightHash: "h2"})
		now := b.clock.Advance(time.Minute)
		commitLinks(t, b.s, "p", store.Link{LeftID: "L", RightID: "R", RightHash: "h3", Deleted: true})
		got := lookup(t, b.s, "p", store.Left, "L")["L"]
		require.Equal(t, store.Link{Pipeline: "p", LeftID: "L", RightID: "R", RightHash: "h3", Deleted: true, UpdatedAt: now}, got)
	}},
	{"EmptyBaseIsNil", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "p", store.Link{LeftID: "L", RightID: "R", Base: []byte{}})
		require.Nil(t, lookup(t, b.s, "p", store.Left, "L")["L"].Base)
	}},
	{"TombstonesAreFound", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "p", store.Link{LeftID: "L", RightID: "R", Deleted: true})
		require.True(t, lookup(t, b.s, "p", store.Right, "R")["R"].Deleted)
	}},
	{"PipelinesAreSeparate", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "a", store.Link{LeftID: "1", RightID: "x"})
		commitLinks(t, b.s, "b", store.Link{LeftID: "2", RightID: "x"}) // the same right ID in another pipeline
		commitLinks(t, b.s, "b", store.Link{LeftID: "1", RightID: "y"})
		require.Equal(t, map[string]string{"1": "x"}, pairs(t, b.s, "a", "1", "2"))
		require.Equal(t, map[string]string{"1": "y", "2": "x"}, pairs(t, b.s, "b", "1", "2"))
	}},
	{"RelinkFreesTheOldRightID", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "p", store.Link{LeftID: "L1", RightID: "R1"})
		commitLinks(t, b.s, "p", store.Link{LeftID: "L1", RightID: "R2"})
		require.Empty(t, lookup(t, b.s, "p", store.Right, "R1"))
		commitLinks(t, b.s, "p", store.Link{LeftID: "L2", RightID: "R1"})
		require.Equal(t, map[string]string{"L1": "R2", "L2": "R1"}, pairs(t, b.s, "p", "L1", "L2"))
	}},
	{"ConflictingLink", func(t *testing.T, b *bundle) {
		ctx := t.Context()
		commitLinks(t, b.s, "p", store.Link{LeftID: "L1", RightID: "R1"})
		err := b.s.Commit(ctx, store.Checkpoint{Pipeline: "p",
			Links:   []store.Link{{LeftID: "L3", RightID: "R3"}, {LeftID: "L2", RightID: "R1"}},
			Cursors: map[store.Side]string{store.Left: "c1"},
		})
		require.ErrorIs(t, err, store.ErrConflictingLink)
		// Nothing of the checkpoint was kept: not the other link, not the cursor.
		require.Equal(t, map[string]string{"L1": "R1"}, pairs(t, b.s, "p", "L1", "L2", "L3"))
		requireCursors(t, b.s, "p", "", "")
	}},
	{"ConflictWithinCheckpoint", func(t *testing.T, b *bundle) {
		err := b.s.Commit(t.Context(), store.Checkpoint{Pipeline: "p", Links: []store.Link{{LeftID: "L1", RightID: "R"}, {LeftID: "L2", RightID: "R"}}})
		require.ErrorIs(t, err, store.ErrConflictingLink)
		require.Empty(t, lookup(t, b.s, "p", store.Left, "L1", "L2"))
	}},
	{"SameLeftIDTwiceTheLastWins", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "p", store.Link{LeftID: "L", RightID: "R1", LeftHash: "old"}, store.Link{LeftID: "L", RightID: "R2", LeftHash: "new"})
		got := lookup(t, b.s, "p", store.Left, "L")["L"]
		require.Equal(t, "R2", got.RightID)
		require.Equal(t, "new", got.LeftHash)
		require.Empty(t, lookup(t, b.s, "p", store.Right, "R1"))
	}},
	{"SwapWithinCheckpoint", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "p", store.Link{LeftID: "L1", RightID: "R1"}, store.Link{LeftID: "L2", RightID: "R2"})
		commitLinks(t, b.s, "p", store.Link{LeftID: "L1", RightID: "R2"}, store.Link{LeftID: "L2", RightID: "R1"})
		require.Equal(t, map[string]string{"L1": "R2", "L2": "R1"}, pairs(t, b.s, "p", "L1", "L2"))
	}},
	{"MoveAndTakeWithinCheckpoint", func(t *testing.T, b *bundle) {
		commitLinks(t, b.s, "p", store.Link{LeftID: "L1", RightID: "R1"})
		// L1 moves to R2 and L2 takes R1, in one checkpoint.
		commitLinks(t, b.s, "p", store.Link{LeftID: "L2", RightID: "R1"}, store.Link{LeftID: "L1", RightID: "R2"})
		require.Equal(t, map[string]string{"L1": "R2", "L2": "R1"}, pairs(t, b.s, "p", "L1", "L2"))
	}},
	{"InvalidLinks", func(t *testing.T, b *bundle) {
		for name, l := range map[string]store.Link{
			"empty left ID":  {RightID: "R"},
			"empty right ID": {LeftID: "L"},
			"other pipeline": {Pipeline: "other", LeftID: "L", RightID: "R"},
		} {
			err := b.s.Commit(t.Context(), store.Checkpoint{Pipeline: "p", Links: []store.Link{{LeftID: "ok", RightID: "ok"}, l}})
			require.Error(t, err, name)
			require.NotErrorIs(t, err, store.ErrConflictingLink, name)
		}
		require.Empty(t, lookup(t, b.s, "p", store.Left, "ok", "L"))
		_, err := b.s.Links(t.Context(), "p", store.Side("middle"), []string{"ok"})
		require.Error(t, err)
		_, err = b.s.Links(t.Context(), "", store.Left, []string{"ok"})
		require.Error(t, err)
	}},
	{"LargeBatch", func(t *testing.T, b *bundle) {
		const n = 1500
		links := make([]store.Link, n)
		lefts, rights := make([]string, n), make([]string, n)
		for i := range links {
			lefts[i], rights[i] = fmt.Sprintf("L%05d", i), fmt.Sprintf("R%05d", i)
			links[i] = store.Link{LeftID: lefts[i], RightID: rights[i], Base: []byte(fmt.Sprintf(`{"i":%d}`, i))}
		}
		commitLinks(t, b.s, "p", links...)
		byLeft := lookup(t, b.s, "p", store.Left, lefts...)
		require.Len(t, byLeft, n)
		byRight := lookup(t, b.s, "p", store.Right, rights...)
		require.Len(t, byRight, n)
		require.Equal(t, fmt.Sprintf(`{"i":%d}`, 1234), string(byRight["R01234"].Base))
	}},
	{"AwkwardIDs", func(t *testing.T, b *bundle) {
		ids := []string{`a"b`, `back\slash`, "comma,separated", "ünïcödé 🙂", "it's", "new\nline", " padded ", "%_*", "null", "[1]"}
		var links []store.Link
		for i, id := range ids {
			links = append(links, store.Link{LeftID: id, RightID: fmt.Sprintf("r%d:%s", i, id)})
		}
		commitLinks(t, b.s, "p", links...)
		got := lookup(t, b.s, "p", store.Left, ids...)
		require.Len(t, got, len(ids))
		for i, id := range ids {
			require.Equal(t, fmt.Sprintf("r%d:%s", i, id), got[id].RightID)
		}
	}},
	{"CallersCopiesAreTheirs", func(t *testing.T, b *bundle) {
		base := []byte(`{"a":1}`)
		commitLinks(t, b.s, "p", store.Link{LeftID: "L", RightID: "R", Base: base})
		base[2] = 'X'
		got := lookup(t, b.s, "p", store.Left, "L")["L"]
		require.Equal(t, `{"a":1}`, string(got.Base))
		got.Base[2] = 'Y'
		require.Equal(t, `{"a":1}`, string(lookup(t, b.s, "p", store.Left, "L")["L"].Base))
	}},
}
