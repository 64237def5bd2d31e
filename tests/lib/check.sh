#!/usr/bin/env bash
# tests/lib/check.sh: the checks of the integration tests.  Source it after
# tests/lib/sandbox.sh; set TEST_NAME first.  Each check prints
# "PASS: what (saw: ...)" or "FAIL: ..."; finish prints the closing line
# "<TEST_NAME>: N passed, N failed (S s)" (what run-integration.sh and CI
# read) and, when a check failed, the end of flowsteerd's log, flowsteer's
# flows and the OVS configuration.

passed=0 failed=0
# check WHAT SAW COMMAND...: PASS if COMMAND succeeds.
check() {
	local what=$1 saw=$2
	shift 2
	if "$@"; then
		echo "PASS: $what (saw: $saw)"
		passed=$((passed + 1))
	else
		echo "FAIL: $what (saw: $saw)"
		failed=$((failed + 1))
	fi
}
step() { echo "--- $*"; }
finish() {
	if [ "$failed" -ne 0 ]; then
		echo "--- flowsteerd log (last 40 lines, no debug)"
		grep -v '|DBG|' "${SB_FLOWSTEERD_LOG:-$SB_DIR/flowsteerd.log}" | tail -40
		echo "--- flowsteer flows"
		sb_our_flows
		echo "--- OVS"
		sb_vsctl show
	fi
	echo "$TEST_NAME: $passed passed, $failed failed ($SECONDS s)"
	[ "$failed" -eq 0 ]
}
json_get() { python3 -c "import json,sys; v=json.load(sys.stdin)$1; print(json.dumps(v) if isinstance(v,(dict,list)) else v)"; }
eq() { [ "$1" = "$2" ]; }
gt() { [ "$1" -gt "$2" ]; }
# ages_kept: every flow listed in $SB_DIR/ages-before (sb_flow_ages output)
# is in $SB_DIR/ages-after with an age at least as old: nothing was
# replaced or re-added in between.
ages_kept() {
	python3 - "$SB_DIR/ages-before" "$SB_DIR/ages-after" <<'PY'
import sys
def load(p):
    d = {}
    for line in open(p):
        age, flow = line.split(" ", 1)
        d[flow] = float(age)
    return d
b, a = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if b and all(f in a and a[f] >= age for f, age in b.items()) else 1)
PY
}
