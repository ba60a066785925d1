package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/webhook"
)

// Mount a Zoho CRM notification receiver on a mux. Zoho posts to the
// channel's notify_url and echoes the channel's token; the receiver checks
// it, enqueues one job per record and answers at once. A worker then
// handles the RecordEvent jobs (here they are only claimed and printed).
func ExampleCRMReceiver() {
	q, err := queue.NewMemory(nil)
	if err != nil {
		log.Fatal(err)
	}
	crmHook, err := webhook.NewCRMReceiver(q, &webhook.CRMOptions{
		// The token given when the channel was enabled (POST /crm/v8/actions/watch).
		Token: "TOKEN_FOR_VERIFICATION_OF_1000000068001",
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/hooks/zoho-crm", crmHook)

	notification := `{
	  "server_time": 1772366400123,
	  "module": "Contacts",
	  "resource_uri": "https://www.zohoapis.eu/crm/v8/Contacts",
	  "ids": [4876876000000123451, "4876876000000123452"],
	  "operation": "edit",
	  "channel_id": 1000000068001,
	  "token": "TOKEN_FOR_VERIFICATION_OF_1000000068001"
	}`
	for range 2 { // Zoho may deliver the same notification twice.
		req := httptest.NewRequest(http.MethodPost, "/hooks/zoho-crm", strings.NewReader(notification))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}

	jobs, err := q.Claim(context.Background(), 10, queue.ClaimOptions{Kinds: []string{webhook.KindRecordEvent}})
	if err != nil {
		log.Fatal(err)
	}
	slices.SortFunc(jobs, func(a, b queue.Job) int { return strings.Compare(a.Key, b.Key) })
	for _, j := range jobs {
		var ev webhook.RecordEvent
		if err := json.Unmarshal(j.Payload, &ev); err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.Module, ev.RecordID, ev.Operation, ev.ServerTime.Format(time.RFC3339Nano))
	}
	// Output:
	// 200 accepted: 2 job(s) enqueued
	// 200 duplicate: already received
	// Contacts 4876876000000123451 update 2026-03-01T12:00:00.123Z
	// Contacts 4876876000000123452 update 2026-03-01T12:00:00.123Z
}

// Receive Standard Webhooks (webhook-id, webhook-timestamp,
// webhook-signature) from another system. A verified event becomes one
// job keyed by its webhook-id; a replay, a forgery and a stale delivery
// are told apart.
func ExampleNewStandardVerifier() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	verifier, err := webhook.NewStandardVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &webhook.StandardOptions{Now: clock})
	if err != nil {
		log.Fatal(err)
	}
	q, err := queue.NewMemory(nil)
	if err != nil {
		log.Fatal(err)
	}
	billing, err := webhook.NewSignedReceiver(q, verifier, &webhook.SignedOptions{Name: "billing"})
	if err != nil {
		log.Fatal(err)
	}

	send := func(id string, sent time.Time, body, signedBody string) {
		req := httptest.NewRequest(http.MethodPost, "/hooks/billing", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(sent.Unix(), 10))
		// The sender signs; Sign stands in for it here.
		req.Header.Set("webhook-signature", verifier.Sign(id, sent, []byte(signedBody)))
		rec := httptest.NewRecorder()
		billing.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	body := `{"type":"invoice.paid","data":{"id":"inv_123"}}`
	send("msg_1", now, body, body)
	send("msg_1", now, body, body)                                              // a retry of the same event
	send("msg_2", now, `{"type":"invoice.paid","data":{"id":"inv_999"}}`, body) // body changed after signing
	send("msg_3", now.Add(-10*time.Minute), body, body)                         // a replay of an old delivery
	fmt.Println(billing.Counts().JobsEnqueued, "job enqueued:", mustClaimKey(q))
	// Output:
	// 200 accepted: 1 job(s) enqueued
	// 200 duplicate: already received
	// 401 bad_signature: no v1 signature matched
	// 401 bad_timestamp: webhook-timestamp is older than the tolerance of 5m0s
	// 1 job enqueued: billing:msg_1
}

func mustClaimKey(q queue.Queue) string {
	jobs, err := q.Claim(context.Background(), 10, queue.ClaimOptions{})
	if err != nil || len(jobs) != 1 {
		log.Fatal(err, len(jobs))
	}
	return jobs[0].Key
}
