package zohotest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// This file is the fake's outgoing side: the POSTs Zoho makes on its own,
// notification callbacks to a channel's notify_url and bulk jobs' callbacks.
//
// Delivery model: changes are matched to channels synchronously (in the
// OnChange observer, right after the change is visible), and the POSTs are
// queued to one goroutine per server, which sends them in order, one at a
// time, each once (no retries: a failure is recorded in the delivery log
// with its status or error). The goroutine starts with the first delivery
// and ends when the server closes; WaitDeliveries lets a test wait until the
// queue is empty. With a testing.TB, the test's cleanup waits for the
// goroutine to end and for the bulk files to be removed.

// Delivery is one POST the fake made (or tried) to a URL outside itself.
type Delivery struct {
	// Kind is "notification" (a channel's callback) or "bulk" (a bulk job's
	// callback).
	Kind string
	// URL is where it was sent: a notify_url or a bulk callback URL. It may
	// carry the receiver's secrets in its query: do not log it.
	URL string
	// ChannelID is the notification channel's id ("" for bulk callbacks).
	ChannelID string
	// Body is the JSON sent. A notification's body carries the channel's
	// token.
	Body []byte
	// Queued is when the delivery was queued, on the server's clock.
	Queued time.Time
	// Status is the receiver's HTTP status; 0 when no answer came.
	Status int
	// Err says why the delivery failed: no answer, or a status outside 2xx.
	// Empty when it succeeded.
	Err string
}

// OK reports whether the receiver answered 2xx.
func (d Delivery) OK() bool { return d.Err == "" }

// NotifyOptions configures the fake's outgoing callbacks. Set it with
// CRM.SetNotifyOptions; the zero value works.
type NotifyOptions struct {
	// HTTPClient sends the callbacks; default: a client with Timeout.
	// Give one that trusts an httptest TLS server's certificate to deliver
	// to https receivers.
	HTTPClient *http.Client
	// Timeout bounds one delivery; default 10 seconds.
	Timeout time.Duration
	// Operations names the operation field of notification callbacks, by
	// the fake's change operation ("create", "edit", "delete"). Zoho's
	// documentation and integrations disagree on the names (create/edit/
	// delete against insert/update/delete); the default is insert, update
	// and delete, as Zoho's callback samples show them. A missing entry
	// keeps the default.
	Operations map[string]string
}

func (o NotifyOptions) operation(op string) string {
	if name, ok := o.Operations[op]; ok && name != "" {
		return name
	}
	switch op {
	case "create":
		return "insert"
	case "edit":
		return "update"
	}
	return op
}

// deliverer queues and sends the server's outgoing POSTs.
type deliverer struct {
	s *Server

	mu         sync.Mutex
	opts       NotifyOptions
	queue      []int // indexes into log
	log        []Delivery
	pending    int           // queued and not yet finished
	idle       chan struct{} // closed when pending drops to 0; replaced when work arrives
	wake       chan struct{}
	started    bool
	janitorOn  bool
	workerExit chan struct{} // closed when the worker has exited
	stopped    chan struct{} // closed when the janitor is done
}

func newDeliverer(s *Server) *deliverer {
	d := &deliverer{s: s, idle: make(chan struct{}), wake: make(chan struct{}, 1),
		workerExit: make(chan struct{}), stopped: make(chan struct{})}
	close(d.idle)
	if s.tb != nil {
		// The test ends only once nothing of the server is left: no
		// delivery in flight, no bulk file on disk. Close is idempotent, so
		// this works whichever order the cleanups run in.
		s.tb.Cleanup(func() {
			if s.hs != nil {
				s.Close()
			}
			d.mu.Lock()
			janitor := d.janitorOn
			d.mu.Unlock()
			if janitor {
				<-d.stopped
			}
		})
	}
	return d
}

// ensureJanitor starts, once, the goroutine that cleans up after Close:
// with the first delivery or the first bulk file.
func (d *deliverer) ensureJanitor() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ensureJanitorLocked()
}

func (d *deliverer) ensureJanitorLocked() {
	if !d.janitorOn {
		d.janitorOn = true
		go d.janitor()
	}
}

// janitor waits for the server to close, then waits for the worker and
// removes the bulk jobs' files.
func (d *deliverer) janitor() {
	<-d.s.done
	d.mu.Lock()
	started := d.started
	d.mu.Unlock()
	if started {
		<-d.workerExit
	}
	d.s.crm.bulk.removeFiles()
	close(d.stopped)
}

// enqueue queues a POST of body to url.
func (d *deliverer) enqueue(kind, url, channel string, body []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.s.done:
		d.log = append(d.log, Delivery{Kind: kind, URL: url, ChannelID: channel, Body: body, Queued: d.s.clock.Now(), Err: "server closed"})
		return
	default:
	}
	d.log = append(d.log, Delivery{Kind: kind, URL: url, ChannelID: channel, Body: body, Queued: d.s.clock.Now()})
	d.queue = append(d.queue, len(d.log)-1)
	if d.pending == 0 {
		d.idle = make(chan struct{})
	}
	d.pending++
	if !d.started {
		d.started = true
		d.ensureJanitorLocked()
		go d.work()
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *deliverer) work() {
	defer func() {
		d.mu.Lock()
		// Whatever is still queued will never be sent.
		for _, i := range d.queue {
			d.log[i].Err = "server closed before delivery"
		}
		if len(d.queue) > 0 {
			d.pending -= len(d.queue)
			d.queue = nil
			if d.pending == 0 {
				close(d.idle)
			}
		}
		d.mu.Unlock()
		close(d.workerExit)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-d.s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		d.mu.Lock()
		if len(d.queue) == 0 {
			d.mu.Unlock()
			select {
			case <-d.wake:
				continue
			case <-d.s.done:
				return
			}
		}
		i := d.queue[0]
		d.queue = d.queue[1:]
		dv := d.log[i]
		opts := d.opts
		d.mu.Unlock()

		status, err := send(ctx, opts, dv.URL, dv.Body)

		d.mu.Lock()
		d.log[i].Status = status
		if err != nil {
			d.log[i].Err = err.Error()
			d.s.logger.Warn("zohotest: callback failed", "kind", dv.Kind, "channel_id", dv.ChannelID, "status", status, "error", err)
		}
		d.pending--
		if d.pending == 0 {
			close(d.idle)
		}
		d.mu.Unlock()
	}
}

// send POSTs body as JSON and reports the status.
func send(ctx context.Context, o NotifyOptions, url string, body []byte) (int, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: timeout}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("bad URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("User-Agent", "zohotest (Zoho CRM callbacks)")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("no answer: %w", scrubQuery(err))
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("answered HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// scrubQuery keeps a URL's query (which may carry the receiver's secrets)
// out of an error.
func scrubQuery(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// SetNotifyOptions configures the outgoing callbacks (notifications and
// bulk job callbacks) from now on.
func (c *CRM) SetNotifyOptions(o NotifyOptions) error {
	if o.Timeout < 0 {
		return fmt.Errorf("zohotest: NotifyOptions.Timeout is negative")
	}
	for op := range o.Operations {
		switch op {
		case "create", "edit", "delete":
		default:
			return fmt.Errorf("zohotest: NotifyOptions.Operations: %q is not create, edit or delete", op)
		}
	}
	d := c.out
	d.mu.Lock()
	defer d.mu.Unlock()
	o.Operations = cloneMap(o.Operations)
	d.opts = o
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Deliveries returns every outgoing POST so far (notifications and bulk
// callbacks), in the order queued, with their outcome when finished.
func (c *CRM) Deliveries() []Delivery {
	d := c.out
	d.mu.Lock()
	defer d.mu.Unlock()
	out := slices.Clone(d.log)
	for i := range out {
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// WaitDeliveries waits until every queued POST has been sent (or has
// failed), or until ctx ends. Call it after the change or the job whose
// callbacks a test expects: the callbacks are queued before the API call
// that caused them answers.
func (c *CRM) WaitDeliveries(ctx context.Context) error {
	d := c.out
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("zohotest: WaitDeliveries: %w", ctx.Err())
	}
}

// notifyChange is the OnChange observer that turns record changes into
// callbacks: one POST per matching, unexpired channel.
func (c *CRM) notifyChange(chg Change) {
	c.mu.Lock()
	if len(c.notify.channels) == 0 {
		c.mu.Unlock()
		return
	}
	now := c.s.clock.Now()
	m := c.module(chg.Module)
	key := strings.ToLower(chg.Module)
	type out struct {
		url, id string
		body    []byte
	}
	var outs []out
	ids := make([]string, 0, len(c.notify.channels))
	for id := range c.notify.channels {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return compareIDs(ids[i], ids[j]) < 0 })
	c.out.mu.Lock()
	opName := c.out.opts.operation(chg.Operation)
	c.out.mu.Unlock()
	for _, id := range ids {
		ch := c.notify.channels[id]
		set := ch.ops[key]
		if !now.Before(ch.expiry) || set == nil || !(set[chg.Operation] || set["all"]) {
			continue
		}
		payload := map[string]any{
			"server_time":  now.UnixMilli(),
			"module":       chg.Module,
			"resource_uri": c.s.URL() + "/crm/v8/" + chg.Module,
			"ids":          []string{chg.ID},
			"operation":    opName,
			"channel_id":   ch.id,
			"query_params": queryParams(ch.notifyURL),
		}
		if ch.token != "" {
			payload["token"] = ch.token
		}
		if chg.Operation == "edit" {
			payload["affected_fields"] = []any{map[string]any{chg.ID: chg.Fields}}
			if ch.returnValues && m != nil {
				vals := map[string]any{}
				if r := m.byID[chg.ID]; r != nil {
					for _, f := range chg.Fields {
						vals[f] = c.renderValue(fieldValue(r, f))
					}
				}
				payload["affected_values"] = []any{map[string]any{"record_id": chg.ID, "values": vals}}
			}
		}
		b, err := json.Marshal(payload)
		if err != nil {
			continue // the payload holds only JSON-able values
		}
		outs = append(outs, out{url: ch.notifyURL, id: ch.id, body: b})
	}
	c.mu.Unlock()
	for _, o := range outs {
		c.out.enqueue("notification", o.url, o.id, o.body)
	}
}

// queryParams is Zoho's query_params: the notify_url's query as an object.
func queryParams(raw string) map[string]any {
	out := map[string]any{}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	for k, v := range u.Query() {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}
