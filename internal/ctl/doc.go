// Package ctl owns supvisorsctl, the command-line client: its options and
// [supervisorctl] configuration, the command table (supervisorctl's default
// commands plus plugins such as the Supvisors commands), the one-shot mode
// with supervisorctl's exact output and exit statuses, the interactive
// shell (history, completion, credential prompts) and the log streaming of
// tail -f, maintail -f and fg.
//
// The behaviour reproduced is Debian's supervisorctl 4.2.5: the tests run
// both clients against the same daemon and compare what they print.
package ctl
