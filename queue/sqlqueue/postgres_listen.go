package sqlqueue

import (
	"context"
	"time"
)

// Reconnect delays of the listener after an error: doubling from the first
// to the last.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
)

// Subscribe implements queue.Notifier. The first call starts a listener on a
// connection of its own (taken from the pool and then owned by the queue
// until Close), which signals subscribers on every notification from any
// process. After connecting and after every reconnect, it signals once, since
// jobs may have been enqueued while it was not listening.
func (q *Postgres) Subscribe() (<-chan struct{}, func()) {
	ch, cancel := q.hub.subscribe()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.listenCancel == nil && !q.closed {
		ctx, stop := context.WithCancel(context.Background())
		q.listenCancel = stop
		q.listenDone = make(chan struct{})
		go q.listen(ctx, q.listenDone)
	}
	return ch, cancel
}

// listen keeps a LISTEN connection until ctx ends, reconnecting after errors.
func (q *Postgres) listen(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	delay := listenRetryMin
	for {
		err := q.listenOnce(ctx, func() { delay = listenRetryMin })
		if ctx.Err() != nil {
			return
		}
		q.cfg.log.WarnContext(ctx, "sqlqueue: notification listener failed; reconnecting", "err", err, "after", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(2*delay, listenRetryMax)
	}
}

// listenOnce listens on one connection until it fails or ctx ends.
func (q *Postgres) listenOnce(ctx context.Context, connected func()) error {
	pc, err := q.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection leaves the pool for good: a LISTEN session must not be
	// handed to other users, and it is closed rather than returned.
	conn := pc.Hijack()
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(closeCtx) //nolint:errcheck // closing a connection we are done with
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	connected()
	q.hub.signal()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		q.hub.signal()
	}
}
