// Package commander owns the Supvisors Starter and Stopper: the jobs that
// start and stop applications and processes across the cluster, the
// placement of each start by a starting strategy and a distribution rule,
// the start and stop sequences, their time-outs counted in ticks of the
// target instance, and the starting failure strategies. It also owns the
// running failure handler (what a crash or the loss of an instance does
// to an application) and the conciliation strategies that end conflicts.
//
// The Commander is pure, like package fsm: no goroutine, no I/O, no
// clock. It reads the merged model (package model) and the instances
// (Cluster) through small interfaces, and is driven by the cluster driver
// on its own goroutine:
//
//   - requests (StartApplication, StopProcess, StartDistribution,
//     StopApplications, ...), which the supvisors.* methods and the state
//     machine make;
//   - ProcessEvent, once the model has applied a process event;
//   - Check, before every evaluation of the state machine (the local
//     tick), which detects the time-outs;
//   - InstancesLost and Abort, which the state machine asks for;
//   - on the Master only: ProcessFailure after each process event,
//     Redistribute with the lost processes that InstancesLost returned
//     (fsm.LostJobs with Redistribute), and Conciliate (fsm.Conciliate,
//     and supvisors.conciliate on any instance).
//
// Each call may queue actions, which the driver takes with Ready and
// carries out in order: StartProcess (supvisors.start_args on the target),
// StopProcess (supervisor.stopProcess on the target), ForceState (publish
// a forced state to every instance), JobsChanged (the starting_jobs /
// stopping_jobs flags), Assigned (a '@' or '#' resolved), and Finished
// (the end of a request made with wait, with its result). A crash whose
// running failure strategy is RESTART or SHUTDOWN gives SupvisorsRestart
// or SupvisorsShutdown, which the driver turns into the state machine's
// RestartRequest or ShutdownRequest.
//
// Running failure jobs that find their application busy in the Starter
// or the Stopper wait; Check carries them out once it is free.
//
// The dry runs of test_start_application and test_start_process run the
// same planning on a copy of the affected processes, answering every
// start with simulated STARTING and RUNNING events.
package commander
