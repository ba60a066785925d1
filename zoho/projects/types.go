package projects

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// The wire formats below are Zoho's v3 API as observed; where Zoho's
// documentation is silent the decoding is tolerant (a status as an object
// or a name, ids as strings or numbers, times in several layouts), and
// members not declared are kept in Extra. finance.Codec does that work: it
// is the zoho tree's JSON plumbing for typed records, not Books-specific.

// Portal is a Projects portal (an organisation's Projects account).
type Portal struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitzero"`
	OrgName string `json:"org_name,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type portalFields Portal

var portalCodec = finance.NewCodec[portalFields]()

// UnmarshalJSON decodes a portal, keeping undeclared members in Extra.
func (p *Portal) UnmarshalJSON(b []byte) error {
	return portalCodec.Decode(b, (*portalFields)(p), &p.Extra)
}

// MarshalJSON encodes a portal with its Extra members.
func (p Portal) MarshalJSON() ([]byte, error) {
	return portalCodec.Encode((*portalFields)(&p), p.Extra)
}

// Status is a project's or a task's status: custom per portal, each with
// an id (what updates name) and whether it counts as closed.
type Status struct {
	ID           string `json:"id,omitzero"`
	Name         string `json:"name,omitzero"`
	ColorCode    string `json:"color_code,omitzero"`
	IsClosedType bool   `json:"is_closed_type,omitzero"`
}

// UnmarshalJSON reads a status object (its id a string or a number), or a
// bare name ("active").
func (s *Status) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*s = Status{}
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &s.Name)
	}
	var v struct {
		ID           json.RawMessage `json:"id"`
		Name         string          `json:"name"`
		ColorCode    string          `json:"color_code"`
		IsClosedType bool            `json:"is_closed_type"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Status{ID: finance.Scalar(v.ID), Name: v.Name, ColorCode: v.ColorCode, IsClosedType: v.IsClosedType}
	return nil
}

// Ref names a related record (the project of a task, its task list, an
// owner).
type Ref struct {
	ID   string `json:"id,omitzero"`
	Name string `json:"name,omitzero"`
}

// UnmarshalJSON reads {"id","name"}, with an id as a string or a number.
func (r *Ref) UnmarshalJSON(b []byte) error {
	var v struct {
		ID   json.RawMessage `json:"id"`
		Name string          `json:"name"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = Ref{ID: finance.Scalar(v.ID), Name: v.Name}
	return nil
}

// Project is a Projects project.
type Project struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitzero"`
	Description string `json:"description,omitzero"`
	Status      Status `json:"status,omitzero"`
	Owner       Ref    `json:"owner,omitzero"`
	StartDate   string `json:"start_date,omitzero"`
	EndDate     string `json:"end_date,omitzero"`
	// CreatedTime and LastModifiedTime are as Zoho reports them.
	CreatedTime      Time `json:"created_time,omitzero"`
	LastModifiedTime Time `json:"last_modified_time,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type projectFields Project

var projectCodec = finance.NewCodec[projectFields]()

// UnmarshalJSON decodes a project, keeping undeclared members in Extra.
func (p *Project) UnmarshalJSON(b []byte) error {
	return projectCodec.Decode(b, (*projectFields)(p), &p.Extra)
}

// MarshalJSON encodes a project with its Extra members.
func (p Project) MarshalJSON() ([]byte, error) {
	return projectCodec.Encode((*projectFields)(&p), p.Extra)
}

// Task is a task of a project.
type Task struct {
	ID                   string `json:"id"`
	Name                 string `json:"name,omitzero"`
	Description          string `json:"description,omitzero"`
	Status               Status `json:"status,omitzero"`
	Priority             string `json:"priority,omitzero"`
	CompletionPercentage int    `json:"completion_percentage,omitzero"`
	StartDate            string `json:"start_date,omitzero"`
	EndDate              string `json:"end_date,omitzero"`
	Project              Ref    `json:"project,omitzero"`
	Tasklist             Ref    `json:"tasklist,omitzero"`
	CreatedTime          Time   `json:"created_time,omitzero"`
	LastModifiedTime     Time   `json:"last_modified_time,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type taskFields Task

var taskCodec = finance.NewCodec[taskFields]()

// UnmarshalJSON decodes a task, keeping undeclared members in Extra.
func (t *Task) UnmarshalJSON(b []byte) error { return taskCodec.Decode(b, (*taskFields)(t), &t.Extra) }

// MarshalJSON encodes a task with its Extra members.
func (t Task) MarshalJSON() ([]byte, error) { return taskCodec.Encode((*taskFields)(&t), t.Extra) }

// Time is a Projects date-time. It reads RFC 3339, Zoho's finance layout
// ("2026-06-09T16:22:34-0400") and epoch milliseconds (a number or a
// numeric string), compares as an instant, and writes RFC 3339. The zero
// Time is "no value".
type Time struct{ time.Time }

// ParseTime reads a Projects date-time; "" gives the zero Time.
func ParseTime(s string) (Time, error) {
	if s == "" {
		return Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05.000-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{t}, nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Time{time.UnixMilli(ms).UTC()}, nil
	}
	return Time{}, fmt.Errorf("projects: date-time %q is neither RFC 3339 nor epoch milliseconds", s)
}

// MarshalJSON writes RFC 3339 (milliseconds kept), or null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Format(time.RFC3339Nano))
}

// UnmarshalJSON reads a string or a number (epoch milliseconds).
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}
