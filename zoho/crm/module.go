package crm

import (
	"context"
	"iter"
	"reflect"
	"slices"

	"github.com/zohokit/zohokit/zoho"
)

// Module is a typed handle on one module: its records are read into and
// written from T, a struct with the fields' API names as JSON tags (the
// package's Contact, Account, Deal, Product, or a user's own type; a type
// that keeps unknown fields, as those do with Extra, loses nothing on a
// round trip). Module[Record] is the open form that RecordsService uses.
//
// When T is a struct, lists and searches that name no Fields ask for T's
// declared fields (minus "id", which Zoho always returns).
type Module[T any] struct {
	c      *Client
	name   string
	fields []string
}

// NewModule returns the typed handle of the module with the given API name.
func NewModule[T any](c *Client, apiName string) *Module[T] {
	m := &Module[T]{c: c, name: apiName}
	if t := reflect.TypeFor[T](); t.Kind() == reflect.Struct {
		m.fields = slices.DeleteFunc(structFields(t).list, func(f string) bool { return f == "id" })
	}
	return m
}

// Name returns the module's API name.
func (m *Module[T]) Name() string { return m.name }

// DefaultFields returns the fields a list asks for when ListOptions.Fields
// is empty (nil for non-struct types, which must name them).
func (m *Module[T]) DefaultFields() []string { return slices.Clone(m.fields) }

// List yields the module's records as T; see RecordsService.List.
func (m *Module[T]) List(ctx context.Context, opts *ListOptions) iter.Seq2[T, error] {
	return listItems[T](ctx, m.c, m.name, opts, m.fields)
}

// Pages yields the module's records page by page; see RecordsService.Pages.
func (m *Module[T]) Pages(ctx context.Context, opts *ListOptions) iter.Seq2[*Page[T], error] {
	return listPages[T](ctx, m.c, m.name, opts, m.fields)
}

// Get reads one record; see RecordsService.Get.
func (m *Module[T]) Get(ctx context.Context, id string, opts *GetOptions) (T, *zoho.Response, error) {
	return getRecord[T](ctx, m.c, m.name, id, opts)
}

// Search yields the records that match opts; see RecordsService.Search.
func (m *Module[T]) Search(ctx context.Context, opts *SearchOptions) iter.Seq2[T, error] {
	return searchItems[T](ctx, m.c, m.name, opts, m.fields)
}

// Insert creates records; see RecordsService.Insert.
func (m *Module[T]) Insert(ctx context.Context, records []T, opts *WriteOptions) ([]Result, error) {
	return writeRecords(ctx, m.c, opInsert, m.name, records, opts)
}

// Update changes records by id; see RecordsService.Update.
func (m *Module[T]) Update(ctx context.Context, records []T, opts *WriteOptions) ([]Result, error) {
	return writeRecords(ctx, m.c, opUpdate, m.name, records, opts)
}

// Upsert inserts or updates records; see RecordsService.Upsert.
func (m *Module[T]) Upsert(ctx context.Context, records []T, opts *WriteOptions) ([]Result, error) {
	return writeRecords(ctx, m.c, opUpsert, m.name, records, opts)
}

// Delete deletes records by id; see RecordsService.Delete.
func (m *Module[T]) Delete(ctx context.Context, ids []string, opts *DeleteOptions) ([]Result, error) {
	return deleteRecords(ctx, m.c, m.name, ids, opts)
}

// Deleted yields the module's deleted records; see RecordsService.Deleted.
func (m *Module[T]) Deleted(ctx context.Context, opts *DeletedOptions) iter.Seq2[DeletedRecord, error] {
	return m.c.Records.Deleted(ctx, m.name, opts)
}
