package zoho

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// GrantKey is the TokenStore key under which SaveGrant keeps a client's
// refresh token: the client id and the data centre's location, no secret.
func GrantKey(clientID string, loc Location) string {
	l := string(loc)
	if l == "" {
		l = "custom"
	}
	return "grant:" + clientID + ":" + l
}

// SaveGrant keeps the refresh token of a grant obtained by
// OAuthConfig.Exchange in ts, under GrantKey, so that a service can start
// with the store alone (LoadGrant) instead of a refresh token in its
// environment. It also stores the grant's access token under the key the
// client will use (TokenKey), counted as a mint, so the first API call mints
// nothing. Stores then hold a refresh token: keep them as private as the
// client secret (the file store writes mode 0600).
func SaveGrant(ctx context.Context, ts TokenStore, clientID string, loc Location, g *Grant, now time.Time) error {
	switch {
	case ts == nil:
		return errors.New("zoho: SaveGrant: the token store is nil")
	case clientID == "":
		return errors.New("zoho: SaveGrant: the client id is empty")
	case g == nil || g.RefreshToken == "":
		return errors.New("zoho: SaveGrant: the grant has no refresh token (was access_type=offline asked for?)")
	}
	if err := saveLocked(ctx, ts, GrantKey(clientID, loc), &TokenState{RefreshToken: g.RefreshToken, Issued: now, APIDomain: g.APIDomain}); err != nil {
		return fmt.Errorf("zoho: SaveGrant: the refresh token: %w", err)
	}
	if g.AccessToken == "" {
		return nil
	}
	st := &TokenState{AccessToken: g.AccessToken, Expiry: g.Expiry, Issued: now, APIDomain: g.APIDomain, Mints: []time.Time{now}}
	if err := saveLocked(ctx, ts, TokenKey(clientID, loc, g.RefreshToken), st); err != nil {
		return fmt.Errorf("zoho: SaveGrant: the access token: %w", err)
	}
	return nil
}

// LoadGrant returns the refresh token SaveGrant stored for a client, or an
// error wrapping ErrNoToken when there is none.
func LoadGrant(ctx context.Context, ts TokenStore, clientID string, loc Location) (string, error) {
	if ts == nil {
		return "", errors.New("zoho: LoadGrant: the token store is nil")
	}
	st, err := ts.Load(ctx, GrantKey(clientID, loc))
	if err == nil && st.RefreshToken == "" {
		err = ErrNoToken
	}
	if err != nil {
		return "", fmt.Errorf("zoho: LoadGrant %s: %w", GrantKey(clientID, loc), err)
	}
	return st.RefreshToken, nil
}

func saveLocked(ctx context.Context, ts TokenStore, key string, st *TokenState) error {
	unlock, err := ts.Lock(ctx, key)
	if err != nil {
		return err
	}
	err = ts.Save(ctx, key, st)
	if uerr := unlock(); err == nil {
		err = uerr
	}
	return err
}
