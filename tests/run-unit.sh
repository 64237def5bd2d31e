#!/usr/bin/env bash
# Runs each cmocka binary given, sums its results and prints one closing line
# "unit: N passed, N failed". Exits non-zero when any test failed.
set -uo pipefail
passed=0 failed=0
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED|  OK) \]|^\[ RUN|ERROR|error|runtime error' | grep -v '^\[ RUN\|^\[       OK' || true
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		echo "$bin exited $rc"
		printf '%s\n' "$out" | tail -20
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
