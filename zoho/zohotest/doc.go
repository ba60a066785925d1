// Package zohotest is a fake Zoho for tests: the accounts server (OAuth), the
// CRM v8 REST API, and Books, Inventory, Projects and People, on one httptest
// server, speaking Zoho's wire protocol with its quirks, so that code written
// against Zoho can be tested offline.
//
// Start one per test with NewServer(t, nil) (or Start for a program, such as
// the offline demo), point the client's accounts server and API domain at
// URL(), and authenticate with ClientID, ClientSecret and RefreshToken. The
// token response's api_domain names the fake, so clients that follow it (as
// they must for Zoho's data centres) reach it on their own.
//
// What it serves:
//
//   - OAuth: POST /oauth/v2/token with grant types refresh_token,
//     authorization_code and client_credentials (soid), and
//     /oauth/v2/token/revoke. Errors come back with HTTP 200 and
//     {"error":"invalid_client"} and the like, as Zoho's accounts server
//     answers; the tenth access token per refresh token in ten minutes is the
//     last, then the HTTP-200 "Access Denied" throttle; access tokens expire
//     after an hour on the server's Clock; the 16th live access token of a
//     refresh token evicts the oldest.
//   - Every CRM route wants "Authorization: Zoho-oauthtoken <token>"; a
//     missing, unknown or expired token, or the Bearer scheme, gets 401
//     INVALID_TOKEN.
//   - Records (/crm/v8/{module}): list with fields (mandatory), page/per_page,
//     sort_by/sort_order, ids, If-Modified-Since (304), page_token past the
//     2,000-record discrete-paging limit, 204 when empty; get, insert, update,
//     upsert (duplicate_check_fields), delete, with per-record results, 201,
//     207 Multi-Status and 400 when every record failed; the 100-record
//     limit; search (criteria, email, phone, word); COQL; deleted records;
//     record counts; modules, fields, users and org metadata.
//   - Books v3 and Inventory v1 (Books(), Inventory()): organisations,
//     contacts, invoices, items, customer payments, warehouses, stock and
//     adjustments, in the {"code":0} envelope with page_context, required
//     organization_id, -0400 timestamps in the organisation's zone,
//     last_modified_time filters, and 429 past 100 requests a minute per
//     organisation. Projects (Projects()): portals, projects, tasks, and the
//     30-minute lock-out after 100 requests in 2 minutes. People (People()):
//     form records with sIndex/limit paging and a daily limit.
//   - Standard modules Leads, Contacts, Accounts, Deals and Products with
//     their mandatory and duplicate-check fields; CRM.DefineModule and
//     CRM.AddFields add custom ones. Ids are 19-digit strings; times come back
//     in the user's offset (Options.TimeZone, +05:30 by default).
//
// For tests:
//
//   - CRM() helpers put, get, update, delete, list and count records without
//     HTTP; Writes reports the triggers each write asked for; Changes and
//     OnChange see every record change.
//   - Faults (AddFault, Script): 429, 5xx, slow answers, dropped
//     connections, expired tokens, per-record failures; by script or by
//     seeded probability, per route ("GET /crm/v8/{module}").
//   - Call accounting: Calls("GET /crm/v8/{module}"), TotalCalls, CallLog
//     (secrets redacted), ResetCalls.
//   - OAS validation: when Zoho's CRM v8 OpenAPI documents are available
//     ($ZOHOKIT_ZOHO_OAS, or ../shared/zoho-oas/crm-v8 next to the zohokit
//     module), every CRM request is validated against them; a request that
//     does not match gets a 400 naming the reason and fails the test at
//     cleanup. RequireOAS makes a test insist on the documents.
//   - A FakeClock (Options.Clock) moves token expiry, the token-mint window,
//     Modified_Time, If-Modified-Since and rate-limit windows without
//     waiting. It is also a zoho.Clock: give the same clock to the client
//     (zoho.Config.Clock) and both move together.
//   - NewClient, ClientConfig and DataCenter build a *zoho.Client that
//     talks to the fake.
package zohotest
