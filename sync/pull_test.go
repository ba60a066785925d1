package sync_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
)

func TestPullBackfillThenIncremental(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 25 {
		b.left.Put(dt, "", contact(fmt.Sprintf(" Contact %02d ", i), fmt.Sprintf("c%d@example.com", i), "Paris"))
		b.tick()
	}
	p := b.pipeline(t, b.config(sync.Pull))

	rep := run(t, p)
	require.Equal(t, store.RunSucceeded, rep.Status)
	require.Equal(t, store.Counts{Read: 25, Created: 25}, rep.Counts)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	require.Equal(t, 3, b.right.Calls().Writes, "25 records in batches of 10")

	// Nothing changed: only the record at the cursor's instant is read
	// again (see TestPullSameInstantEditIsNotLost), and nothing is written.
	b.right.ResetCalls()
	rep = run(t, p)
	require.Equal(t, store.Counts{Read: 1, Unchanged: 1}, rep.Counts)
	require.Zero(t, b.right.Calls().Writes)

	// Two edits and a new record: only those are written, and an update
	// carries only the fields that changed.
	b.tick()
	edited := b.left.Records(dt)[3]
	_, err := b.left.Update(dt, edited.ID, map[string]any{"City": "Lyon"})
	require.NoError(t, err)
	_, err = b.left.Update(dt, b.left.Records(dt)[7].ID, map[string]any{"Phone": "+33 1"})
	require.NoError(t, err)
	b.left.Put(dt, "", contact("New", "new@example.com", "Nice"))
	rep = run(t, p)
	require.Equal(t, store.Counts{Read: 4, Created: 1, Updated: 2, Unchanged: 1}, rep.Counts)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	for _, op := range b.right.WrittenOps() {
		if op.Kind == sync.OpUpdate && op.Fields["address"] != nil {
			require.Equal(t, map[string]any{"address": map[string]any{"city": "Lyon"}}, op.Fields)
		}
	}

	// The runs are recorded.
	runs, err := b.store.Runs(context.Background(), store.RunFilter{Pipeline: p.Name()})
	require.NoError(t, err)
	require.Len(t, runs, 3)
	require.Equal(t, 1, runs[0].Counts.Created)
}

// idOrdered is a Source like the Zoho and SQL adapters: changes ordered by
// (modification time, record ID), with the ID as the cursor's tie-breaker,
// and times truncated to the second as Zoho stamps them.
type idOrdered struct{ recs map[string]sync.Record }

func (s *idOrdered) put(id string, at time.Time, fields map[string]any) {
	s.recs[id] = sync.Record{ID: id, Fields: fields, Modified: at.Truncate(time.Second)}
}

func (s *idOrdered) Changes(_ context.Context, _ string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	t, tb, _ := sync.ParseTimeCursor(since)
	var out []sync.Record
	for _, r := range s.recs {
		if since == "" || r.Modified.After(t) || (r.Modified.Equal(t) && (tb == "" || r.ID > tb)) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b sync.Record) int {
		return cmp.Or(a.Modified.Compare(b.Modified), cmp.Compare(a.ID, b.ID))
	})
	return func(yield func(sync.Change, error) bool) {
		for _, r := range out {
			if !yield(sync.Change{Record: r, Cursor: sync.TimeCursor(r.Modified, r.ID)}, nil) {
				return
			}
		}
	}
}

// Systems stamp changes to the second (Zoho) or the microsecond: a record
// changed again within the instant of the last change read keeps its
// timestamp. Without a lookback window, the next run must still see it,
// even when its ID sorts before the cursor's tie-breaker.
func TestPullSameInstantEditIsNotLost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	src := &idOrdered{recs: map[string]sync.Record{}}
	at := time.Date(2026, 3, 2, 9, 0, 0, 100e6, time.UTC)
	src.put("A", at, contact("Ana", "ana@example.com", "Paris"))
	src.put("B", at, contact("Bo", "bo@example.com", "Oslo"))
	cfg := b.config(sync.Pull)
	cfg.Left.Source, cfg.Left.Reader = src, nil
	p := b.pipeline(t, cfg)
	run(t, p)

	// Half a second later: the same second, so the same timestamp.
	src.put("A", at.Add(500*time.Millisecond), contact("Ana", "ana@example.com", "Lyon"))
	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Updated, "the edit made within the cursor's second is written")
	var cities []any
	for _, r := range b.right.Records(dt) {
		cities = append(cities, r.Fields["address"].(map[string]any)["city"])
	}
	require.ElementsMatch(t, []any{"Lyon", "Oslo"}, cities)
}

func TestPullSkipsRecordsWhoseMappedFieldsDidNotChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec := b.left.Put(dt, "", map[string]any{"Name": "Ana", "Email": "ana@example.com", "Notes": "x"})
	cfg := b.config(sync.Pull)
	cfg.Lookback = time.Hour // every run re-reads the last hour
	p := b.pipeline(t, cfg)
	run(t, p)

	// An unmapped field changes, and the lookback re-reads the rest.
	b.tick()
	_, err := b.left.Update(dt, rec.ID, map[string]any{"Notes": "y"})
	require.NoError(t, err)
	b.right.ResetCalls()
	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Read)
	require.Equal(t, 1, rep.Counts.Unchanged)
	require.Zero(t, b.right.Calls().Writes)
}

func TestPullLookbackCatchesLateCommits(t *testing.T) {
	t.Parallel()
	for _, lookback := range []time.Duration{0, 10 * time.Minute} {
		t.Run(fmt.Sprint("lookback ", lookback), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
			b.clock.Advance(time.Minute)
			cfg := b.config(sync.Pull)
			cfg.Lookback = lookback
			p := b.pipeline(t, cfg)
			run(t, p)

			// A transaction that started before the cursor commits late: its
			// record's modification time is before the cursor.
			b.clock.Advance(time.Minute)
			b.left.PutRecord(dt, sync.Record{Fields: contact("Late", "late@example.com", "Rome"), Modified: t0.Add(-30 * time.Second)})
			rep := run(t, p)
			if lookback == 0 {
				require.Equal(t, 1, b.right.Len(dt), "without a lookback window the late record is missed")
				return
			}
			require.Equal(t, 1, rep.Counts.Created)
			require.Equal(t, 1, rep.Counts.Unchanged, "the record re-read in the window is not written again")
			synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
		})
	}
}

// failingCommit is a store whose Commit fails a number of times, after
// letting the first after commits through: a process that died after
// writing a batch and before its checkpoint.
type failingCommit struct {
	store.Store
	fails int
	after int
}

func (s *failingCommit) Commit(ctx context.Context, cp store.Checkpoint) error {
	if s.after > 0 {
		s.after--
		return s.Store.Commit(ctx, cp)
	}
	if s.fails > 0 {
		s.fails--
		return errors.New("injected: the process died before the checkpoint")
	}
	return s.Store.Commit(ctx, cp)
}

func TestPullCrashBetweenWriteAndCheckpointConverges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 15 {
		b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo"))
	}
	st := &failingCommit{Store: b.store, fails: 1}
	cfg := b.config(sync.Pull)
	cfg.Store = st
	p := b.pipeline(t, cfg)

	_, err := p.Run(context.Background())
	require.ErrorContains(t, err, "injected")
	require.Equal(t, 10, b.right.Len(dt), "the first batch was written")
	cur, err := b.store.Cursor(context.Background(), p.Name(), store.Left)
	require.NoError(t, err)
	require.Empty(t, cur, "the cursor did not move: the batch is not durable")

	// The rerun writes the first batch again: the creates' idempotency keys
	// find the records already there, so nothing is duplicated.
	rep := run(t, p)
	require.Equal(t, 15, rep.Counts.Created)
	require.Equal(t, 15, b.right.Len(dt))
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	cur, err = b.store.Cursor(context.Background(), p.Name(), store.Left)
	require.NoError(t, err)
	require.NotEmpty(t, cur)
}

func TestPullFailureWithoutQueueStopsTheCursor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var ids []string
	for i := range 6 {
		ids = append(ids, b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo")).ID)
		b.tick()
	}
	bad := func(op sync.Op) bool { return op.Fields["email"] == "2@example.com" }
	b.right.Inject(synctest.Fault{Match: bad, Err: synctest.Rejected("email domain not allowed")})
	p := b.pipeline(t, b.config(sync.Pull))

	rep := run(t, p)
	require.Equal(t, store.RunPartial, rep.Status)
	require.Equal(t, 5, rep.Counts.Created, "the other records of the batch are written")
	require.Equal(t, 1, rep.Counts.Failed)
	require.Len(t, rep.Failures, 1)
	require.Equal(t, ids[2], rep.Failures[0].SourceID)
	require.Contains(t, rep.Failures[0].Reason, "email domain not allowed")
	require.False(t, rep.Failures[0].Retryable)
	require.Zero(t, rep.Failures[0].JobID)

	// The cursor stayed before the failed record: the next run reads it
	// (and what follows) again. Once the target accepts it, it is written.
	b.right.ClearFaults()
	rep = run(t, p)
	require.Equal(t, 5, rep.Counts.Read, "from the failed record on, and the cursor's instant again")
	require.Equal(t, 1, rep.Counts.Created)
	require.Equal(t, 4, rep.Counts.Unchanged)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
}

func TestPullFailuresAreParkedInTheQueue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 5 {
		b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo"))
		b.tick()
	}
	q, err := queue.NewMemory(&queue.MemoryOptions{Now: b.clock.Now})
	require.NoError(t, err)
	b.right.Inject(synctest.Fault{Match: func(op sync.Op) bool { return op.Fields["email"] == "1@example.com" }, Times: 1})
	b.right.Inject(synctest.Fault{Match: func(op sync.Op) bool { return op.Fields["email"] == "3@example.com" }, Err: synctest.Rejected("bad phone")})
	cfg := b.config(sync.Pull)
	cfg.Queue = q
	p := b.pipeline(t, cfg)

	rep := run(t, p)
	require.Equal(t, 3, rep.Counts.Created)
	require.Equal(t, 2, rep.Counts.Failed)
	require.Equal(t, 2, rep.Parked)
	for _, f := range rep.Failures {
		require.NotZero(t, f.JobID, "parked: %s", f)
	}
	cur, err := b.store.Cursor(context.Background(), p.Name(), store.Left)
	require.NoError(t, err)
	require.Equal(t, rep.Cursors[store.Left], sync.Cursor(cur), "parked records do not hold the cursor back")

	// The worker retries: the retryable one succeeds, the rejected one is
	// tried once more and is dead.
	drain(t, q, b.clock.Now, p)
	require.Equal(t, 4, b.right.Len(dt))
	dead, err := q.Dead(context.Background(), queue.DeadFilter{})
	require.NoError(t, err)
	require.Len(t, dead, 1)
	require.Contains(t, dead[0].LastError, "bad phone")

	// A person fixes the data and requeues it.
	b.right.ClearFaults()
	_, err = q.Requeue(context.Background(), dead[0].ID)
	require.NoError(t, err)
	drain(t, q, b.clock.Now, p)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	require.Equal(t, 5, b.right.Len(dt))
}

func TestPullWholeBatchFailures(t *testing.T) {
	t.Parallel()
	t.Run("retryable stops the run at the last durable batch", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for i := range 25 {
			b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo"))
			b.tick()
		}
		// The second batch fails as a whole (the target is down).
		b.right.Inject(synctest.Fault{Batch: true, Match: func(op sync.Op) bool { return op.Fields["email"] == "12@example.com" }})
		p := b.pipeline(t, b.config(sync.Pull))
		rep, err := p.Run(context.Background())
		require.Error(t, err)
		require.True(t, sync.IsRetryable(err))
		require.Equal(t, store.RunFailed, rep.Status)
		require.Equal(t, 10, rep.Counts.Created)
		require.Equal(t, 10, b.right.Len(dt))

		b.right.ClearFaults()
		rep = run(t, p)
		require.Equal(t, 16, rep.Counts.Read, "resumed after the first batch (its last record's instant read again)")
		synctest.RequireConverged(t, b.left, dt, b.right, dt, b.mapping)
	})
	t.Run("non-retryable is narrowed to the bad record", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for i := range 8 {
			b.left.Put(dt, "", contact(fmt.Sprint("C", i), fmt.Sprint(i, "@example.com"), "Oslo"))
			b.tick()
		}
		b.right.Inject(synctest.Fault{Batch: true, Err: synctest.Rejected("malformed payload"),
			Match: func(op sync.Op) bool { return op.Fields["email"] == "5@example.com" }})
		p := b.pipeline(t, b.config(sync.Pull))
		rep := run(t, p)
		require.Equal(t, 7, rep.Counts.Created)
		require.Equal(t, 1, rep.Counts.Failed)
		require.Contains(t, rep.Failures[0].Reason, "malformed payload")
	})
}

func TestPullFilterAndDeletes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		mode      sync.DeleteMode
		wantRight int
		wantFlag  bool
	}{
		{sync.DeleteIgnore, 2, false},
		{sync.DeletePropagate, 1, false},
		{sync.DeleteFlag, 2, true},
	}
	for _, tc := range cases {
		t.Run(string(tc.mode), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			keep := b.left.Put(dt, "", contact("Keep", "k@example.com", "Oslo"))
			gone := b.left.Put(dt, "", contact("Gone", "g@example.com", "Oslo"))
			b.left.Put(dt, "", contact("Lead", "l@example.com", "Oslo"))
			cfg := b.config(sync.Pull)
			cfg.Filter = func(r sync.Record) bool { return r.Fields["Name"] != "Lead" }
			cfg.Deletes = sync.DeletePolicy{Mode: tc.mode, RightFlag: "deleted_in_crm"}
			p := b.pipeline(t, cfg)
			rep := run(t, p)
			require.Equal(t, 2, rep.Counts.Created)
			require.Equal(t, 1, rep.Skipped, "the filtered record")

			b.tick()
			require.NoError(t, b.left.Delete(dt, gone.ID))
			run(t, p)
			require.Equal(t, tc.wantRight, b.right.Len(dt))
			flagged := 0
			for _, r := range b.right.Records(dt) {
				if r.Fields["deleted_in_crm"] == true {
					flagged++
				}
			}
			require.Equal(t, tc.wantFlag, flagged == 1)

			// The tombstoned link keeps the pair apart from now on.
			links, err := b.store.Links(context.Background(), p.Name(), store.Left, []string{gone.ID, keep.ID})
			require.NoError(t, err)
			require.True(t, links[gone.ID].Deleted)
			require.False(t, links[keep.ID].Deleted)
		})
	}
}

// drain runs a queue worker with the pipeline's handlers until the queue
// has nothing ready or scheduled.
func drain(t *testing.T, q queue.Queue, now func() time.Time, pipelines ...*sync.Pipeline) {
	t.Helper()
	w, err := queue.NewWorker(q, &queue.WorkerConfig{PollInterval: time.Millisecond, Now: now, Backoff: func(int) time.Duration { return 0 }})
	require.NoError(t, err)
	require.NoError(t, sync.RegisterJobs(w, pipelines...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := q.Stats(context.Background())
		require.NoError(t, err)
		tot := st.Total()
		if tot.Ready == 0 && tot.Scheduled == 0 && tot.Running == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the queue did not drain: %+v", tot)
		time.Sleep(time.Millisecond)
	}
	cancel()
	require.NoError(t, <-done)
}

// When the mapping changes (a picklist value is renamed in the target), the
// next write of a record carries the field the new mapping maps
// differently, even though its source value did not change: the target
// must end as the current mapping says.
func TestPullWritesWhatAChangedMappingMapsDifferently(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mapping := func(won string) *transform.Mapping {
		m, err := transform.New("deals", []transform.Rule{
			transform.Field("Name", "name"),
			transform.Field("Stage", "stage", transform.Picklist(map[string]string{"Won": won, "Lost": "lost"})),
		}, nil)
		require.NoError(t, err)
		return m
	}
	deal := b.left.Put(dt, "", map[string]any{"Name": "Big deal", "Stage": "Won"})
	cfg := b.config(sync.Pull)
	cfg.Mapping = mapping("won")
	run(t, b.pipeline(t, cfg))
	synctest.AssertRecords(t, b.right, dt, []map[string]any{{"name": "Big deal", "stage": "won"}})

	// The ERP renames its stage; the pipeline is redeployed with the new
	// mapping, and the deal is edited.
	cfg.Mapping = mapping("closed-won")
	p := b.pipeline(t, cfg)
	b.tick()
	update(t, b.left, deal.ID, map[string]any{"Name": "Bigger deal"})
	run(t, p)
	synctest.AssertRecords(t, b.right, dt, []map[string]any{{"name": "Bigger deal", "stage": "closed-won"}})
	synctest.RequireConverged(t, b.left, dt, b.right, dt, cfg.Mapping)
}

// emailUpsert is a target that upserts customers on their email: a create
// of an email it holds already updates that customer instead.
type emailUpsert struct{ *synctest.Adapter }

func (s emailUpsert) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	var out []sync.Result
	for _, op := range ops {
		for _, r := range s.Records(dataType) {
			if op.Kind == sync.OpCreate && r.Fields["email"] == op.Fields["email"] {
				op = sync.Op{Kind: sync.OpUpdate, ID: r.ID, Fields: op.Fields}
			}
		}
		res, err := s.Adapter.Write(ctx, dataType, []sync.Op{op})
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// A target that answers a create with a record synced before (it merged
// the two) fails that record alone: linking it would fail the whole
// checkpoint, and every run after it.
func TestPullCreateAnsweredWithALinkedRecordFailsAlone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ana := b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	b.tick()
	cfg := b.config(sync.Pull)
	cfg.Right.Sink = emailUpsert{b.right}
	p := b.pipeline(t, cfg)
	run(t, p)
	b.tick()
	twin := b.left.Put(dt, "", contact("Ana twin", "ana@example.com", "Paris"))
	b.left.Put(dt, "", contact("Bob", "bob@example.com", "Rome"))
	b.left.Put(dt, "", contact("Bo", "bob@example.com", "Rome")) // the same merge within one batch

	rep := run(t, p)
	require.Equal(t, store.RunPartial, rep.Status)
	require.Equal(t, 2, rep.Counts.Failed)
	require.Equal(t, twin.ID, rep.Failures[0].SourceID)
	require.ErrorIs(t, rep.Failures[0].Err, store.ErrConflictingLink)
	require.Contains(t, rep.Failures[0].Reason, ana.ID)
	links, err := b.store.Links(context.Background(), p.Name(), store.Left, []string{ana.ID})
	require.NoError(t, err)
	require.Equal(t, b.right.Records(dt)[0].ID, links[ana.ID].RightID, "the first pair keeps its link")
	require.Equal(t, 2, b.right.Len(dt))

	rep = run(t, p)
	require.Equal(t, store.RunPartial, rep.Status, "the next run is not stopped either")
}
