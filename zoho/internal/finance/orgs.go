package finance

import (
	"context"
	"fmt"
	"strings"

	"github.com/zohokit/zohokit/zoho"
)

// Organizations lists the organisations the token can see on product
// (GET /organizations, the one call without organization_id).
func Organizations[T any](ctx context.Context, zc *zoho.Client, product zoho.Product) ([]T, *zoho.Response, error) {
	name := productName(product)
	if zc == nil {
		return nil, nil, fmt.Errorf("%s: list organizations: the zoho.Client is nil", name)
	}
	env := &listEnvelope[T]{key: "organizations"}
	resp, err := SendUnscoped(ctx, zc, product, Call{Method: "GET", Path: "/organizations"}, env)
	if err != nil {
		return nil, resp, fmt.Errorf("%s: list organizations: %w", name, err)
	}
	return env.items, resp, nil
}

// Choice is one organisation, as DescribeChoices lists it.
type Choice struct {
	ID, Name  string
	IsDefault bool
}

// DescribeChoices lists organisations for an error message:
// `123 ("Zylker", default), 456 ("Zylker EU")`.
func DescribeChoices(orgs []Choice) string {
	var b strings.Builder
	for i, o := range orgs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%q", o.ID, o.Name)
		if o.IsDefault {
			b.WriteString(", default")
		}
		b.WriteString(")")
	}
	return b.String()
}
