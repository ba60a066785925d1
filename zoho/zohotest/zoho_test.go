package zohotest_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/zoho"
	"github.com/zohokit/zohokit/zoho/zohotest"
)

func TestNewClientTalksToTheFake(t *testing.T) {
	t.Parallel()
	zohotest.RequireOAS(t)
	srv := zohotest.NewServer(t, nil)
	_, err := srv.CRM().Put("Contacts", zohotest.Record{"Last_Name": "Lovelace"})
	require.NoError(t, err)

	attempts := 0
	zc := zohotest.NewClient(t, srv, func(c *zoho.Config) { c.Retry.MaxAttempts = 1 }, func(c *zoho.Config) { attempts = c.Retry.MaxAttempts })
	require.Equal(t, 1, attempts, "configure functions run in order on the config")
	require.Equal(t, srv.OrgID(), zc.OrgID())

	req, err := zc.NewRequest(http.MethodGet, zoho.CRM, "/Contacts?fields=Last_Name", nil)
	require.NoError(t, err)
	var body struct {
		Data []struct {
			LastName string `json:"Last_Name"`
		} `json:"data"`
	}
	resp, err := zc.Do(context.Background(), req, &body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, body.Data, 1)
	require.Equal(t, "Lovelace", body.Data[0].LastName)

	require.Equal(t, 1, srv.Refreshes(srv.RefreshToken()), "one token minted with the fake's refresh token")
	require.Equal(t, 1, srv.Calls("POST /oauth/v2/token"))
	require.Equal(t, 1, srv.Calls("GET /crm/v8/{module}"))

	base, err := zc.BaseURL(context.Background(), zoho.CRM)
	require.NoError(t, err)
	require.Equal(t, srv.URL()+"/crm/v8", base, "the API domain comes from the fake's token answer")
}

func TestDataCenterIsTheFakeEverywhere(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, &zohotest.Options{DisableOAS: true})
	dc := srv.DataCenter()
	for name, host := range map[string]string{"Accounts": dc.Accounts, "API": dc.API, "Content": dc.Content, "Projects": dc.Projects, "People": dc.People} {
		require.Equal(t, srv.URL(), host, name)
	}
	require.Equal(t, zohotest.Location, dc.Location)

	cfg := srv.ClientConfig()
	require.Equal(t, srv.ClientID(), cfg.ClientID)
	require.Equal(t, srv.ClientSecret(), cfg.ClientSecret)
	require.Equal(t, srv.RefreshToken(), cfg.RefreshToken)
	require.NotNil(t, cfg.HTTPClient)
	require.NotZero(t, cfg.HTTPClient.Timeout)
}

func TestNewClientFailsTheTestOnABadConfig(t *testing.T) {
	t.Parallel()
	srv := zohotest.NewServer(t, &zohotest.Options{DisableOAS: true})
	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine, as it ends a test
		defer close(done)
		zohotest.NewClient(ft, srv, func(c *zoho.Config) { c.ClientSecret = "" })
	}()
	<-done
	require.Contains(t, ft.msg, "ClientSecret")
}

// fatalRecorder records Fatalf instead of failing the real test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// ExampleServer_ClientConfig builds zohokit's own client for the fake. In a
// test, zohotest.NewClient(t, srv) does the same in one line.
func ExampleServer_ClientConfig() {
	srv, err := zohotest.Start(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	if _, err := srv.CRM().Put("Contacts", zohotest.Record{"Last_Name": "Hopper"}); err != nil {
		fmt.Println(err)
		return
	}

	zc, err := zoho.New(srv.ClientConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	req, err := zc.NewRequest(http.MethodGet, zoho.CRM, "/Contacts?fields=Last_Name", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var body struct {
		Data []map[string]any `json:"data"`
	}
	if _, err := zc.Do(context.Background(), req, &body); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(body.Data[0]["Last_Name"])
	fmt.Println("calls:", srv.Calls("GET /crm/v8/Contacts"))
	// Output:
	// Hopper
	// calls: 1
}

func TestFakeClockDrivesClientAndFake(t *testing.T) {
	t.Parallel()
	clock := zohotest.NewFakeClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	var _ zoho.Clock = clock
	srv := zohotest.NewServer(t, &zohotest.Options{Clock: clock})
	c := zohotest.NewClient(t, srv, func(cfg *zoho.Config) { cfg.Clock = clock })
	tok, err := c.Token(t.Context())
	require.NoError(t, err)
	require.Equal(t, clock.Now().Add(time.Hour), tok.Expiry, "the fake issues tokens on the shared clock")

	fired := make(chan struct{})
	clock.AfterFunc(time.Minute, func() { close(fired) })
	require.Equal(t, 1, clock.Pending())
	clock.Advance(time.Minute)
	<-fired
	require.Equal(t, 0, clock.Pending())
}
