package crm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/zohokit/zohokit/zoho"
)

// COQL limits (COQL-Limitations, v4 and later).
const (
	// MaxCOQLLimit is the most rows one COQL call returns.
	MaxCOQLLimit = 2000
	// MaxCOQLOffset is how far LIMIT/OFFSET reaches (offset + limit); past
	// it, COQLService.All pages by id instead.
	MaxCOQLOffset = 10000
)

// COQLService runs CRM Object Query Language queries (POST /coql).
type COQLService struct{ c *Client }

// QueryResult is the answer to one COQL query.
type QueryResult struct {
	// Records are the rows, each with its "id" and the selected fields
	// (lookups as {"id"}).
	Records []Record
	// Info holds Count and MoreRecords.
	Info Info
}

// Query runs one select_query as written ("select Last_Name from Contacts
// where Email is not null limit 0, 200") and returns its rows. A query that
// matches nothing (204) returns an empty result. Zoho's SYNTAX_ERROR,
// INVALID_QUERY and LIMIT_EXCEEDED come back as *zoho.Error.
func (s *COQLService) Query(ctx context.Context, query string) (*QueryResult, *zoho.Response, error) {
	if strings.TrimSpace(query) == "" {
		return nil, nil, errors.New("crm: coql: the query is empty")
	}
	req, err := s.c.newRequest(http.MethodPost, "/coql", nil, map[string]string{"select_query": query})
	if err != nil {
		return nil, nil, fmt.Errorf("crm: coql: %w", err)
	}
	req.Idempotent = true // a query changes nothing
	var env struct {
		Data []Record `json:"data"`
		Info Info     `json:"info"`
	}
	resp, err := s.c.get(ctx, req, &env)
	if err != nil {
		return nil, resp, fmt.Errorf("crm: coql: %w", err)
	}
	return &QueryResult{Records: env.Data, Info: env.Info}, resp, nil
}

// Select is a COQL query that All runs over every matching record, however
// many: Zoho returns at most 2,000 rows per call and reaches at most 10,000
// by offset, so All pages by id instead (keyset pagination):
//
//	select <Fields>, id from <Module> where (<Where>) and id > <last id> order by id asc limit <BatchSize>
type Select struct {
	// Module is the module's API name. Required.
	Module string
	// Fields are the columns (API names, or Lookup.Field). Required.
	Fields []string
	// Where is an optional COQL condition, as written ("Lead_Source =
	// 'Web' and Email is not null"); it is wrapped in parentheses. Quote
	// string values with Quote.
	Where string
	// BatchSize is the rows per call, at most 2,000; zero means 2,000.
	BatchSize int
}

func (s Select) validate() error {
	if err := checkModule(s.Module); err != nil {
		return fmt.Errorf("Select.Module: %w", err)
	}
	if len(s.Fields) == 0 {
		return errors.New("Select.Fields is empty")
	}
	for i, f := range s.Fields {
		if f == "" || strings.ContainsAny(f, ", \t\r\n()") {
			return fmt.Errorf("Select.Fields[%d] %q is not a field API name", i, f)
		}
	}
	if s.BatchSize < 0 || s.BatchSize > MaxCOQLLimit {
		return fmt.Errorf("Select.BatchSize %d is outside 1..%d", s.BatchSize, MaxCOQLLimit)
	}
	return nil
}

// Query returns the COQL text of the batch after the record with id
// afterID ("" for the first batch).
func (s Select) Query(afterID string) (string, error) {
	if err := s.validate(); err != nil {
		return "", fmt.Errorf("crm: coql: %w", err)
	}
	if afterID != "" && !allDigits(afterID) {
		return "", fmt.Errorf("crm: coql: id %q is not a record id", afterID)
	}
	limit := s.BatchSize
	if limit == 0 {
		limit = MaxCOQLLimit
	}
	var b strings.Builder
	b.WriteString("select ")
	b.WriteString(strings.Join(s.Fields, ", "))
	hasID := false
	for _, f := range s.Fields {
		if strings.EqualFold(f, "id") {
			hasID = true
		}
	}
	if !hasID {
		b.WriteString(", id")
	}
	b.WriteString(" from ")
	b.WriteString(s.Module)
	b.WriteString(" where ")
	where := strings.TrimSpace(s.Where)
	switch {
	case where != "" && afterID != "":
		fmt.Fprintf(&b, "(%s) and id > %s", where, afterID)
	case where != "":
		fmt.Fprintf(&b, "(%s)", where)
	case afterID != "":
		fmt.Fprintf(&b, "id > %s", afterID)
	default:
		b.WriteString("id is not null") // older COQL versions require a where clause
	}
	b.WriteString(" order by id asc limit ")
	b.WriteString(strconv.Itoa(limit))
	return b.String(), nil
}

// All yields every record that sel matches, in id order, one batch per
// call, paging by id past Zoho's per-call and offset limits. An error is
// yielded once and ends the sequence.
func (s *COQLService) All(ctx context.Context, sel Select) iter.Seq2[Record, error] {
	if err := sel.validate(); err != nil {
		return errSeq[Record](fmt.Errorf("crm: coql: %w", err))
	}
	sel.Fields = slices.Clone(sel.Fields) // the batches' queries do not follow later changes to the caller's slice
	return zoho.Paginate(ctx, func(ctx context.Context, after string) ([]Record, string, error) {
		q, err := sel.Query(after)
		if err != nil {
			return nil, "", err
		}
		res, _, err := s.Query(ctx, q)
		if err != nil {
			return nil, "", err
		}
		next := ""
		if res.Info.MoreRecords && len(res.Records) > 0 {
			last := res.Records[len(res.Records)-1].ID()
			if !allDigits(last) {
				return nil, "", fmt.Errorf("crm: coql: the last row of a batch has id %q; cannot page by id", last)
			}
			next = last
		}
		return res.Records, next, nil
	})
}

// Quote returns s as a COQL string literal: in single quotes, with
// backslashes and single quotes escaped by a backslash.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

func allDigits(s string) bool {
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
