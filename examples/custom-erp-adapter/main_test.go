package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example's output is its contract: a backfill, a quiet run, and one
// write for one changed phone.
func TestRun(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	t.Log("\n" + got)

	for _, line := range []string{
		"run (backfill): read 2, created 2, updated 0, unchanged 0; ERP writes 2\n",
		"run (nothing changed): read 2, created 0, updated 0, unchanged 2; ERP writes 0\n",
		"run (a phone changed): read 2, created 0, updated 1, unchanged 1; ERP writes 1\n",
		"ERP customer C-0001: Ana Silva <ana@zylker.com> +55 11 5555 0199\n",
		"ERP customer C-0002: Ravi Kumar <ravi@zylker.com> \n",
	} {
		require.Contains(t, got, line)
	}
}
