package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zohokit/zohokit/zoho"
)

// The Notifications API ("watch"): channels that make Zoho POST a callback
// (see Notification and ParseNotification) to a URL whenever records of
// the watched modules are created, edited or deleted.

// Channel limits (Zoho's notification docs, Kaizen #14 and #170).
const (
	// MaxChannelExpiry is the longest a channel may live (from API v4 on);
	// Zoho's default is one hour. Renew channels before they expire (see
	// Renewer).
	MaxChannelExpiry = 7 * 24 * time.Hour
	// MaxWatchToken is the longest verification token, in characters.
	MaxWatchToken = 50
)

// Watch is a notification channel: which events of which modules are sent
// where, until when.
type Watch struct {
	// ChannelID identifies the channel; Zoho echoes it in every callback.
	// Required, positive.
	ChannelID int64
	// Events are "Module.operation", the operation one of create, edit,
	// delete and all: "Deals.edit", "Contacts.all". Required.
	Events []string
	// NotifyURL receives the callbacks (POST). Required.
	NotifyURL string
	// Token is echoed in every callback, for the receiver to check that it
	// comes from Zoho; at most 50 characters. It is a secret: String and
	// LogValue leave it out.
	Token string
	// ChannelExpiry is when the channel ends, at most MaxChannelExpiry
	// ahead; zero means Zoho's default, one hour.
	ChannelExpiry time.Time
	// ReturnAffectedFieldValues makes callbacks carry the changed values.
	ReturnAffectedFieldValues bool
	// NotifyOnRelatedAction makes actions on related records notify too.
	NotifyOnRelatedAction bool
	// NotificationCondition and Fields are Zoho's field-specific conditions,
	// sent and received as raw JSON.
	NotificationCondition json.RawMessage
	Fields                json.RawMessage
}

// String describes w without its token.
func (w Watch) String() string {
	return fmt.Sprintf("channel %d: %s until %s", w.ChannelID, strings.Join(w.Events, ","), w.ChannelExpiry.Format(time.RFC3339))
}

// LogValue implements slog.LogValuer, without the token.
func (w Watch) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("channel_id", w.ChannelID), slog.Any("events", w.Events),
		slog.Time("channel_expiry", w.ChannelExpiry))
}

// validate checks w for enable and update (full) or patch (partial).
func (w Watch) validate(now time.Time, full bool) error {
	if w.ChannelID <= 0 {
		return fmt.Errorf("Watch.ChannelID %d is not a positive channel id", w.ChannelID)
	}
	if full && len(w.Events) == 0 {
		return errors.New("Watch.Events is empty")
	}
	for i, e := range w.Events {
		mod, op, ok := strings.Cut(e, ".")
		switch op {
		case "create", "edit", "delete", "all":
		default:
			ok = false
		}
		if !ok || mod == "" || checkModule(mod) != nil {
			return fmt.Errorf("Watch.Events[%d] %q is not Module.create, .edit, .delete or .all", i, e)
		}
	}
	if full || w.NotifyURL != "" {
		u, err := url.Parse(w.NotifyURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("Watch.NotifyURL is not an absolute http(s) URL")
		}
	}
	if n := utf8.RuneCountInString(w.Token); n > MaxWatchToken {
		return fmt.Errorf("Watch.Token has %d characters; Zoho takes at most %d", n, MaxWatchToken)
	}
	if !w.ChannelExpiry.IsZero() {
		switch {
		case !w.ChannelExpiry.After(now):
			return fmt.Errorf("Watch.ChannelExpiry %s is not in the future", FormatTime(w.ChannelExpiry))
		case w.ChannelExpiry.Sub(now) > MaxChannelExpiry:
			return fmt.Errorf("Watch.ChannelExpiry %s is more than %s ahead (Zoho would fall back to its one-hour default)",
				FormatTime(w.ChannelExpiry), MaxChannelExpiry)
		}
	}
	return nil
}

// watchItem is one entry of a request body. Pointers leave out what a
// PATCH does not change.
type watchItem struct {
	ChannelID     int64           `json:"channel_id"`
	Events        []string        `json:"events,omitempty"`
	NotifyURL     string          `json:"notify_url,omitempty"`
	Token         *string         `json:"token,omitempty"`
	ChannelExpiry string          `json:"channel_expiry,omitempty"`
	ReturnValues  *bool           `json:"return_affected_field_values,omitempty"`
	RelatedAction *bool           `json:"notify_on_related_action,omitempty"`
	DeleteEvents  bool            `json:"_delete_events,omitempty"`
	Conditions    json.RawMessage `json:"notification_condition,omitempty"`
	Fields        json.RawMessage `json:"fields,omitempty"`
}

func (w Watch) item(full bool) watchItem {
	it := watchItem{ChannelID: w.ChannelID, Events: w.Events, NotifyURL: w.NotifyURL,
		Conditions: w.NotificationCondition, Fields: w.Fields}
	if !w.ChannelExpiry.IsZero() {
		it.ChannelExpiry = FormatTime(w.ChannelExpiry)
	}
	if full || w.Token != "" {
		tok := w.Token
		it.Token = &tok
	}
	if full || w.ReturnAffectedFieldValues {
		v := w.ReturnAffectedFieldValues
		it.ReturnValues = &v
	}
	if full || w.NotifyOnRelatedAction {
		v := w.NotifyOnRelatedAction
		it.RelatedAction = &v
	}
	if full && it.Token != nil && *it.Token == "" {
		it.Token = nil // no token: leave it out rather than send ""
	}
	return it
}

// WatchEvent is a channel's subscription to one module, as Zoho reports it.
type WatchEvent struct {
	ChannelID     string `json:"channel_id"`
	ChannelExpiry Time   `json:"channel_expiry"`
	ResourceURI   string `json:"resource_uri"`
	ResourceID    string `json:"resource_id"`
	ResourceName  string `json:"resource_name"`
}

// WatchResult is Zoho's answer for one channel of a watch call.
type WatchResult struct {
	ChannelID int64
	Status    string // "success" or "error"
	Code      string
	Message   string
	// Events are the channel's subscriptions after the call (success only).
	Events []WatchEvent
	// Err is nil on success, else a *WatchError.
	Err error
}

// Expiry returns the channel's expiry as Zoho reported it (the earliest of
// its events), and false when it reported none.
func (r WatchResult) Expiry() (time.Time, bool) {
	var t time.Time
	for _, e := range r.Events {
		if !e.ChannelExpiry.IsZero() && (t.IsZero() || e.ChannelExpiry.Before(t)) {
			t = e.ChannelExpiry.Time
		}
	}
	return t, !t.IsZero()
}

// WatchError is Zoho's refusal of one channel of a watch call (Zoho
// answers these with HTTP 202): NOT_SUBSCRIBED for an unknown channel,
// INVALID_DATA or MANDATORY_NOT_FOUND for a bad entry.
type WatchError struct {
	ChannelID int64
	Code      string
	Message   string
	Details   json.RawMessage
}

// Error implements error.
func (e *WatchError) Error() string {
	return fmt.Sprintf("crm: watch channel %d: %s: %s", e.ChannelID, e.Code, e.Message)
}

// Is matches zoho.ErrNotFound for NOT_SUBSCRIBED and the sentinels a
// RecordError of the same code matches.
func (e *WatchError) Is(target error) bool {
	if e.Code == "NOT_SUBSCRIBED" {
		return target == zoho.ErrNotFound
	}
	return (&RecordError{Code: e.Code}).Is(target)
}

// WatchService enables, lists, updates and disables notification
// channels. Get it with NewWatch.
type WatchService struct{ c *Client }

// NewWatch returns the notification (watch) service of c.
func NewWatch(c *Client) *WatchService { return &WatchService{c: c} }

// Enable subscribes channels (POST /actions/watch). It returns Zoho's answer
// per channel, in order; the error joins the channels Zoho refused
// (*WatchError), or is the call's error.
func (s *WatchService) Enable(ctx context.Context, watches ...Watch) ([]WatchResult, *zoho.Response, error) {
	return s.write(ctx, "enable", http.MethodPost, watches, true, false)
}

// Update replaces channels' details (PUT /actions/watch): what w leaves
// empty is removed. Results and error as for Enable.
func (s *WatchService) Update(ctx context.Context, watches ...Watch) ([]WatchResult, *zoho.Response, error) {
	return s.write(ctx, "update", http.MethodPut, watches, true, false)
}

// Patch changes only what each Watch sets (PATCH /actions/watch): events
// are added, a non-empty NotifyURL or Token replaces the old one, a
// non-zero ChannelExpiry extends the channel. Booleans can only be turned
// on here; Update turns them off. Results and error as for Enable.
func (s *WatchService) Patch(ctx context.Context, watches ...Watch) ([]WatchResult, *zoho.Response, error) {
	return s.write(ctx, "patch", http.MethodPatch, watches, false, false)
}

// RemoveEvents unsubscribes some events of a channel (PATCH with
// _delete_events); a channel left with none is removed.
func (s *WatchService) RemoveEvents(ctx context.Context, channelID int64, events ...string) (WatchResult, *zoho.Response, error) {
	if len(events) == 0 {
		return WatchResult{}, nil, errors.New("crm: watch remove events: no events given")
	}
	res, resp, err := s.write(ctx, "remove events", http.MethodPatch, []Watch{{ChannelID: channelID, Events: events}}, false, true)
	if len(res) == 0 {
		return WatchResult{}, resp, err
	}
	return res[0], resp, err
}

// Disable removes channels (DELETE /actions/watch?channel_ids=...). Results
// and error as for Enable.
func (s *WatchService) Disable(ctx context.Context, channelIDs ...int64) ([]WatchResult, *zoho.Response, error) {
	if len(channelIDs) == 0 {
		return nil, nil, errors.New("crm: watch disable: no channel ids given")
	}
	ids := make([]string, len(channelIDs))
	for i, id := range channelIDs {
		if id <= 0 {
			return nil, nil, fmt.Errorf("crm: watch disable: channel id %d is not positive", id)
		}
		ids[i] = strconv.FormatInt(id, 10)
	}
	req, err := s.c.newRequest(http.MethodDelete, "/actions/watch", url.Values{"channel_ids": {strings.Join(ids, ",")}}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("crm: watch disable: %w", err)
	}
	return s.send(ctx, "disable", req, channelIDs)
}

func (s *WatchService) write(ctx context.Context, op, method string, watches []Watch, full, deleteEvents bool) ([]WatchResult, *zoho.Response, error) {
	if len(watches) == 0 {
		return nil, nil, fmt.Errorf("crm: watch %s: no channels given", op)
	}
	now := s.c.zc.Clock().Now()
	body := struct {
		Watch []watchItem `json:"watch"`
	}{}
	ids := make([]int64, len(watches))
	for i, w := range watches {
		if err := w.validate(now, full); err != nil {
			return nil, nil, fmt.Errorf("crm: watch %s: channel %d: %w", op, w.ChannelID, err)
		}
		it := w.item(full)
		it.DeleteEvents = deleteEvents
		body.Watch = append(body.Watch, it)
		ids[i] = w.ChannelID
	}
	req, err := s.c.newRequest(method, "/actions/watch", nil, body)
	if err != nil {
		return nil, nil, fmt.Errorf("crm: watch %s: %w", op, err)
	}
	req.Idempotent = true // setting a channel's details twice is harmless
	return s.send(ctx, op, req, ids)
}

// send sends a watch call and reads Zoho's per-channel answer.
func (s *WatchService) send(ctx context.Context, op string, req *zoho.Request, ids []int64) ([]WatchResult, *zoho.Response, error) {
	var env struct {
		Watch []struct {
			Status  string          `json:"status"`
			Code    string          `json:"code"`
			Message string          `json:"message"`
			Details json.RawMessage `json:"details"`
		} `json:"watch"`
	}
	resp, err := s.c.get(ctx, req, &env)
	if err != nil {
		return nil, resp, fmt.Errorf("crm: watch %s: %w", op, err)
	}
	if len(env.Watch) != len(ids) {
		return nil, resp, fmt.Errorf("crm: watch %s: Zoho answered %d results for %d channels (HTTP %d)", op, len(env.Watch), len(ids), resp.StatusCode)
	}
	out := make([]WatchResult, len(ids))
	var errs []error
	for i, w := range env.Watch {
		r := WatchResult{ChannelID: ids[i], Status: w.Status, Code: w.Code, Message: w.Message}
		if strings.EqualFold(w.Status, "success") {
			var d struct {
				Events []WatchEvent `json:"events"`
			}
			_ = json.Unmarshal(w.Details, &d) // details vary; what does not fit is left out
			r.Events = d.Events
		} else {
			r.Err = &WatchError{ChannelID: ids[i], Code: w.Code, Message: w.Message, Details: bytes.Clone(w.Details)}
			errs = append(errs, r.Err)
		}
		out[i] = r
	}
	if len(errs) > 0 {
		return out, resp, fmt.Errorf("crm: watch %s: %w", op, errors.Join(errs...))
	}
	return out, resp, nil
}

// WatchListOptions filters List.
type WatchListOptions struct {
	ChannelID int64  // only this channel
	Module    string // only channels watching this module
}

// List yields the subscribed channels (GET /actions/watch), page by page.
// Zoho may describe a channel once per module; entries of the same channel
// are merged. 204 yields nothing.
func (s *WatchService) List(ctx context.Context, opts *WatchListOptions) iter.Seq2[Watch, error] {
	var o WatchListOptions
	if opts != nil {
		o = *opts
	}
	if o.Module != "" {
		if err := checkModule(o.Module); err != nil {
			return errSeq[Watch](fmt.Errorf("crm: watch list: %w", err))
		}
	}
	pages := zoho.Paginate(ctx, func(ctx context.Context, cursor string) ([]Watch, string, error) {
		page := 1
		if cursor != "" {
			page, _ = strconv.Atoi(cursor)
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(MaxPerPage)}}
		if o.ChannelID > 0 {
			q.Set("channel_id", strconv.FormatInt(o.ChannelID, 10))
		}
		setIf(q, "module", o.Module)
		req, err := s.c.newRequest(http.MethodGet, "/actions/watch", q, nil)
		if err != nil {
			return nil, "", fmt.Errorf("crm: watch list: %w", err)
		}
		var env struct {
			Watch []rawWatch `json:"watch"`
			Info  Info       `json:"info"`
		}
		if _, err := s.c.get(ctx, req, &env); err != nil {
			return nil, "", fmt.Errorf("crm: watch list: %w", err)
		}
		out := make([]Watch, 0, len(env.Watch))
		for _, rw := range env.Watch {
			w, err := rw.watch()
			if err != nil {
				return nil, "", fmt.Errorf("crm: watch list: %w", err)
			}
			out = append(out, w)
		}
		next := ""
		if env.Info.MoreRecords && len(env.Watch) > 0 {
			next = strconv.Itoa(page + 1)
		}
		return out, next, nil
	})
	return func(yield func(Watch, error) bool) {
		var merged []Watch
		byID := map[int64]int{}
		for w, err := range pages {
			if err != nil {
				yield(Watch{}, err)
				return
			}
			if i, ok := byID[w.ChannelID]; ok {
				m := &merged[i]
				for _, e := range w.Events {
					if !containsString(m.Events, e) {
						m.Events = append(m.Events, e)
					}
				}
				if !w.ChannelExpiry.IsZero() && (m.ChannelExpiry.IsZero() || w.ChannelExpiry.Before(m.ChannelExpiry)) {
					m.ChannelExpiry = w.ChannelExpiry
				}
				continue
			}
			byID[w.ChannelID] = len(merged)
			merged = append(merged, w)
		}
		for _, w := range merged {
			if !yield(w, nil) {
				return
			}
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// rawWatch is a channel as GET /actions/watch describes it.
type rawWatch struct {
	ChannelID     json.RawMessage `json:"channel_id"`
	Events        []string        `json:"events"`
	NotifyURL     string          `json:"notify_url"`
	Token         string          `json:"token"`
	ChannelExpiry Time            `json:"channel_expiry"`
	ReturnValues  bool            `json:"return_affected_field_values"`
	RelatedAction bool            `json:"notify_on_related_action"`
	Conditions    json.RawMessage `json:"notification_condition"`
	Fields        json.RawMessage `json:"fields"`
}

func (rw rawWatch) watch() (Watch, error) {
	idText := jsonID(rw.ChannelID)
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return Watch{}, fmt.Errorf("channel_id %q is not a channel id", idText)
	}
	w := Watch{ChannelID: id, Events: rw.Events, NotifyURL: rw.NotifyURL, Token: rw.Token,
		ChannelExpiry: rw.ChannelExpiry.Time, ReturnAffectedFieldValues: rw.ReturnValues,
		NotifyOnRelatedAction: rw.RelatedAction}
	if len(rw.Conditions) > 0 && string(rw.Conditions) != "null" {
		w.NotificationCondition = rw.Conditions
	}
	if len(rw.Fields) > 0 && string(rw.Fields) != "null" {
		w.Fields = rw.Fields
	}
	return w, nil
}
