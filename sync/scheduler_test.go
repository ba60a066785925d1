package sync_test

import (
	"context"
	"errors"
	"iter"
	gosync "sync"
	"sync/atomic"
	"testing"
	bubble "testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
)

// sequence returns a Rand that yields values in turn, then the last one.
func sequence(vs ...float64) func() float64 {
	var mu gosync.Mutex
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		v := vs[0]
		if len(vs) > 1 {
			vs = vs[1:]
		}
		return v
	}
}

func TestSchedulerRunsOnTheIntervalWithJitter(t *testing.T) {
	t.Parallel()
	bubble.Test(t, func(t *testing.T) {
		b := setup(t)
		var mu gosync.Mutex
		var starts []time.Duration
		cfg := b.config(sync.Pull)
		cfg.Interval = 10 * time.Minute
		cfg.Observer = sync.ObserverFuncs{OnRunStarted: func(info sync.RunInfo) {
			mu.Lock()
			defer mu.Unlock()
			starts = append(starts, info.Started.Sub(t0))
		}}
		p := b.pipeline(t, cfg)
		sched, err := sync.NewScheduler([]*sync.Pipeline{p}, &sync.SchedulerOptions{
			Clock: b.clock, Jitter: 0.2,
			// First run after 0.5×0.2×10m = 1m; then waits of ×0.8 and ×1.1.
			Rand: sequence(0.5, 0, 0.75),
		})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- sched.Run(ctx) }()
		got := func() []time.Duration {
			bubble.Wait()
			mu.Lock()
			defer mu.Unlock()
			return append([]time.Duration(nil), starts...)
		}

		require.Empty(t, got())
		b.clock.Advance(time.Minute)
		require.Equal(t, []time.Duration{time.Minute}, got())
		b.clock.Advance(8*time.Minute - time.Second)
		require.Len(t, got(), 1, "not before the jittered interval (8m)")
		b.clock.Advance(time.Second)
		require.Equal(t, []time.Duration{time.Minute, 9 * time.Minute}, got())
		b.clock.Advance(11 * time.Minute)
		require.Equal(t, []time.Duration{time.Minute, 9 * time.Minute, 20 * time.Minute}, got())

		cancel()
		require.NoError(t, <-done)
		runs, err := b.store.Runs(t.Context(), store.RunFilter{Pipeline: p.Name()})
		require.NoError(t, err)
		require.Len(t, runs, 3)
	})
}

// gate is a Source that blocks each read until released, and counts the
// reads in progress across replicas.
type gate struct {
	sync.Source
	inFlight, most atomic.Int32
	release        chan struct{}
}

func (g *gate) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		n := g.inFlight.Add(1)
		defer g.inFlight.Add(-1)
		for {
			m := g.most.Load()
			if n <= m || g.most.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-g.release:
		case <-ctx.Done():
			yield(sync.Change{}, ctx.Err())
			return
		}
		for ch, err := range g.Source.Changes(ctx, dataType, since) {
			if !yield(ch, err) {
				return
			}
		}
	}
}

func TestSchedulerReplicasNeverRunAPipelineAtOnce(t *testing.T) {
	t.Parallel()
	bubble.Test(t, func(t *testing.T) {
		b := setup(t)
		b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
		g := &gate{Source: b.left, release: make(chan struct{})}
		var busy, ran atomic.Int32
		onRun := func(_ *sync.Pipeline, _ sync.Report, err error) {
			switch {
			case errors.Is(err, sync.ErrBusy):
				busy.Add(1)
			case err == nil:
				ran.Add(1)
			case errors.Is(err, context.Canceled):
				// stopped by the end of the test
			default:
				t.Errorf("run failed: %v", err)
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg gosync.WaitGroup
		for _, owner := range []string{"replica-a", "replica-b"} {
			cfg := b.config(sync.Pull)
			cfg.Interval = time.Minute
			cfg.Owner = owner
			cfg.Left.Source = g
			p := b.pipeline(t, cfg)
			sched, err := sync.NewScheduler([]*sync.Pipeline{p}, &sync.SchedulerOptions{Clock: b.clock, Jitter: -1, OnRun: onRun})
			require.NoError(t, err)
			wg.Go(func() { require.NoError(t, sched.Run(ctx)) })
		}

		for range 6 {
			bubble.Wait()
			require.LessOrEqual(t, g.inFlight.Load(), int32(1))
			if g.inFlight.Load() == 1 {
				g.release <- struct{}{}
				bubble.Wait()
			}
			b.clock.Advance(time.Minute)
		}
		cancel()
		wg.Wait()
		require.Equal(t, int32(1), g.most.Load(), "never two runs at once")
		require.Positive(t, busy.Load(), "the replicas competed for the lease")
		require.GreaterOrEqual(t, ran.Load(), int32(3))
		require.Equal(t, 1, b.right.Len(dt))
	})
}

// stolenLease is a store whose leases another replica takes once stolen is
// set.
type stolenLease struct {
	store.Store
	stolen atomic.Bool
}

func (s *stolenLease) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if s.stolen.Load() {
		return false, nil
	}
	return s.Store.AcquireLease(ctx, name, owner, ttl)
}

func TestRunLeases(t *testing.T) {
	t.Parallel()
	t.Run("busy", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.pipeline(t, b.config(sync.Pull))
		ok, err := b.store.AcquireLease(t.Context(), "sync/"+p.Name(), "someone-else", time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = p.Run(t.Context())
		require.ErrorIs(t, err, sync.ErrBusy)
	})
	t.Run("lost while running", func(t *testing.T) {
		t.Parallel()
		bubble.Test(t, func(t *testing.T) {
			b := setup(t)
			b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
			st := &stolenLease{Store: b.store}
			g := &gate{Source: b.left, release: make(chan struct{})}
			cfg := b.config(sync.Pull)
			cfg.Store, cfg.Left.Source, cfg.LeaseTTL = st, g, 30*time.Second
			p := b.pipeline(t, cfg)
			done := make(chan error, 1)
			go func() {
				_, err := p.Run(t.Context())
				done <- err
			}()
			bubble.Wait()
			b.clock.Advance(10 * time.Second) // renewed
			bubble.Wait()
			st.stolen.Store(true)
			b.clock.Advance(10 * time.Second) // renewing fails: the run stops
			require.ErrorIs(t, <-done, sync.ErrLeaseLost)
			require.Zero(t, b.right.Len(dt))
		})
	})
}

// unreachableLease is a store whose lease renewals fail (the database is
// unreachable) once down is set.
type unreachableLease struct {
	store.Store
	down atomic.Bool
}

func (s *unreachableLease) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errors.New("injected: the database is unreachable")
	}
	return s.Store.AcquireLease(ctx, name, owner, ttl)
}

// A run that cannot renew its lease must stop before the lease ends, when
// another replica may take it: it cannot tell that nobody did.
func TestRunStopsWhenItCannotRenewItsLease(t *testing.T) {
	t.Parallel()
	bubble.Test(t, func(t *testing.T) {
		b := setup(t)
		b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
		st := &unreachableLease{Store: b.store}
		g := &gate{Source: b.left, release: make(chan struct{})}
		cfg := b.config(sync.Pull)
		cfg.Store, cfg.Left.Source, cfg.LeaseTTL = st, g, 30*time.Second
		p := b.pipeline(t, cfg)
		done := make(chan error, 1)
		go func() {
			_, err := p.Run(t.Context())
			done <- err
		}()
		bubble.Wait()
		b.clock.Advance(10 * time.Second) // renewed: the lease ends at 40s
		bubble.Wait()
		st.down.Store(true)
		b.clock.Advance(10 * time.Second) // 20s: renewing fails; the lease still holds
		bubble.Wait()
		require.Empty(t, done, "one failed renewal does not stop the run")
		b.clock.Advance(10 * time.Second) // 30s: the lease ends before the next renewal
		bubble.Wait()
		select {
		case err := <-done:
			require.ErrorIs(t, err, sync.ErrLeaseLost)
		default:
			g.release <- struct{}{}
			<-done
			t.Fatal("the run went on although its lease could not be renewed before it ended")
		}
		require.Zero(t, b.right.Len(dt))
	})
}

func TestNewSchedulerValidates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	unscheduled := b.pipeline(t, b.config(sync.Pull))
	_, err := sync.NewScheduler([]*sync.Pipeline{unscheduled, nil}, &sync.SchedulerOptions{Jitter: 2})
	require.ErrorContains(t, err, "has no Interval")
	require.ErrorContains(t, err, "pipeline 1 is nil")
	require.ErrorContains(t, err, "Jitter")
}

func TestRunIsExclusiveInProcessToo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.left.Put(dt, "", contact("Ana", "ana@example.com", "Paris"))
	g := &gate{Source: b.left, release: make(chan struct{})}
	cfg := b.config(sync.Pull)
	cfg.Left.Source = g
	p := b.pipeline(t, cfg)
	done := make(chan error, 1)
	go func() {
		_, err := p.Run(t.Context())
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for g.inFlight.Load() == 0 {
		require.True(t, time.Now().Before(deadline))
		time.Sleep(time.Millisecond)
	}
	_, err := p.Run(t.Context())
	require.ErrorIs(t, err, sync.ErrBusy)
	g.release <- struct{}{}
	require.NoError(t, <-done)
}
