// Package bench measures zohokit's PostgreSQL queue against River
// (github.com/riverqueue/river) under the same workload, on the same
// throwaway PostgreSQL, in one `go test -bench` run, so that the ratio is
// measured rather than quoted:
//
//	cd bench && go test -run '^$' -bench . -benchtime 20000x
//
// It is a module of its own so that River never becomes a dependency of
// zohokit; a replace directive points it at the zohokit checkout beside it.
package bench
