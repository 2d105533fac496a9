// Package bench owns supvisors-bench: side-by-side benchmarks of two
// supervisord-compatible daemons (ours and Debian's supervisord 4.2.5, or any
// two binaries) driven only through XML-RPC on 127.0.0.1.
//
// Each scenario writes one generated configuration, starts a daemon with it,
// measures what it is about (start-up time, RSS, idle CPU, stop-all time,
// RPC throughput and latency, log capture throughput, restart churn) and
// shuts the daemon down again. Targets A and B alternate (A B A B ...) so that
// drift on a shared machine hits both alike; the report gives median, min and
// max of each metric per target and the ratio of the medians. Some scenarios
// also measure a baseline without any daemon (a bare fork/exec loop, the
// same with the AUTO log files and pipes any supervisor must create, a bare
// kill-and-reap loop, a direct write to a file, a plain pipe relay) to show
// the physical limit. The "httpfloor" helper is the same for the XML-RPC
// server: a net/http server that does no work, for scripts/rpc-wrk.sh.
//
// Daemon CPU and RSS come from /proc/<pid>/stat and /proc/<pid>/status of the
// daemon process alone, never its children. Every loop is bounded by a
// context deadline, and every child the harness sees is killed at the end,
// even when a daemon misbehaves.
//
// The same executable also serves as the helper programs the scenarios run
// under the daemons (see RunHelper), so no tool beyond sh and sleep is needed.
package bench
