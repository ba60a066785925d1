package zoho_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/zohokit/zohokit/zoho"
)

// exampleZoho is a stand-in for Zoho so the examples run offline: its token
// endpoint issues tokens and its API answers one CRM endpoint.
func exampleZoho() *httptest.Server {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("POST /oauth/v2/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": "1000.example-access-token", "api_domain": srv.URL,
			"token_type": "Bearer", "expires_in": 3600,
		})
	})
	mux.HandleFunc("GET /crm/v8/settings/variables", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Zoho-oauthtoken 1000.example-access-token" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"variables":[{"api_name":"Region","value":"EMEA"}]}`))
	})
	srv = httptest.NewServer(mux)
	return srv
}

// Creating a client from a refresh token, with a file token store that
// processes on the same machine share. In production, DataCenter is one of
// Zoho's (zoho.EU.DataCenter()); here every host is a local stand-in.
func Example() {
	srv := exampleZoho()
	defer srv.Close()
	dir, err := os.MkdirTemp("", "zohokit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := zoho.NewFileStore(filepath.Join(dir, "zoho-tokens.json"))
	if err != nil {
		log.Fatal(err)
	}
	client, err := zoho.New(zoho.Config{
		ClientID:     "1000.CLIENTID",
		ClientSecret: "example-secret",             // os.Getenv("ZOHO_CLIENT_SECRET") in production
		RefreshToken: "1000.example-refresh-token", // from OAuthConfig.Exchange, kept in a secret store
		DataCenter:   zoho.DataCenter{Location: "local", Accounts: srv.URL, API: srv.URL},
		TokenStore:   store,
		RateLimits:   zoho.RateLimits{CRMEdition: zoho.EditionProfessional},
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Token(context.Background()); err != nil {
		log.Fatal(err)
	}
	st := client.TokenStatus()
	fmt.Println("token valid:", st.Valid, "refreshes:", st.Refreshes)

	info, err := os.Stat(store.Path())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token file mode:", info.Mode().Perm())
	// Output:
	// token valid: true refreshes: 1
	// token file mode: -rw-------
}

// Calling an endpoint that no product package models: CRM's organisation
// variables.
func ExampleClient_Do() {
	srv := exampleZoho()
	defer srv.Close()
	client, err := zoho.New(zoho.Config{
		ClientID:     "1000.CLIENTID",
		ClientSecret: "example-secret",
		RefreshToken: "1000.example-refresh-token",
		DataCenter:   zoho.DataCenter{Location: "local", Accounts: srv.URL, API: srv.URL},
	})
	if err != nil {
		log.Fatal(err)
	}
	req, err := client.NewRequest(http.MethodGet, zoho.CRM, "/settings/variables", nil)
	if err != nil {
		log.Fatal(err)
	}
	var out struct {
		Variables []struct {
			APIName string `json:"api_name"`
			Value   string `json:"value"`
		} `json:"variables"`
	}
	resp, err := client.Do(context.Background(), req, &out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, out.Variables[0].APIName, "=", out.Variables[0].Value)

	req, err = client.NewRequest(http.MethodGet, zoho.CRM, "/settings/unknown", nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Do(context.Background(), req, nil)
	var zerr *zoho.Error
	if errors.As(err, &zerr) {
		fmt.Println("error:", zerr.StatusCode, errors.Is(err, zoho.ErrNotFound))
	}
	// Output:
	// 200 Region = EMEA
	// error: 404 true
}

// Building the consent URL that bootstraps a refresh token.
func ExampleOAuthConfig_AuthCodeURL() {
	o := &zoho.OAuthConfig{
		ClientID:    "1000.CLIENTID",
		RedirectURL: "https://integration.example.com/zoho/callback",
		Scopes:      []string{"ZohoCRM.modules.ALL", "ZohoBooks.fullaccess.all"},
		DataCenter:  zoho.EU.DataCenter(),
	}
	fmt.Println(o.AuthCodeURL("state-123"))
	// Output:
	// https://accounts.zoho.eu/oauth/v2/auth?access_type=offline&client_id=1000.CLIENTID&prompt=consent&redirect_uri=https%3A%2F%2Fintegration.example.com%2Fzoho%2Fcallback&response_type=code&scope=ZohoCRM.modules.ALL%2CZohoBooks.fullaccess.all&state=state-123
}

// Paginate turns any page-by-page list into one sequence.
func ExamplePaginate() {
	pages := map[string][]string{"": {"a", "b"}, "2": {"c"}}
	next := map[string]string{"": "2"}
	fetch := func(_ context.Context, cursor string) ([]string, string, error) {
		return pages[cursor], next[cursor], nil
	}
	for item, err := range zoho.Paginate(context.Background(), fetch) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(item, " ")
	}
	fmt.Println()
	// Output: a b c
}
