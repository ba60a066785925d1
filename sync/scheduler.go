package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	gosync "sync"
	"time"
)

// DefaultJitter is the jitter of a Scheduler whose options leave it zero.
const DefaultJitter = 0.1

// SchedulerOptions configures a Scheduler. The zero value is valid.
type SchedulerOptions struct {
	// Clock drives the schedule; nil means the system clock.
	Clock Clock
	// Jitter spreads runs: each wait is the pipeline's Interval times a
	// random factor in [1-Jitter, 1+Jitter), and the first run of each
	// pipeline comes a random fraction of Jitter×Interval after Run starts,
	// so that replicas and pipelines do not all run at the same moment.
	// Zero means DefaultJitter; negative means none. At most 0.9.
	Jitter float64
	// Rand returns random numbers in [0, 1) for the jitter; nil means
	// math/rand/v2.
	Rand func() float64
	// Logger receives a line per run that failed or was skipped; nil
	// discards them.
	Logger *slog.Logger
	// OnRun, when set, is called after each scheduled run attempt with its
	// report and error (ErrBusy when another replica held the lease; an
	// error wrapping the context's when Run's context ended).
	OnRun func(p *Pipeline, r Report, err error)
}

// Scheduler runs pipelines on their intervals, each under its lease (see
// Pipeline.Run), so that several replicas of a service can run the same
// Scheduler and each pipeline still runs in one place at a time: a replica
// that finds the lease held skips that turn.
type Scheduler struct {
	pipelines []*Pipeline
	clock     Clock
	jitter    float64
	rand      func() float64
	log       *slog.Logger
	onRun     func(*Pipeline, Report, error)

	mu      gosync.Mutex
	started bool
}

// NewScheduler returns a Scheduler of pipelines, which must each have an
// Interval and distinct names. opts may be nil.
func NewScheduler(pipelines []*Pipeline, opts *SchedulerOptions) (*Scheduler, error) {
	var o SchedulerOptions
	if opts != nil {
		o = *opts
	}
	var problems []error
	if len(pipelines) == 0 {
		problems = append(problems, errors.New("no pipelines"))
	}
	names := map[string]bool{}
	for i, p := range pipelines {
		switch {
		case p == nil:
			problems = append(problems, fmt.Errorf("pipeline %d is nil", i))
		case p.cfg.Interval <= 0:
			problems = append(problems, fmt.Errorf("pipeline %q has no Interval", p.cfg.Name))
		case names[p.cfg.Name]:
			problems = append(problems, fmt.Errorf("two pipelines are named %q", p.cfg.Name))
		default:
			names[p.cfg.Name] = true
		}
	}
	switch {
	case o.Jitter == 0:
		o.Jitter = DefaultJitter
	case o.Jitter < 0:
		o.Jitter = 0
	case o.Jitter > 0.9:
		problems = append(problems, fmt.Errorf("SchedulerOptions.Jitter is %v, must be at most 0.9", o.Jitter))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("sync: NewScheduler: %w", errors.Join(problems...))
	}
	if o.Clock == nil {
		o.Clock = SystemClock()
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{
		pipelines: append([]*Pipeline(nil), pipelines...), clock: o.Clock, jitter: o.Jitter,
		rand: o.Rand, log: o.Logger, onRun: o.OnRun,
	}, nil
}

// slot is one pipeline's schedule.
type slot struct {
	p       *Pipeline
	next    time.Time
	started time.Time
	running bool
}

// Run runs the schedule until ctx is done, then waits for the runs in
// progress (their contexts are cancelled with ctx) and returns nil. A
// pipeline runs at most once at a time per Scheduler; a run that takes
// longer than the interval is followed at once by the next.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("sync: Scheduler.Run was already called")
	}
	s.started = true
	s.mu.Unlock()

	now := s.clock.Now()
	slots := make([]*slot, len(s.pipelines))
	for i, p := range s.pipelines {
		slots[i] = &slot{p: p, next: now.Add(time.Duration(float64(p.cfg.Interval) * s.jitter * s.rand()))}
	}
	done := make(chan int, len(slots))
	running := 0
	for {
		if ctx.Err() != nil {
			for ; running > 0; running-- {
				<-done
			}
			return nil
		}
		now = s.clock.Now()
		var wait time.Duration = -1
		for i, sl := range slots {
			if sl.running {
				continue
			}
			if !sl.next.After(now) {
				sl.running, sl.started = true, now
				running++
				go s.runOne(ctx, i, sl.p, done)
				continue
			}
			if d := sl.next.Sub(now); wait < 0 || d < wait {
				wait = d
			}
		}
		var timer Timer
		var timerC <-chan time.Time
		if wait >= 0 {
			timer = s.clock.NewTimer(wait)
			timerC = timer.C()
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			for ; running > 0; running-- {
				<-done
			}
			return nil
		case i := <-done:
			running--
			sl := slots[i]
			sl.running = false
			sl.next = sl.started.Add(s.interval(sl.p.cfg.Interval))
		case <-timerC:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// interval returns d with the jitter applied.
func (s *Scheduler) interval(d time.Duration) time.Duration {
	f := 1 + s.jitter*(2*s.rand()-1)
	return time.Duration(float64(d) * f)
}

// runOne runs p once and reports on done.
func (s *Scheduler) runOne(ctx context.Context, i int, p *Pipeline, done chan<- int) {
	defer func() { done <- i }()
	rep, err := p.Run(ctx)
	switch {
	case errors.Is(err, ErrBusy):
		s.log.Debug("sync: scheduled run skipped: the pipeline runs elsewhere", "pipeline", p.cfg.Name)
	case err != nil && ctx.Err() != nil:
		s.log.Info("sync: scheduled run stopped: shutting down", "pipeline", p.cfg.Name, "err", err)
	case err != nil:
		s.log.Error("sync: scheduled run failed", "pipeline", p.cfg.Name, "err", err)
	}
	if s.onRun != nil {
		s.onRun(p, rep, err)
	}
}
