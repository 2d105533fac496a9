#!/usr/bin/env bash
# Side-by-side XML-RPC throughput with wrk as the load generator, so that the
# client costs next to nothing and what is measured is the daemon's server.
#
#   scripts/rpc-wrk.sh [OUR_DAEMON] [REFERENCE_DAEMON] [REPS]
#
# Both daemons get the same generated configuration (100 programs running
# `sleep`, an inet_http_server on 127.0.0.1), then, alternating A B A B...,
# wrk runs getAllProcessInfo with 8 connections for 5 s and getState with 1
# connection for 3 s. Prints one line per run and leaves nothing running.
#
# When the harness binary is there ($BENCH, default bin/supvisors-bench), F
# is its "httpfloor" helper: a net/http server that answers every request
# with a fixed getState response and does nothing else. Its getState rate is
# the most any XML-RPC server built on net/http can reach on this machine.
set -euo pipefail

ours=${1:-bin/supvisord}
ref=${2:-$(command -v supervisord)}
reps=${3:-3}
bench=${BENCH:-bin/supvisors-bench}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

dir=$(mktemp -d /tmp/rpc-wrk.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT

body() {
	printf "<?xml version='1.0'?>\\\\n<methodCall>\\\\n<methodName>%s</methodName>\\\\n<params>\\\\n</params>\\\\n</methodCall>\\\\n" "$1"
}
for m in getAllProcessInfo getState; do
	cat >"$dir/$m.lua" <<EOF
wrk.method = "POST"
wrk.body = "$(body supervisor.$m)"
wrk.headers["Content-Type"] = "text/xml"
EOF
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start() { # name binary -> sets port, appends pid
	local name=$1 bin=$2
	port=$(free_port)
	mkdir -p "$dir/$name"
	{
		printf '[supervisord]\nlogfile=%s/sd.log\npidfile=%s/sd.pid\nchildlogdir=%s\n\n' "$dir/$name" "$dir/$name" "$dir/$name"
		printf '[inet_http_server]\nport=127.0.0.1:%s\n\n' "$port"
		printf '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n'
		for i in $(seq -w 1 100); do printf '[program:p%s]\ncommand=sleep 1000\nstartsecs=0\n\n' "$i"; done
	} >"$dir/$name/s.conf"
	"$bin" -n -c "$dir/$name/s.conf" >/dev/null 2>&1 &
	pids+=($!)
	for _ in $(seq 300); do
		if python3 - "$port" <<'EOF' 2>/dev/null; then return 0; fi
import sys, xmlrpc.client
infos = xmlrpc.client.ServerProxy("http://127.0.0.1:%s/RPC2" % sys.argv[1]).supervisor.getAllProcessInfo()
sys.exit(0 if len(infos) == 100 and all(i["statename"] == "RUNNING" for i in infos) else 1)
EOF
		sleep 0.1
	done
	echo "$name did not get its 100 programs RUNNING" >&2
	exit 1
}

start A "$ours"; portA=$port
start B "$ref"; portB=$port
floor() { # [body file] -> sets port, appends pid
	port=$(free_port)
	"$bench" __bench-helper httpfloor -addr "127.0.0.1:$port" "$@" >/dev/null 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do
		python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "the floor server did not start" >&2
	exit 1
}
portFS= portFA=
if [ -x "$bench" ]; then
	floor; portFS=$port
	# A's own getAllProcessInfo answer, served as is by the floor.
	python3 - "http://127.0.0.1:$portA/RPC2" >"$dir/all.xml" <<'EOF'
import sys, urllib.request
call = b"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n</methodCall>\n"
req = urllib.request.Request(sys.argv[1], data=call, headers={"Content-Type": "text/xml"})
sys.stdout.buffer.write(urllib.request.urlopen(req).read())
EOF
	floor -body "$dir/all.xml"; portFA=$port
fi

run() { # label port script conns secs
	wrk -t"$(($4 < 2 ? 1 : 2))" -c"$4" -d"$5"s -s "$dir/$3.lua" --latency "http://127.0.0.1:$2/RPC2" |
		awk -v l="$1" -v m="$3" -v c="$4" '
			/Requests\/sec/ {rps=$2} / 50% / {p50=$2} / 99% / {p99=$2} /Non-2xx/ {bad=$0}
			END {printf "%s %-18s conns=%d calls/s=%s p50=%s p99=%s %s\n", l, m, c, rps, p50, p99, bad}'
}
for rep in $(seq "$reps"); do
	run A "$portA" getAllProcessInfo 8 5
	run B "$portB" getAllProcessInfo 8 5
	if [ -n "$portFA" ]; then run F "$portFA" getAllProcessInfo 8 5; fi
done
for rep in $(seq "$reps"); do
	run A "$portA" getState 1 3
	run B "$portB" getState 1 3
	if [ -n "$portFS" ]; then run F "$portFS" getState 1 3; fi
done
