package daemon

import (
	"fmt"
	"io"
)

// usageText follows the structure of supervisord's help (a title line, a
// Usage line with the program name, one line per option) in our own words.
const usageText = `supvisord -- start and watch a set of programs as daemons.

Usage: %s [options]

Options:
-c/--configuration FILENAME -- the configuration file (searched for when omitted)
-n/--nodaemon -- stay in the foreground (like 'nodaemon=true' in the config file)
-s/--silent -- do not echo the log to stdout (like 'silent=true' in the config file)
-h/--help -- show this help and exit
-v/--version -- show the supervisord version this daemon is compatible with and exit
-u/--user USER -- switch to this user (name or numeric uid) at startup
-m/--umask UMASK -- umask applied once daemonized (default 022)
-d/--directory DIRECTORY -- directory to move to once daemonized
-l/--logfile FILENAME -- path of the main log file
-y/--logfile_maxbytes BYTES -- size at which the main log file is rotated
-z/--logfile_backups NUM -- how many rotated main log files are kept
-e/--loglevel LEVEL -- main log level (critical,error,warn,info,debug,trace,blather)
-j/--pidfile FILENAME -- file where the daemon writes its pid
-i/--identifier STR -- name that identifies this supervisord instance
-q/--childlogdir DIRECTORY -- directory of the AUTO child log files
-k/--nocleanup -- keep the old AUTO child log files at startup
-a/--minfds NUM -- file descriptors that must be available to start
-t/--strip_ansi -- remove ANSI escape sequences from the output of children
--minprocs NUM -- processes that must be available to start
--profile_options OPTIONS -- accepted for compatibility; profiling is not done
--die_with_daemon -- (extension) children are killed if the daemon itself dies
`

func writeUsage(w io.Writer, progname string) {
	fmt.Fprintf(w, usageText, progname)
}
