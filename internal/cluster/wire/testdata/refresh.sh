#!/bin/sh
# Copies the captured Supvisors 0.19 traffic that the wire tests replay:
# the decoded text dump of a 3-instance startup and failover, a raw
# capture of the same cluster in steady state, and the
# XML-RPC answers of the handshake getters of each instance.
# Usage: testdata/refresh.sh [anchors dir]
set -eu
src=${1:-/work/shared/anchors/supvisors/refs}
here=$(dirname "$0")
cp "$src/wire/startup_failover.txt" "$here/startup_failover.txt"
cp "$src/wire/steady_state.pcap" "$here/steady_state.pcap"
rm -rf "$here/xmlrpc"
for dir in A B C after_failover/xmlrpc/A; do
	out="$here/xmlrpc/$(echo "$dir" | tr '/' '_')"
	mkdir -p "$out"
	for f in "$src/xmlrpc/$dir"/get_*.xml "$src/$dir"/get_*.xml; do
		[ -f "$f" ] || continue
		case $(basename "$f") in
		get_instance_info__* | get_all_instances_info.xml | get_network_info__* | \
			get_strategies.xml | get_instance_state_modes__* | get_all_instances_state_modes.xml | \
			get_local_process_info__* | get_all_local_process_info.xml)
			cp "$f" "$out/"
			;;
		esac
	done
done
