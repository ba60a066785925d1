package main

// This file stands in for your ERP: a small customers API over HTTP, kept in
// memory. You do not write this part; the adapter (adapter.go) is written
// against an API like it.
//
//	GET    /api/customers?since=T&after=ID&limit=N  customers changed after (T, ID), oldest first, deleted ones included
//	GET    /api/customers/{id}                       one customer (404 when there is none)
//	PUT    /api/customers/ref/{ref}                  create or update the customer with this external reference
//	PATCH  /api/customers/{id}                       change some fields
//	DELETE /api/customers/{id}                       mark it deleted
//
// Like many ERPs it has an external-reference field with a unique index,
// which is what makes the adapter's creates idempotent.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	gosync "sync" // the standard library's; "sync" in the other files is zohokit's engine
	"time"
)

// erpCustomer is a customer as the ERP keeps it and its API sends it.
type erpCustomer struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	Phone       string    `json:"phone"`
	ExternalRef string    `json:"external_ref,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
	Deleted     bool      `json:"deleted"`
}

// fakeERP is the ERP's API, an http.Handler.
type fakeERP struct {
	http.Handler
	mu        gosync.Mutex
	customers map[string]*erpCustomer
	writes    int // successful writes, for the example's output
	failNext  int // answer the next requests 503, for tests
}

func newFakeERP() *fakeERP {
	e := &fakeERP{customers: map[string]*erpCustomer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/customers", e.list)
	mux.HandleFunc("GET /api/customers/{id}", e.get)
	mux.HandleFunc("PUT /api/customers/ref/{ref}", e.upsert)
	mux.HandleFunc("PATCH /api/customers/{id}", e.patch)
	mux.HandleFunc("DELETE /api/customers/{id}", e.delete)
	e.Handler = e.faults(mux)
	return e
}

// faults answers 503 to the next failNext requests: the ERP is down.
func (e *fakeERP) faults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		fail := e.failNext > 0
		if fail {
			e.failNext--
		}
		e.mu.Unlock()
		if fail {
			http.Error(w, `{"error":"maintenance"}`, http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (e *fakeERP) list(w http.ResponseWriter, r *http.Request) {
	since, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("since")) // zero: from the start
	after := r.URL.Query().Get("after")
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit < 1 {
		limit = 100
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var page []erpCustomer
	for _, c := range e.customers {
		if c.UpdatedAt.After(since) || (c.UpdatedAt.Equal(since) && c.ID > after) {
			page = append(page, *c)
		}
	}
	slices.SortFunc(page, func(a, b erpCustomer) int {
		return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.ID, b.ID))
	})
	page = page[:min(limit, len(page))]
	writeJSON(w, http.StatusOK, map[string]any{"customers": page})
}

func (e *fakeERP) get(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.customers[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such customer"})
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (e *fakeERP) upsert(w http.ResponseWriter, r *http.Request) {
	var in erpCustomer
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "name is required"})
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ref := r.PathValue("ref")
	status := http.StatusOK
	c := e.byRef(ref)
	if c == nil {
		c = &erpCustomer{ID: fmt.Sprintf("C-%04d", len(e.customers)+1), ExternalRef: ref}
		e.customers[c.ID] = c
		status = http.StatusCreated
	}
	c.Name, c.Email, c.Phone, c.Deleted = in.Name, in.Email, in.Phone, false
	e.touch(c)
	writeJSON(w, status, c)
}

func (e *fakeERP) patch(w http.ResponseWriter, r *http.Request) {
	var in map[string]string
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.customers[r.PathValue("id")]
	if !ok || c.Deleted {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such customer"})
		return
	}
	for field, v := range in {
		switch field {
		case "name":
			c.Name = v
		case "email":
			c.Email = v
		case "phone":
			c.Phone = v
		default:
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "unknown field " + field})
			return
		}
	}
	e.touch(c)
	writeJSON(w, http.StatusOK, c)
}

func (e *fakeERP) delete(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.customers[r.PathValue("id")]
	if !ok || c.Deleted {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such customer"})
		return
	}
	c.Deleted = true
	e.touch(c)
	w.WriteHeader(http.StatusNoContent)
}

func (e *fakeERP) byRef(ref string) *erpCustomer {
	for _, c := range e.customers {
		if c.ExternalRef == ref {
			return c
		}
	}
	return nil
}

// failRequests makes the next n requests answer 503, as an ERP in
// maintenance does.
func (e *fakeERP) failRequests(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failNext = n
}

// touch records a write: the ERP stamps updated_at on every change.
func (e *fakeERP) touch(c *erpCustomer) {
	c.UpdatedAt = time.Now().UTC()
	e.writes++
}

// snapshot returns the live customers by ID and the number of writes so
// far, for the example's output and tests.
func (e *fakeERP) snapshot() ([]erpCustomer, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []erpCustomer
	for _, c := range e.customers {
		if !c.Deleted {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b erpCustomer) int { return cmp.Compare(a.ID, b.ID) })
	return out, e.writes
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
