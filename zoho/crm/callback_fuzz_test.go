package crm_test

import (
	"errors"
	"testing"

	"github.com/zohokit/zohokit/zoho/crm"
)

// FuzzParseNotification checks that no body makes ParseNotification panic,
// and that what it accepts is usable and what it refuses is explained.
func FuzzParseNotification(f *testing.F) {
	for _, seed := range []string{
		documentedCallback,
		`{"module":"Deals","ids":[4876876000000123457,"2"],"operation":"insert","server_time":"1700000000123"}`,
		`{"module":{"api_name":"Leads"},"ids":"1","affected_values":[{"record_id":1,"values":{"A":1}}]}`,
		`{"module":"Leads","ids":["1"],"affected_fields":["A",{"1":"B"}],"query_params":"a=%zz"}`,
		`{"module":"Leads","ids":[1e400],"server_time":1e400}`,
		`{"module":"Leads","ids":["1"],"server_time":-99999999999999999}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := crm.ParseNotification(body)
		if err != nil {
			var ne *crm.NotificationError
			if !errors.Is(err, crm.ErrInvalidNotification) || !errors.As(err, &ne) || ne.Reason == "" {
				t.Fatalf("error %q is not a *NotificationError with a reason", err)
			}
			return
		}
		if n.Module == "" || len(n.IDs) == 0 {
			t.Fatalf("accepted a notification without module or ids: %+v", n)
		}
		for i, id := range n.IDs {
			if id == "" {
				t.Fatalf("accepted an empty ids[%d]", i)
			}
		}
		_ = n.String()
		_ = n.LogValue()
		for _, id := range n.IDs {
			_ = n.FieldsOf(id)
		}
	})
}
