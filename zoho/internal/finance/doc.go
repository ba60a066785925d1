// Package finance is what Zoho Books (zoho/books) and Zoho Inventory
// (zoho/inventory) share: the two products belong to Zoho's finance suite
// and speak the same wire protocol, so the code for it exists once, here.
//
//   - Every call but the organisations list carries organization_id, and
//     counts against the client's rate limiter for that organisation
//     (zoho.Request.OrgID): Zoho allows 100 requests a minute per
//     organisation.
//   - Answers are wrapped in {"code":0,"message":"success",...}. A non-zero
//     code is an error whatever the HTTP status (Zoho answers some errors with
//     200): Check turns it into a *zoho.Error carrying the numeric code and
//     maps the codes callers branch on to the zoho sentinels.
//   - Lists page with page/per_page (200 at most) and report page_context;
//     List walks them lazily, and reads incrementally by last_modified_time
//     without losing records that change while it pages.
//   - Resource is the list/get/create/update/delete/action plumbing of one
//     REST resource, behind every service of both packages.
//
// Two pieces are plain JSON plumbing that zoho/projects and zoho/people use
// too: Codec decodes a typed struct while keeping the members it does not
// declare (tolerating ids and numbers sent as JSON strings or numbers), and
// Scalar and Text read Zoho's string-or-number codes and messages.
//
// It is internal: users see it only through the product packages.
package finance
