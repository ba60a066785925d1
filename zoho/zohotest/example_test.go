package zohotest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/zohokit/zohokit/zoho/zohotest"
)

// A test starts the fake (in a test: zohotest.NewServer(t, nil), which also
// closes it and fails the test on requests that break Zoho's OpenAPI
// documents), seeds records, and reads them back over HTTP as a client
// would: refresh an access token, then list the module.
func Example() {
	srv, err := zohotest.Start(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	crm := srv.CRM()
	for _, name := range []string{"Lovelace", "Hopper"} {
		if _, err := crm.Put("Contacts", zohotest.Record{"Last_Name": name}); err != nil {
			fmt.Println(err)
			return
		}
	}

	// OAuth: a refresh-token grant at the accounts server, which is the fake.
	resp, err := http.PostForm(srv.URL()+"/oauth/v2/token", url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {srv.ClientID()},
		"client_secret": {srv.ClientSecret()},
		"refresh_token": {srv.RefreshToken()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		APIDomain   string `json:"api_domain"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil {
		fmt.Println(err)
		return
	}

	// The API call goes to api_domain, with Zoho's own header scheme.
	req, _ := http.NewRequest("GET", tok.APIDomain+"/crm/v8/Contacts?fields=Last_Name&sort_order=asc", nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			ID       string `json:"id"`
			LastName string `json:"Last_Name"`
		} `json:"data"`
		Info struct {
			Count       int  `json:"count"`
			MoreRecords bool `json:"more_records"`
		} `json:"info"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, list.Info.Count, list.Info.MoreRecords)
	for _, c := range list.Data {
		fmt.Println(len(c.ID), c.LastName)
	}
	fmt.Println("list calls:", srv.Calls("GET /crm/v8/{module}"), "token mints:", srv.Refreshes(srv.RefreshToken()))
	// Output:
	// 200 2 false
	// 19 Lovelace
	// 19 Hopper
	// list calls: 1 token mints: 1
}

// Faults are scripted per route: here the first list call is rate-limited
// and the second one succeeds, as a client's retry would see.
func ExampleServer_Script() {
	srv, err := zohotest.Start(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	if err := srv.Script("GET /crm/v8/{module}", zohotest.TooManyRequests()); err != nil {
		fmt.Println(err)
		return
	}
	token := srv.IssueAccessToken()
	for range 2 {
		req, _ := http.NewRequest("GET", srv.URL()+"/crm/v8/Leads?fields=Last_Name", nil)
		req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// 429
	// 204
}
