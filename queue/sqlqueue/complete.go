package sqlqueue

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/zohokit/zohokit/queue"
)

// maxCompleteBatch bounds the completions written by one statement.
const maxCompleteBatch = 1000

// completeTimeout bounds one batched completion statement. The callers'
// own contexts bound their waits; this bounds the shared write.
const completeTimeout = 30 * time.Second

// completer writes completions in batches, like a database's group commit:
// the first completion is written at once, and those that arrive while a
// write is in flight are written together by the next one. Nothing waits
// for a batch to fill, so a lone completion costs one round trip as before,
// while a busy worker pool completes in batches.
type completer struct {
	// completeMany marks the given claims (at most one per job) completed in
	// one transaction and returns the IDs it completed; the others lost
	// their lease.
	completeMany func(ctx context.Context, jobs []queue.Job) (map[int64]bool, error)

	mu       sync.Mutex
	pending  []*completion
	flushing bool
}

type completion struct {
	job  queue.Job
	done chan error // buffered: the flusher never blocks on it
}

func newCompleter(completeMany func(ctx context.Context, jobs []queue.Job) (map[int64]bool, error)) *completer {
	return &completer{completeMany: completeMany}
}

func (c *completer) complete(ctx context.Context, j queue.Job) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlqueue: complete job %d: %w", j.ID, err)
	}
	if unclaimed(j) {
		return leaseLost("complete", j)
	}
	req := &completion{job: j, done: make(chan error, 1)}
	c.mu.Lock()
	c.pending = append(c.pending, req)
	start := !c.flushing
	c.flushing = true
	c.mu.Unlock()
	if start {
		go c.flush()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("sqlqueue: complete job %d: %w", j.ID, ctx.Err())
	}
}

// flush writes batches until nothing is pending.
func (c *completer) flush() {
	for {
		c.mu.Lock()
		batch := c.take()
		if len(batch) == 0 {
			c.flushing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.write(batch)
	}
}

// take removes up to maxCompleteBatch pending completions, at most one per
// job (a second completion of the same job waits for the next batch, where
// it meets the first one's result). The caller holds mu.
func (c *completer) take() []*completion {
	var batch, rest []*completion
	seen := make(map[int64]bool, len(c.pending))
	for _, r := range c.pending {
		if len(batch) < maxCompleteBatch && !seen[r.job.ID] {
			seen[r.job.ID] = true
			batch = append(batch, r)
		} else {
			rest = append(rest, r)
		}
	}
	c.pending = rest
	// One lock order for every batch, so that two writers never deadlock.
	slices.SortFunc(batch, func(a, b *completion) int { return cmp.Compare(a.job.ID, b.job.ID) })
	return batch
}

func (c *completer) write(batch []*completion) {
	jobs := make([]queue.Job, len(batch))
	for i, r := range batch {
		jobs[i] = r.job
	}
	ctx, cancel := context.WithTimeout(context.Background(), completeTimeout)
	defer cancel()
	done, err := c.completeMany(ctx, jobs)
	for _, r := range batch {
		switch {
		case err != nil:
			r.done <- fmt.Errorf("sqlqueue: complete job %d: %w", r.job.ID, err)
		case !done[r.job.ID]:
			r.done <- leaseLost("complete", r.job)
		default:
			r.done <- nil
		}
	}
}
