package synctest

import (
	"github.com/zohokit/zohokit/sync"
)

var sinkChecks = []check{
	{"Create", partSink, checkCreate},
	{"ResultsInOrder", partSink, checkResultsInOrder},
	{"IdempotentAcrossCalls", partSink, checkIdempotentAcrossCalls},
	{"IdempotentInOneCall", partSink, checkIdempotentInOneCall},
	{"UpdateOnlyGivenFields", partSink, checkUpdateOnlyGiven},
	{"DeleteRepeatable", partSink, checkDeleteRepeatable},
	{"PerOpFailure", partSink, checkPerOpFailure},
}

// Rules of the Sink, as failures name them.
const (
	ruleCreateID      = "Sink: a create's Result must give the new record's ID"
	ruleCreateWrites  = "Sink: a create must write the record with its fields"
	ruleResultTime    = "Sink: Result.Modified, when given, must be the record's modification time after the write"
	ruleOrder         = "Sink: Write must return the Results in the order of the ops"
	ruleResultNames   = "Sink: the Result of an update or delete must name the op's record"
	ruleIdempotent    = "Sink: the same Op.Key written twice created two records"
	ruleDistinctKeys  = "Sink: creates with different Op.Keys must make different records"
	ruleUpdateOnly    = "Sink: an update must change only the fields it gives"
	ruleUpdateApplies = "Sink: an update must write its fields"
	ruleDelete        = "Sink: deleting a record must succeed"
	ruleDeleteAgain   = "Sink: deleting a record that is gone must succeed (deletes may be repeated)"
	ruleDeleteGone    = "Sink: a deleted record must be gone (left out by Get, or a tombstone)"
	ruleNoDelete      = "Sink: a Sink that cannot delete (NoDeleteOps) must fail a delete in its Result"
	rulePerOp         = "Sink: a refused op must fail alone, in its own Result"
	ruleRefusedRetry  = "Sink: a refused op's error must not be retryable"
)

// checkCreate: a create returns the new ID, and the record holds its
// fields and the Result's modification time.
func checkCreate(r *checkRun) error {
	fields := r.fields()
	res, err := r.write(sync.Op{Kind: sync.OpCreate, Key: r.key(), Fields: fields})
	if err != nil {
		return err
	}
	if res[0].Err != nil {
		return violated("Sink: a valid create must succeed", "%v (fields %v)", res[0].Err, fields)
	}
	if res[0].ID == "" {
		return violated(ruleCreateID, "the ID is empty")
	}
	return r.requireWritten(ruleCreateWrites, res[0], fields)
}

// requireWritten reads back the record res names and checks it holds
// fields and res.Modified.
func (r *checkRun) requireWritten(rule string, res sync.Result, fields map[string]any) error {
	if !r.canReadBack() {
		return nil
	}
	got, err := r.readBack(res.ID)
	if err != nil {
		return err
	}
	rec, ok := got[res.ID]
	if !ok || rec.Deleted {
		return violated(rule, "record %s, which the Result names, is not found by %s", res.ID, r.readBackWith())
	}
	if d := r.diffFields(fields, rec.Fields); d != "" {
		return violated(rule, "record %s as read back by %s: %s", res.ID, r.readBackWith(), d)
	}
	if !res.Modified.IsZero() && !rec.Modified.IsZero() && !r.sameTime(res.Modified, rec.Modified) {
		return violated(ruleResultTime, "record %s: the Result says %s, %s says %s", res.ID,
			show(res.Modified), r.readBackWith(), show(rec.Modified))
	}
	return nil
}

// checkResultsInOrder: every Result answers its own op, in creates and in a
// batch of mixed kinds.
func checkResultsInOrder(r *checkRun) error {
	creates := make([]sync.Op, 3)
	for i := range creates {
		creates[i] = sync.Op{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()}
	}
	res, err := r.write(creates...)
	if err != nil {
		return err
	}
	ids := map[string]int{}
	for i, x := range res {
		if x.Err != nil {
			return violated("Sink: a valid create must succeed", "op %d: %v", i, x.Err)
		}
		if x.ID == "" {
			return violated(ruleCreateID, "op %d: the ID is empty", i)
		}
		if j, dup := ids[x.ID]; dup {
			return violated(ruleDistinctKeys, "ops %d and %d both name record %s", j, i, x.ID)
		}
		ids[x.ID] = i
	}
	if r.canReadBack() {
		got, err := r.readBack(res[0].ID, res[1].ID, res[2].ID)
		if err != nil {
			return err
		}
		for i, x := range res {
			rec, ok := got[x.ID]
			if !ok {
				return violated(ruleCreateWrites, "record %s (op %d) is not found by %s", x.ID, i, r.readBackWith())
			}
			if d := r.diffFields(creates[i].Fields, rec.Fields); d != "" {
				for j := range creates {
					if j != i && r.diffFields(creates[j].Fields, rec.Fields) == "" {
						return violated(ruleOrder, "the Result of op %d names record %s, which holds the fields of op %d", i, x.ID, j)
					}
				}
				return violated(ruleCreateWrites, "record %s (op %d): %s", x.ID, i, d)
			}
		}
	}

	// A batch of every kind: each Result names its op's record.
	field, value := r.updateField()
	mixed := []sync.Op{
		{Kind: sync.OpUpdate, ID: res[1].ID, Fields: map[string]any{field: value}},
		{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()},
	}
	if !r.h.NoDeleteOps {
		mixed = append(mixed, sync.Op{Kind: sync.OpDelete, ID: res[0].ID})
	}
	_, value2 := r.updateField()
	mixed = append(mixed, sync.Op{Kind: sync.OpUpdate, ID: res[2].ID, Fields: map[string]any{field: value2}})
	out, err := r.write(mixed...)
	if err != nil {
		return err
	}
	for i, op := range mixed {
		x := out[i]
		if x.Err != nil {
			return violated("Sink: a valid "+string(op.Kind)+" must succeed", "op %d of a mixed batch: %v", i, x.Err)
		}
		_, old := ids[x.ID]
		switch {
		case op.Kind == sync.OpCreate && (x.ID == "" || old):
			return violated(ruleOrder, "the Result of op %d (a create) names %q, not a new record", i, x.ID)
		case op.Kind != sync.OpCreate && x.ID != op.ID:
			return violated(ruleResultNames, "op %d (%s of %s) has a Result naming %q", i, op.Kind, op.ID, x.ID)
		}
	}
	for i, op := range mixed {
		switch op.Kind {
		case sync.OpCreate:
			err = r.requireWritten(ruleCreateWrites, out[i], op.Fields)
		case sync.OpUpdate:
			err = r.requireWritten(ruleUpdateApplies, out[i], op.Fields)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkIdempotentAcrossCalls: a create written again in a later call (a
// retry after a crash) finds the record the first one made.
func checkIdempotentAcrossCalls(r *checkRun) error {
	op := sync.Op{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()}
	var results []sync.Result
	for range 2 {
		res, err := r.write(op)
		if err != nil {
			return err
		}
		results = append(results, res[0])
	}
	return r.requireOneRecord(op, results, "in two calls")
}

// checkIdempotentInOneCall: a create repeated within one batch makes one
// record too.
func checkIdempotentInOneCall(r *checkRun) error {
	op := sync.Op{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()}
	res, err := r.write(op, op)
	if err != nil {
		return err
	}
	return r.requireOneRecord(op, res, "twice in one call")
}

// requireOneRecord checks that the results of the same create succeeded,
// name one record, and that the system holds one record of its fields.
func (r *checkRun) requireOneRecord(op sync.Op, results []sync.Result, how string) error {
	for i, x := range results {
		if x.Err != nil {
			return violated("Sink: a create written again with its Op.Key must succeed (writes may be repeated)", "written %s, write %d: %v", how, i+1, x.Err)
		}
	}
	if results[0].ID != results[1].ID {
		return violated(ruleIdempotent, "written %s, the Results name %q and %q", how, results[0].ID, results[1].ID)
	}
	if r.s.Source == nil {
		return nil
	}
	chs, err := r.changes("")
	if err != nil {
		return err
	}
	var same []string
	for id, rec := range latest(chs) {
		if !rec.Deleted && r.diffFields(op.Fields, rec.Fields) == "" {
			same = append(same, id)
		}
	}
	if len(same) != 1 {
		return violated(ruleIdempotent, "written %s, a backfill finds %d records with its fields: %v", how, len(same), same)
	}
	if same[0] != results[0].ID {
		return violated(ruleCreateID, "the Results name %s, but the record made is %s", results[0].ID, same[0])
	}
	return nil
}

// checkUpdateOnlyGiven: an update sets the fields it gives and keeps the
// others.
func checkUpdateOnlyGiven(r *checkRun) error {
	c, err := r.create(r.fields())
	if err != nil {
		return err
	}
	field, value := r.updateField()
	upd := map[string]any{field: value}
	res, err := r.write(sync.Op{Kind: sync.OpUpdate, ID: c.id, Fields: upd})
	if err != nil {
		return err
	}
	if res[0].Err != nil {
		return violated("Sink: a valid update must succeed", "update %s %v: %v", c.id, upd, res[0].Err)
	}
	if res[0].ID != c.id {
		return violated(ruleResultNames, "the update of %s has a Result naming %q", c.id, res[0].ID)
	}
	if !r.canReadBack() {
		return skip("the harness declares NoReader and NoSource: records cannot be read back")
	}
	got, err := r.readBack(c.id)
	if err != nil {
		return err
	}
	rec, ok := got[c.id]
	if !ok || rec.Deleted {
		return violated(ruleUpdateApplies, "record %s is not found by %s after its update", c.id, r.readBackWith())
	}
	if d := r.diffFields(upd, rec.Fields); d != "" {
		return violated(ruleUpdateApplies, "record %s: %s", c.id, d)
	}
	kept := merged(c.fields, nil)
	delete(kept, field)
	if d := r.diffFields(kept, rec.Fields); d != "" {
		return violated(ruleUpdateOnly, "updating %s of record %s changed other fields: %s", field, c.id, d)
	}
	if !res[0].Modified.IsZero() && !rec.Modified.IsZero() && !r.sameTime(res[0].Modified, rec.Modified) {
		return violated(ruleResultTime, "record %s: the update's Result says %s, %s says %s", c.id, show(res[0].Modified), r.readBackWith(), show(rec.Modified))
	}
	return nil
}

// checkDeleteRepeatable: a delete succeeds, and so does deleting again, in
// a later call and twice in one call. A Sink that cannot delete must say so
// in the op's Result.
func checkDeleteRepeatable(r *checkRun) error {
	c, err := r.create(r.fields())
	if err != nil {
		return err
	}
	del := sync.Op{Kind: sync.OpDelete, ID: c.id}
	if r.h.NoDeleteOps {
		res, err := r.write(del)
		if err != nil {
			return err
		}
		if res[0].Err == nil {
			return violated(ruleNoDelete, "the delete of %s succeeded", c.id)
		}
		return nil
	}
	for _, call := range []struct {
		rule string
		ops  []sync.Op
	}{{ruleDelete, []sync.Op{del}}, {ruleDeleteAgain, []sync.Op{del}}, {ruleDeleteAgain, []sync.Op{del, del}}} {
		res, err := r.write(call.ops...)
		if err != nil {
			return err
		}
		for i, x := range res {
			if x.Err != nil {
				return violated(call.rule, "delete %s (op %d of %d): %v", c.id, i+1, len(res), x.Err)
			}
			if x.ID != c.id {
				return violated(ruleResultNames, "the delete of %s has a Result naming %q", c.id, x.ID)
			}
		}
	}
	if r.s.Reader == nil {
		return nil
	}
	recs, err := r.get(c.id)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.ID == c.id && !rec.Deleted {
			return violated(ruleDeleteGone, "Get returns record %s, deleted, as live", c.id)
		}
	}
	return nil
}

// checkPerOpFailure: a record the system refuses fails in its Result, not
// retryably, and the ops around it are written.
func checkPerOpFailure(r *checkRun) error {
	if r.h.BadFields == nil {
		return skip("the harness gives no BadFields: the suite cannot make the system refuse a record")
	}
	ops := []sync.Op{
		{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()},
		{Kind: sync.OpCreate, Key: r.key(), Fields: r.h.BadFields(r.next)},
		{Kind: sync.OpCreate, Key: r.key(), Fields: r.fields()},
	}
	res, err := r.s.Sink.Write(r.ctx, r.dt, ops)
	if err != nil {
		return violated(rulePerOp, "Write failed the whole batch: %v", err)
	}
	if len(res) != len(ops) {
		return violated("Sink: Write must return one Result per op", "%d Results for %d ops", len(res), len(ops))
	}
	if res[1].Err == nil {
		return harnessError("the system accepted BadFields %v (Result %+v)", ops[1].Fields, res[1])
	}
	if sync.IsRetryable(res[1].Err) {
		return violated(ruleRefusedRetry, "%v", res[1].Err)
	}
	for _, i := range []int{0, 2} {
		if res[i].Err != nil {
			return violated(rulePerOp, "op %d, valid, failed beside the refused op 1: %v", i, res[i].Err)
		}
		if err := r.requireWritten(ruleCreateWrites, res[i], ops[i].Fields); err != nil {
			return err
		}
	}
	return nil
}
