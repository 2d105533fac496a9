#!/bin/sh
# Copies the reference material the model tests replay: the decoded
# traffic of a 3-instance Supvisors 0.19 cluster (startup, then the loss
# of B and the failover of mobile:roamer to C), and the answers of the
# model getters on instance A before (A) and after (after_failover) the
# failover.
# Usage: testdata/refresh.sh [anchors dir]
set -eu
src=${1:-/work/shared/anchors/supvisors/refs}
here=$(dirname "$0")
cp "$src/wire/startup_failover.txt" "$here/startup_failover.txt"
for dir in xmlrpc/A after_failover/xmlrpc/A; do
	out="$here/$(echo "$dir" | sed 's|/xmlrpc/A||; s|xmlrpc/A|A|')"
	rm -rf "$out"
	mkdir -p "$out"
	for f in "$src/$dir"/get_*.xml; do
		case $(basename "$f") in
		get_all_applications_info.xml | get_application_info__* | get_application_rules__* | \
			get_all_process_info.xml | get_process_info__* | get_process_rules__* | \
			get_conflicts.xml | get_all_inner_process_info__* | get_inner_process_info__*)
			cp "$f" "$out/"
			;;
		esac
	done
done
