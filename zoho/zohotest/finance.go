package zohotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// This file is the fake's Zoho finance suite, shared by Books (books*.go)
// and Inventory (inventory*.go) as in Zoho, where both products see the same
// organisations, contacts and items: the organisations, the envelope
// ({"code":0,"message":...}), organization_id checks, the per-organisation
// limits and the timestamp format.

// Zoho's finance-suite limits.
const (
	finPerMinute        = 100 // requests per minute per organisation (and product)
	finDefaultDailyCall = 10_000
	finMaxPerPage       = 200
	finTimeLayout       = "2006-01-02T15:04:05-0700"
	finDateLayout       = "2006-01-02"
)

// Error codes the fake answers. 1002 is documented by Zoho; the others are
// what Zoho has been observed to answer (third-party code and fixtures).
const (
	finCodeInvalidValue = 2    // "Invalid value passed for <param>" (400)
	finCodeInvalidURL   = 5    // "Invalid URL Passed" (404)
	finCodeAuthValue    = 14   // no usable Authorization header (401)
	finCodePerMinute    = 44   // per-minute limit (429)
	finCodeDaily        = 45   // daily limit (429)
	finCodeNotAuthz     = 57   // unknown, revoked or expired token (401)
	finCodeNotFound     = 1002 // "<Resource> does not exist." (404)
)

// finProduct names Books or Inventory in the finance state.
type finProduct string

const (
	finBooks     finProduct = "books"
	finInventory finProduct = "inventory"
)

// FinanceOrganization is an organisation of the fake's finance suite (Books
// and Inventory share them, as in Zoho).
type FinanceOrganization struct {
	// ID is the organization_id; default: a new 11-digit id.
	ID   string
	Name string // default "Zylker Books <n>"
	// TimeZone is the organisation's zone: created_time and
	// last_modified_time come back in its offset ("2026-06-09T16:22:34-0400")
	// and "today" (default dates, the daily quota) is its day. Default:
	// UTC-04:00, so that code comparing timestamps as strings or ignoring
	// the offset fails in tests.
	TimeZone     *time.Location
	CurrencyCode string // default "USD"
	// IsDefault is Zoho's is_default_org, a user-interface preference.
	IsDefault bool
}

// finState is the finance suite's data. One mutex guards it all.
type finState struct {
	s  *Server
	mu sync.Mutex

	orgs     map[string]*finOrg
	orgOrder []*finOrg

	// windows holds, per "<product>:<org>", the times of the requests
	// accepted in the last minute; days counts them per day.
	windows map[string][]time.Time
	days    map[string]int
	daily   map[finProduct]int // the daily quota per organisation
}

// finOrg is one organisation and everything in it.
type finOrg struct {
	FinanceOrganization
	contacts    *finTable[*finContact]
	items       *finTable[*finItem]
	invoices    *finTable[*finInvoice]
	payments    *finTable[*finPayment]
	adjustments *finTable[*finAdjustment]
	warehouses  []*finWarehouse
	invoiceSeq  int
	paymentSeq  int
	ids         *idGen
}

// finMeta is what every stored record has.
type finMeta struct {
	id                string
	created, modified time.Time
}

func (m *finMeta) meta() *finMeta { return m }

type finRecord interface{ meta() *finMeta }

// finTable is one kind of record of an organisation, in creation order.
type finTable[T finRecord] struct {
	byID  map[string]T
	order []T
}

func newFinTable[T finRecord]() *finTable[T] { return &finTable[T]{byID: map[string]T{}} }

func (t *finTable[T]) add(r T) {
	t.byID[r.meta().id] = r
	t.order = append(t.order, r)
}

func (t *finTable[T]) remove(id string) {
	delete(t.byID, id)
	for i, r := range t.order {
		if r.meta().id == id {
			t.order = append(t.order[:i], t.order[i+1:]...)
			return
		}
	}
}

func newFinState(s *Server) *finState {
	f := &finState{
		s:       s,
		orgs:    map[string]*finOrg{},
		windows: map[string][]time.Time{},
		days:    map[string]int{},
		daily:   map[finProduct]int{finBooks: finDefaultDailyCall, finInventory: finDefaultDailyCall},
	}
	_, _ = f.addOrg(FinanceOrganization{Name: "Zylker Books", IsDefault: true}) // valid by construction
	return f
}

// addOrg adds an organisation, filling in defaults.
func (f *finState) addOrg(o FinanceOrganization) (FinanceOrganization, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o.ID == "" {
		o.ID = "6" + f.s.ids.newID()[9:] // 11 digits, like Zoho's organisation ids
	}
	if strings.ContainsAny(o.ID, "/?#&= ") {
		return o, fmt.Errorf("zohotest: organization id %q contains a character of a URL", o.ID)
	}
	if _, dup := f.orgs[o.ID]; dup {
		return o, fmt.Errorf("zohotest: organization %s exists", o.ID)
	}
	if o.Name == "" {
		o.Name = fmt.Sprintf("Zylker Books %d", len(f.orgOrder)+1)
	}
	if o.TimeZone == nil {
		o.TimeZone = time.FixedZone("UTC-4", -4*3600)
	}
	if o.CurrencyCode == "" {
		o.CurrencyCode = "USD"
	}
	org := &finOrg{
		FinanceOrganization: o,
		contacts:            newFinTable[*finContact](),
		items:               newFinTable[*finItem](),
		invoices:            newFinTable[*finInvoice](),
		payments:            newFinTable[*finPayment](),
		adjustments:         newFinTable[*finAdjustment](),
		ids:                 f.s.ids,
	}
	org.warehouses = []*finWarehouse{{id: f.s.ids.newID(), name: "Primary Warehouse", primary: true}}
	f.orgs[o.ID] = org
	f.orgOrder = append(f.orgOrder, org)
	return o, nil
}

// org returns an organisation by id, or an error naming it.
func (f *finState) org(id string) (*finOrg, error) {
	o, ok := f.orgs[id]
	if !ok {
		return nil, fmt.Errorf("zohotest: no organization %q", id)
	}
	return o, nil
}

// formatTime renders t as the finance suite does: the organisation's
// offset, no colon.
func (o *finOrg) formatTime(t time.Time) string { return t.In(o.TimeZone).Format(finTimeLayout) }

// today is the organisation's current date.
func (o *finOrg) today(now time.Time) string { return now.In(o.TimeZone).Format(finDateLayout) }

// finAnswer is a handler's answer: the envelope's code and message are
// added by the writer.
type finAnswer struct {
	status  int
	code    int
	message string
	body    map[string]any // members besides code and message
	header  http.Header
}

func finOK(status int, message string, body map[string]any) finAnswer {
	return finAnswer{status: status, message: message, body: body}
}

func finFail(status, code int, message string) finAnswer {
	return finAnswer{status: status, code: code, message: message}
}

func finInvalid(param string) finAnswer {
	return finFail(http.StatusBadRequest, finCodeInvalidValue, "Invalid value passed for "+param)
}

func finNotFound(what string) finAnswer {
	return finFail(http.StatusNotFound, finCodeNotFound, what+" does not exist.")
}

// finHandler serves one request under the finance lock; org is nil for the
// routes without organization_id.
type finHandler func(ex *exchange, org *finOrg, now time.Time) finAnswer

// route wraps a handler with what every finance call gets: Books' auth
// answers, the organization_id check, the per-minute and daily limits, the
// rate-limit headers and the envelope.
func (f *finState) route(p finProduct, spec string, needOrg bool, h finHandler) route {
	return newRoute(spec, false, "", func(ex *exchange) { f.serve(ex, p, needOrg, h) })
}

func (f *finState) serve(ex *exchange, p finProduct, needOrg bool, h finHandler) {
	if a, ok := f.authenticate(ex); !ok {
		f.write(ex, a, nil)
		return
	}
	f.mu.Lock()
	now := f.s.clock.Now().Truncate(time.Second)
	var org *finOrg
	if needOrg {
		id := ex.r.URL.Query().Get("organization_id")
		org = f.orgs[id]
		if org == nil {
			f.mu.Unlock()
			if id == "" {
				ex.note("organization_id missing")
			} else {
				ex.note("organization_id %q unknown", id)
			}
			f.write(ex, finInvalid("organization_id"), nil)
			return
		}
		if a, ok := f.admit(p, org, now); !ok {
			hdr := f.rateHeaders(p, org, now)
			f.mu.Unlock()
			f.write(ex, a, hdr)
			return
		}
	}
	a := h(ex, org, now)
	var hdr http.Header
	if org != nil {
		hdr = f.rateHeaders(p, org, now)
	}
	f.mu.Unlock()
	f.write(ex, a, hdr)
}

// authenticate checks the Authorization header and answers as Books does:
// 401 with code 14 when there is no usable one, 57 for an unknown or expired
// token.
func (f *finState) authenticate(ex *exchange) (finAnswer, bool) {
	h := ex.r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Zoho-oauthtoken ")
	switch {
	case !ok:
		ex.note("no Zoho-oauthtoken Authorization header")
		return finFail(http.StatusUnauthorized, finCodeAuthValue, "The request could not be authenticated as the authentication value you entered is invalid. Enter a valid authentication value and try again."), false
	case !f.s.oauth.validAccessToken(tok):
		ex.note("access token unknown, revoked or expired")
		return finFail(http.StatusUnauthorized, finCodeNotAuthz, "You are not authorized to perform this operation"), false
	}
	return finAnswer{}, true
}

// admit applies the per-minute (sliding window on the server's clock) and
// daily limits of an organisation. Rejected requests do not count.
func (f *finState) admit(p finProduct, org *finOrg, now time.Time) (finAnswer, bool) {
	key := string(p) + ":" + org.ID
	win := f.windows[key]
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(win) && !win[i].After(cut) {
		i++
	}
	win = win[i:]
	if len(win) >= finPerMinute {
		f.windows[key] = win
		return finFail(http.StatusTooManyRequests, finCodePerMinute,
			"For security reasons your organization has been blocked as it have exceeded the maximum number of requests per minute that can originate from an organization."), false
	}
	dayKey := key + ":" + org.today(now)
	if limit := f.daily[p]; limit > 0 && f.days[dayKey] >= limit {
		return finFail(http.StatusTooManyRequests, finCodeDaily,
			fmt.Sprintf("The API call for this organization has exceeded the maximum call rate limit of %d.", limit)), false
	}
	f.windows[key] = append(win, now)
	f.days[dayKey]++
	return finAnswer{}, true
}

// rateHeaders are the X-Rate-Limit-* headers: the daily quota, what is
// left, and the seconds until the organisation's midnight.
func (f *finState) rateHeaders(p finProduct, org *finOrg, now time.Time) http.Header {
	limit := f.daily[p]
	if limit <= 0 {
		return nil
	}
	used := f.days[string(p)+":"+org.ID+":"+org.today(now)]
	local := now.In(org.TimeZone)
	midnight := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, org.TimeZone)
	h := http.Header{}
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(limit-used, 0)))
	h.Set("X-Rate-Limit-Reset", strconv.Itoa(int(midnight.Sub(now)/time.Second)))
	return h
}

// write sends the envelope.
func (f *finState) write(ex *exchange, a finAnswer, hdr http.Header) {
	body := make(map[string]any, len(a.body)+2)
	for k, v := range a.body {
		body[k] = v
	}
	body["code"] = a.code
	if a.message == "" && a.code == 0 {
		a.message = "success"
	}
	body["message"] = a.message
	for k, vs := range hdr {
		ex.w.Header()[k] = vs
	}
	for k, vs := range a.header {
		ex.w.Header()[k] = vs
	}
	status := a.status
	if status == 0 {
		status = http.StatusOK
	}
	ex.json(status, body)
}

// finBody parses a JSON object body, numbers kept exact.
func finBody(ex *exchange) (map[string]any, *finAnswer) {
	var m map[string]any
	b := ex.body
	if ct := ex.r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		// Books' older clients send the object as the JSONString form value.
		form, err := url.ParseQuery(string(b))
		if err != nil {
			a := finInvalid("JSONString")
			return nil, &a
		}
		b = []byte(form.Get("JSONString"))
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		a := finFail(http.StatusBadRequest, finCodeInvalidValue, "Invalid value passed for JSONString")
		return nil, &a
	}
	if err := decodeJSON(b, &m); err != nil || m == nil {
		a := finInvalid("JSONString")
		return nil, &a
	}
	return m, nil
}

// Decimal helpers: amounts are apd decimals, rendered as JSON numbers with
// the text they have (never through float64).

// finDecCtx returns a fresh decimal context (60 digits): callers may set
// its rounding.
func finDecCtx() *apd.Context { return apd.BaseContext.WithPrecision(60) }

// finDec reads a number member: a JSON number or a numeric string. ok is
// false when absent; err when present but not a number.
func finDec(v any) (d *apd.Decimal, ok bool, err error) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, false, nil
	case json.Number:
		s = x.String()
	case string:
		if strings.TrimSpace(x) == "" {
			return nil, false, nil
		}
		s = strings.TrimSpace(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		s = strconv.Itoa(x)
	default:
		return nil, true, fmt.Errorf("not a number: %v", v)
	}
	d, _, err = apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite {
		return nil, true, fmt.Errorf("not a number: %q", s)
	}
	return d, true, nil
}

// finMoney rounds d half up to two places, as the finance suite shows
// computed amounts.
func finMoney(d *apd.Decimal) json.Number {
	var out apd.Decimal
	c := finDecCtx()
	c.Rounding = apd.RoundHalfUp
	_, _ = c.Quantize(&out, d, -2)
	return json.Number(out.Text('f'))
}

func finNum(d *apd.Decimal) json.Number { return json.Number(d.Text('f')) }

func finAdd(a, b *apd.Decimal) *apd.Decimal {
	var out apd.Decimal
	_, _ = finDecCtx().Add(&out, a, b)
	return &out
}

func finSub(a, b *apd.Decimal) *apd.Decimal {
	var out apd.Decimal
	_, _ = finDecCtx().Sub(&out, a, b)
	return &out
}

func finMul(a, b *apd.Decimal) *apd.Decimal {
	var out apd.Decimal
	_, _ = finDecCtx().Mul(&out, a, b)
	return &out
}

func finZero() *apd.Decimal { return apd.New(0, 0) }

// finString reads a string member (numbers accepted, as Zoho does for ids).
func finString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// finCopy returns a shallow copy of m without the named members.
func finCopy(m map[string]any, drop ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, k := range drop {
		delete(out, k)
	}
	return out
}

// finDate validates a yyyy-MM-dd member; "" when absent.
func finDate(m map[string]any, name string) (string, *finAnswer) {
	s := finString(m[name])
	if s == "" {
		return "", nil
	}
	if _, err := time.Parse(finDateLayout, s); err != nil {
		a := finInvalid(name)
		return "", &a
	}
	return s, nil
}

func (o *finOrg) render() map[string]any {
	return map[string]any{
		"organization_id": o.ID,
		"name":            o.Name,
		"is_default_org":  o.IsDefault,
		"is_org_active":   true,
		"currency_code":   o.CurrencyCode,
		"time_zone":       o.TimeZone.String(),
		"language_code":   "en",
	}
}
