// Package people is the Zoho People client: the records of People forms
// (employees, departments, custom forms), read with getRecords' sIndex and
// limit paging as a lazy iterator, by id, and added or updated.
//
// People lives on its own host per data centre (zoho.DataCenter.People,
// e.g. https://people.zoho.eu): the token's api_domain does not give it.
// Its answers are wrapped in {"response":{"result":...,"status":0}}, and
// its errors come as status 1 with "errors" {"code","message"}, often with
// HTTP 200; CheckResponse reads the envelope tolerantly and turns errors
// into *zoho.Error values carrying People's numeric code (see CheckResponse
// for the sentinels).
//
// People's quota is per day and per licence (250 calls per user licence,
// up to 5,000 on Essential HR and 25,000 on Enterprise, shared by every
// integration of the organisation). Set the core client's
// zoho.RateLimits.People to this integration's share; see Client.
package people
