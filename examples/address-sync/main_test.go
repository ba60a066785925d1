package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example's output is its contract: the plan, the address decided by
// the authority table, the phone held, resolved and applied, and a quiet
// run at the end.
func TestRun(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	t.Log("\n" + got)

	for _, line := range []string{
		"| customers: Shipping_Street, Shipping_City | ERP | The warehouse confirms delivery addresses. |\n",
		"plan for customers (bidirectional): read 2; create 2, update 0, delete 0; unchanged 0; conflicts 0; failures 0\n",
		"  create right (from ",
		"  create left (from 1): Account_Name, Phone, Shipping_City, Shipping_Street\n",
		"09:00 run: created 2, updated 0, conflicts 0\n",
		"09:30 run: created 0, updated 1, conflicts 2\n",
		"  conflict Shipping_City: take-right (ERP owns Shipping_City of customers by field override)\n",
		"  conflict Phone: hold (",
		"  CRM: Mumbai, 044 5555 | ERP: Mumbai, 044 7777\n",
		"review pending: Phone: CRM says 044 5555, ERP says 044 7777\n",
		"09:45 run: created 0, updated 1, conflicts 1\n",
		"  conflict Phone: take-left (review 1 decided by ops@example.com",
		"10:00 run: created 0, updated 0, conflicts 0\n",
		"  CRM: Mumbai, 044 5555 | ERP: Mumbai, 044 5555\n",
	} {
		require.Contains(t, got, line)
	}
	require.NotContains(t, got, "advice:", "the override makes the bidirectional flow the right one")
}
