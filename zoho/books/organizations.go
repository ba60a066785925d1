package books

import (
	"context"
	"encoding/json"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Organization is a Books organisation (a company with its own books).
// Members not declared here are kept in Extra.
type Organization struct {
	OrganizationID string `json:"organization_id"`
	Name           string `json:"name"`
	ContactName    string `json:"contact_name,omitzero"`
	Email          string `json:"email,omitzero"`
	// IsDefaultOrg is the user's default in Zoho's web interface; this
	// package never chooses by it.
	IsDefaultOrg   bool   `json:"is_default_org,omitzero"`
	IsOrgActive    bool   `json:"is_org_active,omitzero"`
	CurrencyID     string `json:"currency_id,omitzero"`
	CurrencyCode   string `json:"currency_code,omitzero"`
	CurrencySymbol string `json:"currency_symbol,omitzero"`
	// TimeZone is the organisation's time zone; its timestamps carry its
	// offset.
	TimeZone           string `json:"time_zone,omitzero"`
	LanguageCode       string `json:"language_code,omitzero"`
	PlanName           string `json:"plan_name,omitzero"`
	AccountCreatedDate Date   `json:"account_created_date,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

type organizationFields Organization

var organizationCodec = finance.NewCodec[organizationFields]()

// UnmarshalJSON decodes an organisation, keeping undeclared members in Extra.
func (o *Organization) UnmarshalJSON(b []byte) error {
	return organizationCodec.Decode(b, (*organizationFields)(o), &o.Extra)
}

// MarshalJSON encodes an organisation with its Extra members.
func (o Organization) MarshalJSON() ([]byte, error) {
	return organizationCodec.Encode((*organizationFields)(&o), o.Extra)
}

// OrganizationsService reads the organisations of the account.
type OrganizationsService struct{ c *Client }

// List returns every organisation the token can see (the one Books call
// without organization_id).
func (s *OrganizationsService) List(ctx context.Context) ([]Organization, *zoho.Response, error) {
	return finance.Organizations[Organization](ctx, s.c.fc.Zoho(), zoho.Books)
}

// Get returns one organisation.
func (s *OrganizationsService) Get(ctx context.Context, id string) (Organization, *zoho.Response, error) {
	return finance.Resource[Organization]{C: s.c.fc, Path: "/organizations", One: "organization", Name: "organization"}.Get(ctx, id)
}
