package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example's output is its contract: real callbacks accepted, the
// redelivery deduplicated, the forgery refused, and each event handled once.
func TestRun(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	t.Log("\n" + got)

	for _, line := range []string{
		"Zoho notified Deals insert: the receiver answered 200\n",
		"Zoho notified Deals update: the receiver answered 200\n",
		"the same notification again: answered 200\nqueue: 2 record events waiting\n",
		"a notification with a wrong token: answered 401 bad_token\n",
		"worker: create Deals ",
		"worker: update Deals ",
		`"Zylker rollout" is now Closed Won`,
		"receiver: 4 requests, 2 accepted, 1 duplicate, 1 refused as bad_token; 2 jobs enqueued\n",
	} {
		require.Contains(t, got, line)
	}
	require.NotContains(t, got, channelToken, "the token is a secret")
}
