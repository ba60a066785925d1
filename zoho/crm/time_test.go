package crm_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho/crm"
)

func TestTimeParsesAndFormatsWithTheOffset(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, out string }{
		{"2019-01-02T14:44:13+05:30", "2019-01-02T14:44:13+05:30"},
		{"2026-05-14T12:53:58-03:00", "2026-05-14T12:53:58-03:00"},
		{"2026-05-14T12:53:58Z", "2026-05-14T12:53:58+00:00"},
		{"2026-05-14T12:53:58.123+01:00", "2026-05-14T12:53:58+01:00"},
	} {
		tm, err := crm.ParseTime(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.out, tm.String())
		b, err := json.Marshal(tm)
		require.NoError(t, err)
		require.Equal(t, `"`+tc.out+`"`, string(b))
	}
	for _, bad := range []string{"2019-01-02 14:44:13", "2019-01-02T14:44:13", "yesterday"} {
		_, err := crm.ParseTime(bad)
		require.ErrorContains(t, err, bad)
	}
}

func TestTimesCompareAsInstants(t *testing.T) {
	t.Parallel()
	a, err := crm.ParseTime("2019-01-02T14:44:13+05:30")
	require.NoError(t, err)
	b, err := crm.ParseTime("2019-01-02T09:14:13Z")
	require.NoError(t, err)
	c, err := crm.ParseTime("2019-01-02T10:00:00+01:00") // 09:00Z: earlier, though its text sorts after b's
	require.NoError(t, err)
	require.True(t, a.Equal(b.Time))
	require.NotEqual(t, a.String(), b.String())
	require.True(t, c.Before(b.Time))
	require.Greater(t, c.String(), b.String(), "as strings the order is wrong, which is why Time exists")
}

func TestTimeAndDateJSON(t *testing.T) {
	t.Parallel()
	var v struct {
		T crm.Time  `json:"t"`
		D crm.Date  `json:"d"`
		Z crm.Time  `json:"z"`
		N crm.Date  `json:"n"`
		O *crm.Time `json:"o,omitempty"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"t":"2026-03-01T09:00:00+05:30","d":"2026-05-04","z":null,"n":""}`), &v))
	require.Equal(t, time.Date(2026, 3, 1, 3, 30, 0, 0, time.UTC), v.T.UTC())
	require.Equal(t, crm.Date{Year: 2026, Month: time.May, Day: 4}, v.D)
	require.True(t, v.Z.IsZero())
	require.True(t, v.N.IsZero())
	out, err := json.Marshal(v)
	require.NoError(t, err)
	require.JSONEq(t, `{"t":"2026-03-01T09:00:00+05:30","d":"2026-05-04","z":null,"n":null}`, string(out))

	require.Error(t, json.Unmarshal([]byte(`{"d":"04/05/2026"}`), &v))
	require.Error(t, json.Unmarshal([]byte(`{"t":12}`), &v))

	d := crm.DateOf(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC))
	require.Equal(t, "2026-12-31", d.String())
	require.Equal(t, -1, d.Compare(crm.Date{Year: 2027, Month: 1, Day: 1}))
	require.Equal(t, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), d.In(time.UTC))
	require.Equal(t, "2026-03-01T09:00:00+05:30", crm.FormatTime(time.Date(2026, 3, 1, 9, 0, 0, 999, ist)))
}
