// Package webhook receives webhooks and turns each one into queue jobs:
// verify, enqueue, answer. Nothing is processed in the request, so senders
// get their answer within milliseconds, and the work runs in the queue's
// workers with retries.
//
// Two receivers, both http.Handler:
//
//   - CRMReceiver takes Zoho CRM notification callbacks (the Notifications,
//     or "Watch", API). Zoho does not sign them: it checks the token the
//     channel echoes (per channel or one for all), and optionally a secret
//     query parameter of the notify URL. It enqueues one RecordEvent job per
//     record.
//   - SignedReceiver takes signed webhooks from other systems, through a
//     Verifier: StandardVerifier for the Standard Webhooks scheme
//     (webhook-id, webhook-timestamp, webhook-signature), HMACVerifier for a
//     signature of the body in one header (GitHub's X-Hub-Signature-256,
//     Xero's x-xero-signature). A MapFunc turns each verified event into jobs;
//     by default it is one job whose payload is an EventPayload.
//
// # Answers
//
// A receiver answers 200 when the jobs were enqueued, and also when they
// were already held (a redelivery): senders must not retry either. Any other
// answer is a refusal with a short text body "reason: detail", and then
// nothing was enqueued:
//
//	405 method_not_allowed        not POST (with Allow: POST)
//	415 unsupported_media_type    Content-Type not accepted
//	413 body_too_large            body over MaxBodyBytes (1 MiB by default)
//	400 body_unreadable           the body could not be read
//	400 malformed_payload         not JSON, or no usable event (a missing ID)
//	401 missing_signature         no signature, or no webhook-id
//	401 bad_signature             no signature matched
//	401 bad_timestamp             timestamp missing, malformed, too old or in the future
//	401 bad_token                 CRM token missing or wrong
//	401 bad_secret                notify-URL secret parameter missing or wrong
//	403 unknown_channel           CRM channel with no configured token
//	422 unprocessable_event       the MapFunc refused the event
//	500 invalid_job               a job the queue refuses (a MapFunc bug)
//	503 queue_unavailable         the queue failed: the sender should retry
//
// A stale or future timestamp is a 401, not a 400: like a bad signature, it
// means the request cannot be trusted as a fresh delivery from the sender.
// Refusals never echo a secret, a token or a signature, expected or received.
//
// # Deduplication
//
// Receivers do not keep their own record of what they saw: every job gets
// an idempotency key, and the queue does not enqueue a job whose key it
// holds (queue.Job.Key: while the job is pending, running, dead, or
// completed within the queue's retention). A redelivered notification or
// event therefore maps to the same keys and is answered 200 without new
// jobs. The keys:
//
//	CRM:    <name>:<channel_id>:<module>:<record id>:<operation>:<server_time ms>
//	        (body-<sha256 of the body> in place of the server time when Zoho sent none)
//	signed: <name>:<event id>, and <name>:<event id>#<i> for the i-th job a
//	        MapFunc returns without a key
//
// The event ID of a signed webhook comes from SignedOptions.IDHeader, else
// SignedOptions.IDField of the JSON body, else the verifier (webhook-id),
// else the SHA-256 of the body.
//
// # Observing
//
// Every request ends in one Delivery, given to SignedOptions.Observer or
// CRMOptions.Observer and counted by the receiver (Counts): received,
// accepted, duplicate, and refused by reason. Log lines (a *slog.Logger
// option, discarded by default) carry the reason, never a secret, token or
// signature.
package webhook
