package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

type invoiceArgs struct {
	InvoiceID string `json:"invoice_id"`
	Amount    int    `json:"amount"`
}

func (invoiceArgs) Kind() string { return "send_invoice" }

type emptyKind struct{}

func (emptyKind) Kind() string { return "" }

type badPayload struct{ C chan int }

func (badPayload) Kind() string { return "bad" }

func TestNewJob(t *testing.T) {
	t.Parallel()
	runAt := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	j, err := queue.NewJob(invoiceArgs{InvoiceID: "INV-1", Amount: 42}, &queue.JobOptions{Key: "inv:INV-1", RunAt: runAt, MaxAttempts: 4})
	require.NoError(t, err)
	require.Equal(t, queue.Job{
		Kind: "send_invoice", Payload: []byte(`{"invoice_id":"INV-1","amount":42}`),
		Key: "inv:INV-1", RunAt: runAt, MaxAttempts: 4,
	}, j)

	j, err = queue.NewJob(invoiceArgs{}, nil)
	require.NoError(t, err, "nil options")
	require.Zero(t, j.MaxAttempts, "the queue applies its default")

	for _, tc := range []struct {
		args queue.Args
		opts *queue.JobOptions
		want string
	}{
		{nil, nil, "args is nil"},
		{emptyKind{}, nil, "empty Kind"},
		{(*ptrArgs)(nil), nil, "value receiver"},
		{invoiceArgs{}, &queue.JobOptions{MaxAttempts: -1}, "MaxAttempts"},
	} {
		_, err := queue.NewJob(tc.args, tc.opts)
		require.ErrorIs(t, err, queue.ErrInvalidJob)
		require.ErrorContains(t, err, tc.want)
	}
	_, err = queue.NewJob(badPayload{C: make(chan int)}, nil)
	require.ErrorContains(t, err, "encode bad job")
}

func TestCounters(t *testing.T) {
	t.Parallel()
	var c queue.Counters
	require.Empty(t, c.Snapshot(), "the zero value is ready")
	for _, e := range []queue.JobEvent{
		{Job: queue.Job{Kind: "a"}, Outcome: queue.OutcomeCompleted},
		{Job: queue.Job{Kind: "a"}, Outcome: queue.OutcomeCompleted},
		{Job: queue.Job{Kind: "a"}, Outcome: queue.OutcomeRetried},
		{Job: queue.Job{Kind: "b"}, Outcome: queue.OutcomeDead},
	} {
		c.JobDone(e)
	}
	snap := c.Snapshot()
	require.Equal(t, map[string]map[queue.Outcome]int64{
		"a": {queue.OutcomeCompleted: 2, queue.OutcomeRetried: 1},
		"b": {queue.OutcomeDead: 1},
	}, snap)
	snap["a"][queue.OutcomeCompleted] = 100
	require.EqualValues(t, 2, c.Snapshot()["a"][queue.OutcomeCompleted], "a snapshot is a copy")
}
