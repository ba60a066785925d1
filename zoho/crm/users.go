package crm

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/zohokit/zohokit/zoho"
)

// Kinds of users, for UserListOptions.Type (the values Zoho's API
// documents).
const (
	UsersActive          = "ActiveUsers"
	UsersCurrent         = "CurrentUser"
	UsersActiveConfirmed = "ActiveConfirmedUsers"
	UsersDeactive        = "DeactiveUsers"
	UsersNotConfirmed    = "NotConfirmedUsers"
	UsersConfirmed       = "ConfirmedUsers"
)

// User is a CRM user (GET /users).
type User struct {
	ID        string  `json:"id"`
	ZUID      string  `json:"zuid"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	FullName  string  `json:"full_name"`
	Email     string  `json:"email"`
	Status    string  `json:"status"` // "active", "disabled", ...
	Confirm   bool    `json:"confirm"`
	Role      *Lookup `json:"role"`
	Profile   *Lookup `json:"profile"`
	TimeZone  string  `json:"time_zone"`
	Locale    string  `json:"locale"`
	Language  string  `json:"language"`
}

// UsersService reads CRM users.
type UsersService struct{ c *Client }

// Current returns the user the client's token acts as
// (GET /users?type=CurrentUser).
func (s *UsersService) Current(ctx context.Context) (*User, *zoho.Response, error) {
	req, err := s.c.newRequest(http.MethodGet, "/users", url.Values{"type": {UsersCurrent}}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("crm: current user: %w", err)
	}
	var env struct {
		Users []User `json:"users"`
	}
	resp, err := s.c.get(ctx, req, &env)
	if err != nil {
		return nil, resp, fmt.Errorf("crm: current user: %w", err)
	}
	if len(env.Users) == 0 {
		return nil, resp, fmt.Errorf("crm: current user: Zoho returned no user (HTTP %d): %w", resp.StatusCode, zoho.ErrNotFound)
	}
	return &env.Users[0], resp, nil
}

// UserListOptions selects users.
type UserListOptions struct {
	// Type is one of the Users* constants; empty lists all users.
	Type string
	// PerPage is the page size, at most 200; zero means 200.
	PerPage int
}

// List yields the organisation's users, page by page.
func (s *UsersService) List(ctx context.Context, opts *UserListOptions) iter.Seq2[User, error] {
	var o UserListOptions
	if opts != nil {
		o = *opts
	}
	switch o.Type {
	case "", UsersActive, UsersCurrent, UsersActiveConfirmed, UsersDeactive, UsersNotConfirmed, UsersConfirmed:
	default:
		return errSeq[User](fmt.Errorf("crm: users: UserListOptions.Type %q is not one of Zoho's user types", o.Type))
	}
	if o.PerPage < 0 || o.PerPage > MaxPerPage {
		return errSeq[User](fmt.Errorf("crm: users: UserListOptions.PerPage %d is outside 1..%d", o.PerPage, MaxPerPage))
	}
	perPage := o.PerPage
	if perPage == 0 {
		perPage = MaxPerPage
	}
	return zoho.Paginate(ctx, func(ctx context.Context, cursor string) ([]User, string, error) {
		page := 1
		if cursor != "" {
			page, _ = strconv.Atoi(cursor)
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
		setIf(q, "type", o.Type)
		req, err := s.c.newRequest(http.MethodGet, "/users", q, nil)
		if err != nil {
			return nil, "", fmt.Errorf("crm: users: %w", err)
		}
		var env struct {
			Users []User `json:"users"`
			Info  Info   `json:"info"`
		}
		if _, err := s.c.get(ctx, req, &env); err != nil {
			return nil, "", fmt.Errorf("crm: users: %w", err)
		}
		next := ""
		if env.Info.MoreRecords && len(env.Users) > 0 {
			next = strconv.Itoa(page + 1)
		}
		return env.Users, next, nil
	})
}
