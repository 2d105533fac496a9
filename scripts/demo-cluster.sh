#!/bin/sh
# demo-cluster.sh DAEMON CTL: runs the three instances of
# docs/examples/cluster/ on 127.0.0.1 (ports 61001-61003) in the foreground
# and stops them all on Ctrl-C.
set -eu
daemon=${1:-bin/supvisord}
ctl=${2:-bin/supvisorsctl}
dir=/tmp/supvisors-demo-cluster
mkdir -p "$dir"
pids=""
stop() {
	trap - INT TERM EXIT
	for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in $pids; do wait "$pid" 2>/dev/null || true; done
}
trap stop INT TERM EXIT
for name in a b c; do
	"$daemon" -n -c "docs/examples/cluster/$name.conf" >"$dir/$name.console" 2>&1 &
	pids="$pids $!"
done
cat <<MSG
demo: three instances (A 127.0.0.1:61001, B :61002, C :61003), logs in $dir.
They check each other on every 5-second tick and reach OPERATION in about 30 s. Watch with:
  $ctl -s http://127.0.0.1:61001 sstate
  $ctl -s http://127.0.0.1:61001 instance_status
  $ctl -s http://127.0.0.1:61002 master
  $ctl -s http://127.0.0.1:61003 status
Kill one (kill -9 on a pid from 'pgrep -f cluster/b.conf') and watch the others see it FAILED, then STOPPED.
Ctrl-C stops the demo.
MSG
while :; do
	alive=0
	for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
	[ "$alive" = 1 ] || break
	sleep 1
done
