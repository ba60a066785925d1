package zoho

import "time"

// Call describes one attempt of an API request, for an Observer.
type Call struct {
	Product Product
	Method  string
	// Path is the URL path, without the query (which may carry values
	// a caller considers private).
	Path string
	// Status is the HTTP status, 0 when no answer came (a network error).
	Status   int
	Attempt  int // 1 for the first attempt
	Duration time.Duration
	// Err is the attempt's error, nil on success; never carries a secret.
	Err error
}

// Observer is told of every attempt the client makes, to count calls by
// product and status (the ops package's Prometheus metrics), or to trace
// them. It is called synchronously: keep it fast.
type Observer interface {
	ObserveCall(Call)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Call)

// ObserveCall calls f.
func (f ObserverFunc) ObserveCall(c Call) { f(c) }

func (c *Client) observe(req *Request, path string, status, attempt int, start time.Time, err error) {
	if c.observer == nil {
		return
	}
	c.observer.ObserveCall(Call{Product: req.Product, Method: req.Method, Path: path, Status: status,
		Attempt: attempt, Duration: time.Since(start), Err: err})
}
