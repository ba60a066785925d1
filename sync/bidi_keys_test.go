package sync_test

import (
	"context"
	"fmt"
	"iter"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
)

// crashingBidi is a bidirectional pipeline over b whose store fails its
// first checkpoint (after letting `after` through).
func (b *bundle) crashingBidi(t *testing.T, after int, change func(*sync.Config)) (*sync.Pipeline, *failingCommit) {
	t.Helper()
	st := &failingCommit{Store: b.store, fails: 1, after: after}
	cfg := b.config(sync.Bidirectional)
	cfg.Resolver = mustLatest(t)
	cfg.Store = st
	if change != nil {
		change(&cfg)
	}
	return b.pipeline(t, cfg), st
}

// requireOnePair requires one record on each side, linked together.
func (b *bundle) requireOnePair(t *testing.T, p *sync.Pipeline) (leftID, rightID string) {
	t.Helper()
	require.Equal(t, 1, b.left.Len(dt), "one left record: %v", b.left.Records(dt))
	require.Equal(t, 1, b.right.Len(dt), "one right record: %v", b.right.Records(dt))
	l, r := b.left.Records(dt)[0], b.right.Records(dt)[0]
	links, err := b.store.Links(context.Background(), p.Name(), store.Left, []string{l.ID})
	require.NoError(t, err)
	require.Contains(t, links, l.ID, "the two are linked")
	require.Equal(t, r.ID, links[l.ID].RightID)
	require.False(t, links[l.ID].Deleted)
	return l.ID, r.ID
}

func (b *bundle) requireUnlinked(t *testing.T, p *sync.Pipeline, side store.Side, id string) {
	t.Helper()
	links, err := b.store.Links(context.Background(), p.Name(), side, []string{id})
	require.NoError(t, err)
	require.NotContains(t, links, id)
}

func awaitingReason(from store.Side, key string) string {
	return fmt.Sprintf("created by this pipeline from the %s side (key %s) and not linked yet: linked when that side's record is synced", from, key)
}

// A run's right pass creates the ERP customer's counterpart in the CRM and
// the process dies before the checkpoint links them. The next run's left
// pass reads the new CRM record, unlinked: it must not create it in the
// ERP again. It skips it; the right pass reads the ERP customer again, and
// its create (same key) finds the CRM record and links the two.
func TestBidiCrashAfterARightPassCreateDoesNotDuplicate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	erp := b.right.Put(dt, "", customer("Ana", "ana@example.com", "Paris"))
	p, _ := b.crashingBidi(t, 0, nil)

	_, err := p.Run(ctx)
	require.ErrorContains(t, err, "injected")
	require.Equal(t, 1, b.left.Len(dt), "the create reached the CRM")
	crm := b.left.Records(dt)[0]
	key := sync.IdempotencyKey(p.Name(), store.Right, erp.ID)
	require.Equal(t, key, crm.Key)
	b.requireUnlinked(t, p, store.Left, crm.ID)
	b.tick()

	// The plan says so: the CRM record is skipped, and the ERP customer's
	// create carries the key the CRM record was made with.
	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	require.Contains(t, plan.Skipped, sync.PlannedSkip{Side: store.Left, ID: crm.ID, Outcome: sync.OutcomeSkipped,
		Reason: awaitingReason(store.Right, key)})
	require.Len(t, plan.Ops, 1, plan.String())
	require.Equal(t, store.Left, plan.Ops[0].Side)
	require.Equal(t, key, plan.Ops[0].Op.Key)
	require.Empty(t, plan.Warnings)

	rep := run(t, p)
	require.Equal(t, store.RunSucceeded, rep.Status, rep.String())
	require.Equal(t, 1, rep.Skipped)
	require.Empty(t, rep.Warnings, "the record is linked within the run: nothing for a person to do")
	l, r := b.requireOnePair(t, p)
	require.Equal(t, crm.ID, l)
	require.Equal(t, erp.ID, r)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	b.requireQuiet(t, p)
}

// The other direction: the left pass creates the CRM contact's counterpart
// in the ERP and dies before its checkpoint. The next run's left pass reads
// the contact again (its cursor did not move) and links the two before the
// right pass reads the ERP record; the ERP record is recognised too when
// the right pass reads it first, the contact failing in the left pass.
func TestBidiCrashAfterALeftPassCreateDoesNotDuplicate(t *testing.T) {
	t.Parallel()
	for _, failsOnRerun := range []bool{false, true} {
		t.Run(fmt.Sprintf("fails on rerun %v", failsOnRerun), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := setup(t)
			crm := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
			p, _ := b.crashingBidi(t, 0, nil)
			_, err := p.Run(ctx)
			require.ErrorContains(t, err, "injected")
			require.Equal(t, 1, b.right.Len(dt))
			erp := b.right.Records(dt)[0]
			key := sync.IdempotencyKey(p.Name(), store.Left, crm.ID)
			require.Equal(t, key, erp.Key)
			b.tick()

			if !failsOnRerun {
				rep := run(t, p)
				require.Zero(t, rep.Counts.Failed)
				b.requireOnePair(t, p)
				b.requireQuiet(t, p)
				return
			}
			// The ERP refuses the create once: the contact fails in the left
			// pass (without a queue its cursor stays before it), and the right
			// pass reads the ERP record, unlinked, first.
			b.right.Inject(synctest.Fault{Op: sync.OpCreate, Times: 1, Err: synctest.Rejected("locked")})
			rep := run(t, p)
			require.Equal(t, 1, rep.Counts.Failed)
			require.Equal(t, 1, b.left.Len(dt), "no second contact")
			require.Equal(t, 1, b.right.Len(dt))
			b.requireUnlinked(t, p, store.Right, erp.ID)
			require.Len(t, rep.Warnings, 1, "a record still unlinked at the end of the run is reported")
			require.Contains(t, rep.Warnings[0], fmt.Sprintf("the right record %s was created by this pipeline from a left record (key %s) and is still not linked", erp.ID, key))

			b.tick()
			rep = run(t, p)
			require.Zero(t, rep.Counts.Failed, rep.String())
			require.Empty(t, rep.Warnings)
			l, r := b.requireOnePair(t, p)
			require.Equal(t, crm.ID, l)
			require.Equal(t, erp.ID, r)
			synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
			b.requireQuiet(t, p)
		})
	}
}

// The record a create came from is deleted before the rerun that would link
// it: the pair is handled as a linked pair whose record was deleted, in
// either order of the passes. With deletes propagated both records are
// gone; with deletes ignored the record created stays, its pair tombstoned.
func TestBidiCrashThenTheSourceIsDeleted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		source store.Side // where the record synced was, and is deleted
	}{
		{"right record deleted", store.Right},
		{"left record deleted", store.Left},
	} {
		for _, mode := range []sync.DeleteMode{sync.DeletePropagate, sync.DeleteIgnore} {
			t.Run(fmt.Sprintf("%s, %s", tc.name, mode), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				b := setup(t)
				src, dst := b.right, b.left
				fields := customer("Ana", "ana@example.com", "Paris")
				if tc.source == store.Left {
					src, dst, fields = b.left, b.right, contact("Ana", "ana@example.com", "Paris")
				}
				rec := src.Put(dt, "", fields)
				p, _ := b.crashingBidi(t, 0, func(c *sync.Config) { c.Deletes.Mode = mode })
				_, err := p.Run(ctx)
				require.ErrorContains(t, err, "injected")
				require.Equal(t, 1, dst.Len(dt))
				created := dst.Records(dt)[0]
				b.tick()
				require.NoError(t, src.Delete(dt, rec.ID))
				b.tick()

				plan, err := p.Plan(ctx)
				require.NoError(t, err)
				rep := run(t, p)
				require.Zero(t, rep.Counts.Failed, rep.String())
				require.Empty(t, rep.Warnings)
				require.Zero(t, src.Len(dt))
				if mode == sync.DeletePropagate {
					require.Equal(t, 1, rep.Counts.Deleted)
					require.Equal(t, 1, plan.Counts.Deleted, plan.String())
					require.Zero(t, dst.Len(dt), "the record created from the deleted one is deleted")
				} else {
					require.Equal(t, 1, dst.Len(dt), "deletes are ignored: the record created stays")
				}
				links, err := b.store.Links(ctx, p.Name(), dstSide(tc.source), []string{created.ID})
				require.NoError(t, err)
				require.Contains(t, links, created.ID)
				require.True(t, links[created.ID].Deleted, "the pair is tombstoned")
				require.Equal(t, rec.ID, map[store.Side]string{store.Left: links[created.ID].LeftID, store.Right: links[created.ID].RightID}[tc.source])
				b.requireQuiet(t, p)
				if mode == sync.DeleteIgnore {
					// A later edit of the record that stayed is not synced
					// back as a new record.
					update(t, dst, created.ID, map[string]any{dstField(tc.source): "Lyon"})
					b.requireQuiet(t, p)
					require.Zero(t, src.Len(dt))
				}
			})
		}
	}
}

func dstSide(source store.Side) store.Side {
	if source == store.Left {
		return store.Right
	}
	return store.Left
}

// dstField is a field of the record created on the other side of source.
func dstField(source store.Side) string {
	if source == store.Left {
		return "phone"
	}
	return "City"
}

// The record a create came from no longer syncs (here: filtered out)
// before the rerun: the record created stays unlinked and skipped, and the
// run, and the plan before it, say so with its key.
func TestBidiCrashThenTheSourceNoLongerSyncsIsReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	erp := b.right.Put(dt, "", customer("Ana", "ana@example.com", "Paris"))
	p, _ := b.crashingBidi(t, 0, func(c *sync.Config) {
		c.Filter = func(r sync.Record) bool { return r.Fields["Email"] != "gone@example.com" }
	})
	_, err := p.Run(ctx)
	require.ErrorContains(t, err, "injected")
	crm := b.left.Records(dt)[0]
	b.tick()
	update(t, b.right, erp.ID, map[string]any{"email": "gone@example.com"})
	b.tick()

	want := fmt.Sprintf("the left record %s was created by this pipeline from a right record (key %s) and is still not linked",
		crm.ID, sync.IdempotencyKey(p.Name(), store.Right, erp.ID))
	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	require.Len(t, plan.Warnings, 1, plan.String())
	require.Contains(t, plan.Warnings[0], want)
	rep := run(t, p)
	require.Len(t, rep.Warnings, 1, rep.String())
	require.Contains(t, rep.Warnings[0], want)
	require.Equal(t, 1, b.left.Len(dt))
	require.Equal(t, 1, b.right.Len(dt), "no record is created for the CRM record")
	b.requireUnlinked(t, p, store.Left, crm.ID)
}

// keyless is a system that does not keep the keys of the records it
// creates (no external-ID field): Record.Key is always empty.
type keyless struct{ *synctest.Adapter }

func (k keyless) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		for ch, err := range k.Adapter.Changes(ctx, dataType, since) {
			ch.Record.Key = ""
			if !yield(ch, err) {
				return
			}
		}
	}
}

func (k keyless) Get(ctx context.Context, dataType string, ids []string) ([]sync.Record, error) {
	recs, err := k.Adapter.Get(ctx, dataType, ids)
	for i := range recs {
		recs[i].Key = ""
	}
	return recs, err
}

// Without keys read back, the crash still cannot corrupt the link table:
// the duplicate it makes is refused as a failure of its own pair.
func TestBidiCrashWithoutKeysReadBackFailsTheDuplicateAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	b.right.Put(dt, "", customer("Ana", "ana@example.com", "Paris"))
	p, _ := b.crashingBidi(t, 0, func(c *sync.Config) {
		c.Left.Source, c.Left.Reader = keyless{b.left}, keyless{b.left}
	})
	_, err := p.Run(ctx)
	require.ErrorContains(t, err, "injected")
	b.tick()
	rep := run(t, p)
	require.Equal(t, 2, b.right.Len(dt), "the gap this package closes with keys")
	require.Equal(t, 1, rep.Counts.Failed)
	require.ErrorIs(t, rep.Failures[0].Err, store.ErrConflictingLink)
}

// failingSource fails its next reads (fails of them) with an outage.
type failingSource struct {
	sync.Source
	fails *int
}

func (s failingSource) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	if *s.fails > 0 {
		*s.fails--
		return func(yield func(sync.Change, error) bool) { yield(sync.Change{}, synctest.Unavailable()) }
	}
	return s.Source.Changes(ctx, dataType, since)
}

// A run that skips a record awaiting its link does not commit its side's
// cursor past it before the run's end: a run that dies in between (here,
// the right side is down during the right pass) has the next run read the
// record again. So a second failure cannot make the pipeline forget it:
// the next run reads it, and the deletion of the record it came from.
func TestBidiTwoFailedRunsThenTheRightSourceIsDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	erp := b.right.Put(dt, "", customer("Ana", "ana@example.com", "Paris"))
	down := 0
	p, _ := b.crashingBidi(t, 0, func(c *sync.Config) {
		c.Deletes.Mode = sync.DeletePropagate
		c.Right.Source = failingSource{Source: b.right, fails: &down}
	})
	_, err := p.Run(ctx)
	require.ErrorContains(t, err, "injected")
	crm := b.left.Records(dt)[0]
	b.tick()
	require.NoError(t, b.right.Delete(dt, erp.ID))
	b.tick()

	down = 1
	_, err = p.Run(ctx)
	require.ErrorContains(t, err, "503")
	cur, err := b.store.Cursor(ctx, p.Name(), store.Left)
	require.NoError(t, err)
	require.Empty(t, cur, "the left cursor stays before the record awaiting its link")

	rep := run(t, p)
	require.Empty(t, rep.Warnings, rep.String())
	require.Equal(t, 1, rep.Counts.Deleted)
	require.Zero(t, b.left.Len(dt), "the record created from the deleted one is deleted: %s", crm.ID)
	require.Zero(t, b.right.Len(dt))
	cur, err = b.store.Cursor(ctx, p.Name(), store.Left)
	require.NoError(t, err)
	require.NotEmpty(t, cur, "the left cursor moves on at the end of the run")
	b.requireQuiet(t, p)
}

// The limit of following deletions within a run: the left pass of a run
// reads the deletion of a record whose create was written without its
// checkpoint, and the run dies before its right pass reads the record
// created. The next run cannot tell where that record came from: it stays
// unlinked, is not synced back, and every run that reads it reports it
// with its key, for a person to delete.
func TestBidiTwoFailedRunsThenTheLeftSourceIsDeletedReportsTheOrphan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	crm := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	down := 0
	p, _ := b.crashingBidi(t, 0, func(c *sync.Config) {
		c.Deletes.Mode = sync.DeletePropagate
		c.Right.Source = failingSource{Source: b.right, fails: &down}
	})
	_, err := p.Run(ctx)
	require.ErrorContains(t, err, "injected")
	erp := b.right.Records(dt)[0]
	b.tick()
	require.NoError(t, b.left.Delete(dt, crm.ID))
	b.tick()
	b.left.Put(dt, "", contact("Bob", "bob@example.com", "Oslo")) // the left cursor moves past the deletion
	b.tick()
	down = 1
	_, err = p.Run(ctx)
	require.ErrorContains(t, err, "503")

	rep := run(t, p)
	require.Len(t, rep.Warnings, 1, rep.String())
	require.Contains(t, rep.Warnings[0], fmt.Sprintf("the right record %s was created by this pipeline from a left record (key %s) and is still not linked",
		erp.ID, sync.IdempotencyKey(p.Name(), store.Left, crm.ID)))
	require.Equal(t, 1, b.left.Len(dt), "Bob only: the orphan is not synced back as a new record")
	require.Equal(t, 2, b.right.Len(dt), "Bob and the orphan")
	b.requireQuiet(t, p)
}
