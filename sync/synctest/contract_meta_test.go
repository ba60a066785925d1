package synctest

// The suite's own tests: each rule is shown able to fail, on an in-memory
// Adapter broken in the way the rule forbids. The checks are functions that
// return the violation they found, so these tests call them directly and
// assert the rule named.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/sync"
)

var metaStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// broken is an Adapter with some of its methods replaced.
type broken struct {
	a       *Adapter
	write   func(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error)
	changes func(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error]
	get     func(ctx context.Context, dataType string, ids []string) ([]sync.Record, error)
}

func (b *broken) Write(ctx context.Context, dataType string, ops []sync.Op) ([]sync.Result, error) {
	if b.write != nil {
		return b.write(ctx, dataType, ops)
	}
	return b.a.Write(ctx, dataType, ops)
}

func (b *broken) Changes(ctx context.Context, dataType string, since sync.Cursor) iter.Seq2[sync.Change, error] {
	if b.changes != nil {
		return b.changes(ctx, dataType, since)
	}
	return b.a.Changes(ctx, dataType, since)
}

func (b *broken) Get(ctx context.Context, dataType string, ids []string) ([]sync.Record, error) {
	if b.get != nil {
		return b.get(ctx, dataType, ids)
	}
	return b.a.Get(ctx, dataType, ids)
}

// metaHarness runs checks on an in-memory Adapter that breakWith breaks
// (nil: none), with every capability declared.
func metaHarness(breakWith func(b *broken)) AdapterHarness {
	return AdapterHarness{
		New: func(t *testing.T) *AdapterSystem {
			clock := NewClock(metaStart)
			a := NewAdapter(&Options{Now: clock.Now})
			a.Inject(Fault{Op: sync.OpCreate, Err: Rejected("missing name"), Match: func(op sync.Op) bool {
				_, ok := op.Fields["name"]
				return !ok
			}})
			b := &broken{a: a}
			if breakWith != nil {
				breakWith(b)
			}
			return &AdapterSystem{
				Source: b, Sink: b, Reader: b, DataType: "deals",
				Create: func(_ context.Context, f map[string]any) (string, error) { return a.Put("deals", "", f).ID, nil },
				Edit: func(_ context.Context, id string, f map[string]any) error {
					_, err := a.Update("deals", id, f)
					return err
				},
				Delete:  func(_ context.Context, id string) error { return a.Delete("deals", id) },
				Advance: clock.Advance,
			}
		},
		NewFields: func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprint("Deal ", i), "amount": json.Number(fmt.Sprintf("%d.50", 100+i))}
		},
		BadFields:   func(int) map[string]any { return map[string]any{"amount": json.Number("1")} },
		Tombstones:  true,
		SoftDeletes: false,
		KeepsKeys:   true,
		ExactTimes:  true,
	}
}

// withKeys changes the keys of the records Get returns.
func withKeys(f func(rec sync.Record) string) func(b *broken) {
	return func(b *broken) {
		b.get = func(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
			recs, err := b.a.Get(ctx, dt, ids)
			for i := range recs {
				recs[i].Key = f(recs[i])
			}
			return recs, err
		}
	}
}

// runNamed runs one check, "Group/Name", on h.
func runNamed(t *testing.T, h AdapterHarness, name string) error {
	t.Helper()
	c, ok := findCheck(name)
	require.True(t, ok, "no check %q", name)
	require.NoError(t, h.validate())
	return h.runCheck(t, c)
}

// all collects a Source's changes, errors included.
func all(seq iter.Seq2[sync.Change, error]) ([]sync.Change, error) {
	var out []sync.Change
	for ch, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// replay yields chs, then err when it is not nil.
func replay(chs []sync.Change, err error) iter.Seq2[sync.Change, error] {
	return func(yield func(sync.Change, error) bool) {
		for _, ch := range chs {
			if !yield(ch, nil) {
				return
			}
		}
		if err != nil {
			yield(sync.Change{}, err)
		}
	}
}

// withResults passes ops to the Adapter and changes its Results.
func withResults(f func(ops []sync.Op, res []sync.Result) []sync.Result) func(b *broken) {
	return func(b *broken) {
		b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
			res, err := b.a.Write(ctx, dt, ops)
			if err != nil {
				return nil, err
			}
			return f(ops, res), nil
		}
	}
}

// withChanges reads the Adapter's changes whole and changes them.
func withChanges(f func(since sync.Cursor, chs []sync.Change) []sync.Change) func(b *broken) {
	return func(b *broken) {
		b.changes = func(ctx context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
			chs, err := all(b.a.Changes(ctx, dt, since))
			return replay(f(since, chs), err)
		}
	}
}

func TestContractCatchesBrokenAdapters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string // what is broken
		check     string
		breakWith func(b *broken)
		rule      string
	}{
		{"creates ignore Op.Key", "Sink/IdempotentAcrossCalls", func(b *broken) {
			b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
				ops = slices.Clone(ops)
				for i := range ops {
					ops[i].Key = ""
				}
				return b.a.Write(ctx, dt, ops)
			}
		}, ruleIdempotent},
		{"creates ignore Op.Key within a batch", "Sink/IdempotentInOneCall", func(b *broken) {
			b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
				var res []sync.Result
				for _, op := range ops { // each op alone, the first with its key
					if len(res) > 0 {
						op.Key += "-again"
					}
					r, err := b.a.Write(ctx, dt, []sync.Op{op})
					if err != nil {
						return nil, err
					}
					res = append(res, r...)
				}
				return res, nil
			}
		}, ruleIdempotent},
		{"a duplicate hidden behind the first ID", "Sink/IdempotentAcrossCalls", func(b *broken) {
			b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
				ops = slices.Clone(ops)
				for i := range ops {
					ops[i].Key = ""
				}
				res, err := b.a.Write(ctx, dt, ops)
				for i := range res {
					res[i].ID = "id-1"
				}
				return res, err
			}
		}, ruleIdempotent},
		{"results out of order", "Sink/ResultsInOrder", withResults(func(_ []sync.Op, res []sync.Result) []sync.Result {
			slices.Reverse(res)
			return res
		}), ruleOrder},
		{"a Result too few", "Sink/Create", withResults(func(_ []sync.Op, res []sync.Result) []sync.Result {
			return res[:len(res)-1]
		}), "Sink: Write must return one Result per op"},
		{"an update's Result names another record", "Sink/ResultsInOrder", withResults(func(ops []sync.Op, res []sync.Result) []sync.Result {
			for i, op := range ops {
				if op.Kind == sync.OpUpdate {
					res[i].ID = "id-1"
				}
			}
			return res
		}), ruleResultNames},
		{"a create without its ID", "Sink/Create", withResults(func(_ []sync.Op, res []sync.Result) []sync.Result {
			res[0].ID = ""
			return res
		}), ruleCreateID},
		{"a wrong Result.Modified", "Sink/Create", withResults(func(_ []sync.Op, res []sync.Result) []sync.Result {
			res[0].Modified = res[0].Modified.Add(time.Hour)
			return res
		}), ruleResultTime},
		{"updates replace the record", "Sink/UpdateOnlyGivenFields", func(b *broken) {
			b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
				for _, op := range ops {
					if op.Kind == sync.OpUpdate {
						b.a.Put(dt, op.ID, nil)
					}
				}
				return b.a.Write(ctx, dt, ops)
			}
		}, ruleUpdateOnly},
		{"deleting again fails", "Sink/DeleteRepeatable", func(b *broken) {
			b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
				res, err := b.a.Write(ctx, dt, ops)
				for i, op := range ops {
					if err == nil && op.Kind == sync.OpDelete && res[i].Modified.IsZero() {
						res[i].Err = Rejected("no such record")
					}
				}
				return res, err
			}
		}, ruleDeleteAgain},
		{"a refused op fails the batch", "Sink/PerOpFailure", func(b *broken) {
			b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
				res, err := b.a.Write(ctx, dt, ops)
				for _, r := range res {
					if r.Err != nil {
						return nil, r.Err
					}
				}
				return res, err
			}
		}, rulePerOp},
		{"a refusal is retryable", "Sink/PerOpFailure", withResults(func(_ []sync.Op, res []sync.Result) []sync.Result {
			for i := range res {
				if res[i].Err != nil {
					res[i].Err = Unavailable()
				}
			}
			return res
		}), ruleRefusedRetry},
		{"Get fails on a missing ID", "Reader/Get", func(b *broken) {
			b.get = func(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
				recs, err := b.a.Get(ctx, dt, ids)
				if err == nil && len(recs) < len(ids) {
					err = errors.New("not found")
				}
				return recs, err
			}
		}, ruleGetMissing},
		{"Get leaves out what exists", "Reader/Get", func(b *broken) {
			b.get = func(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
				recs, err := b.a.Get(ctx, dt, ids)
				if len(recs) > 1 {
					recs = recs[1:]
				}
				return recs, err
			}
		}, ruleGet},
		{"Get's times disagree with the Source", "Reader/Get", func(b *broken) {
			b.get = func(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
				recs, err := b.a.Get(ctx, dt, ids)
				for i := range recs {
					recs[i].Modified = recs[i].Modified.Add(-time.Minute)
				}
				return recs, err
			}
		}, ruleGetTime},
		{"Get returns deleted records as live", "Reader/Deleted", func(b *broken) {
			b.get = func(ctx context.Context, dt string, ids []string) ([]sync.Record, error) {
				chs, err := all(b.a.Changes(ctx, dt, ""))
				var out []sync.Record
				for _, rec := range latest(chs) {
					if slices.Contains(ids, rec.ID) {
						rec.Deleted = false
						out = append(out, rec)
					}
				}
				return out, err
			}
		}, ruleGetDeleted},
		{"a backfill out of time order", "Source/Backfill", withChanges(func(_ sync.Cursor, chs []sync.Change) []sync.Change {
			slices.Reverse(chs)
			return chs
		}), ruleBackfillOrder},
		{"a backfill yields a record twice", "Source/Backfill", withChanges(func(_ sync.Cursor, chs []sync.Change) []sync.Change {
			if len(chs) > 0 {
				chs = append(chs, chs[0])
				chs[len(chs)-1].Record.Modified = chs[len(chs)-2].Record.Modified
			}
			return chs
		}), ruleBackfillOnce},
		{"cursors skip the next change", "Source/Resume", withChanges(func(_ sync.Cursor, chs []sync.Change) []sync.Change {
			for i := range chs {
				if i+1 < len(chs) {
					chs[i].Cursor = chs[i+1].Cursor
				}
			}
			return chs
		}), ruleResume},
		{"cursors re-read from the start", "Source/Resume", func(b *broken) {
			b.changes = func(ctx context.Context, dt string, _ sync.Cursor) iter.Seq2[sync.Change, error] {
				return b.a.Changes(ctx, dt, "")
			}
		}, ruleResume},
		{"a cursor sees nothing new", "Source/ChangeAfterCursor", withChanges(func(since sync.Cursor, chs []sync.Change) []sync.Change {
			if since != "" {
				return nil
			}
			return chs
		}), ruleAfterCursor},
		{"a cursor skips same-instant edits", "Source/SameInstant", func(b *broken) {
			b.changes = func(ctx context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
				if t, tb, ok := sync.ParseTimeCursor(since); ok && tb == "" {
					since = sync.TimeCursor(t, "999999999999") // past every change of the instant
				}
				return b.a.Changes(ctx, dt, since)
			}
		}, ruleSameInstant},
		{"no tombstones", "Source/Tombstones", withChanges(func(_ sync.Cursor, chs []sync.Change) []sync.Change {
			return slices.DeleteFunc(chs, func(ch sync.Change) bool { return ch.Record.Deleted })
		}), ruleTombstones},
		{"yields after the loop broke", "Source/Break", func(b *broken) {
			b.changes = func(ctx context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
				return func(yield func(sync.Change, error) bool) {
					for ch, err := range b.a.Changes(ctx, dt, since) {
						yield(ch, err)
					}
				}
			}
		}, ruleBreak},
		{"the context is ignored", "Source/Cancel", func(b *broken) {
			b.changes = func(_ context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
				return b.a.Changes(context.Background(), dt, since)
			}
		}, ruleCancel},
		{"the context's error is not wrapped", "Source/Cancel", func(b *broken) {
			b.changes = func(ctx context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
				chs, err := all(b.a.Changes(ctx, dt, since))
				if err != nil {
					err = fmt.Errorf("list: %v", err)
				}
				return replay(chs, err)
			}
		}, ruleCancel},
		{"an error then more", "Source/Cancel", func(b *broken) {
			b.changes = func(ctx context.Context, dt string, since sync.Cursor) iter.Seq2[sync.Change, error] {
				return func(yield func(sync.Change, error) bool) {
					if ctx.Err() != nil && yield(sync.Change{}, ctx.Err()) {
						yield(sync.Change{}, ctx.Err())
					}
				}
			}
		}, "Source: Changes must yield an error once and stop"},
		{"the Sink loses a field", "RoundTrip/SinkToReaderAndSource", func(b *broken) {
			b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
				ops = slices.Clone(ops)
				for i := range ops {
					if ops[i].Kind == sync.OpCreate {
						ops[i].Fields = map[string]any{"name": ops[i].Fields["name"]}
					}
				}
				return b.a.Write(ctx, dt, ops)
			}
		}, ruleRoundTripGet},
		{"keys are not read back", "RoundTrip/Keys", withKeys(func(sync.Record) string { return "" }), ruleKeyKept},
		{"keys lost by an update", "RoundTrip/Keys", func(b *broken) {
			b.write = func(ctx context.Context, dt string, ops []sync.Op) ([]sync.Result, error) {
				for _, op := range ops {
					if rec, ok := b.a.Record(dt, op.ID); ok && op.Kind == sync.OpUpdate {
						b.a.PutRecord(dt, sync.Record{ID: rec.ID, Fields: rec.Fields})
					}
				}
				return b.a.Write(ctx, dt, ops)
			}
		}, ruleKeyKept},
		{"another record's key", "RoundTrip/Keys", withKeys(func(rec sync.Record) string {
			if rec.Key == "" {
				return ""
			}
			return sync.IdempotencyKey("synctest", "left", "another")
		}), ruleKeyOwn},
		{"a key on a record the Sink did not create", "RoundTrip/Keys", withKeys(func(rec sync.Record) string {
			return cmp.Or(rec.Key, rec.ID)
		}), ruleKeyNative},
	} {
		t.Run(tc.check+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			err := runNamed(t, metaHarness(tc.breakWith), tc.check)
			var v *violation
			require.ErrorAs(t, err, &v, "the check must report a violation, got %v", err)
			require.Equal(t, tc.rule, v.rule, "the rule named (%v)", err)
			require.Contains(t, err.Error(), tc.rule, "the failure message names the rule")
		})
	}
}
