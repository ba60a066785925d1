package queue

import (
	"container/heap"
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// heartbeat extends a running job's lease every HeartbeatInterval until it
// is stopped. The mutex makes stop wait for an Extend in progress, so no
// Extend runs after the job's result is recorded.
type heartbeat struct {
	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
	lost    bool
}

// startHeartbeat starts extending j's lease. When the queue answers
// ErrLeaseLost it cancels the handler's context with that cause and stops.
// Other errors are logged and the next beat tries again.
func (w *Worker) startHeartbeat(ctx context.Context, j Job, cancel context.CancelCauseFunc) *heartbeat {
	hb := &heartbeat{}
	interval := w.cfg.HeartbeatInterval
	beat := func() {
		hb.mu.Lock()
		defer hb.mu.Unlock()
		if hb.stopped {
			return
		}
		ectx, ecancel := context.WithTimeout(ctx, interval)
		err := w.q.Extend(ectx, j, w.cfg.Lease)
		ecancel()
		switch {
		case errors.Is(err, ErrLeaseLost):
			hb.lost = true
			w.logJob(slog.LevelWarn, "queue: lease lost; cancelling the handler", j, "err", err)
			cancel(err)
			return
		case err != nil:
			w.logJob(slog.LevelWarn, "queue: extending the lease failed; trying again at the next beat", j, "err", err)
		}
		hb.timer.Reset(interval)
	}
	hb.mu.Lock()
	hb.timer = time.AfterFunc(interval, beat)
	hb.mu.Unlock()
	return hb
}

// stop ends the heartbeat and reports whether the lease was lost.
func (hb *heartbeat) stop() (lost bool) {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	hb.stopped = true
	hb.timer.Stop()
	return hb.lost
}

// timeHeap is a min-heap of times: the retry times a Worker waits for.
type timeHeap []time.Time

func (h timeHeap) Len() int           { return len(h) }
func (h timeHeap) Less(i, j int) bool { return h[i].Before(h[j]) }
func (h timeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timeHeap) Push(x any)        { *h = append(*h, x.(time.Time)) }
func (h *timeHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

func (h *timeHeap) push(t time.Time) { heap.Push(h, t) }

// min returns the earliest time, if any.
func (h timeHeap) min() (time.Time, bool) {
	if len(h) == 0 {
		return time.Time{}, false
	}
	return h[0], true
}

// dropUntil removes the times not after now: a claim at now covered them.
func (h *timeHeap) dropUntil(now time.Time) {
	for len(*h) > 0 && !(*h)[0].After(now) {
		heap.Pop(h)
	}
}

// stack returns the calling goroutine's stack, for PanicError.
func stack() []byte { return debug.Stack() }
