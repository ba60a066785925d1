package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/webhook"
	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
)

// work runs a queue worker until it has handled n record events, printing
// what it did with each.
func work(ctx context.Context, out io.Writer, q queue.Queue, crmClient *crm.Client, n int) error {
	// One job at a time, so that the events are handled (and printed) in
	// the order they arrived; a service would use the default concurrency.
	w, err := queue.NewWorker(q, &queue.WorkerConfig{Concurrency: 1})
	if err != nil {
		return err
	}
	// Handlers run in the worker's goroutines: they send their lines here
	// for this goroutine to print.
	lines := make(chan string, n)
	err = queue.Handle(w, func(ctx context.Context, t *queue.Task[webhook.RecordEvent]) error {
		line, err := handleEvent(ctx, crmClient, t.Args)
		if err != nil {
			return err // the attempt fails, and the worker retries it later
		}
		lines <- line
		return nil
	}, nil)
	if err != nil {
		return err
	}

	wctx, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- w.Run(wctx) }()
	defer func() { stop(); <-stopped }()
	timeout := time.After(10 * time.Second)
	for range n {
		select {
		case line := <-lines:
			fmt.Fprintln(out, line)
		case <-timeout:
			return errors.New("the worker did not handle the events within 10 seconds")
		}
	}
	return nil
}

// handleEvent acts on one record event. Notifications say which record
// changed, not how it is now: the handler reads the record, so that an old
// event never writes stale data.
func handleEvent(ctx context.Context, crmClient *crm.Client, e webhook.RecordEvent) (string, error) {
	prefix := fmt.Sprintf("worker: %s %s %s", e.Operation, e.Module, e.RecordID)
	if e.Operation == webhook.OperationDelete {
		return prefix + ": deleted", nil
	}
	rec, _, err := crmClient.Records.Get(ctx, e.Module, e.RecordID, &crm.GetOptions{Fields: []string{"Deal_Name", "Stage"}})
	if errors.Is(err, zoho.ErrNotFound) {
		return prefix + ": no longer exists", nil // deleted since: nothing to do
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %q is now %s", prefix, rec["Deal_Name"], rec["Stage"]), nil
}

// printQueue prints how many jobs wait in the queue.
func printQueue(ctx context.Context, out io.Writer, q queue.Queue) error {
	st, err := q.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "queue: %d record events waiting\n", st.Kinds[webhook.KindRecordEvent].Ready)
	return nil
}

// post sends a notification body to the receiver, as Zoho does, and returns
// the answer's status and, for a refusal, its reason.
func post(ctx context.Context, url string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return 0, "", err
	}
	// A refusal's body is "reason: detail".
	reason, _, _ := strings.Cut(string(text), ":")
	return resp.StatusCode, reason, nil
}

// withToken returns a notification body with its token replaced.
func withToken(body []byte, token string) ([]byte, error) {
	var n map[string]any
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, err
	}
	n["token"] = token
	return json.Marshal(n)
}
