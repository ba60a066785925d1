package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example's output is its contract: one invoice however often the
// event arrives, the amount exact, and the Books failure retried.
func TestRun(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	t.Log("\n" + got)

	for _, line := range []string{
		"deal in Negotiation: skipped 1, invoices 0\n",
		"delivery 1: created 1, unchanged 0\n",
		"delivery 2: created 0, unchanged 1\n",
		"delivery 3: created 0, unchanged 1\n",
		"invoices: 1; INV-000001 for Zylker Corp, total 4999.90, reference zk2-",
		"second deal: failed 1, parked 1 for retry\n",
		"retry job 1, attempt 1: retried\n",
		"retry job 1, attempt 2: completed\n",
		"invoices: 2; Books answered 500 2 times and created 2\n",
	} {
		require.Contains(t, got, line)
	}
}
