package crm

import (
	"context"
	"fmt"
	"net/http"

	"github.com/zohokit/zohokit/zoho"
)

// Org is the CRM organisation (GET /org).
type Org struct {
	// ID is the organisation id.
	ID string `json:"id"`
	// ZGID is the organisation's group id, which bulk write's X-CRM-ORG
	// header carries (see OrgID).
	ZGID           string `json:"zgid"`
	CompanyName    string `json:"company_name"`
	DomainName     string `json:"domain_name"`
	PrimaryEmail   string `json:"primary_email"`
	PrimaryZUID    string `json:"primary_zuid"`
	TimeZone       string `json:"time_zone"`
	ISOCode        string `json:"iso_code"` // the home currency
	CurrencySymbol string `json:"currency_symbol"`
	CurrencyLocale string `json:"currency_locale"`
	CountryCode    string `json:"country_code"`
	Type           string `json:"type"` // "production", "sandbox", ...
	MaxPerPage     int    `json:"max_per_page"`
	MCStatus       bool   `json:"mc_status"` // multi-currency enabled
}

// OrgID returns the id that bulk write's X-CRM-ORG header wants: the zgid,
// or the id when Zoho sent no zgid.
func (o *Org) OrgID() string {
	if o.ZGID != "" {
		return o.ZGID
	}
	return o.ID
}

// OrgService reads the organisation.
type OrgService struct{ c *Client }

// Get returns the organisation.
func (s *OrgService) Get(ctx context.Context) (*Org, *zoho.Response, error) {
	req, err := s.c.newRequest(http.MethodGet, "/org", nil, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("crm: org: %w", err)
	}
	var env struct {
		Org []Org `json:"org"`
	}
	resp, err := s.c.get(ctx, req, &env)
	if err != nil {
		return nil, resp, fmt.Errorf("crm: org: %w", err)
	}
	if len(env.Org) == 0 {
		return nil, resp, fmt.Errorf("crm: org: Zoho returned no organisation (HTTP %d): %w", resp.StatusCode, zoho.ErrNotFound)
	}
	return &env.Org[0], resp, nil
}
