package crm_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/internal/fakeclock"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func TestModulesAndFieldsAreCached(t *testing.T) {
	t.Parallel()
	b := setup(t)

	mods, err := b.c.Meta.Modules(t.Context())
	require.NoError(t, err)
	var names []string
	for _, m := range mods {
		names = append(names, m.APIName)
	}
	require.Subset(t, names, []string{"Leads", "Contacts", "Accounts", "Deals", "Products"})
	m, err := b.c.Meta.Module(t.Context(), "contacts")
	require.NoError(t, err)
	require.Equal(t, "Contacts", m.APIName)
	require.True(t, m.APISupported)
	_, err = b.c.Meta.Module(t.Context(), "Nope")
	require.ErrorIs(t, err, zoho.ErrNotFound)
	require.Equal(t, 1, b.srv.Calls("GET /crm/v8/settings/modules"), "one call for three reads")

	// Concurrent first reads share one call.
	var wg sync.WaitGroup
	counts := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			fields, err := b.c.Meta.Fields(t.Context(), "Contacts")
			assert.NoError(t, err)
			counts <- len(fields)
		})
	}
	wg.Wait()
	close(counts)
	for n := range counts {
		require.Positive(t, n)
	}
	require.Equal(t, 1, b.srv.Calls("GET /crm/v8/settings/fields"))

	f, err := b.c.Meta.Field(t.Context(), "Contacts", "Account_Name")
	require.NoError(t, err)
	require.Equal(t, "lookup", f.DataType)
	require.Equal(t, "Accounts", f.Lookup.Module.APIName)
	f, err = b.c.Meta.Field(t.Context(), "Contacts", "Last_Name")
	require.NoError(t, err)
	require.True(t, f.SystemMandatory)
	_, err = b.c.Meta.Field(t.Context(), "Contacts", "Nope")
	require.ErrorIs(t, err, zoho.ErrNotFound)
	require.Equal(t, 1, b.srv.Calls("GET /crm/v8/settings/fields"))

	// A new custom field shows after Invalidate.
	require.NoError(t, b.srv.CRM().AddFields("Contacts", zohotest.Field{APIName: "Loyalty_Tier", Type: zohotest.FieldPicklist}))
	_, err = b.c.Meta.Field(t.Context(), "Contacts", "Loyalty_Tier")
	require.ErrorIs(t, err, zoho.ErrNotFound, "still cached")
	b.c.Meta.Invalidate("Contacts")
	f, err = b.c.Meta.Field(t.Context(), "Contacts", "Loyalty_Tier")
	require.NoError(t, err)
	require.Equal(t, "picklist", f.DataType)
	require.Equal(t, 2, b.srv.Calls("GET /crm/v8/settings/fields"))
	require.Equal(t, 1, b.srv.Calls("GET /crm/v8/settings/modules"), "invalidating a module's fields keeps the module list")
	b.c.Meta.Invalidate()
	_, err = b.c.Meta.Modules(t.Context())
	require.NoError(t, err)
	require.Equal(t, 2, b.srv.Calls("GET /crm/v8/settings/modules"))

	// Callers get copies: changing one does not change the cache.
	fields, err := b.c.Meta.Fields(t.Context(), "Contacts")
	require.NoError(t, err)
	fields[0].APIName = "changed"
	again, err := b.c.Meta.Fields(t.Context(), "Contacts")
	require.NoError(t, err)
	require.NotEqual(t, "changed", again[0].APIName)
}

func TestMetadataTTL(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now())
	b := setupWith(t, nil, &crm.Options{MetadataTTL: time.Minute}, func(c *zoho.Config) { c.Clock = clock })
	_, err := b.c.Meta.Modules(t.Context())
	require.NoError(t, err)
	clock.Advance(59 * time.Second)
	_, err = b.c.Meta.Modules(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, b.srv.Calls("GET /crm/v8/settings/modules"))
	clock.Advance(time.Second)
	_, err = b.c.Meta.Modules(t.Context())
	require.NoError(t, err)
	require.Equal(t, 2, b.srv.Calls("GET /crm/v8/settings/modules"))
}

func TestFailuresAreNotCached(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 })
	require.NoError(t, b.srv.Script("GET /crm/v8/settings/modules", zohotest.ServerError(500)))
	_, err := b.c.Meta.Modules(t.Context())
	require.ErrorIs(t, err, zoho.ErrServer)
	mods, err := b.c.Meta.Modules(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, mods)
}

func TestCurrentUserAndOrg(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, _, err := b.c.Users.Current(t.Context())
	require.NoError(t, err)
	want := b.srv.CurrentUser()
	require.Equal(t, want.ID, u.ID)
	require.Equal(t, want.Email, u.Email)
	require.Equal(t, want.Name(), u.FullName)
	require.Equal(t, 1, b.srv.Calls("GET /crm/v8/users"))
	require.Equal(t, "CurrentUser", b.queries("GET", "/crm/v8/users")[0].Get("type"))

	users := collect(t, b.c.Users.List(t.Context(), &crm.UserListOptions{Type: crm.UsersActive}))
	require.Len(t, users, 1)
	require.Empty(t, collect(t, b.c.Users.List(t.Context(), &crm.UserListOptions{Type: crm.UsersDeactive})))
	_, err = collectErr(b.c.Users.List(t.Context(), &crm.UserListOptions{Type: "Everyone"}))
	require.ErrorContains(t, err, "UserListOptions.Type")

	org, _, err := b.c.Org.Get(t.Context())
	require.NoError(t, err)
	require.Equal(t, b.srv.OrgID(), org.OrgID())
	require.NotEmpty(t, org.CompanyName)
}
