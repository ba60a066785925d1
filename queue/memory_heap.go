package queue

import "container/heap"

// memJob is a job held by Memory, with its place in the one heap it is in.
type memJob struct {
	job Job
	h   *jobHeap // the heap holding the job; nil when in none (dead)
	idx int      // index in h
}

// jobHeap is a min-heap of jobs in the order given by less. Each job knows
// its index so that it can be removed or fixed in O(log n).
type jobHeap struct {
	items []*memJob
	less  func(a, b *Job) bool
}

func newJobHeap(less func(a, b *Job) bool) *jobHeap { return &jobHeap{less: less} }

// byRunAt is the claim order: oldest RunAt first, then lowest ID.
func byRunAt(a, b *Job) bool {
	if !a.RunAt.Equal(b.RunAt) {
		return a.RunAt.Before(b.RunAt)
	}
	return a.ID < b.ID
}

// byLeaseUntil orders running jobs by the end of their lease.
func byLeaseUntil(a, b *Job) bool {
	if !a.LeaseUntil.Equal(b.LeaseUntil) {
		return a.LeaseUntil.Before(b.LeaseUntil)
	}
	return a.ID < b.ID
}

// byUpdatedAt orders completed jobs by completion time, for retention.
func byUpdatedAt(a, b *Job) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.Before(b.UpdatedAt)
	}
	return a.ID < b.ID
}

func (h *jobHeap) Len() int           { return len(h.items) }
func (h *jobHeap) Less(i, j int) bool { return h.less(&h.items[i].job, &h.items[j].job) }
func (h *jobHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].idx = i
	h.items[j].idx = j
}

// Push and Pop are for container/heap; use add and remove instead.
func (h *jobHeap) Push(x any) {
	mj := x.(*memJob)
	mj.h, mj.idx = h, len(h.items)
	h.items = append(h.items, mj)
}

func (h *jobHeap) Pop() any {
	n := len(h.items) - 1
	mj := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	mj.h, mj.idx = nil, -1
	return mj
}

// top returns the first job in order, or nil when the heap is empty.
func (h *jobHeap) top() *memJob {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *jobHeap) add(mj *memJob) { heap.Push(h, mj) }

// remove takes mj out of whichever heap holds it.
func remove(mj *memJob) {
	if mj.h != nil {
		heap.Remove(mj.h, mj.idx)
	}
}

// fix restores the order after mj's key changed.
func fix(mj *memJob) {
	if mj.h != nil {
		heap.Fix(mj.h, mj.idx)
	}
}
