package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/zohokit/zohokit/internal/service"
	"github.com/zohokit/zohokit/zoho"
)

// authFlags are the flags auth url and auth exchange share.
type authFlags struct {
	*flags
	clientID, dc, hosts, redirect, scopes *string
}

func newAuthFlags(e *env, name string) *authFlags {
	f := newFlags(e, "auth "+name)
	return &authFlags{
		flags:    f,
		clientID: f.String("client-id", "", "OAuth client id from Zoho's API console (required)"),
		dc:       f.String("dc", "us", "data centre: us, eu, in, au, jp, cn, ca, sa, uk or ae"),
		hosts:    f.String("accounts-url", "", "use this URL for every Zoho host (a sandbox or a fake Zoho) instead of --dc's"),
		redirect: f.String("redirect-uri", "", "redirect URI registered for the client (empty for Self Client codes)"),
		scopes:   f.String("scopes", "ZohoCRM.modules.ALL,ZohoCRM.settings.READ,ZohoCRM.notifications.ALL,ZohoBooks.fullaccess.all", "comma-separated scopes"),
	}
}

func (a *authFlags) params() service.AuthParams {
	var scopes []string
	for _, s := range strings.Split(*a.scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	return service.AuthParams{ClientID: *a.clientID, DataCenter: *a.dc, Hosts: *a.hosts, RedirectURI: *a.redirect, Scopes: scopes}
}

func runAuth(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "url" && args[0] != "exchange") {
		fmt.Fprintln(e.stderr, "usage: zohokit auth url|exchange [flags] (zohokit auth url -h for the flags)")
		return errUsage
	}
	if args[0] == "url" {
		return authURL(e, args[1:])
	}
	return authExchange(ctx, e, args[1:])
}

func authURL(e *env, args []string) error {
	f := newAuthFlags(e, "url")
	state := f.String("state", "", "state to round-trip through the consent page (default: random)")
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *state == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		*state = hex.EncodeToString(b)
	}
	u, err := service.AuthURL(f.params(), *state)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, `Open this URL, sign in to Zoho and accept:

  %s

Zoho then redirects to %s with ?code=...&location=...&accounts-server=...
Copy that whole URL (the code is valid for a few minutes) and run:

  zohokit auth exchange --client-id %s --dc %s --redirect-uri %q --redirect-url 'PASTE THE URL'

with the client secret in the environment (ZOHO_CLIENT_SECRET, or --client-secret-env NAME).
State: %s
`, u, orNone(*f.redirect), *f.clientID, *f.dc, *f.redirect, *state)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(the Self Client page: copy the code it shows)"
	}
	return s
}

func authExchange(ctx context.Context, e *env, args []string) error {
	f := newAuthFlags(e, "exchange")
	secretEnv := f.String("client-secret-env", "ZOHO_CLIENT_SECRET", "environment variable holding the client secret")
	code := f.String("code", "", "the grant code (or - to read it from standard input)")
	redirectURL := f.String("redirect-url", "", "the whole URL Zoho redirected to (its accounts-server is honoured)")
	tokens := f.String("tokens", "", "file token store (default: the user's config dir, zohokit/tokens.json)")
	cfg := f.String("config", "", "use the token store of this zohokit.yaml (file or database) instead of --tokens")
	if _, err := f.parse(args); err != nil {
		return err
	}
	input := *redirectURL
	if input == "" {
		input = *code
	}
	if input == "-" {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the code from standard input: %w", err)
		}
		input = strings.TrimSpace(line)
	}
	if input == "" {
		fmt.Fprintln(e.stderr, "give --code or --redirect-url")
		return errUsage
	}
	secret, ok := e.lookup(*secretEnv)
	if !ok || secret == "" {
		return fmt.Errorf("environment variable %s (the client secret) is not set", *secretEnv)
	}
	p := f.params()
	p.ClientSecret = secret

	var ts zoho.TokenStore
	where := ""
	if *cfg != "" {
		l, err := service.Load(*cfg, &service.Options{LookupEnv: e.lookup, OptionalSecrets: true})
		if err != nil {
			return err
		}
		store, closeStore, err := service.OpenTokenStore(ctx, l)
		if err != nil {
			return err
		}
		defer closeStore()
		ts, where = store, "the token store of "+*cfg
	} else {
		path := *tokens
		if path == "" {
			path = service.DefaultTokenPath()
		}
		fs, err := zoho.NewFileStore(path)
		if err != nil {
			return err
		}
		ts, where = fs, fs.Path()+" (mode 0600)"
	}
	res, err := service.Exchange(ctx, p, input, ts)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, `Exchanged the grant code with %s.
Stored the refresh token in %s
  under the key %s
Data centre: %s   API domain: %s   Scope: %s
Access token valid until %s (stored too, so the first API call needs no refresh).

In zohokit.yaml, this connection reads:
  zoho:
    - name: zoho
      data_center: %s
      client_id: %s
      client_secret_env: %s
`, res.AccountsServer, where, res.Key, res.Location, res.Grant.APIDomain, orDash(res.Grant.Scope),
		res.Grant.Expiry.UTC().Format("2006-01-02 15:04:05Z"), res.Location, p.ClientID, *secretEnv)
	if res.State != "" {
		fmt.Fprintf(e.stdout, "(redirect state: %s: check it is the one auth url printed)\n", res.State)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
