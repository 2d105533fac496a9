// Package clusterbench owns the cluster benchmarks of supvisors-go and the
// launcher they are built on: it starts N supvisord instances declared in
// one [rpcinterface:supvisors] list, watches them through the supvisors.*
// XML-RPC API, and measures:
//
//   - how long the cluster takes to reach OPERATION, how long it takes to
//     agree on a new Master after the Master is killed, and what each idle
//     instance costs in CPU and memory (Run);
//   - how long a managed application takes to start, sequence by
//     sequence, against the sum of the largest startsecs of its sequences
//     (RunAppStart);
//   - how long a RESTART_PROCESS program takes to run again elsewhere when
//     its instance, a Slave or the Master, is killed, against the bound
//     that the ticks, inactivity_ticks and startsecs give (RunLoss).
//
// Main is the command line of the last two (supvisors-bench -cluster-app,
// -cluster-loss).
//
// The launcher (Node, Cluster) is also what the end-to-end cluster tests in
// e2e/cluster drive, so the benchmarks and the tests exercise the daemon in
// exactly the same way. Every process a launcher starts carries a marker in
// its environment (MarkerEnv) which its children inherit, so that a caller
// can prove that nothing outlived a run (Leftovers), and tell each program
// process by its instance, its program name and its parent.
package clusterbench
