// Package clusterbench owns the cluster benchmark of supvisors-go and the
// launcher it is built on: it starts N supvisord instances declared in one
// [rpcinterface:supvisors] list, watches them through the supvisors.*
// XML-RPC API, and measures how long the cluster takes to reach OPERATION,
// how long it takes to agree on a new Master after the Master is killed,
// and what each idle instance costs in CPU and memory.
//
// The launcher (Node, Cluster) is also what the end-to-end cluster tests in
// e2e/cluster drive, so the benchmark and the tests exercise the daemon in
// exactly the same way. Every process a launcher starts carries a marker in
// its environment (MarkerEnv) which its children inherit, so that a caller
// can prove that nothing outlived a run (Leftovers).
package clusterbench
