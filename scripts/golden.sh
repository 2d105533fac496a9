#!/usr/bin/env bash
# Golden transcripts of the compatibility harness (e2e/golden_test.go).
#
#   scripts/golden.sh update   re-record testdata/golden/*.txt from Debian's
#                              /usr/bin/supervisord
#   scripts/golden.sh check    run the scripts against Debian's supervisord
#                              and compare: the harness must be stable
#   scripts/golden.sh ours     compare our supvisord with the goldens (what
#                              `make test` does)
#
# Extra arguments go to `go test`, e.g. -run 'TestGolden/status'.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
mode="${1:-check}"
shift || true
case "$mode" in
update) exec go test ./e2e -count=1 -run TestGolden -update "$@" ;;
check) exec go test ./e2e -count=1 -run TestGolden -daemon=/usr/bin/supervisord "$@" ;;
ours) exec go test ./e2e -count=1 -run TestGolden "$@" ;;
*)
	echo "usage: $0 update|check|ours [go test flags]" >&2
	exit 2
	;;
esac
