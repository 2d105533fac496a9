// Package cluster holds the end-to-end tests of the Supvisors cluster layer:
// several real supvisord instances declared in one supvisors_list, on
// 127.0.0.1 with distinct ports or in network namespaces of their own, are
// driven and observed only through the supvisors.* XML-RPC API.
//
// The scenarios follow the cluster's life: reaching OPERATION with one
// agreed Master, losing the Master and electing another, an instance
// rejoining, strategies that differ and isolate, a cluster-wide shutdown,
// and network partitions cut and healed with iproute2 (which needs root;
// under CI=true a missing tool or privilege fails the run instead of
// skipping). Each scenario lasts tens of seconds of real 5-second ticks, so
// independent scenarios run in parallel.
//
// The daemon under test is built from ./cmd/supvisord unless -daemon=PATH
// or $SUPVISORS_TEST_DAEMON names one.
package cluster
