// Package projects is the Zoho Projects (API v3) client: portals, projects
// and tasks, and their statuses, which is what an integration that treats
// Projects as the authority for project status reads and writes.
//
// The API root is the data centre's Projects host
// (zoho.DataCenter.Projects, e.g. https://projectsapi.zoho.eu) with
// /api/v3, and paths are /portal/{portal_id}/projects/... (the old
// /restapi paths are deprecated).
//
// # The throttle
//
// Projects allows 100 requests in 2 minutes and then locks the client out
// for 30 minutes. Every call of this package goes through the core client's
// Projects limiter, 90 requests per 2 minutes by default
// (zoho.RateLimits.Projects), so a burst waits instead of tripping it. If
// Zoho answers with its throttle anyway (HTTP 429, or
// URL_ROLLING_THROTTLES_LIMIT_EXCEEDED in any status, from another process
// sharing the user), the error matches zoho.ErrRateLimited and
// zoho.RetryAfter gives the lock-out's remaining time; it is returned at
// once rather than waited out.
//
// # Wire formats
//
// Zoho's v3 documentation leaves some shapes open, and observed answers
// vary: lists come as a bare array or as {"tasks":[...],"page_info":...},
// statuses as objects or names, ids as strings or numbers, times as RFC
// 3339 or epoch milliseconds. The types here read all of these and keep
// members they do not declare in Extra.
package projects
