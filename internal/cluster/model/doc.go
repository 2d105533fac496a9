// Package model owns the cluster-wide view of applications and processes
// that Supvisors builds from what every instance reports: one record per
// (process, instance) as that instance describes it, merged into one
// synthesized state per process, the conflicts (a managed process running
// in several places), the states forced by the commanders, the crash
// history, and per application its state (STOPPED, STARTING, RUNNING,
// STOPPING) and operational status (major and minor failure, from the
// status formula or from the required flags).
//
// The model is pure: no goroutines, no clock, no I/O. The peer driver owns
// one Model in its goroutine and feeds it what arrives: a peer's process
// list (handshake ALL_INFO, PROCESS_ADDED), PROCESS, PROCESS_REMOVED and
// PROCESS_DISABILITY publications, forced states, ticks and lost instances,
// each with the local monotonic time of reception passed in as a value.
// The driver only feeds events of instances that Supvisors accepts them
// from (CHECKED or RUNNING, CHECKING for ALL_INFO); the model does not
// know instance states.
//
// The supvisors.* status getters read it back (ApplicationInfo,
// ProcessInfo, InnerProcessInfo, the rules and the conflicts), as typed
// values whose XMLRPC methods give Supvisors' structures with their
// members in Supvisors' order. A getter that reports now_monotonic takes
// it as a parameter.
//
// The rules files are read elsewhere: the model asks its Rules for the
// rules of an application or a program the first time it sees it.
package model
