package finance

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/zohokit/zohokit/zoho"
)

// Client sends the calls of one Books or Inventory organisation. It is safe
// for concurrent use.
type Client struct {
	zc      *zoho.Client
	product zoho.Product
	name    string // "books" or "inventory": the prefix of error messages
	orgID   string
}

// New returns a Client for product (zoho.Books or zoho.Inventory) and the
// organisation orgID, which is required: an account may hold several
// organisations and the caller must say which one (see Organizations).
func New(zc *zoho.Client, product zoho.Product, orgID string) (*Client, error) {
	name := productName(product)
	if zc == nil {
		return nil, fmt.Errorf("%s: New: the zoho.Client is nil", name)
	}
	if product != zoho.Books && product != zoho.Inventory {
		return nil, fmt.Errorf("finance: New: product %q is neither Books nor Inventory", product)
	}
	if orgID == "" {
		return nil, fmt.Errorf("%s: New: the organization id is empty: choose one (%s.ResolveOrganization returns the only one, or an error listing them)", name, name)
	}
	if err := CheckID(orgID); err != nil {
		return nil, fmt.Errorf("%s: New: organization id: %w", name, err)
	}
	return &Client{zc: zc, product: product, name: name, orgID: orgID}, nil
}

func productName(p zoho.Product) string {
	if p == zoho.Inventory {
		return "inventory"
	}
	return "books"
}

// Zoho returns the core client.
func (c *Client) Zoho() *zoho.Client { return c.zc }

// OrgID returns the organisation every call is for.
func (c *Client) OrgID() string { return c.orgID }

// Name returns "books" or "inventory", the prefix of the packages' errors.
func (c *Client) Name() string { return c.name }

// Call is one API call, its path relative to the product's base
// ("/invoices/123").
type Call struct {
	Method string
	Path   string
	// Query holds filters; organization_id is added by Send.
	Query url.Values
	// Body is encoded as zoho.Client.NewRequest encodes bodies (JSON for
	// structs and maps); nil sends none.
	Body any
	// Idempotent marks a POST that is safe to repeat after a 5xx or a
	// network error (a status change such as mark-as-sent).
	Idempotent bool
}

// Send makes the call for the client's organisation and decodes the
// answer's JSON into v (nil discards it). Errors are those of zoho.Client.Do:
// an envelope with a non-zero code is a *zoho.Error (see Check).
func (c *Client) Send(ctx context.Context, call Call, v any) (*zoho.Response, error) {
	q := cloneQuery(call.Query)
	q.Set("organization_id", c.orgID)
	return send(ctx, c.zc, c.product, c.orgID, call, q, v)
}

// SendUnscoped makes a call that takes no organization_id (the
// organisations list) on product.
func SendUnscoped(ctx context.Context, zc *zoho.Client, product zoho.Product, call Call, v any) (*zoho.Response, error) {
	return send(ctx, zc, product, "", call, cloneQuery(call.Query), v)
}

func send(ctx context.Context, zc *zoho.Client, product zoho.Product, orgID string, call Call, q url.Values, v any) (*zoho.Response, error) {
	req, err := zc.NewRequest(call.Method, product, call.Path, call.Body)
	if err != nil {
		return nil, err
	}
	req.Query = q
	req.OrgID = orgID
	req.Check = Check
	req.Idempotent = call.Idempotent
	return zc.Do(ctx, req, v)
}

func cloneQuery(q url.Values) url.Values {
	out := make(url.Values, len(q)+1)
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// CheckID validates an id used in a path: Books and Inventory ids are
// digits, but any value without characters that would change the URL is
// let through for Zoho to judge.
func CheckID(id string) error {
	if id == "" {
		return errors.New("id is empty")
	}
	if strings.ContainsAny(id, "/?#%&=\\ \t\r\n") {
		return fmt.Errorf("id %q is not an id (it contains a character that would change the URL)", id)
	}
	return nil
}

// Path joins a resource path and an id ("/invoices", "123" → "/invoices/123")
// after checking the id.
func Path(base, id string, rest ...string) (string, error) {
	if err := CheckID(id); err != nil {
		return "", err
	}
	p := base + "/" + id
	for _, r := range rest {
		p += "/" + r
	}
	return p, nil
}
