// Webhook-receiver receives Zoho CRM notifications on a local HTTP server
// and hands them to a queue worker.
//
// It shows:
//
//   - a notification channel enabled through the CRM's Watch API, so that
//     Zoho (here the fake) POSTs a callback for every change of a deal;
//   - webhook.NewCRMReceiver: it checks the channel's token, enqueues one
//     webhook.record_event job per changed record and answers at once;
//   - a redelivered notification answered 200 without a second job, and a
//     forged one (wrong token) refused with 401;
//   - a queue worker consuming the jobs: it reads each record from the CRM
//     and acts on it (here it prints it; webhook.RegisterPush pushes the
//     records through sync pipelines instead, as in examples/deal-to-invoice).
//
// Run it with
//
//	go run ./examples/webhook-receiver
//
// It runs offline: zohotest stands in for Zoho CRM and delivers real
// callbacks to the receiver, and the queue is a SQLite file in a temporary
// directory.
//
// To point it at your Zoho, build the client from your own credentials and
// data centre instead of the fake's (keep the secrets in the environment),
// serve the receiver on a public https URL, and give the channel a random
// token of your own:
//
//	zc, err := zoho.New(zoho.Config{
//		ClientID:     os.Getenv("ZOHO_CLIENT_ID"),
//		ClientSecret: os.Getenv("ZOHO_CLIENT_SECRET"),
//		RefreshToken: os.Getenv("ZOHO_REFRESH_TOKEN"),
//		DataCenter:   zoho.EU.DataCenter(),
//	})
//	token := os.Getenv("ZOHO_CHANNEL_TOKEN") // at most 50 characters
//
// Channels expire (after a week at most): crm.WatchService.NewRenewer keeps
// them alive.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/zohokit/zohokit/queue/sqlqueue"
	"github.com/zohokit/zohokit/webhook"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

// channelToken is what Zoho echoes in every callback of the channel: the
// receiver's proof that a callback comes from Zoho, which signs nothing.
// Keep yours secret (an environment variable), random and ≤ 50 characters.
const channelToken = "example-token-3b9f1c2e"

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-receiver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	srv, err := zohotest.Start(nil)
	if err != nil {
		return err
	}
	defer srv.Close()
	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		return err
	}
	crmClient, err := crm.New(zc, nil)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "webhook-receiver")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	q, err := sqlqueue.OpenSQLite(ctx, filepath.Join(dir, "queue.db"), nil)
	if err != nil {
		return err
	}
	defer q.Close()

	// The receiver, on a local HTTP server.
	receiver, err := webhook.NewCRMReceiver(q, &webhook.CRMOptions{Token: channelToken})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /zoho/crm/notify", receiver)
	notifyURL, stopServer, err := serve(mux)
	if err != nil {
		return err
	}
	defer stopServer()

	// Ask Zoho to notify every change of a deal.
	_, _, err = crm.NewWatch(crmClient).Enable(ctx, crm.Watch{
		ChannelID: 1001, Events: []string{"Deals.all"}, NotifyURL: notifyURL, Token: channelToken,
		ChannelExpiry: time.Now().Add(24 * time.Hour),
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "channel 1001 enabled: Zoho notifies every change of Deals")

	// A salesperson creates a deal and wins it: two notifications.
	deal, err := srv.CRM().Put("Deals", zohotest.Record{"Deal_Name": "Zylker rollout", "Stage": "Negotiation"})
	if err != nil {
		return err
	}
	if _, err := srv.CRM().Update("Deals", deal["id"].(string), zohotest.Record{"Stage": "Closed Won"}); err != nil {
		return err
	}
	if err := srv.CRM().WaitDeliveries(ctx); err != nil {
		return err
	}
	deliveries := srv.CRM().Deliveries()
	if len(deliveries) != 2 {
		return fmt.Errorf("zoho delivered %d notifications, want 2", len(deliveries))
	}
	for _, d := range deliveries {
		n, err := crm.ParseNotification(d.Body)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Zoho notified %s %s: the receiver answered %d\n", n.Module, n.RawOperation, d.Status)
	}
	if err := printQueue(ctx, out, q); err != nil {
		return err
	}

	// Zoho delivers the last notification again (it timed out waiting for
	// our answer, say): answered 200, and no second job.
	status, _, err := post(ctx, notifyURL, deliveries[len(deliveries)-1].Body)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the same notification again: answered %d\n", status)
	if err := printQueue(ctx, out, q); err != nil {
		return err
	}

	// Someone who found the URL, but not the token, is refused.
	forged, err := withToken(deliveries[0].Body, "guessed-token")
	if err != nil {
		return err
	}
	status, reason, err := post(ctx, notifyURL, forged)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "a notification with a wrong token: answered %d %s\n", status, reason)

	// The worker takes the jobs: until now they waited in the queue, which
	// is why the receiver could answer Zoho at once.
	if err := work(ctx, out, q, crmClient, len(deliveries)); err != nil {
		return err
	}

	c := receiver.Counts()
	fmt.Fprintf(out, "receiver: %d requests, %d accepted, %d duplicate, %d refused as bad_token; %d jobs enqueued\n",
		c.Received, c.Accepted, c.Duplicate, c.Refused[webhook.ReasonBadToken], c.JobsEnqueued)
	return nil
}

// serve serves h on a free local port and returns the notify URL and a
// function that stops the server.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "webhook-receiver: server:", err)
		}
	}
	return "http://" + ln.Addr().String() + "/zoho/crm/notify", stop, nil
}
