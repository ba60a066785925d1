package books

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/internal/finance"
)

// Client is the Zoho Books v3 client for one organisation. Its services
// group the API by area: c.Invoices.Create(ctx, inv, nil). It is safe for
// concurrent use.
//
// Every call carries the organisation's organization_id and counts against
// the core client's Books limiter for that organisation (100 requests a
// minute by default, zoho.RateLimits.Books), so a burst waits instead of
// failing. The answers' X-Rate-Limit-* headers (the daily quota) are in the
// returned *zoho.Response's Rate.
type Client struct {
	fc *finance.Client

	// Organizations reads the organisations of the account.
	Organizations *OrganizationsService
	// Contacts lists, reads, creates, updates and deletes customers and
	// vendors.
	Contacts *ContactsService
	// Invoices lists, reads, creates, updates, sends and voids invoices.
	Invoices *InvoicesService
	// Items lists, reads, creates and updates items.
	Items *ItemsService
	// CustomerPayments lists, reads, records and deletes payments.
	CustomerPayments *CustomerPaymentsService
}

// New returns a Books client for the organisation orgID on top of a core
// Zoho client (credentials, data centre, rate limits, retries). orgID is
// required: an account may hold several organisations and an integration
// must name the one it is for. ResolveOrganization returns the only one, or
// an error listing them.
func New(zc *zoho.Client, orgID string) (*Client, error) {
	fc, err := finance.New(zc, zoho.Books, orgID)
	if err != nil {
		return nil, err
	}
	c := &Client{fc: fc}
	c.Organizations = &OrganizationsService{c: c}
	c.Contacts = newContactsService(fc)
	c.Invoices = newInvoicesService(fc)
	c.Items = newItemsService(fc)
	c.CustomerPayments = newCustomerPaymentsService(fc)
	return c, nil
}

// OrgID returns the organisation the client works in.
func (c *Client) OrgID() string { return c.fc.OrgID() }

// Zoho returns the core client, for endpoints this package does not model:
// build them with zoho.Books and NewRequest, add organization_id, and set
// Request.Check to CheckResponse so the envelope's code is checked.
func (c *Client) Zoho() *zoho.Client { return c.fc.Zoho() }

// CheckResponse is the zoho.CheckFunc for Books and Inventory answers: a
// non-zero "code" is a *zoho.Error even with HTTP 200, 1002 ("does not
// exist") matches zoho.ErrNotFound, the per-minute and daily limits match
// zoho.ErrRateLimited, and a rejected token matches zoho.ErrInvalidToken.
func CheckResponse(resp *http.Response, body []byte) error { return finance.Check(resp, body) }

// ErrOrganizationChoice is matched by the *OrganizationChoiceError that
// ResolveOrganization returns when the account has several organisations
// (or none).
var ErrOrganizationChoice = errors.New("books: choose an organization")

// OrganizationChoiceError says that an organisation could not be chosen
// without the caller: the account has several (listed, ids and names, in
// the error text) or none. Zoho's is_default_org is shown but never used to
// choose: it is a user-interface preference, not the organisation an
// integration is meant for.
type OrganizationChoiceError struct {
	Product       zoho.Product // zoho.Books or zoho.Inventory
	Organizations []Organization
}

// Error lists the organisations.
func (e *OrganizationChoiceError) Error() string {
	name := "books"
	if e.Product == zoho.Inventory {
		name = "inventory"
	}
	if len(e.Organizations) == 0 {
		return name + ": the token sees no organization"
	}
	choices := make([]finance.Choice, len(e.Organizations))
	for i, o := range e.Organizations {
		choices[i] = finance.Choice{ID: o.OrganizationID, Name: o.Name, IsDefault: o.IsDefaultOrg}
	}
	return fmt.Sprintf("%s: the account has %d organizations, choose one by id: %s", name, len(e.Organizations), finance.DescribeChoices(choices))
}

// Is matches ErrOrganizationChoice.
func (e *OrganizationChoiceError) Is(target error) bool { return target == ErrOrganizationChoice }

// ResolveOrganization returns the account's only Books organisation. With
// several (or none) it returns an *OrganizationChoiceError listing them, so
// the integration's configuration can name one: it never picks the first or
// the default.
func ResolveOrganization(ctx context.Context, zc *zoho.Client) (Organization, error) {
	return resolve(ctx, zc, zoho.Books)
}

// ResolveOrganizationFor is ResolveOrganization for another product of
// Zoho's finance suite that shares Books' organisations (zoho.Inventory).
func ResolveOrganizationFor(ctx context.Context, zc *zoho.Client, product zoho.Product) (Organization, error) {
	if product != zoho.Books && product != zoho.Inventory {
		return Organization{}, fmt.Errorf("books: ResolveOrganizationFor: product %q has no finance organizations", product)
	}
	return resolve(ctx, zc, product)
}

func resolve(ctx context.Context, zc *zoho.Client, product zoho.Product) (Organization, error) {
	orgs, _, err := finance.Organizations[Organization](ctx, zc, product)
	if err != nil {
		return Organization{}, err
	}
	if len(orgs) != 1 {
		return Organization{}, &OrganizationChoiceError{Product: product, Organizations: orgs}
	}
	return orgs[0], nil
}
