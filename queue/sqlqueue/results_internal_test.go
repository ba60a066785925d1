package sqlqueue

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zohokit/zohokit/queue"
)

func TestResultsFor(t *testing.T) {
	t.Parallel()
	jobs := func(keys ...string) []newJob {
		out := make([]newJob, len(keys))
		for i, k := range keys {
			out[i] = newJob{kind: "k", key: k}
		}
		return out
	}
	tests := []struct {
		name        string
		jobs        []newJob
		ins         []inserted
		existing    map[string]int64
		want        []queue.EnqueueResult
		wantMissing []string
	}{
		{
			name: "all new, with and without keys",
			jobs: jobs("", "a", ""),
			ins:  []inserted{{10, ""}, {11, "a"}, {12, ""}},
			want: []queue.EnqueueResult{{ID: 10}, {ID: 11}, {ID: 12}},
		},
		{
			name:     "key held by an existing job",
			jobs:     jobs("", "a", "b"),
			ins:      []inserted{{10, ""}, {12, "b"}},
			existing: map[string]int64{"a": 3},
			want:     []queue.EnqueueResult{{ID: 10}, {ID: 3, Duplicate: true}, {ID: 12}},
		},
		{
			name: "key repeated in the call",
			jobs: jobs("a", "", "a"),
			ins:  []inserted{{10, "a"}, {11, ""}},
			want: []queue.EnqueueResult{{ID: 10}, {ID: 11}, {ID: 10, Duplicate: true}},
		},
		{
			name:     "existing key repeated in the call",
			jobs:     jobs("a", "a"),
			existing: map[string]int64{"a": 3},
			want:     []queue.EnqueueResult{{ID: 3, Duplicate: true}, {ID: 3, Duplicate: true}},
		},
		{
			name:        "holder committed after the snapshot",
			jobs:        jobs("a", "", "a"),
			ins:         []inserted{{11, ""}},
			wantMissing: []string{"a", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			existing := tt.existing
			if existing == nil {
				existing = map[string]int64{}
			}
			got, missing := resultsFor(tt.jobs, tt.ins, existing)
			require.Equal(t, tt.wantMissing, missing)
			if len(missing) == 0 {
				require.Equal(t, tt.want, got)
			}
		})
	}
}
