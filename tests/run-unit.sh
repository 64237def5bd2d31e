#!/usr/bin/env bash
# Runs each cmocka binary given, sums its results and prints one closing line
# "unit: N passed, N failed, N skipped". Exits non-zero when any test failed
# or was skipped: a skipped test hides what it checks, so it fails the run
# too (each skipped test is listed as "SKIPPED <binary>: <test>").
set -uo pipefail
passed=0 failed=0 skipped=0
skipped_list=()
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED|  OK) \]|^\[ RUN|ERROR|error|runtime error' | grep -v '^\[ RUN\|^\[       OK' || true
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	# cmocka prints "[  SKIPPED ] <test>" when a test skips and, at the
	# end, "[  SKIPPED ] N test(s), listed below:" and the names again.
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:.*/\1/p' | tail -1)
	names=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] //p' |
		grep -v '^[0-9]* test(s), listed below:' | sort -u)
	n=0
	if [ -n "$names" ]; then
		n=$(printf '%s\n' "$names" | wc -l)
		while IFS= read -r name; do
			skipped_list+=("SKIPPED $bin: $name")
		done <<<"$names"
	fi
	if [ -n "$s" ] && [ "$s" -gt "$n" ]; then
		n=$s
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + n))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		echo "$bin exited $rc"
		printf '%s\n' "$out" | tail -20
		failed=$((failed + 1))
	fi
done
if [ "$skipped" -gt 0 ]; then
	printf '%s\n' "${skipped_list[@]}"
	echo "unit: $skipped test(s) skipped; a skipped test fails the run"
fi
echo "unit: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
