package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zohokit/zohokit/zoho"
)

// Options configures a Client. The zero value works.
type Options struct {
	// MetadataTTL is how long module and field metadata stay cached; zero
	// keeps them until Meta.Invalidate is called.
	MetadataTTL time.Duration
}

// Client is the Zoho CRM v8 client. Its services group the API by area, in
// the style of go-github: c.Records.List(ctx, "Contacts", opts). It is safe
// for concurrent use, as its services are.
type Client struct {
	zc   *zoho.Client
	opts Options

	// Records lists, reads, searches, writes and deletes records of any
	// module as open Records (see Module for typed structs).
	Records *RecordsService
	// COQL runs CRM Object Query Language queries.
	COQL *COQLService
	// Meta reads module and field metadata, cached per client.
	Meta *MetaService
	// Users reads CRM users, the current one included.
	Users *UsersService
	// Org reads the organisation (its id is what bulk write needs).
	Org *OrgService
	// Watch manages notification channels (actions/watch). Bulk reads and
	// writes need options of their own (a temp folder, the download
	// limit): build them with NewBulk.
	Watch *WatchService
}

// New returns a CRM client on top of a core Zoho client, which carries the
// credentials, data centre, rate limits and retries. opts may be nil.
func New(zc *zoho.Client, opts *Options) (*Client, error) {
	if zc == nil {
		return nil, errors.New("crm: New: the zoho.Client is nil")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MetadataTTL < 0 {
		return nil, errors.New("crm: Options.MetadataTTL is negative")
	}
	c := &Client{zc: zc, opts: o}
	c.Records = &RecordsService{c: c}
	c.COQL = &COQLService{c: c}
	c.Meta = newMetaService(c)
	c.Users = &UsersService{c: c}
	c.Org = &OrgService{c: c}
	c.Watch = NewWatch(c)
	return c, nil
}

// Zoho returns the core client, for calls this package does not model
// (NewRequest with zoho.CRM, then Do).
func (c *Client) Zoho() *zoho.Client { return c.zc }

// Contacts returns the typed handle of the Contacts module.
func (c *Client) Contacts() *Module[Contact] { return NewModule[Contact](c, "Contacts") }

// Accounts returns the typed handle of the Accounts module.
func (c *Client) Accounts() *Module[Account] { return NewModule[Account](c, "Accounts") }

// Deals returns the typed handle of the Deals module.
func (c *Client) Deals() *Module[Deal] { return NewModule[Deal](c, "Deals") }

// Products returns the typed handle of the Products module.
func (c *Client) Products() *Module[Product] { return NewModule[Product](c, "Products") }

// checkModule validates a module API name used in a path.
func checkModule(module string) error {
	if module == "" {
		return errors.New("module is empty")
	}
	if strings.ContainsAny(module, "/?#%\\ \t\r\n") {
		return fmt.Errorf("module %q is not an API name", module)
	}
	return nil
}

// checkID validates a record id used in a path or an ids list.
func checkID(id string) error {
	if id == "" {
		return errors.New("id is empty")
	}
	if strings.ContainsAny(id, "/?#%,\\ \t\r\n") {
		return fmt.Errorf("id %q is not a record id", id)
	}
	return nil
}

// newRequest builds a CRM request; the path has been validated by the
// caller.
func (c *Client) newRequest(method, path string, query url.Values, body any) (*zoho.Request, error) {
	req, err := c.zc.NewRequest(method, zoho.CRM, path, body)
	if err != nil {
		return nil, err
	}
	req.Query = query
	return req, nil
}

// get sends a request whose JSON answer is decoded into v straight from the
// body, with numbers as json.Number. 204 and 304 leave v untouched. As the
// body is streamed, a req.Check sees no body for 2xx answers: a request
// whose Check reads 2xx bodies (checkBody) goes through zc.Do instead.
func (c *Client) get(ctx context.Context, req *zoho.Request, v any) (*zoho.Response, error) {
	sink := &jsonSink{v: v}
	resp, err := c.zc.Do(ctx, req, sink)
	if err != nil {
		return resp, err
	}
	if err := sink.finish(); err != nil {
		return resp, fmt.Errorf("crm: %s %s: decoding answer: %w", req.Method, req.Path, err)
	}
	return resp, nil
}

// jsonSink receives a 2xx answer from zoho.Client.Do. Do copies the body
// with io.Copy, which hands the body to ReadFrom: the JSON is decoded as it
// streams in, with no intermediate buffer. Write is the fallback for a body
// that io.Copy feeds piecewise.
type jsonSink struct {
	v       any
	buf     []byte
	decoded bool
}

var (
	_ io.ReaderFrom = (*jsonSink)(nil)
	_ io.Writer     = (*jsonSink)(nil)
)

func (s *jsonSink) ReadFrom(r io.Reader) (int64, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	err := dec.Decode(s.v)
	s.decoded = true
	if err == io.EOF { // an empty body: nothing to decode
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	// Drain what follows the value (a newline), so the connection is reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(dec.Buffered(), 1<<16))
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<16))
	return dec.InputOffset(), nil
}

func (s *jsonSink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// finish decodes what Write collected, if ReadFrom did not run.
func (s *jsonSink) finish() error {
	if s.decoded || len(bytes.TrimSpace(s.buf)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(s.buf))
	dec.UseNumber()
	return dec.Decode(s.v)
}

// notModifiedOrEmpty reports whether an answer carries no body to decode.
func notModifiedOrEmpty(resp *zoho.Response) bool {
	return resp != nil && (resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified)
}
