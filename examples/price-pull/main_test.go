package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example's output is its contract: a backfill, a quiet run that costs
// no Zoho call, and one exact update for one changed price.
func TestRun(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	t.Log("\n" + got)

	for _, line := range []string{
		"09:00 run (backfill): read 3, created 3, updated 0, unchanged 0; Zoho calls 2 (writes 1)\n",
		"09:15 run (no ERP change): read 3, created 0, updated 0, unchanged 3; Zoho calls 0 (writes 0)\n",
		"09:30 run (after the price change): read 3, created 0, updated 1, unchanged 2; Zoho calls 1 (writes 1)\n",
		"CRM product P-1 Widget: 10.00\n",
		"CRM product P-2 Gadget: 1199.00\n",
		"CRM product P-3 Gizmo: 0.99\n",
	} {
		require.Contains(t, got, line)
	}
}
