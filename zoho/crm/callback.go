package crm

// This file is the typed body of the callback that Zoho CRM POSTs to a
// channel's notify_url (Notifications, or "Watch", API). It stands alone: it
// uses only the standard library and no other file of the package.
//
// Zoho's callback format is documented only by example and varies between
// API versions and reports (operation names, number-or-string IDs, the shape
// of affected fields), so ParseNotification is tolerant: it accepts every
// form seen so far, keeps what it does not understand as raw JSON instead of
// dropping it, and fails only when the notification cannot be used at all.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Operation is what happened to the records of a notification, normalised
// across the names Zoho uses: OperationCreate, OperationUpdate,
// OperationDelete, or, for a name this package does not know, the name as
// sent (see Known).
type Operation string

// The operations a notification reports.
const (
	OperationCreate Operation = "create" // sent as create, insert (or created, inserted)
	OperationUpdate Operation = "update" // sent as edit, update (or edited, updated)
	OperationDelete Operation = "delete" // sent as delete (or deleted)
)

// Known reports whether o is one of OperationCreate, OperationUpdate and
// OperationDelete.
func (o Operation) Known() bool {
	return o == OperationCreate || o == OperationUpdate || o == OperationDelete
}

// ParseOperation normalises an operation name as Zoho sends it: case and
// surrounding space are ignored, and a "Module." prefix (as in the event
// names of a subscription, "Leads.edit") is dropped. A name it does not know
// is returned as sent, trimmed, so that nothing is lost.
func ParseOperation(raw string) Operation {
	s := strings.ToLower(strings.TrimSpace(raw))
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	switch s {
	case "create", "created", "insert", "inserted":
		return OperationCreate
	case "edit", "edited", "update", "updated":
		return OperationUpdate
	case "delete", "deleted":
		return OperationDelete
	}
	return Operation(strings.TrimSpace(raw))
}

// Notification is one callback of a Zoho CRM notification channel: which
// records of which module changed, how, and when. It carries no record data
// beyond the affected fields (and their values, when the channel was
// enabled with return_affected_field_values): read the records to sync them.
//
// Token is the channel's verification token, echoed by Zoho; it is a secret.
// String and LogValue leave it out, so that printing or logging a
// Notification does not reveal it.
type Notification struct {
	// ServerTime is when Zoho sent the notification (server_time, in
	// milliseconds since the Unix epoch), in UTC; zero when it was absent or
	// not understood (then it is in Unparsed).
	ServerTime time.Time
	// Module is the API name of the module whose records changed, such as
	// "Leads". Never empty in a parsed notification.
	Module string
	// ResourceURI is the module's API URL as Zoho sent it (resource_uri).
	ResourceURI string
	// IDs are the IDs of the records that changed, as decimal strings (Zoho's
	// IDs are 19-digit numbers, which JSON numbers would round). Never empty
	// in a parsed notification; kept in the order sent.
	IDs []string
	// Operation is the normalised operation (see ParseOperation); empty when
	// the notification named none.
	Operation Operation
	// RawOperation is the operation exactly as sent.
	RawOperation string
	// ChannelID is the channel the notification belongs to (channel_id), as
	// a decimal string when Zoho sent a number.
	ChannelID string
	// Token is the channel's verification token as echoed by Zoho. Secret:
	// compare it in constant time and never log it.
	Token string
	// QueryParams are the query parameters of the channel's notify_url as
	// Zoho echoes them (query_params). Values that were not JSON strings are
	// kept as their JSON text.
	QueryParams map[string]string
	// AffectedFields maps a record ID to the API names of the fields that
	// changed in it. Names sent without a record (a plain list) are under
	// the key "": they apply to every record of the notification (see
	// FieldsOf). Nil when Zoho sent none.
	AffectedFields map[string][]string
	// AffectedValues maps a record ID to the new values of its changed
	// fields, each as raw JSON (so numbers keep their precision). Nil when
	// Zoho sent none.
	AffectedValues map[string]map[string]json.RawMessage
	// Extra holds the top-level fields this package does not know, as sent.
	Extra map[string]json.RawMessage
	// Unparsed holds the known fields whose value had a shape this package
	// does not understand, as sent, by field name. Their typed fields above
	// are left zero.
	Unparsed map[string]json.RawMessage
}

// FieldsOf returns the API names of the fields that changed in the record
// with the given ID: those sent for the record and those sent without one.
func (n Notification) FieldsOf(id string) []string {
	var out []string
	out = append(out, n.AffectedFields[id]...)
	if id != "" {
		out = append(out, n.AffectedFields[""]...)
	}
	return out
}

// String describes n for people, without its token.
func (n Notification) String() string {
	return fmt.Sprintf("crm notification: %s %s of %d record(s), channel %q, server time %s",
		n.Module, n.Operation, len(n.IDs), n.ChannelID, n.ServerTime.Format(time.RFC3339Nano))
}

// LogValue implements slog.LogValuer: n's fields for a log line, without
// its token and query parameters (which may carry secrets of the notify URL).
func (n Notification) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("module", n.Module),
		slog.String("operation", string(n.Operation)),
		slog.Int("records", len(n.IDs)),
		slog.String("channel_id", n.ChannelID),
		slog.Time("server_time", n.ServerTime),
	)
}

// ErrInvalidNotification is what every error of ParseNotification matches
// with errors.Is.
var ErrInvalidNotification = errors.New("crm: invalid notification")

// NotificationError is the error of ParseNotification: the field that could
// not be used (empty for the body as a whole) and why. It never quotes the
// body, so it cannot carry the token.
type NotificationError struct {
	Field  string // JSON field name, with an index for an element: "ids[2]"
	Reason string
}

// Error implements error.
func (e *NotificationError) Error() string {
	if e.Field == "" {
		return "crm: invalid notification: " + e.Reason
	}
	return "crm: invalid notification: " + e.Field + ": " + e.Reason
}

// Is makes a *NotificationError match ErrInvalidNotification.
func (e *NotificationError) Is(target error) bool { return target == ErrInvalidNotification }

func invalid(field, format string, args ...any) error {
	return &NotificationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ParseNotification decodes the body of a Zoho CRM notification callback.
//
// It is tolerant: unknown fields go to Extra; numbers may come as strings
// and IDs as numbers of any length; an unknown operation is kept as sent; a
// known field whose value it does not understand goes to Unparsed. It fails,
// with a *NotificationError naming the field, only on what cannot be used: a
// body that is not a JSON object, a missing or empty module, missing or
// empty ids, or an ID that is not a non-empty string or an integer.
func ParseNotification(body []byte) (Notification, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return Notification{}, invalid("", "body is not JSON (syntax error at byte %d)", syn.Offset)
		default:
			return Notification{}, invalid("", "body is not a JSON object")
		}
	}
	if top == nil {
		return Notification{}, invalid("", "body is not a JSON object")
	}
	var n Notification
	unparsed := func(field string, raw json.RawMessage) {
		if n.Unparsed == nil {
			n.Unparsed = make(map[string]json.RawMessage)
		}
		n.Unparsed[field] = raw
	}
	for field, raw := range top {
		var ok bool
		switch field {
		case "server_time":
			n.ServerTime, ok = parseServerTime(raw)
		case "module":
			n.Module, ok = parseModule(raw)
		case "resource_uri":
			n.ResourceURI, ok = stringOrNumber(raw)
		case "ids":
			ids, err := parseIDs(raw)
			if err != nil {
				return Notification{}, err
			}
			n.IDs, ok = ids, true
		case "operation":
			n.RawOperation, ok = stringOrNumber(raw)
			if n.RawOperation != "" {
				n.Operation = ParseOperation(n.RawOperation)
			}
		case "channel_id":
			n.ChannelID, ok = stringOrNumber(raw)
		case "token":
			n.Token, ok = stringOrNumber(raw)
		case "query_params":
			n.QueryParams, ok = parseQueryParams(raw)
		case "affected_fields":
			n.AffectedFields, ok = parseAffectedFields(raw)
		case "affected_values", "affected_field_values":
			var vals map[string]map[string]json.RawMessage
			if vals, ok = parseAffectedValues(raw); ok {
				n.AffectedValues = mergeValues(n.AffectedValues, vals)
			}
		default:
			if n.Extra == nil {
				n.Extra = make(map[string]json.RawMessage)
			}
			n.Extra[field] = raw
			ok = true
		}
		if !ok {
			unparsed(field, raw)
		}
	}
	if n.Module == "" {
		if raw, bad := n.Unparsed["module"]; bad {
			return Notification{}, invalid("module", "is a JSON %s, want a string", kindOf(raw))
		}
		return Notification{}, invalid("module", "is missing or empty")
	}
	if len(n.IDs) == 0 {
		if _, present := top["ids"]; present {
			return Notification{}, invalid("ids", "lists no record")
		}
		return Notification{}, invalid("ids", "is missing")
	}
	return n, nil
}

// kindOf names the JSON type of a raw value, for error messages that must
// not quote it.
func kindOf(raw json.RawMessage) string {
	b := bytes.TrimLeft(raw, " \t\r\n")
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// scalar decodes a JSON string or number to its text: the string's value,
// or the number's literal (which keeps every digit). isNum tells which.
// ok is false for any other JSON type.
func scalar(raw json.RawMessage) (s string, isNum, ok bool) {
	switch kindOf(raw) {
	case "string":
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, false
		}
		return s, false, true
	case "number":
		var num json.Number
		if err := json.Unmarshal(raw, &num); err != nil {
			return "", false, false
		}
		return num.String(), true, true
	}
	return "", false, false
}

// stringOrNumber decodes a string or a number as text; null is the empty
// string. ok is false for other JSON types.
func stringOrNumber(raw json.RawMessage) (string, bool) {
	if kindOf(raw) == "null" {
		return "", true
	}
	s, _, ok := scalar(raw)
	return s, ok
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseServerTime reads milliseconds since the epoch from a number or a
// string (integer, or a float such as 1.5e12), and also accepts an RFC 3339
// string.
func parseServerTime(raw json.RawMessage) (time.Time, bool) {
	if kindOf(raw) == "null" {
		return time.Time{}, true
	}
	s, _, ok := scalar(raw)
	if !ok {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return msTime(float64(ms), ms)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return msTime(f, int64(f))
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// msTime turns milliseconds into a time, refusing values outside years 1 to
// 9999 (and NaN or infinities), which no server clock sends.
func msTime(f float64, ms int64) (time.Time, bool) {
	const minMS, maxMS = -62135596800000, 253402300799999
	if math.IsNaN(f) || f < minMS || f > maxMS {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// parseModule reads the module's API name from a string, or from an object
// with an api_name (the form Zoho uses for modules elsewhere).
func parseModule(raw json.RawMessage) (string, bool) {
	switch kindOf(raw) {
	case "null":
		return "", true
	case "string":
		s, _, ok := scalar(raw)
		return strings.TrimSpace(s), ok
	case "object":
		var m struct {
			APIName json.RawMessage `json:"api_name"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.APIName == nil {
			return "", false
		}
		s, isNum, ok := scalar(m.APIName)
		return strings.TrimSpace(s), ok && !isNum
	}
	return "", false
}

// parseIDs reads the record IDs: an array of strings or integers, or a lone
// string or integer.
func parseIDs(raw json.RawMessage) ([]string, error) {
	switch kindOf(raw) {
	case "null":
		return nil, nil
	case "array":
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, invalid("ids", "is not a JSON array")
		}
		ids := make([]string, 0, len(elems))
		for i, e := range elems {
			id, err := parseID(e, fmt.Sprintf("ids[%d]", i))
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, nil
	case "string", "number":
		id, err := parseID(raw, "ids")
		if err != nil {
			return nil, err
		}
		return []string{id}, nil
	}
	return nil, invalid("ids", "is a JSON %s, want an array of record IDs", kindOf(raw))
}

// parseID reads one record ID: a non-empty string, or a number written as
// an integer (a fraction or an exponent would mean digits were lost).
func parseID(raw json.RawMessage, field string) (string, error) {
	s, isNum, ok := scalar(raw)
	switch {
	case !ok:
		return "", invalid(field, "is a JSON %s, want a string or an integer", kindOf(raw))
	case isNum && !isDigits(s):
		return "", invalid(field, "is a number that is not a whole non-negative integer, want a record ID")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid(field, "is empty")
	}
	return s, nil
}

// parseQueryParams reads the echoed query parameters: an object (values
// that are not strings are kept as their JSON text), or a query string.
func parseQueryParams(raw json.RawMessage) (map[string]string, bool) {
	switch kindOf(raw) {
	case "null":
		return nil, true
	case "string":
		s, _, _ := scalar(raw)
		vals, err := url.ParseQuery(strings.TrimPrefix(s, "?"))
		if err != nil {
			return nil, false
		}
		out := make(map[string]string, len(vals))
		for k, v := range vals {
			out[k] = v[0]
		}
		return out, true
	case "object":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, false
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			if s, isNum, ok := scalar(v); ok && !isNum {
				out[k] = s
			} else {
				out[k] = string(bytes.TrimSpace(v))
			}
		}
		return out, true
	}
	return nil, false
}

// parseAffectedFields reads the changed field names, in any of the forms
// seen: an array of objects mapping a record ID to its field names, one such
// object, or a plain array of names (which lands under the key "").
func parseAffectedFields(raw json.RawMessage) (map[string][]string, bool) {
	switch kindOf(raw) {
	case "null":
		return nil, true
	case "object":
		out := make(map[string][]string)
		return out, addFieldsObject(out, raw)
	case "array":
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, false
		}
		out := make(map[string][]string)
		for _, e := range elems {
			switch kindOf(e) {
			case "string":
				s, _, _ := scalar(e)
				out[""] = append(out[""], s)
			case "object":
				if !addFieldsObject(out, e) {
					return nil, false
				}
			default:
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// addFieldsObject adds an object of record ID to field names (an array of
// names, or a single name) to out.
func addFieldsObject(out map[string][]string, raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return false
	}
	for id, v := range m {
		switch kindOf(v) {
		case "string":
			s, _, _ := scalar(v)
			out[id] = append(out[id], s)
		case "array":
			var names []string
			if err := json.Unmarshal(v, &names); err != nil {
				return false
			}
			out[id] = append(out[id], names...)
		default:
			return false
		}
	}
	return true
}

// parseAffectedValues reads the changed values, in any of the forms seen:
// an array of {"record_id" (or "id"): ..., "values": {...}} entries, an
// array of objects mapping a record ID to its values, or one such object.
func parseAffectedValues(raw json.RawMessage) (map[string]map[string]json.RawMessage, bool) {
	switch kindOf(raw) {
	case "null":
		return nil, true
	case "object":
		out := make(map[string]map[string]json.RawMessage)
		return out, addValuesObject(out, raw)
	case "array":
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, false
		}
		out := make(map[string]map[string]json.RawMessage)
		for _, e := range elems {
			if kindOf(e) != "object" {
				return nil, false
			}
			var entry struct {
				RecordID json.RawMessage            `json:"record_id"`
				ID       json.RawMessage            `json:"id"`
				Values   map[string]json.RawMessage `json:"values"`
			}
			if err := json.Unmarshal(e, &entry); err == nil && entry.Values != nil &&
				(entry.RecordID != nil || entry.ID != nil) {
				idRaw := entry.RecordID
				if idRaw == nil {
					idRaw = entry.ID
				}
				id, err := parseID(idRaw, "record_id")
				if err != nil {
					return nil, false
				}
				addValues(out, id, entry.Values)
				continue
			}
			if !addValuesObject(out, e) {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// addValuesObject adds an object of record ID to {field: value} to out.
func addValuesObject(out map[string]map[string]json.RawMessage, raw json.RawMessage) bool {
	var m map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return false
	}
	for id, vals := range m {
		addValues(out, id, vals)
	}
	return true
}

func addValues(out map[string]map[string]json.RawMessage, id string, vals map[string]json.RawMessage) {
	if out[id] == nil {
		out[id] = make(map[string]json.RawMessage, len(vals))
	}
	for k, v := range vals {
		out[id][k] = v
	}
}

// mergeValues merges b into a (both affected_values spellings may appear).
func mergeValues(a, b map[string]map[string]json.RawMessage) map[string]map[string]json.RawMessage {
	if a == nil {
		return b
	}
	for id, vals := range b {
		addValues(a, id, vals)
	}
	return a
}
