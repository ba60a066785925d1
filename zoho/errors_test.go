package zoho

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestErrorAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		code     string
		message  string
		is       []error
		isNot    []error
		retrying bool
	}{
		{"CRM top level", 400, `{"code":"INVALID_URL_PATTERN","details":{},"message":"Please check if the URL trying to access is a correct one","status":"error"}`,
			"INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", []error{ErrNotFound, ErrInvalidData}, []error{ErrServer}, false},
		{"CRM per-record shape", 400, `{"data":[{"code":"DUPLICATE_DATA","details":{"api_name":"Email"},"message":"duplicate data","status":"error"}]}`,
			"DUPLICATE_DATA", "duplicate data", []error{ErrDuplicate, ErrInvalidData}, []error{ErrNotFound}, false},
		{"not found", 404, `{"code":"NOT_FOUND","message":"no such record"}`, "NOT_FOUND", "no such record", []error{ErrNotFound}, nil, false},
		{"forbidden", 403, `{"code":"OAUTH_SCOPE_MISMATCH","message":"invalid oauth scope to access this URL"}`, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL",
			[]error{ErrForbidden}, []error{ErrInvalidToken}, false},
		{"Books numeric", 400, `{"code":1002,"message":"Invoice does not exist."}`, "1002", "Invoice does not exist.", []error{ErrInvalidData}, nil, false},
		{"OAuth shape", 400, `{"error":"invalid_request","error_description":"bad"}`, "invalid_request", "bad", nil, nil, false},
		{"nested error", 400, `{"error":{"status_code":"6831","title":"Input Parameter Missing"}}`, "6831", "Input Parameter Missing", nil, nil, false},
		{"Books 401 permission", 401, `{"code":57,"message":"You are not authorized to perform this operation"}`, "57", "You are not authorized to perform this operation",
			[]error{ErrUnauthorized}, []error{ErrInvalidToken}, false},
		{"bare 401", 401, ``, "", "Unauthorized", []error{ErrUnauthorized, ErrInvalidToken}, nil, false},
		{"HTML", 502, "<html><body>Bad   Gateway</body></html>", "", "<html><body>Bad Gateway</body></html>", []error{ErrServer}, nil, true},
		{"empty", 500, "", "", "Internal Server Error", []error{ErrServer}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoho(t)
			fz.handleJSON("GET /crm/v8/Contacts/1", tc.status, tc.body)
			cfg := fz.config()
			cfg.Retry.MaxAttempts = 1
			c := fz.client(cfg)
			resp, err := doGet(t, c, t.Context(), CRM, "/Contacts/1?fields=Email", nil)
			noSecret(t, err)
			var ze *Error
			require.ErrorAs(t, err, &ze)
			require.Equal(t, tc.status, resp.StatusCode)
			require.Equal(t, tc.status, ze.StatusCode)
			require.Equal(t, tc.code, ze.Code)
			require.Equal(t, tc.message, ze.Message)
			require.Equal(t, CRM, ze.Product)
			require.Equal(t, "GET /crm/v8/Contacts/1", ze.Operation, "no query in the operation")
			require.Equal(t, tc.retrying, ze.Retryable())
			for _, s := range tc.is {
				require.ErrorIs(t, err, s)
			}
			for _, s := range tc.isNot {
				require.NotErrorIs(t, err, s)
			}
		})
	}
}

func TestErrorBodyIsCapped(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	huge := `{"code":"INVALID_DATA","message":"` + strings.Repeat("x", 2<<20) + `"}`
	fz.handleJSON("GET /crm/v8/Contacts", 400, huge)
	c := fz.client(fz.config())
	_, err := doGet(t, c, t.Context(), CRM, "/Contacts", nil)
	var ze *Error
	require.ErrorAs(t, err, &ze)
	require.Empty(t, ze.Code, "a truncated body is not decoded")
	require.LessOrEqual(t, len(ze.Message), 210)
}

func TestProductCheckFunc(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.handleJSON("GET /books/v3/invoices/9", http.StatusOK, `{"code":1002,"message":"Invoice does not exist."}`)
	fz.handleJSON("GET /books/v3/invoices/8", http.StatusOK, `{"code":0,"message":"success","invoice":{"invoice_id":"8"}}`)
	c := fz.client(fz.config())
	booksCheck := func(resp *http.Response, body []byte) error {
		if err := CheckResponse(resp, body); err != nil {
			return err
		}
		var env struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &env) == nil && env.Code != 0 {
			e := DecodeError(resp, body)
			if env.Code == 1002 {
				e.Err = ErrNotFound
			}
			return e
		}
		return nil
	}
	req, err := c.NewRequest(http.MethodGet, Books, "/invoices/9", nil)
	require.NoError(t, err)
	req.Check = booksCheck
	req.Query = url.Values{"organization_id": {"123"}}
	_, err = c.Do(t.Context(), req, nil)
	require.ErrorIs(t, err, ErrNotFound)
	var ze *Error
	require.ErrorAs(t, err, &ze)
	require.Equal(t, "1002", ze.Code)
	require.Equal(t, http.StatusOK, ze.StatusCode)
	require.Equal(t, Books, ze.Product)

	req, err = c.NewRequest(http.MethodGet, Books, "/invoices/8", nil)
	require.NoError(t, err)
	req.Check = booksCheck
	var out struct {
		Invoice struct {
			ID string `json:"invoice_id"`
		} `json:"invoice"`
	}
	_, err = c.Do(t.Context(), req, &out)
	require.NoError(t, err)
	require.Equal(t, "8", out.Invoice.ID)
}

func TestDecodeErrorOfSuccessBody(t *testing.T) {
	t.Parallel()
	fz := newFakeZoho(t)
	fz.handleJSON("GET /crm/v8/Contacts", 200, `{"data": "not a list"}`)
	c := fz.client(fz.config())
	var out struct {
		Data []string `json:"data"`
	}
	_, err := doGet(t, c, t.Context(), CRM, "/Contacts", &out)
	require.ErrorContains(t, err, "decoding answer")
	var ze *Error
	require.False(t, errors.As(err, &ze))
}
