package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/sync/synctest"
	"github.com/zohokit/zohokit/transform"
)

func TestPullMappingFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owners := map[string]string{"u1": "SP-1"}
	m, err := transform.New("deals", []transform.Rule{
		transform.Field("Name", "name"),
		transform.Field("Stage", "stage", transform.Picklist(map[string]string{"Won": "won", "Lost": "lost"})),
		transform.Field("Owner", "salesperson", transform.Lookup(func(_ context.Context, id string) (string, error) {
			if code, ok := owners[id]; ok {
				return code, nil
			}
			return "", transform.ErrNotFound
		})),
	}, nil)
	require.NoError(t, err)
	b.left.Put(dt, "", map[string]any{"Name": "ok", "Stage": "Won", "Owner": "u1"})
	bad := b.left.Put(dt, "", map[string]any{"Name": "bad stage", "Stage": "Maybe", "Owner": "u1"})
	orphan := b.left.Put(dt, "", map[string]any{"Name": "no owner yet", "Stage": "Lost", "Owner": "u2"})
	cfg := b.config(sync.Pull)
	cfg.Mapping = m
	p := b.pipeline(t, cfg)

	rep := run(t, p)
	require.Equal(t, 1, rep.Counts.Created)
	require.Equal(t, 2, rep.Counts.Failed)
	byID := map[string]sync.Failure{}
	for _, f := range rep.Failures {
		byID[f.SourceID] = f
	}
	require.Contains(t, byID[bad.ID].Reason, "mapping:")
	require.Contains(t, byID[bad.ID].Reason, "Stage")
	require.False(t, byID[bad.ID].Retryable, "bad data needs a person")
	require.True(t, byID[orphan.ID].Retryable, "the owner may be synced later")
	require.Empty(t, byID[orphan.ID].Op, "it failed before any write")

	// Once the owner exists and the stage is fixed, the next run (the
	// cursor stayed before them) writes both.
	owners["u2"] = "SP-2"
	update(t, b.left, bad.ID, map[string]any{"Stage": "Won"})
	rep = run(t, p)
	require.Equal(t, 2, rep.Counts.Created)
	synctest.RequireConverged(t, b.left, dt, b.right, dt, m)
}

func TestBidiTimeValuesSurviveTheBase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m, err := transform.New("tasks", []transform.Rule{
		transform.Field("Subject", "title"),
		transform.Field("Due", "due"), // a time.Time passed through as is
		transform.Field("Amount", "amount", transform.Decimal()),
	}, nil)
	require.NoError(t, err)
	cfg := b.config(sync.Bidirectional)
	cfg.Mapping, cfg.Resolver = m, mustLatest(t)
	p := b.pipeline(t, cfg)
	due := time.Date(2026, 4, 1, 17, 0, 0, 0, time.FixedZone("IST", 19800))
	task := b.left.Put(dt, "", map[string]any{"Subject": "Call", "Due": due, "Amount": 12.5})
	b.tick()
	run(t, p)
	b.requireQuiet(t, p)

	// Another field changes: the time and the amount are not taken for
	// changes (the base kept the time as a time and the amount as a number).
	b.tick()
	r := b.right.Records(dt)[0]
	update(t, b.right, r.ID, map[string]any{"title": "Call back"})
	run(t, p)
	require.Equal(t, []sync.Op{{Kind: sync.OpUpdate, ID: task.ID, Fields: map[string]any{"Subject": "Call back"}}}, b.left.WrittenOps())
	b.requireQuiet(t, p)

	// The time changes on the right: a one-sided change (the base holds
	// the old time as a time), so no conflict.
	b.tick()
	later := due.Add(24 * time.Hour)
	update(t, b.right, r.ID, map[string]any{"due": later})
	rep := run(t, p)
	require.Zero(t, rep.Counts.Conflicted)
	got, _ := b.left.Record(dt, task.ID)
	require.True(t, later.Equal(got.Fields["Due"].(time.Time)))
	b.requireQuiet(t, p)
}

// badSink breaks the Sink contract: no IDs for creates, or (short) fewer
// results than ops.
type badSink struct {
	*synctest.Adapter
	short bool
}

func (s badSink) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	res, err := s.Adapter.Write(ctx, dataType, ops)
	for i := range res {
		res[i].ID = ""
	}
	if s.short {
		res = res[:len(res)-1]
	}
	return res, err
}

func TestSinkContractViolations(t *testing.T) {
	t.Parallel()
	for _, short := range []bool{false, true} {
		b := setup(t)
		b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
		b.left.Put(dt, "", contact("Bo", "bo@example.com", "Rome"))
		cfg := b.config(sync.Pull)
		cfg.Right.Sink = badSink{b.right, short}
		p := b.pipeline(t, cfg)
		rep := run(t, p)
		// Without the new IDs nothing can be linked: both records fail, the
		// cursor stays before them (and their keys keep a retry from
		// duplicating what was written).
		require.Equal(t, 2, rep.Counts.Failed, "short=%v", short)
		require.Contains(t, rep.Failures[0].Reason, sync.ErrSinkContract.Error())
		require.Empty(t, rep.Cursors)
	}
}
