// Package supervisor is the engine: it owns the process table (the active
// groups and their processes), drives each process's state machine with real
// time and real children, orders startup and shutdown by priority, wires
// child output into log channels, emits events on the bus and to the
// [eventlistener:x] pools (buffers, dispatch to READY listeners, the
// listener protocol on their stdout; see listeners.go), and implements the
// supervisor.* methods as plain Go methods that return errdefs kinds. It
// also carries what Supvisors changes in Supervisor's core: programs
// disabled and enabled, autorestart forced off (disable.go), numprocs
// changed at run time (numprocs.go), and extra start arguments
// (startargs.go).
//
// Concurrency: one goroutine, the one running Run, owns the table. Every
// method sends it a request and waits for the answer; a method asked to wait
// for a start or a stop does its waiting on the caller's goroutine, so the
// loop and other callers are never held up. Readers of process information
// (ProcessInfo, AllProcessInfo) read an immutable snapshot that the loop
// publishes through an atomic pointer after every change.
package supervisor
