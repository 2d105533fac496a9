// Package logs owns everything Supervisor writes to disk about output: the
// rotating log files of child processes and of the daemon itself, capture
// mode, syslog copies, AUTO log file names, and reading or tailing a log
// with Supervisor's offset rules.
//
// The API the engine uses is small:
//
//   - OpenRotating returns a RotatingFile: Supervisor's size-based rotation
//     (maxbytes, backups), Reopen for SIGUSR2, Clear for clearProcessLogs.
//   - NewChannel returns the Channel of one output stream of one process
//     (stdout or stderr). Pump reads the pipe into it until end of file and
//     then flushes it. The Channel writes the log file and the syslog copy,
//     keeps the capture buffer, and calls ChannelConfig.OnLog (the data of
//     PROCESS_LOG_*), OnCapture (the data of PROCESS_COMMUNICATION_*) and
//     Debug (the main-log copy; DebugCopy builds it) with the bytes the
//     child wrote, ANSI-stripped when asked. DecodeText turns those bytes
//     into payload text ("Undecodable: b'...'" for invalid UTF-8).
//   - CreateAutoLog and CleanupAutoLogs handle AUTO log names in childlogdir.
//   - ReadFile and TailFile implement readLog/readProcess*Log and
//     tailProcess*Log.
//   - OpenMainLog returns the daemon's activity log; MainLog.Handler is a
//     log/slog.Handler writing "YYYY-MM-DD HH:MM:SS,mmm LEVEL message".
//     LevelCritical, LevelTrace and LevelBlather extend slog's levels, and
//     SlogLevel maps a config.Level to them.
//
// A typical spawn: ch := NewChannel(cfg) once per process stream (or per
// spawn), then go Pump(pipe, ch) for each spawn; Pump returns at end of
// file, after a Flush that also resets capture mode, so the same Channel
// serves the next spawn. Reopen, Clear and Close may be called from any
// goroutine meanwhile. The main log accepts any number of concurrent
// writers and never makes them wait for the disk.
//
// Where we differ from Supervisor 4.2.5, on purpose:
//
//   - Outside capture mode, a channel with capture enabled holds back only
//     a tail that could begin a marker; Supervisor holds back any buffered
//     output up to the marker length (24 bytes), which delays short lines
//     and loses them at exit. Flush (called by Pump at end of file) writes
//     what is still held. Log file contents and captured data are the same
//     as Supervisor's (testdata/capture_cases*.json); only the grouping of
//     short chunks into PROCESS_LOG events and debug copies can differ.
//   - A log file that is not a regular file (/dev/stdout, a FIFO) is never
//     rotated, where Supervisor fails with "Illegal seek". A failed
//     rotation keeps appending to the base file instead of losing output.
//   - CleanupAutoLogs quotes the identifier in its regexp.
//   - Syslog lines carry Go's "tag[pid]:" header, and invalid UTF-8 output
//     is sent to syslog as is (Supervisor sends nothing).
package logs
