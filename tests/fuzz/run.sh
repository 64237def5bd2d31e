#!/usr/bin/env bash
# Runs each libFuzzer binary given for SECONDS seconds, one at a time, and
# prints one line per target (runs, executions per second, coverage) and a
# closing "fuzz: ..." line.  Exits non-zero at the first target that finds a
# crash, a leak or a sanitizer report (the input is in ARTIFACTS/).
#
#   run.sh SECONDS WORK ARTIFACTS build/fuzz/fuzz_NAME...
#
# Target fuzz_NAME reads tests/fuzz/corpus/NAME/ (the seeds, never written)
# and WORK/NAME/, where it writes the inputs it finds interesting, with the
# dictionary tests/fuzz/NAME.dict if there is one.  WORK of
# a smoke run is emptied first, so every run starts from the seeds alone.
set -uo pipefail
seconds=$1 work=$2 artifacts=$3
shift 3
fresh=${FUZZ_FRESH:-0}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
start=$SECONDS
mkdir -p "$artifacts"
for bin in "$@"; do
	name=${bin##*/fuzz_}
	dir=$work/$name
	[ "$fresh" = 1 ] && rm -rf "$dir"
	mkdir -p "$dir"
	log=$work/$name.log
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	"$bin" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$name-" "$dir" "tests/fuzz/corpus/$name" \
		>"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	secs=$(sed -n 's/.*#[0-9]*.*DONE .*exec\/s: \([0-9]*\).*/\1/p' "$log")
	if [ "$rc" -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|^ *#[0-9]+ ' "$log" |
			head -40
		echo "fuzz: $name FAILED (log: $log)"
		exit 1
	fi
	echo "fuzz: $name ok: ${runs:-?} runs, ${secs:-?} exec/s, $cov," \
		"corpus $(find "$dir" "tests/fuzz/corpus/$name" -type f | wc -l) files"
done
echo "fuzz: $# targets passed in $((SECONDS - start)) s"
