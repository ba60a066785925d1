package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/zohokit/zohokit/zoho"
)

// The refresh token that `zohokit auth exchange` obtains is kept in the
// Zoho token store (zoho.SaveGrant, under zoho.GrantKey), so that `zohokit
// serve` finds it without an environment variable: the file store (mode
// 0600) on a VM, the database's token table for replicas.

// errNoGrant says that no refresh token was configured or stored.
var errNoGrant = errors.New("no refresh token: run `zohokit auth exchange` or set refresh_token_env")

// loadGrant returns the stored refresh token of a client.
func loadGrant(ctx context.Context, ts zoho.TokenStore, clientID string, loc zoho.Location) (string, error) {
	tok, err := zoho.LoadGrant(ctx, ts, clientID, loc)
	if errors.Is(err, zoho.ErrNoToken) {
		return "", errNoGrant
	}
	if err != nil {
		return "", fmt.Errorf("token store: %w", err)
	}
	return tok, nil
}
