package queuetest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/queue/queuetest"
)

// Run checks a queue implementation against the queue contract, one
// subtest per rule. Here the queue is the in-memory one; yours comes from
// your package, built fresh for each test and reading the time only through
// now, so the suite can move time without sleeping.
func ExampleRun() {
	// In your queue's package:
	TestQueueConformance := func(t *testing.T) {
		queuetest.Run(t, func(t *testing.T, now func() time.Time) queue.Queue {
			q, err := queue.NewMemory(&queue.MemoryOptions{Now: now}) // your queue
			require.NoError(t, err)
			return q
		})
	}
	_ = TestQueueConformance
}
