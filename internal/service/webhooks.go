package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/zohokit/zohokit/queue"
	"github.com/zohokit/zohokit/store"
	"github.com/zohokit/zohokit/sync"
	"github.com/zohokit/zohokit/webhook"
)

// mux mounts the webhook receivers and, when withDashboard, the
// dashboard; otherwise only the dashboard's health endpoints.
func (s *Service) mux(withDashboard bool) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	obs := s.dashboard.Metrics().WebhookObserver()
	for _, wc := range s.loaded.Config.Webhooks.CRM {
		opts := &webhook.CRMOptions{Name: wc.Name, Token: s.loaded.Secrets[wc.TokenEnv],
			SecretParam: wc.SecretParam, Secret: s.loaded.Secrets[wc.SecretEnv],
			Logger: s.log.With("webhook", wc.Name), Observer: obs}
		for ch, env := range wc.ChannelTokensEnv {
			if opts.Tokens == nil {
				opts.Tokens = map[string]string{}
			}
			opts.Tokens[ch] = s.loaded.Secrets[env]
		}
		rc, err := webhook.NewCRMReceiver(s.queue, opts)
		if err != nil {
			return nil, fmt.Errorf("webhooks.crm %s: %w", wc.Name, err)
		}
		mux.Handle("POST "+s.webhookPath(wc.Name), rc)
	}
	for _, wc := range s.loaded.Config.Webhooks.Signed {
		v, err := s.verifier(wc)
		if err != nil {
			return nil, fmt.Errorf("webhooks.signed %s: %w", wc.Name, err)
		}
		rc, err := webhook.NewSignedReceiver(s.queue, v, &webhook.SignedOptions{
			Name: wc.Name, IDHeader: wc.IDHeader, IDField: wc.IDField,
			MapFunc: pushMapFunc(wc.Pipeline, store.Side(wc.Side), wc.RecordIDField),
			Logger:  s.log.With("webhook", wc.Name), Observer: obs,
		})
		if err != nil {
			return nil, fmt.Errorf("webhooks.signed %s: %w", wc.Name, err)
		}
		mux.Handle("POST "+s.webhookPath(wc.Name), rc)
	}
	base := s.loaded.Config.Dashboard.BasePath
	if withDashboard {
		mux.Handle(base+"/", s.dashboard)
	}
	if !withDashboard || base != "" {
		// The dashboard serves its health endpoints under its base path;
		// orchestrators probe them at the root of the service listener.
		for _, path := range []string{"/healthz", "/readyz"} {
			mux.Handle("GET "+path, s.dashboardAt(base+path))
		}
	}
	return mux, nil
}

// dashboardAt serves requests with the dashboard's handler for path.
func (s *Service) dashboardAt(path string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = path, ""
		s.dashboard.ServeHTTP(w, r2)
	})
}

func (s *Service) verifier(wc SignedWebhookConfig) (webhook.Verifier, error) {
	secret := s.loaded.Secrets[wc.SecretEnv]
	switch wc.Scheme {
	case "standard":
		return webhook.NewStandardVerifier(secret, nil)
	case "github":
		return webhook.NewHMACVerifier(secret, webhook.GitHubHMAC())
	case "xero":
		return webhook.NewHMACVerifier(secret, webhook.XeroHMAC())
	default:
		enc := webhook.Hex
		if wc.Encoding == "base64" {
			enc = webhook.Base64
		}
		return webhook.NewHMACVerifier(secret, webhook.HMACOptions{Header: wc.Header, Prefix: wc.Prefix, Encoding: enc})
	}
}

// pushMapFunc turns a verified event into a push job for the record whose
// id is at idField of the body.
func pushMapFunc(pipeline string, side store.Side, idField string) webhook.MapFunc {
	return func(_ context.Context, e webhook.Event) ([]queue.Job, error) {
		var body any
		dec := json.NewDecoder(bytes.NewReader(e.Body))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			return nil, fmt.Errorf("body is not JSON")
		}
		id, ok := lookupID(body, idField)
		if !ok {
			return nil, fmt.Errorf("no record id at %s", idField)
		}
		j, err := sync.PushJob(pipeline, sync.Event{Side: side, ID: id}, nil)
		if err != nil {
			return nil, err
		}
		return []queue.Job{j}, nil
	}
}

// lookupID reads a string or number at a dotted path of a JSON value.
func lookupID(v any, path string) (string, bool) {
	for _, seg := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return "", false
			}
			v = c[i]
		default:
			return "", false
		}
	}
	switch id := v.(type) {
	case string:
		return id, id != ""
	case json.Number:
		return id.String(), true
	}
	return "", false
}
