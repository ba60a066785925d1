package zoho

import (
	"context"
	"fmt"
	"iter"
)

// PageFunc fetches the page at cursor ("" for the first page) and returns
// its items and the cursor of the next page ("" when there is none). What a
// cursor is belongs to the caller: a page number, CRM's page_token, an
// offset.
type PageFunc[T any] func(ctx context.Context, cursor string) (items []T, next string, err error)

// Paginate turns page fetches into one lazy sequence of items, the helper
// behind every list in the product packages. Pages are fetched only as the
// consumer ranges; breaking out of the loop stops fetching. An error
// (from fetch, from ctx, or a cursor that does not advance) is yielded once,
// with the zero T, and ends the sequence.
//
// fetch should capture a copy of the caller's list options, so that a
// caller changing them later cannot change the pages fetched.
func Paginate[T any](ctx context.Context, fetch PageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		cursor := ""
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, next, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if next == cursor {
				yield(zero, fmt.Errorf("zoho: paginate: next cursor %q equals the current one", next))
				return
			}
			cursor = next
		}
	}
}
