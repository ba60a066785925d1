// Package zoho is the core of zohokit's Zoho client: data centres, OAuth
// tokens, token stores, the HTTP transport with rate limits and retries,
// typed errors and pagination. The product packages (zoho/crm, zoho/books,
// zoho/inventory, zoho/projects, zoho/people) are built on it, and its
// NewRequest and Do call any Zoho endpoint they do not model.
//
// # Accounts and data centres
//
// A Zoho account lives in one data centre (US, EU, IN, AU, JP, CN, CA, SA,
// UK, AE). Its accounts server mints tokens; the API domain comes from the
// token answer's api_domain, which the client stores with the token and
// uses for every CRM, Books and Inventory call (never a hard-coded ".com").
// Projects and People have hosts of their own, also per data centre.
//
// # Tokens
//
// A Client holds one grant: a refresh token (bootstrapped once with
// OAuthConfig's authorization-code flow) or a Self Client's client
// credentials (SOID). It sends "Authorization: Zoho-oauthtoken …" and keeps
// the access token fresh without ever causing a refresh storm:
//
//   - one refresh at a time per Client, however many goroutines need a token;
//   - across processes, a refresh takes the TokenStore's lock, re-reads the
//     store and mints only if the stored token is still stale;
//   - tokens are refreshed a margin ahead of expiry;
//   - no more than 10 tokens are minted per refresh token in 10 minutes
//     (Zoho's limit), counted in the store so replicas share the count;
//     beyond it the client waits for a slot or fails with ErrTokenLimit;
//   - a rejected token (401 INVALID_TOKEN) causes exactly one refresh and
//     one resend; the token endpoint itself is never retried in a loop.
//
// # Requests
//
// Do rate-limits per product and organisation (CRM concurrency by edition,
// Books and Inventory 100 a minute, Projects below its lock-out threshold),
// retries 429, 5xx and network errors with jittered exponential backoff
// for requests that are safe to repeat, honours Retry-After, and turns
// error answers into *Error values that match the package's sentinels with
// errors.Is. Every wait ends when the context does. Time comes from an
// injectable Clock, so all of this is testable with a fake clock.
//
// Secrets (client secret, refresh and access tokens, grant codes) never
// appear in log lines or error strings.
package zoho
