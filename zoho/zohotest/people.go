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
)

// People is the fake's Zoho People ({People host}/people/api): form
// records, People's envelope and its daily quota. Get it with
// Server.People; its helpers seed and read without HTTP.
//
// What it serves:
//
//   - GET /people/api/forms/{form}/getRecords with sIndex (1-based) and
//     limit (at most 200; more answers error 7021), modifiedtime (epoch
//     milliseconds: records added or modified after it), searchColumn
//     (EMPLOYEEID, EMPLOYEEMAILALIAS) and searchValue. The result is
//     [{"<record id>":[{fields}]}, ...] in the order records were added; an
//     empty page answers error 7024 "No records found".
//   - GET /people/api/forms/{form}/getDataByID?recordId=...
//   - POST /people/api/forms/json/{form}/insertRecord and updateRecord
//     (recordId) with inputData, a JSON object of fields, in the query or a
//     form body; the result is {"pkId","message"}.
//   - The envelope {"response":{"result":...,"message":...,"uri":...,
//     "status":0}}; errors come with HTTP 200 as status 1 and
//     "errors":{"code","message"}: 7011 unknown form, 7024 no records,
//     7049 no record with the id, 7052 a mandatory field missing, 7051 a
//     unique value that exists, 7016 bad input.
//   - Records carry Zoho_ID, AddedTime ("05-Dec-2019 17:38:37") and
//     ModifiedTime and CreatedTime (epoch milliseconds as text).
//   - A daily quota (SetDailyLimit; none by default) counted per day of the
//     server's clock (UTC): past it every call answers HTTP 429.
//
// The "employee" form exists from the start, with EmployeeID, FirstName,
// LastName and EmailID mandatory and EmployeeID and EmailID unique;
// DefineForm adds others.
type People struct{ p *peopleState }

// People returns the fake's Zoho People.
func (s *Server) People() *People { return &People{p: s.people} }

const peopleMaxLimit = 200

type peopleState struct {
	s  *Server
	mu sync.Mutex

	forms map[string]*peopleForm
	daily int
	days  map[string]int
}

type peopleForm struct {
	name      string
	mandatory []string
	unique    []string
	records   []*peopleRecord
	byID      map[string]*peopleRecord
}

type peopleRecord struct {
	finMeta
	fields map[string]any
}

func newPeopleState(s *Server) *peopleState {
	p := &peopleState{s: s, forms: map[string]*peopleForm{}, days: map[string]int{}}
	p.defineLocked("employee", []string{"EmployeeID", "FirstName", "LastName", "EmailID"}, []string{"EmployeeID", "EmailID"})
	return p
}

func (p *peopleState) defineLocked(name string, mandatory, unique []string) *peopleForm {
	f := &peopleForm{name: name, mandatory: mandatory, unique: unique, byID: map[string]*peopleRecord{}}
	p.forms[strings.ToLower(name)] = f
	return f
}

func (s *Server) peopleRoutes() []route {
	p := s.people
	return []route{
		p.route("GET /people/api/forms/{form}/getRecords", p.getRecords),
		p.route("GET /people/api/forms/{form}/getDataByID", p.getByID),
		p.route("POST /people/api/forms/json/{form}/insertRecord", p.insert),
		p.route("POST /people/api/forms/json/{form}/updateRecord", p.update),
	}
}

// peopleAnswer is a handler's answer: a result, or an error code.
type peopleAnswer struct {
	result  any
	message string
	code    int
}

func peopleFail(code int, message string) peopleAnswer {
	return peopleAnswer{code: code, message: message}
}

func (p *peopleState) route(spec string, h func(ex *exchange, f *peopleForm, now time.Time) peopleAnswer) route {
	return newRoute(spec, false, "", func(ex *exchange) { p.serve(ex, h) })
}

func (p *peopleState) serve(ex *exchange, h func(ex *exchange, f *peopleForm, now time.Time) peopleAnswer) {
	uri := strings.TrimPrefix(ex.r.URL.Path, "/people")
	write := func(status int, resp map[string]any) {
		resp["uri"] = uri
		ex.json(status, map[string]any{"response": resp})
	}
	tok, ok := strings.CutPrefix(ex.r.Header.Get("Authorization"), "Zoho-oauthtoken ")
	if !ok || !p.s.oauth.validAccessToken(tok) {
		ex.note("access token missing, unknown or expired")
		write(http.StatusUnauthorized, map[string]any{"status": 1, "message": "Invalid OAuth token",
			"errors": map[string]any{"message": "The access token is invalid or expired"}})
		return
	}
	p.mu.Lock()
	now := p.s.clock.Now()
	day := now.UTC().Format("2006-01-02")
	if p.daily > 0 && p.days[day] >= p.daily {
		p.mu.Unlock()
		ex.note("People daily limit %d reached", p.daily)
		write(http.StatusTooManyRequests, map[string]any{"status": 1, "message": "API limit exceeded",
			"errors": map[string]any{"message": fmt.Sprintf("The daily limit of %d API calls is reached", p.daily)}})
		return
	}
	p.days[day]++
	var a peopleAnswer
	if f := p.forms[strings.ToLower(ex.param("form"))]; f == nil {
		a = peopleFail(7011, fmt.Sprintf("Form name '%s' is invalid", ex.param("form")))
	} else {
		a = h(ex, f, now)
	}
	p.mu.Unlock()
	if a.code != 0 {
		write(http.StatusOK, map[string]any{"status": 1, "message": "Error occurred",
			"errors": map[string]any{"code": a.code, "message": a.message}})
		return
	}
	write(http.StatusOK, map[string]any{"status": 0, "message": a.message, "result": a.result})
}

func (r *peopleRecord) render() map[string]any {
	out := finCopy(r.fields)
	out["Zoho_ID"] = json.Number(r.id)
	out["AddedTime"] = r.created.UTC().Format("02-Jan-2006 15:04:05")
	out["CreatedTime"] = strconv.FormatInt(r.created.UnixMilli(), 10)
	out["ModifiedTime"] = strconv.FormatInt(r.modified.UnixMilli(), 10)
	return out
}

func (p *peopleState) getRecords(ex *exchange, f *peopleForm, _ time.Time) peopleAnswer {
	q := ex.r.URL.Query()
	start, limit := 1, peopleMaxLimit
	if v := q.Get("sIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return peopleFail(7016, "Invalid input data: sIndex")
		}
		start = max(n, 1)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return peopleFail(7016, "Invalid input data: limit")
		}
		if n > peopleMaxLimit {
			return peopleFail(7021, "Maximum record limit 200 is exceeded")
		}
		limit = n
	}
	recs := f.records
	if v := q.Get("modifiedtime"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return peopleFail(7016, "Invalid input data: modifiedtime")
		}
		since := time.UnixMilli(ms)
		var kept []*peopleRecord
		for _, r := range recs {
			if r.modified.After(since) {
				kept = append(kept, r)
			}
		}
		recs = kept
	}
	if col := q.Get("searchColumn"); col != "" {
		field := map[string]string{"EMPLOYEEID": "EmployeeID", "EMPLOYEEMAILALIAS": "EmailID"}[strings.ToUpper(col)]
		if field == "" {
			return peopleFail(7043, "Invalid search operator")
		}
		want := q.Get("searchValue")
		var kept []*peopleRecord
		for _, r := range recs {
			if strings.EqualFold(finString(r.fields[field]), want) {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			return peopleFail(7042, fmt.Sprintf("Specified search value %s is invalid", want))
		}
		recs = kept
	}
	from := min(start-1, len(recs))
	to := min(from+limit, len(recs))
	if from == to {
		return peopleFail(7024, "No records found")
	}
	list := make([]any, 0, to-from)
	for _, r := range recs[from:to] {
		list = append(list, map[string]any{r.id: []any{r.render()}})
	}
	return peopleAnswer{result: list, message: "Data fetched successfully"}
}

func (p *peopleState) getByID(ex *exchange, f *peopleForm, _ time.Time) peopleAnswer {
	r := f.byID[ex.r.URL.Query().Get("recordId")]
	if r == nil {
		return peopleFail(7049, "Missing record for the specified record Id")
	}
	return peopleAnswer{result: []any{r.render()}, message: "Data fetched successfully"}
}

// inputData reads the inputData parameter (query or form body).
func peopleInput(ex *exchange) (url.Values, map[string]any, *peopleAnswer) {
	params := ex.r.URL.Query()
	if strings.HasPrefix(ex.r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(ex.body))
		if err != nil {
			a := peopleFail(7016, "Invalid input data")
			return nil, nil, &a
		}
		for k, v := range form {
			params[k] = v
		}
	}
	var m map[string]any
	if err := decodeJSON([]byte(params.Get("inputData")), &m); err != nil || len(m) == 0 {
		a := peopleFail(7016, "Invalid input data: inputData")
		return nil, nil, &a
	}
	return params, m, nil
}

// checkRecord validates fields for a record (rec nil: a new one).
func (f *peopleForm) checkRecord(fields map[string]any, rec *peopleRecord) *peopleAnswer {
	merged := map[string]any{}
	if rec != nil {
		merged = finCopy(rec.fields)
	}
	for k, v := range fields {
		merged[k] = v
	}
	for _, name := range f.mandatory {
		if strings.TrimSpace(finString(merged[name])) == "" {
			a := peopleFail(7052, "Missing mandatory field values: "+name)
			return &a
		}
	}
	for _, name := range f.unique {
		v, set := fields[name]
		if !set {
			continue
		}
		for _, other := range f.records {
			if other != rec && strings.EqualFold(finString(other.fields[name]), finString(v)) {
				a := peopleFail(7051, "Value already exists: "+name)
				return &a
			}
		}
	}
	return nil
}

func (p *peopleState) insert(ex *exchange, f *peopleForm, now time.Time) peopleAnswer {
	_, m, bad := peopleInput(ex)
	if bad != nil {
		return *bad
	}
	if bad := f.checkRecord(m, nil); bad != nil {
		return *bad
	}
	r := &peopleRecord{finMeta: finMeta{id: p.s.ids.newID(), created: now, modified: now}, fields: finCopy(m, "Zoho_ID", "AddedTime", "CreatedTime", "ModifiedTime")}
	f.records = append(f.records, r)
	f.byID[r.id] = r
	return peopleAnswer{result: map[string]any{"pkId": r.id, "message": "Successfully Added"}, message: "Data added successfully"}
}

func (p *peopleState) update(ex *exchange, f *peopleForm, now time.Time) peopleAnswer {
	params, m, bad := peopleInput(ex)
	if bad != nil {
		return *bad
	}
	r := f.byID[params.Get("recordId")]
	if r == nil {
		return peopleFail(7049, "Missing record for the specified record Id")
	}
	if bad := f.checkRecord(m, r); bad != nil {
		return *bad
	}
	for k, v := range finCopy(m, "Zoho_ID", "AddedTime", "CreatedTime", "ModifiedTime") {
		r.fields[k] = v
	}
	r.modified = now
	return peopleAnswer{result: map[string]any{"pkId": r.id, "message": "Successfully Updated"}, message: "Data updated successfully"}
}

// DefineForm adds a form (by its link name) with its mandatory and unique
// fields.
func (pp *People) DefineForm(name string, mandatory, unique []string) error {
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, "/?# ") {
		return fmt.Errorf("zohotest: DefineForm: %q is not a form link name", name)
	}
	pp.p.mu.Lock()
	defer pp.p.mu.Unlock()
	if pp.p.forms[strings.ToLower(name)] != nil {
		return fmt.Errorf("zohotest: DefineForm: form %q exists", name)
	}
	pp.p.defineLocked(name, mandatory, unique)
	return nil
}

// AddRecord adds a record to a form as insertRecord would and returns its
// id.
func (pp *People) AddRecord(form string, rec Record) (string, error) {
	m, err := plain(rec)
	if err != nil {
		return "", fmt.Errorf("zohotest: AddRecord: %w", err)
	}
	pp.p.mu.Lock()
	defer pp.p.mu.Unlock()
	f := pp.p.forms[strings.ToLower(form)]
	if f == nil {
		return "", fmt.Errorf("zohotest: AddRecord: no form %q", form)
	}
	if bad := f.checkRecord(m, nil); bad != nil {
		return "", fmt.Errorf("zohotest: AddRecord: %d %s", bad.code, bad.message)
	}
	now := pp.p.s.clock.Now()
	r := &peopleRecord{finMeta: finMeta{id: pp.p.s.ids.newID(), created: now, modified: now}, fields: finCopy(m, "Zoho_ID", "AddedTime", "CreatedTime", "ModifiedTime")}
	f.records = append(f.records, r)
	f.byID[r.id] = r
	return r.id, nil
}

// Record returns a record as getDataByID shows it.
func (pp *People) Record(form, id string) (Record, bool) {
	pp.p.mu.Lock()
	defer pp.p.mu.Unlock()
	f := pp.p.forms[strings.ToLower(form)]
	if f == nil || f.byID[id] == nil {
		return nil, false
	}
	return f.byID[id].render(), true
}

// SetDailyLimit sets the daily quota of API calls (0: none, the default).
// People's is 250 calls per user licence (capped by edition).
func (pp *People) SetDailyLimit(n int) {
	pp.p.mu.Lock()
	defer pp.p.mu.Unlock()
	pp.p.daily = max(n, 0)
}
