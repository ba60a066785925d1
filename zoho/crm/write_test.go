package crm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/crm"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func contacts(n int, prefix string) []crm.Record {
	out := make([]crm.Record, n)
	for i := range out {
		out[i] = crm.Record{"Last_Name": fmt.Sprintf("%s-%03d", prefix, i), "Email": fmt.Sprintf("%s%03d@example.com", prefix, i)}
	}
	return out
}

func TestUpsert250RecordsMakesThreeCallsInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	recs := contacts(250, "up")

	results, err := b.c.Records.Upsert(t.Context(), "Contacts", recs, nil)
	require.NoError(t, err)
	require.Equal(t, 3, b.srv.Calls("POST /crm/v8/Contacts/upsert"))
	require.Len(t, results, 250)
	stored := b.srv.CRM().List("Contacts")
	require.Len(t, stored, 250)
	for i, r := range results {
		require.True(t, r.OK(), "record %d: %v", i, r.Err)
		require.Equal(t, i, r.Index)
		require.Equal(t, "insert", r.Action)
		require.Equal(t, "SUCCESS", r.Code)
		got, ok := b.srv.CRM().Get("Contacts", r.ID)
		require.True(t, ok, "record %d: id %s not stored", i, r.ID)
		require.Equal(t, recs[i]["Last_Name"], got["Last_Name"], "result %d belongs to another record", i)
		require.False(t, r.ModifiedTime.IsZero())
	}

	// The same upsert again updates every record, found by Email.
	recs[7]["Phone"] = "+1 555 0100"
	again, err := b.c.Records.Upsert(t.Context(), "Contacts", recs, &crm.WriteOptions{DuplicateCheckFields: []string{"Email"}})
	require.NoError(t, err)
	for i, r := range again {
		require.Equal(t, "update", r.Action, "record %d", i)
		require.Equal(t, "Email", r.DuplicateField)
		require.Equal(t, results[i].ID, r.ID)
	}
	got, _ := b.srv.CRM().Get("Contacts", results[7].ID)
	require.Equal(t, "+1 555 0100", got["Phone"])
	require.Equal(t, 250, b.srv.CRM().Count("Contacts"))
}

func TestMultiStatusGivesPerRecordErrorsInRequestOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	recs := contacts(150, "ms")
	missing := map[int]bool{3: true, 99: true, 100: true, 149: true}
	for i := range missing {
		delete(recs[i], "Last_Name")
	}

	results, err := b.c.Records.Upsert(t.Context(), "Contacts", recs, nil)
	require.NoError(t, err, "per-record errors are results, not a failure of the write")
	require.Len(t, results, 150)
	require.Equal(t, 2, b.srv.CallsWithStatus("POST /crm/v8/Contacts/upsert", http.StatusMultiStatus))
	for i, r := range results {
		if !missing[i] {
			require.True(t, r.OK(), "record %d: %v", i, r.Err)
			got, ok := b.srv.CRM().Get("Contacts", r.ID)
			require.True(t, ok)
			require.Equal(t, recs[i]["Email"], got["Email"])
			continue
		}
		require.False(t, r.OK(), "record %d", i)
		require.Equal(t, "MANDATORY_NOT_FOUND", r.Code)
		require.Empty(t, r.ID)
		var re *crm.RecordError
		require.ErrorAs(t, r.Err, &re)
		require.Equal(t, i, re.Index)
		require.Equal(t, "Last_Name", re.APIName)
		require.ErrorIs(t, r.Err, zoho.ErrInvalidData)
		require.False(t, re.Retryable())
	}
	require.Equal(t, 146, b.srv.CRM().Count("Contacts"))
}

func TestCallWhoseRecordsAllFailIsStillPerRecord(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.srv.CRM().Put("Contacts", zohotest.Record{"Last_Name": "Taken", "Email": "taken@example.com"})
	require.NoError(t, err)
	// Zoho answers 400 when every record of a call failed; the body still
	// holds one error per record.
	results, err := b.c.Records.Insert(t.Context(), "Contacts", []crm.Record{
		{"Email": "no-name@example.com"}, {"Last_Name": "Dup", "Email": "bad-email"},
	}, nil)
	require.NoError(t, err)
	require.Equal(t, 1, b.srv.CallsWithStatus("POST /crm/v8/Contacts", http.StatusBadRequest))
	require.Len(t, results, 2)
	require.Equal(t, "MANDATORY_NOT_FOUND", results[0].Code)
	require.Equal(t, "INVALID_DATA", results[1].Code)
	require.ErrorIs(t, results[1].Err, zoho.ErrInvalidData)
}

func TestWholeCallFailureKeepsTheOtherCallsResults(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// The second insert call fails with a 500; an insert is not retried
	// (Zoho may have created the records), so its records report the error.
	require.NoError(t, b.srv.Script("POST /crm/v8/Contacts", zohotest.Pass(), zohotest.ServerError(500)))
	recs := contacts(250, "wf")

	results, err := b.c.Records.Insert(t.Context(), "Contacts", recs, nil)
	require.Len(t, results, 250)
	var we *crm.WriteError
	require.ErrorAs(t, err, &we)
	require.Equal(t, 3, we.Calls)
	require.Len(t, we.Failed, 1)
	require.Equal(t, crm.CallFailure{First: 100, End: 200, Sent: true, Err: we.Failed[0].Err}, we.Failed[0])
	require.ErrorIs(t, err, zoho.ErrServer)
	require.Contains(t, err.Error(), "1 of 3 calls failed (100 of 250 records); records 100-199")
	require.Equal(t, 3, b.srv.Calls("POST /crm/v8/Contacts"), "the 500 was not retried")
	for i, r := range results {
		if i >= 100 && i < 200 {
			require.ErrorIs(t, r.Err, zoho.ErrServer, "record %d", i)
			require.Equal(t, "INTERNAL_ERROR", r.Code)
			continue
		}
		require.True(t, r.OK(), "record %d: %v", i, r.Err)
	}
	require.Equal(t, 150, b.srv.CRM().Count("Contacts"))
}

func TestUpsertIsRetriedAfterAServerError(t *testing.T) {
	t.Parallel()
	b := setup(t, fastRetries)
	require.NoError(t, b.srv.Script("POST /crm/v8/Contacts/upsert", zohotest.ServerError(503)))
	results, err := b.c.Records.Upsert(t.Context(), "Contacts", contacts(2, "rt"), nil)
	require.NoError(t, err)
	require.True(t, results[0].OK() && results[1].OK())
	require.Equal(t, 2, b.srv.Calls("POST /crm/v8/Contacts/upsert"))
	require.Equal(t, 2, b.srv.CRM().Count("Contacts"))
}

func TestPermissionErrorStopsTheRemainingCalls(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.srv.AddFault(zohotest.FaultRule{Route: "POST /crm/v8/Contacts/upsert", Skip: 1,
		Fault: zohotest.Respond(http.StatusForbidden, map[string]any{"code": "NO_PERMISSION", "details": map[string]any{}, "message": "permission denied", "status": "error"})}))
	results, err := b.c.Records.Upsert(t.Context(), "Contacts", contacts(350, "np"), nil)
	var we *crm.WriteError
	require.ErrorAs(t, err, &we)
	require.ErrorIs(t, err, zoho.ErrForbidden)
	require.Equal(t, 2, b.srv.Calls("POST /crm/v8/Contacts/upsert"), "after a permission error the other calls are not sent")
	require.Len(t, we.Failed, 3)
	require.True(t, we.Failed[0].Sent)
	require.False(t, we.Failed[1].Sent)
	require.False(t, we.Failed[2].Sent)
	require.True(t, results[0].OK())
	require.ErrorIs(t, results[349].Err, zoho.ErrForbidden)
	require.Contains(t, results[349].Err.Error(), "not sent")
}

func TestTriggers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		name      string
		opts      *crm.WriteOptions
		want      []string
		specified bool
	}{
		{"default", nil, []string{"approval", "workflow", "blueprint"}, false},
		{"no triggers", &crm.WriteOptions{NoTriggers: true}, []string{}, true},
		{"empty list", &crm.WriteOptions{Trigger: []string{}}, []string{}, true},
		{"workflow only", &crm.WriteOptions{Trigger: []string{crm.TriggerWorkflow}}, []string{"workflow"}, true},
	} {
		before := len(b.srv.CRM().Writes())
		_, err := b.c.Records.Upsert(t.Context(), "Contacts", contacts(1, "tr"), tc.opts)
		require.NoError(t, err, tc.name)
		writes := b.srv.CRM().Writes()
		require.Len(t, writes, before+1, tc.name)
		w := writes[len(writes)-1]
		require.Equal(t, tc.want, w.Triggers, tc.name)
		require.Equal(t, tc.specified, w.TriggerSpecified, tc.name)
	}

	_, err := b.c.Records.Upsert(t.Context(), "Contacts", contacts(1, "tr"), &crm.WriteOptions{NoTriggers: true, Trigger: []string{"workflow"}})
	require.ErrorContains(t, err, "NoTriggers and WriteOptions.Trigger")
	_, err = b.c.Records.Insert(t.Context(), "Contacts", contacts(1, "tr"), &crm.WriteOptions{DuplicateCheckFields: []string{"Email"}})
	require.ErrorContains(t, err, "upsert only")
	_, err = b.c.Records.Insert(t.Context(), "Contacts", contacts(1, "tr"), &crm.WriteOptions{ChunkSize: 101})
	require.ErrorContains(t, err, "WriteOptions.ChunkSize 101")
}

func TestUpdateAndDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seeded := b.seedContacts(150)
	ids := make([]string, len(seeded))
	for i, r := range seeded {
		ids[i] = r["id"].(string)
	}

	// Update: nil clears a field, absent fields stay.
	res, err := b.c.Records.Update(t.Context(), "Contacts", []crm.Record{
		{"id": ids[0], "Phone": "123"}, {"id": ids[1], "Email": nil}, {"Phone": "no id"},
	}, &crm.WriteOptions{NoTriggers: true})
	require.NoError(t, err)
	require.True(t, res[0].OK())
	require.True(t, res[1].OK())
	require.Equal(t, "MANDATORY_NOT_FOUND", res[2].Code)
	got, _ := b.srv.CRM().Get("Contacts", ids[0])
	require.Equal(t, "123", got["Phone"])
	require.Equal(t, seeded[0]["Email"], got["Email"])
	got, _ = b.srv.CRM().Get("Contacts", ids[1])
	require.Nil(t, got["Email"])

	// Delete 150 ids and an unknown one: two calls, a result per id.
	del := append(append([]string{}, ids...), "1234567890123456789")
	res, err = b.c.Records.Delete(t.Context(), "Contacts", del, &crm.DeleteOptions{NoTriggers: true})
	require.NoError(t, err)
	require.Equal(t, 2, b.srv.Calls("DELETE /crm/v8/Contacts"))
	for _, q := range b.queries(http.MethodDelete, "/crm/v8/Contacts") {
		require.Equal(t, "false", q.Get("wf_trigger"))
	}
	require.Len(t, res, 151)
	for i := range 150 {
		require.True(t, res[i].OK(), "id %d", i)
		require.Equal(t, ids[i], res[i].ID)
	}
	require.Equal(t, "INVALID_DATA", res[150].Code)
	require.Zero(t, b.srv.CRM().Count("Contacts"))
	for _, w := range b.srv.CRM().Writes() {
		if w.Operation == "delete" {
			require.Empty(t, w.Triggers)
		}
	}

	_, err = b.c.Records.Delete(t.Context(), "Contacts", []string{"1", ""}, nil)
	require.ErrorContains(t, err, "ids[1]: id is empty")
	res, err = b.c.Records.Delete(t.Context(), "Contacts", nil, nil)
	require.NoError(t, err)
	require.Empty(t, res)
}

func TestWriteCanceledContextSendsNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	results, err := b.c.Records.Upsert(ctx, "Contacts", contacts(120, "cx"), nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, results, 120)
	for _, r := range results {
		require.ErrorIs(t, r.Err, context.Canceled)
	}
	require.Zero(t, b.srv.Calls("POST /crm/v8/Contacts/upsert"))
	var we *crm.WriteError
	require.True(t, errors.As(err, &we))
	require.Len(t, we.Failed, 2)
	require.Equal(t, 2, we.Calls)
}
