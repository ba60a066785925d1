package crm_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/crm"
)

func TestDeletedRecords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seeded := b.seedContacts(5)
	before := time.Now().Add(-time.Hour).In(ist)
	_, err := b.c.Records.Delete(t.Context(), "Contacts", []string{seeded[0]["id"].(string), seeded[1]["id"].(string)}, nil)
	require.NoError(t, err)
	require.NoError(t, b.srv.CRM().EmptyRecycleBin("Contacts"))
	_, err = b.c.Records.Delete(t.Context(), "Contacts", []string{seeded[2]["id"].(string)}, nil)
	require.NoError(t, err)

	all := collect(t, b.c.Records.Deleted(t.Context(), "Contacts", nil))
	require.Len(t, all, 3)
	require.Equal(t, seeded[2]["id"], all[0].ID, "newest deletion first")
	require.Equal(t, crm.DeletedRecycle, all[0].Type)
	require.Equal(t, "Contact-00002", all[0].DisplayName)
	require.Equal(t, b.srv.CurrentUser().ID, all[0].DeletedBy.ID)
	require.False(t, all[0].DeletedTime.IsZero())

	perm := collect(t, b.c.Records.Deleted(t.Context(), "Contacts", &crm.DeletedOptions{Type: crm.DeletedPermanent, PerPage: 1}))
	require.Len(t, perm, 2)
	require.Equal(t, crm.DeletedPermanent, perm[0].Type)

	require.Len(t, collect(t, b.c.Records.Deleted(t.Context(), "Contacts", &crm.DeletedOptions{ModifiedSince: before})), 3)
	var notModified bool
	require.Empty(t, collect(t, b.c.Records.Deleted(t.Context(), "Contacts", &crm.DeletedOptions{
		ModifiedSince: time.Now().Add(time.Hour), OnPage: func(p crm.PageInfo) { notModified = p.NotModified },
	})))
	require.True(t, notModified)
	require.Equal(t, 1, b.srv.CallsWithStatus("GET /crm/v8/Contacts/deleted", http.StatusNotModified))

	require.Empty(t, collect(t, b.c.Deals().Deleted(t.Context(), nil)), "nothing deleted: 204, no error")

	_, err = collectErr(b.c.Records.Deleted(t.Context(), "Contacts", &crm.DeletedOptions{Type: "trash"}))
	require.ErrorContains(t, err, `DeletedOptions.Type "trash"`)
}
