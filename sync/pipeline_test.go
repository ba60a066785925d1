package sync_test

import (
	"context"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/authority"
	"github.com/zohokit/zohokit/conflict"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/transform"
)

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := sync.New(sync.Config{BatchSize: -1, Lookback: -time.Second, Deletes: sync.DeletePolicy{Mode: "shred"}})
	var ce *sync.ConfigError
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, sync.ErrInvalidConfig)
	for _, want := range []string{"Name: required", "DataType: required", "Strategy: required", "Left.System: required",
		"Right.System: required", "Store: required", "Mapping: required", "BatchSize: -1 is negative", "Lookback: -1s is negative",
		`Deletes.Mode: unknown mode "shred"`} {
		require.Contains(t, err.Error(), want)
	}
}

func TestNewChecksTheStrategysNeeds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lossy, err := transform.New("lossy", []transform.Rule{
		transform.Field("Status", "status", transform.Picklist(map[string]string{"Won": "closed", "Lost": "closed"})),
		transform.Const("source", "crm"),
	}, nil)
	require.NoError(t, err)
	empty, err := transform.New("empty", nil, nil)
	require.NoError(t, err)
	oneWay, err := transform.New("one-way", []transform.Rule{transform.Field("Name", "name").OneWay()}, nil)
	require.NoError(t, err)

	cases := []struct {
		name   string
		change func(*sync.Config)
		want   []string
	}{
		{"pull without a source", func(c *sync.Config) { c.Strategy = sync.Pull; c.Left.Source = nil },
			[]string{"Left.Source: required for pull pipelines"}},
		{"pull with a queue needs a reader", func(c *sync.Config) {
			c.Strategy, c.Left.Reader = sync.Pull, nil
			c.Queue = mustQueue(t)
		}, []string{"Left.Reader: required when a Queue is set"}},
		{"push without a reader", func(c *sync.Config) { c.Strategy = sync.Push; c.Left.Reader = nil },
			[]string{"Left.Reader: required for push pipelines"}},
		{"bidirectional needs everything", func(c *sync.Config) { c.Right.Sink, c.Left.Reader = nil, nil },
			[]string{"Right.Sink: required for bidirectional", "Left.Reader: required for bidirectional"}},
		{"bidirectional needs an invertible mapping", func(c *sync.Config) { c.Mapping = lossy },
			[]string{"Mapping: a bidirectional pipeline needs an invertible mapping", "Status", "source"}},
		{"bidirectional needs a resolver", func(c *sync.Config) { c.Resolver = nil },
			[]string{"Resolver: required for bidirectional pipelines"}},
		{"one resolver only", func(c *sync.Config) {
			c.NewResolver = func(conflict.ReviewRecorder) (conflict.Resolver, error) { return mustLatest(t), nil }
		}, []string{"Resolver and NewResolver: set one, not both"}},
		{"manual review through NewResolver", func(c *sync.Config) {
			mr, err := conflict.NewManualReview(conflict.NewMemoryReviews())
			require.NoError(t, err)
			c.Resolver = mr
		}, []string{"Resolver: a conflict.ManualReview records reviews"}},
		{"flags need their fields", func(c *sync.Config) { c.Deletes.Mode = sync.DeleteFlag },
			[]string{"Deletes.RightFlag: required", "Deletes.LeftFlag: required"}},
		{"two names for the systems", func(c *sync.Config) { c.Right.System = "CRM" },
			[]string{`Left.System and Right.System are both "CRM"`}},
		{"a mapping that maps nothing", func(c *sync.Config) { c.Strategy, c.Resolver, c.Mapping = sync.Pull, nil, empty },
			[]string{"Mapping: maps no field"}},
		{"bidirectional needs a mapping back", func(c *sync.Config) { c.Mapping = oneWay },
			[]string{"Mapping: its inverse maps no field back"}},
		{"same database needs SQL store and queue", func(c *sync.Config) { c.SameDatabase = true },
			[]string{"SameDatabase: the Store does not implement store.TxCommitter", "SameDatabase: the Queue is nil"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := b.config(sync.Bidirectional)
			cfg.Resolver = mustLatest(t)
			tc.change(&cfg)
			_, err := sync.New(cfg)
			require.Error(t, err)
			for _, want := range tc.want {
				require.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestPipelineAdviceAndDescription(t *testing.T) {
	t.Parallel()
	b := setup(t)
	table, err := authority.New(authority.Config{
		Systems: []authority.System{{Name: "CRM"}, {Name: "ERP"}},
		Rules:   []authority.Rule{{DataType: dt, System: "CRM"}},
	})
	require.NoError(t, err)
	cfg := b.config(sync.Bidirectional)
	cfg.Resolver = mustLatest(t)
	cfg.Authority = table
	cfg.Interval = 15 * time.Minute
	p := b.pipeline(t, cfg)
	require.Len(t, p.Advice(), 1)
	require.Equal(t, authority.OneWayWouldDo, p.Advice()[0].Kind)

	d := p.Describe()
	require.Equal(t, sync.Description{
		Name: cfg.Name, DataType: dt, Strategy: sync.Bidirectional, Left: "CRM", Right: "ERP",
		Interval: 15 * time.Minute, BatchSize: 10, Deletes: sync.DeleteIgnore, Mapping: b.mapping.Name(),
		Advice: []string{p.Advice()[0].String()},
	}, d)
}

func TestObserverSeesRunsRecordsAndConflicts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var started, finished int
	outcomes := map[sync.Outcome]int{}
	var conflicts []sync.ConflictReport
	cfg := b.config(sync.Bidirectional)
	cfg.Resolver = mustLatest(t)
	cfg.Observer = sync.ObserverFuncs{
		OnRunStarted:  func(sync.RunInfo) { started++ },
		OnRunFinished: func(_ sync.RunInfo, r sync.Report) { finished++ },
		OnRecord:      func(e sync.RecordEvent) { outcomes[e.Outcome]++ },
		OnConflict:    func(_ string, c sync.ConflictReport) { conflicts = append(conflicts, c) },
	}
	p := b.pipeline(t, cfg)
	l, r := b.pair(t, p, contact("Ana", "ana@example.com", "Paris"))
	update(t, b.left, l, map[string]any{"City": "Lyon"})
	b.tick()
	update(t, b.right, r, map[string]any{"address": map[string]any{"city": "Rome"}})
	run(t, p)
	_, err := p.Plan(context.Background()) // not observed
	require.NoError(t, err)

	require.Equal(t, 2, started)
	require.Equal(t, 2, finished)
	require.Equal(t, map[sync.Outcome]int{sync.OutcomeCreated: 1, sync.OutcomeEcho: 2, sync.OutcomeUpdated: 1}, outcomes)
	require.Len(t, conflicts, 1)
	require.Equal(t, "City", conflicts[0].Conflict.Field)
}

// opaqueSource hides the adapter's time cursors behind an opaque format,
// and rewinds them when asked.
type opaqueSource struct {
	sync.Source
	rewound []time.Duration
}

func (s *opaqueSource) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	inner := sync.Cursor("")
	if since != "" {
		inner = since[len("pos:"):]
	}
	return func(yield func(sync.Change, error) bool) {
		for ch, err := range s.Source.Changes(ctx, dataType, inner) {
			ch.Cursor = "pos:" + ch.Cursor
			if !yield(ch, err) {
				return
			}
		}
	}
}

type rewindingSource struct{ *opaqueSource }

func (s rewindingSource) Rewind(c sync.Cursor, d time.Duration) sync.Cursor {
	s.rewound = append(s.rewound, d)
	t, _, _ := sync.ParseTimeCursor(c[len("pos:"):])
	return "pos:" + sync.TimeCursor(t.Add(-d), "")
}

func TestLookbackOnOpaqueCursors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	opaque := &opaqueSource{Source: b.left}
	cfg := b.config(sync.Pull)
	cfg.Lookback = time.Minute
	cfg.Left.Source = opaque
	p := b.pipeline(t, cfg)
	run(t, p)
	rep := run(t, p)
	require.Len(t, rep.Warnings, 1)
	require.Contains(t, rep.Warnings[0], "lookback of 1m0s not applied")

	cfg.Left.Source = rewindingSource{opaque}
	p = b.pipeline(t, cfg)
	rep = run(t, p)
	require.Empty(t, rep.Warnings)
	require.Equal(t, []time.Duration{time.Minute}, opaque.rewound)
	require.Equal(t, 1, rep.Counts.Unchanged, "the record in the window was read again")
}

func TestTimeCursor(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 10, 0, 0, 5, time.FixedZone("CET", 3600))
	c := sync.TimeCursor(at, "000042")
	require.Equal(t, sync.Cursor("2026-03-02T09:00:00.000000005Z|000042"), c)
	got, tb, ok := sync.ParseTimeCursor(c)
	require.True(t, ok)
	require.True(t, got.Equal(at))
	require.Equal(t, "000042", tb)
	for _, bad := range []sync.Cursor{"", "lsn:42", "2026-13-01"} {
		_, _, ok := sync.ParseTimeCursor(bad)
		require.False(t, ok, bad)
	}
}

func TestIsRetryable(t *testing.T) {
	t.Parallel()
	require.False(t, sync.IsRetryable(nil))
	require.False(t, sync.IsRetryable(errors.New("plain")))
	require.True(t, sync.IsRetryable(context.DeadlineExceeded))
	require.True(t, sync.IsRetryable(errors.Join(errors.New("x"), retryErr{true})))
	require.False(t, sync.IsRetryable(retryErr{false}))
}

type retryErr struct{ retry bool }

func (e retryErr) Error() string   { return "retry?" }
func (e retryErr) Retryable() bool { return e.retry }
