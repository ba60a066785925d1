package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Response is Zoho's answer to a request sent with Do. The embedded
// http.Response gives the status and headers; its Body has been read and
// closed.
//
// StatusCode tells empty results apart: 204 (No Content, e.g. a CRM list or
// search with no records) and 304 (Not Modified) are successes with nothing
// decoded. CRM's 207 (multi-status, per-record results) is a success at
// this level too.
type Response struct {
	*http.Response
	// Attempts is how many times the request was sent (retries and the
	// retry after a token refresh included).
	Attempts int
	// Rate is what the answer's headers said about the quotas.
	Rate Rate
}

// Rate is the quota information in an answer's headers; -1 means the header
// was absent (Zoho sends X-API-CREDITS-REMAINING only past 50% usage).
type Rate struct {
	Limit            int           // X-Rate-Limit-Limit (Books: daily calls)
	Remaining        int           // X-Rate-Limit-Remaining
	Reset            time.Duration // X-Rate-Limit-Reset (Books: until the daily reset); -1 absent
	CreditsRemaining int           // X-API-CREDITS-REMAINING (CRM credits)
}

func parseRate(h http.Header) Rate {
	num := func(name string) int {
		v, err := strconv.Atoi(h.Get(name))
		if err != nil {
			return -1
		}
		return v
	}
	r := Rate{
		Limit:            num("X-Rate-Limit-Limit"),
		Remaining:        num("X-Rate-Limit-Remaining"),
		CreditsRemaining: num("X-API-CREDITS-REMAINING"),
		Reset:            -1,
	}
	if s := num("X-Rate-Limit-Reset"); s >= 0 {
		r.Reset = time.Duration(s) * time.Second
	}
	return r
}

// Do sends req and handles the answer:
//
//   - v == nil: the body is discarded;
//   - v is an io.Writer: a 2xx body is copied into it (downloads);
//   - otherwise the JSON body is decoded into v, except for empty bodies,
//     204 and 304.
//
// Errors: an answer that req.Check (default CheckResponse) rejects is
// returned as that error, typically an *Error; a rejected access token
// (INVALID_TOKEN, INVALID_OAUTHTOKEN, 401) causes one token refresh and one
// resend, and a second rejection is returned. 429, 5xx and network errors
// are retried per the client's RetryPolicy; every wait (rate limiter,
// backoff, token refresh) ends when ctx does, and Do then returns ctx's
// error. The Response is returned whenever an answer arrived, errors
// included.
func (c *Client) Do(ctx context.Context, req *Request, v any) (*Response, error) {
	if req == nil {
		return nil, errors.New("zoho: Do: nil request")
	}
	bo := c.retry.newBackOff()
	refreshed := false
	sent, attempt := 0, 0
	for {
		attempt++
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return nil, err
		}
		u, err := c.resolve(req, tok.apiDomain)
		if err != nil {
			return nil, err
		}
		sent++
		resp, err := c.send(ctx, req, u, tok.value, v, sent)
		if resp != nil {
			resp.Attempts = sent
		}
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, ctx.Err()
		}
		if !refreshed && errors.Is(err, ErrInvalidToken) {
			refreshed = true
			c.log.Info("zoho: access token rejected; refreshing once", "product", req.Product, "method", req.Method, "path", u.Path)
			if _, rerr := c.tokens.rejected(ctx, tok.value); rerr != nil {
				return resp, rerr
			}
			attempt-- // the resend after a refresh is not a retry
			continue
		}
		wait, ok := c.retryDecision(req, err, attempt, bo)
		if !ok {
			return resp, err
		}
		if deadlineBefore(ctx, wait) {
			return resp, err
		}
		c.log.Debug("zoho: retrying", "product", req.Product, "method", req.Method, "path", u.Path,
			"attempt", attempt, "wait", wait, "error", err)
		if err := Sleep(ctx, c.clock, wait); err != nil {
			return resp, err
		}
	}
}

// send makes one attempt: wait for the rate limiter, send, read and check
// the answer.
func (c *Client) send(ctx context.Context, req *Request, u *url.URL, token string, v any, attempt int) (*Response, error) {
	org := req.OrgID
	if org == "" {
		org = c.orgID
	}
	release, err := c.limits.acquire(ctx, req.Product, org)
	if err != nil {
		return nil, err
	}
	defer release()

	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("zoho: %s: %w", req.Product, err)
	}
	for k, vs := range req.Header {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	hreq.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json")
	}
	if hreq.Header.Get("User-Agent") == "" {
		hreq.Header.Set("User-Agent", c.userAgent)
	}
	if req.contentType != "" && hreq.Header.Get("Content-Type") == "" {
		hreq.Header.Set("Content-Type", req.contentType)
	}
	op := req.Method + " " + u.Path

	start := time.Now()
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		err = scrubURLError(err)
		c.log.Debug("zoho: request", "product", req.Product, "method", req.Method, "path", u.Path,
			"attempt", attempt, "duration", time.Since(start), "error", err)
		c.observe(req, u.Path, 0, attempt, start, err)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &netError{fmt.Errorf("zoho: %s: %s: %w", req.Product, op, err)}
	}
	defer hresp.Body.Close()
	resp := &Response{Response: hresp, Rate: parseRate(hresp.Header)}
	err = c.readAnswer(ctx, req, resp, op, v)
	attrs := []any{"product", req.Product, "method", req.Method, "path", u.Path,
		"status", hresp.StatusCode, "attempt", attempt, "duration", time.Since(start)}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	c.log.Debug("zoho: request", attrs...)
	c.observe(req, u.Path, hresp.StatusCode, attempt, start, err)
	return resp, err
}

// readAnswer reads, checks and decodes one answer.
func (c *Client) readAnswer(ctx context.Context, req *Request, resp *Response, op string, v any) error {
	status := resp.StatusCode
	ok2xx := status >= 200 && status < 300
	check := req.Check
	if check == nil {
		check = CheckResponse
	}
	if w, isWriter := v.(io.Writer); isWriter && ok2xx {
		if cerr := check(resp.Response, nil); cerr != nil {
			return c.finishError(req, resp, op, cerr)
		}
		if _, err := io.Copy(w, resp.Body); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("zoho: %s: %s: copying answer: %w", req.Product, op, err)
		}
		return nil
	}
	var rd io.Reader = resp.Body
	if !ok2xx {
		rd = io.LimitReader(resp.Body, maxErrorBody)
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &netError{fmt.Errorf("zoho: %s: %s: reading answer: %w", req.Product, op, scrubURLError(err))}
	}
	if cerr := check(resp.Response, data); cerr != nil {
		return c.finishError(req, resp, op, cerr)
	}
	if v == nil || status == http.StatusNoContent || status == http.StatusNotModified || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if _, isWriter := v.(io.Writer); isWriter {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("zoho: %s: %s: decoding answer: %w", req.Product, op, err)
	}
	return nil
}

// finishError fills what a CheckFunc leaves out of an *Error.
func (c *Client) finishError(req *Request, resp *Response, op string, err error) error {
	var ze *Error
	if errors.As(err, &ze) {
		if ze.Product == "" {
			ze.Product = req.Product
		}
		if ze.Operation == "" {
			ze.Operation = op
		}
		if ze.StatusCode == 0 {
			ze.StatusCode = resp.StatusCode
		}
		if ze.Wait == 0 {
			ze.Wait, _ = parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now())
		}
	}
	return err
}

// scrubURLError strips the query from the URL inside a *url.Error, so that
// an error string never carries query values.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User = "", nil
			ue.URL = u.String()
		}
	}
	return err
}
