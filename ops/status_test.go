package ops

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
)

func TestPipelineStatusRules(t *testing.T) {
	t.Parallel()
	type run struct {
		ago    time.Duration // finished this long before now
		status store.RunStatus
		dry    bool
	}
	ok := func(ago time.Duration) run { return run{ago: ago, status: store.RunSucceeded} }
	failed := func(ago time.Duration) run { return run{ago: ago, status: store.RunFailed} }
	const quarter = 15 * time.Minute
	tests := []struct {
		name      string
		interval  time.Duration
		paused    bool
		grace     time.Duration
		failAfter int
		runs      []run // any order
		running   bool  // a run is under way besides
		want      Status
	}{
		{name: "no run", interval: quarter, want: StatusNeverRun},
		{name: "only a dry run", interval: quarter, runs: []run{{ago: time.Minute, status: store.RunSucceeded, dry: true}}, want: StatusNeverRun},
		{name: "first run under way", interval: quarter, running: true, want: StatusNeverRun},
		{name: "paused wins over never run", interval: quarter, paused: true, want: StatusPaused},
		{name: "paused wins over failing", interval: quarter, paused: true, runs: []run{failed(time.Hour), failed(2 * time.Hour)}, want: StatusPaused},
		{name: "recent success", interval: quarter, runs: []run{ok(5 * time.Minute)}, want: StatusHealthy},
		{name: "success exactly one interval ago", interval: quarter, runs: []run{ok(quarter)}, want: StatusHealthy},
		{name: "no success within one interval", interval: quarter, runs: []run{ok(quarter + time.Second)}, want: StatusLate},
		{name: "no success within two intervals", interval: quarter, runs: []run{ok(2*quarter + time.Second)}, want: StatusFailing},
		{name: "grace keeps it healthy", interval: quarter, grace: 5 * time.Minute, runs: []run{ok(18 * time.Minute)}, want: StatusHealthy},
		{name: "late past the grace", interval: quarter, grace: 5 * time.Minute, runs: []run{ok(21 * time.Minute)}, want: StatusLate},
		{name: "partial run counts as success", interval: quarter, runs: []run{{ago: 5 * time.Minute, status: store.RunPartial}}, want: StatusHealthy},
		{name: "one failure after a recent success", interval: time.Hour, runs: []run{ok(50 * time.Minute), failed(10 * time.Minute)}, want: StatusHealthy},
		{name: "last two runs failed", interval: time.Hour, runs: []run{ok(50 * time.Minute), failed(30 * time.Minute), failed(10 * time.Minute)}, want: StatusFailing},
		{name: "success after failures", interval: time.Hour, runs: []run{failed(30 * time.Minute), failed(20 * time.Minute), ok(10 * time.Minute)}, want: StatusHealthy},
		{name: "failed and never succeeded", interval: time.Hour, runs: []run{failed(time.Minute)}, want: StatusFailing},
		{name: "dry runs do not break a failure streak", interval: time.Hour, runs: []run{ok(50 * time.Minute), failed(30 * time.Minute),
			{ago: 20 * time.Minute, status: store.RunSucceeded, dry: true}, failed(10 * time.Minute)}, want: StatusFailing},
		{name: "unscheduled: old success is fine", runs: []run{ok(72 * time.Hour)}, want: StatusHealthy},
		{name: "unscheduled: two failures", runs: []run{ok(72 * time.Hour), failed(2 * time.Hour), failed(time.Hour)}, want: StatusFailing},
		{name: "FailAfterRuns 3 tolerates two", failAfter: 3, runs: []run{ok(72 * time.Hour), failed(2 * time.Hour), failed(time.Hour)}, want: StatusHealthy},
		{name: "FailAfterRuns 3 reached", failAfter: 3, runs: []run{ok(72 * time.Hour), failed(3 * time.Hour), failed(2 * time.Hour), failed(time.Hour)}, want: StatusFailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(o *Options) {
				o.Grace = tt.grace
				o.FailAfterRuns = tt.failAfter
			})
			p := PipelineInfo{Name: "p", Strategy: "pull", DataType: "contacts", LeftSystem: "CRM", RightSystem: "ERP",
				Interval: tt.interval, Paused: tt.paused}
			b.setPipelines(p)
			now := t0.Add(100 * time.Hour)
			ctx := context.Background()
			for _, r := range tt.runs {
				finished := now.Add(-r.ago)
				id, err := b.st.StartRun(ctx, "p", finished.Add(-time.Minute), r.dry)
				require.NoError(t, err)
				require.NoError(t, b.st.FinishRun(ctx, store.Run{ID: id, Finished: finished, Status: r.status}))
			}
			if tt.running {
				_, err := b.st.StartRun(ctx, "p", now.Add(-time.Minute), false)
				require.NoError(t, err)
			}
			b.clock.Set(now)

			var got struct{ Pipeline PipelineView }
			b.getJSON("/api/pipelines/p", &got)
			require.Equal(t, tt.want, got.Pipeline.Status, "reason: %s", got.Pipeline.StatusReason)
			require.NotEmpty(t, got.Pipeline.StatusReason)
		})
	}
}

func TestStatusFollowsTheClock(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.setPipelines(PipelineInfo{Name: "p", Strategy: "pull", DataType: "contacts", Interval: 10 * time.Minute})
	b.run("p", t0, store.RunSucceeded, store.Counts{Read: 3}, "")
	finished := t0.Add(time.Minute)
	for _, step := range []struct {
		at   time.Duration
		want Status
	}{{5 * time.Minute, StatusHealthy}, {11 * time.Minute, StatusLate}, {21 * time.Minute, StatusFailing}} {
		b.clock.Set(finished.Add(step.at))
		var got struct{ Pipeline PipelineView }
		b.getJSON("/api/pipelines/p", &got)
		require.Equal(t, step.want, got.Pipeline.Status, "at +%s", step.at)
	}
}

func TestHumanDurations(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		42 * time.Second:               "42s",
		3*time.Minute + 10*time.Second: "3m 10s",
		15 * time.Minute:               "15m",
		2*time.Hour + 5*time.Minute:    "2h 5m",
		3*24*time.Hour + 4*time.Hour:   "3d 4h",
		48 * time.Hour:                 "2d",
	} {
		require.Equal(t, want, human(d), d.String())
	}
	require.Equal(t, "never", ago(t0, time.Time{}))
	require.Equal(t, "5m ago", ago(t0, t0.Add(-5*time.Minute)))
	require.Equal(t, "in 1h", ago(t0, t0.Add(time.Hour)))
}
