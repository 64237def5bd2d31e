#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh with $FLOWSTEERD, each in its own
# sandbox (but those named in INTEGRATION_SKIP), and prints one closing
# line "integration: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/integration"
: "${FLOWSTEERD:?set FLOWSTEERD to the daemon binary}"
passed=0 failed=0
for t in test_*.sh; do
	[ -e "$t" ] || continue
	# INTEGRATION_SKIP: space-separated file names not run this time.
	case " ${INTEGRATION_SKIP:-} " in *" $t "*) echo "== $t: skipped"; continue ;; esac
	echo "== $t"
	if bash "$t"; then passed=$((passed + 1)); else
		echo "FAILED: $t"
		failed=$((failed + 1))
	fi
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
