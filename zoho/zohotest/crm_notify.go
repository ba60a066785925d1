package zohotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Notifications (Zoho's "Watch" API): channels subscribe to record events
// of modules ("Deals.edit", "Contacts.all"), and every record change that
// matches an unexpired channel is POSTed to its notify_url (see
// crm_notify_deliver.go for how).

// Zoho's limits on channels (Kaizen #14, #170; v8 notification docs).
const (
	maxWatchToken      = 50
	defaultWatchExpiry = time.Hour
	maxWatchExpiry     = 7 * 24 * time.Hour // from API v4 on
)

// channel is one subscription.
type channel struct {
	id            string
	events        []string                   // as given, e.g. "Deals.edit"
	ops           map[string]map[string]bool // lower-case module -> "create"/"edit"/"delete"/"all"
	notifyURL     string
	token         string
	expiry        time.Time
	returnValues  bool
	relatedAction bool
	conditions    json.RawMessage // stored and echoed, not evaluated
	fields        json.RawMessage
}

type notifyState struct {
	channels map[string]*channel // by id; guarded by CRM.mu
}

func newNotifyState() *notifyState { return &notifyState{channels: map[string]*channel{}} }

// Channel is a notification channel as the fake holds it, for assertions.
type Channel struct {
	ID                        string
	Events                    []string
	NotifyURL                 string
	Token                     string
	Expiry                    time.Time
	ReturnAffectedFieldValues bool
	NotifyOnRelatedAction     bool
}

// Channels returns the notification channels, expired ones included, by id.
func (c *CRM) Channels() []Channel {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Channel, 0, len(c.notify.channels))
	for _, ch := range c.notify.channels {
		out = append(out, ch.public())
	}
	sort.Slice(out, func(i, j int) bool { return compareIDs(out[i].ID, out[j].ID) < 0 })
	return out
}

func (ch *channel) public() Channel {
	return Channel{ID: ch.id, Events: append([]string(nil), ch.events...), NotifyURL: ch.notifyURL, Token: ch.token,
		Expiry: ch.expiry, ReturnAffectedFieldValues: ch.returnValues, NotifyOnRelatedAction: ch.relatedAction}
}

func (c *CRM) watchRoutes() []route {
	// notifications.json has defects no correct request satisfies; they
	// are waived (crm_bulk_oas.go).
	const doc = "notifications.json"
	return []route{
		newRoute("GET /crm/v8/actions/watch", true, doc, c.handleWatchList),
		newRoute("POST /crm/v8/actions/watch", true, doc, c.handleWatchWrite("enable")),
		newRoute("PUT /crm/v8/actions/watch", true, doc, c.handleWatchWrite("replace")),
		newRoute("PATCH /crm/v8/actions/watch", true, doc, c.handleWatchWrite("patch")),
		newRoute("DELETE /crm/v8/actions/watch", true, doc, c.handleWatchDelete),
	}
}

// watchItem is one entry of a watch request body.
type watchItem struct {
	ChannelID     json.RawMessage `json:"channel_id"`
	Events        []string        `json:"events"`
	NotifyURL     *string         `json:"notify_url"`
	Token         *string         `json:"token"`
	ChannelExpiry *string         `json:"channel_expiry"`
	ReturnValues  *bool           `json:"return_affected_field_values"`
	RelatedAction *bool           `json:"notify_on_related_action"`
	DeleteEvents  bool            `json:"_delete_events"`
	Conditions    json.RawMessage `json:"notification_condition"`
	Fields        json.RawMessage `json:"fields"`
}

func watchErr(code, message string, details map[string]any) map[string]any {
	return zohoError(code, message, details)
}

// channelIDOf reads a channel id: a JSON number or a string of digits.
func channelIDOf(raw json.RawMessage) (string, bool) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil && isDigits(n.String()) {
		return n.String(), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && isDigits(s) {
		return s, true
	}
	return "", false
}

// parseEvents checks "Module.operation" events against the modules.
func (c *CRM) parseEvents(events []string, i int) (map[string]map[string]bool, map[string]any) {
	ops := map[string]map[string]bool{}
	for j, e := range events {
		mod, op, ok := strings.Cut(e, ".")
		m := c.module(mod)
		switch op {
		case "create", "edit", "delete", "all":
		default:
			ok = false
		}
		if !ok || m == nil {
			return nil, watchErr("INVALID_DATA", "invalid data", map[string]any{
				"api_name": "events", "json_path": fmt.Sprintf("$.watch[%d].events[%d]", i, j)})
		}
		key := strings.ToLower(m.def.APIName)
		if ops[key] == nil {
			ops[key] = map[string]bool{}
		}
		ops[key][op] = true
	}
	return ops, nil
}

// handleWatchWrite serves POST (enable), PUT (replace the details) and
// PATCH (update some details, or remove events with _delete_events).
func (c *CRM) handleWatchWrite(mode string) func(*exchange) {
	return func(ex *exchange) {
		c.serve(ex, func() answer {
			var body struct {
				Watch []watchItem `json:"watch"`
			}
			if err := decodeJSON(ex.body, &body); err != nil {
				return errAnswer(http.StatusBadRequest, "INVALID_DATA", "body", map[string]any{"reason": "the body is not the expected JSON: " + err.Error()})
			}
			if len(body.Watch) == 0 {
				return errAnswer(http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "watch"})
			}
			results := make([]any, len(body.Watch))
			failed := 0
			for i, it := range body.Watch {
				res, bad := c.watchOneLocked(mode, it, i)
				if bad != nil {
					results[i] = bad
					failed++
					continue
				}
				results[i] = res
			}
			status := http.StatusOK
			if mode == "enable" {
				status = http.StatusCreated
			}
			if failed > 0 {
				// Zoho answers errors of the watch API with 202 and the
				// per-channel results (notifications.json, Kaizen #14).
				status = http.StatusAccepted
			}
			return answer{status: status, body: map[string]any{"watch": results}}
		})
	}
}

func (c *CRM) watchOneLocked(mode string, it watchItem, i int) (map[string]any, map[string]any) {
	path := func(k string) string { return fmt.Sprintf("$.watch[%d].%s", i, k) }
	if it.ChannelID == nil {
		return nil, watchErr("MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "channel_id", "json_path": path("channel_id")})
	}
	id, ok := channelIDOf(it.ChannelID)
	if !ok {
		return nil, watchErr("INVALID_DATA", "invalid data", map[string]any{"api_name": "channel_id", "json_path": path("channel_id"), "expected_data_type": "long"})
	}
	existing := c.notify.channels[id]
	if mode != "enable" && existing == nil {
		return nil, watchErr("NOT_SUBSCRIBED", "the channel is not subscribed", map[string]any{"channel_id": id})
	}
	if mode == "patch" && it.DeleteEvents {
		return c.removeEventsLocked(existing, it.Events, i)
	}
	full := mode != "patch" // enable and replace need every mandatory key
	if full && len(it.Events) == 0 {
		return nil, watchErr("MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "events", "json_path": path("events")})
	}
	if full && (it.NotifyURL == nil || *it.NotifyURL == "") {
		return nil, watchErr("MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "notify_url", "json_path": path("notify_url")})
	}
	var ops map[string]map[string]bool
	if len(it.Events) > 0 {
		var bad map[string]any
		if ops, bad = c.parseEvents(it.Events, i); bad != nil {
			return nil, bad
		}
	}
	if it.NotifyURL != nil {
		u, err := url.Parse(*it.NotifyURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, watchErr("INVALID_DATA", "invalid data", map[string]any{"api_name": "notify_url", "json_path": path("notify_url")})
		}
	}
	if it.Token != nil && utf8.RuneCountInString(*it.Token) > maxWatchToken {
		return nil, watchErr("INVALID_DATA", "invalid data", map[string]any{"api_name": "token", "json_path": path("token"), "maximum_length": maxWatchToken})
	}
	now := c.s.clock.Now()
	expiry := time.Time{}
	if it.ChannelExpiry != nil && *it.ChannelExpiry != "" {
		t, err := time.Parse(time.RFC3339, *it.ChannelExpiry)
		if err != nil || !t.After(now) {
			return nil, watchErr("INVALID_DATA", "invalid data", map[string]any{"api_name": "channel_expiry", "json_path": path("channel_expiry")})
		}
		// Beyond the maximum, Zoho falls back to its default expiry (Kaizen #14).
		if t.Sub(now) > maxWatchExpiry {
			t = now.Add(defaultWatchExpiry)
		}
		expiry = t.Truncate(time.Second)
	}
	ch := existing
	if ch == nil || mode == "replace" {
		ch = &channel{id: id, ops: map[string]map[string]bool{}}
	} else if mode == "enable" {
		// Enabling a subscribed channel again renews it: its events are
		// added to, the other details replaced.
		clone := *existing
		clone.ops = cloneOps(existing.ops)
		clone.events = append([]string(nil), existing.events...)
		ch = &clone
	} else {
		clone := *existing
		clone.ops = cloneOps(existing.ops)
		clone.events = append([]string(nil), existing.events...)
		ch = &clone
	}
	for mod, set := range ops {
		if ch.ops[mod] == nil {
			ch.ops[mod] = map[string]bool{}
		}
		for op := range set {
			ch.ops[mod][op] = true
		}
	}
	for _, e := range it.Events {
		if !containsString(ch.events, e) {
			ch.events = append(ch.events, e)
		}
	}
	if it.NotifyURL != nil {
		ch.notifyURL = *it.NotifyURL
	}
	if it.Token != nil {
		ch.token = *it.Token
	} else if full {
		ch.token = ""
	}
	if it.ReturnValues != nil {
		ch.returnValues = *it.ReturnValues
	} else if full {
		ch.returnValues = false
	}
	if it.RelatedAction != nil {
		ch.relatedAction = *it.RelatedAction
	} else if full {
		ch.relatedAction = false
	}
	if it.Conditions != nil {
		ch.conditions = it.Conditions
	}
	if it.Fields != nil {
		ch.fields = it.Fields
	}
	switch {
	case !expiry.IsZero():
		ch.expiry = expiry
	case full:
		ch.expiry = now.Add(defaultWatchExpiry).Truncate(time.Second)
	}
	c.notify.channels[id] = ch
	msg := map[string]string{
		"enable":  "Successfully subscribed for actions-watch of the given module",
		"replace": "Successfully updated the subscribe details",
		"patch":   "Successfully updated the subscribe details",
	}[mode]
	return map[string]any{"code": "SUCCESS", "status": "success", "message": msg,
		"details": map[string]any{"events": c.channelEvents(ch)}}, nil
}

func cloneOps(in map[string]map[string]bool) map[string]map[string]bool {
	out := make(map[string]map[string]bool, len(in))
	for k, v := range in {
		set := make(map[string]bool, len(v))
		for op := range v {
			set[op] = true
		}
		out[k] = set
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// removeEventsLocked is PATCH with _delete_events: the events listed are
// unsubscribed; a channel left without events is removed.
func (c *CRM) removeEventsLocked(ch *channel, events []string, i int) (map[string]any, map[string]any) {
	if len(events) == 0 {
		return nil, watchErr("MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "events", "json_path": fmt.Sprintf("$.watch[%d].events", i)})
	}
	ops, bad := c.parseEvents(events, i)
	if bad != nil {
		return nil, bad
	}
	clone := *ch
	clone.ops = cloneOps(ch.ops)
	var kept []string
	for _, e := range ch.events {
		mod, op, _ := strings.Cut(e, ".")
		if ops[strings.ToLower(mod)][op] {
			delete(clone.ops[strings.ToLower(mod)], op)
			continue
		}
		kept = append(kept, e)
	}
	for mod, set := range clone.ops {
		if len(set) == 0 {
			delete(clone.ops, mod)
		}
	}
	clone.events = kept
	if len(kept) == 0 {
		delete(c.notify.channels, ch.id)
	} else {
		c.notify.channels[ch.id] = &clone
	}
	return map[string]any{"code": "SUCCESS", "status": "success", "message": "Successfully un-subscribed from actions-watch",
		"details": map[string]any{"events": c.channelEvents(&clone)}}, nil
}

// channelEvents describes a channel per module, as Zoho's answers do.
func (c *CRM) channelEvents(ch *channel) []any {
	mods := make([]string, 0, len(ch.ops))
	for mod := range ch.ops {
		mods = append(mods, mod)
	}
	sort.Strings(mods)
	out := make([]any, 0, len(mods))
	for _, key := range mods {
		m := c.module(key)
		if m == nil {
			continue
		}
		out = append(out, map[string]any{
			"channel_expiry": c.s.formatTime(ch.expiry), "resource_uri": c.s.URL() + "/crm/v8/" + m.def.APIName,
			"resource_id": m.id, "resource_name": m.def.APIName, "channel_id": ch.id,
		})
	}
	return out
}

// handleWatchList serves GET /actions/watch: the unexpired channels.
func (c *CRM) handleWatchList(ex *exchange) {
	c.serve(ex, func() answer {
		q := ex.r.URL.Query()
		perPage, bad := intParam(q, "per_page", maxPerPage, maxPerPage)
		if bad != nil {
			return *bad
		}
		page, bad := intParam(q, "page", 1, 0)
		if bad != nil {
			return *bad
		}
		wantID, wantModule := q.Get("channel_id"), strings.ToLower(q.Get("module"))
		now := c.s.clock.Now()
		var list []*channel
		for _, ch := range c.notify.channels {
			if !now.Before(ch.expiry) || (wantID != "" && ch.id != wantID) {
				continue
			}
			if wantModule != "" && ch.ops[wantModule] == nil {
				continue
			}
			list = append(list, ch)
		}
		sort.Slice(list, func(i, j int) bool { return compareIDs(list[i].id, list[j].id) < 0 })
		start := (page - 1) * perPage
		if start >= len(list) {
			return answer{status: http.StatusNoContent}
		}
		end := min(start+perPage, len(list))
		data := make([]any, 0, end-start)
		for _, ch := range list[start:end] {
			w := map[string]any{
				"channel_id": ch.id, "events": ch.events, "notify_url": ch.notifyURL,
				"channel_expiry": c.s.formatTime(ch.expiry), "return_affected_field_values": ch.returnValues,
				"notify_on_related_action": ch.relatedAction, "resource_name": nil, "resource_id": nil, "resource_uri": nil,
			}
			if ch.token != "" {
				w["token"] = ch.token
			}
			if ch.conditions != nil {
				w["notification_condition"] = ch.conditions
			}
			if ch.fields != nil {
				w["fields"] = ch.fields
			}
			data = append(data, w)
		}
		return answer{status: http.StatusOK, body: map[string]any{"watch": data,
			"info": map[string]any{"per_page": perPage, "page": page, "count": len(data), "more_records": end < len(list)}}}
	})
}

// handleWatchDelete serves DELETE /actions/watch?channel_ids=1,2.
func (c *CRM) handleWatchDelete(ex *exchange) {
	c.serve(ex, func() answer {
		ids := splitList(ex.r.URL.Query().Get("channel_ids"))
		if len(ids) == 0 {
			return errAnswer(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param_name": "channel_ids"})
		}
		results := make([]any, len(ids))
		failed := 0
		for i, id := range ids {
			ch := c.notify.channels[id]
			if ch == nil {
				results[i] = watchErr("NOT_SUBSCRIBED", "the channel is not subscribed", map[string]any{"channel_id": id})
				failed++
				continue
			}
			events := c.channelEvents(ch)
			delete(c.notify.channels, id)
			results[i] = map[string]any{"code": "SUCCESS", "status": "success", "message": "Successfully removed the subscribe details",
				"details": map[string]any{"events": events, "channel_id": id}}
		}
		status := http.StatusOK
		if failed > 0 {
			status = http.StatusAccepted
		}
		return answer{status: status, body: map[string]any{"watch": results}}
	})
}
