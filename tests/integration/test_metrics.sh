#!/usr/bin/env bash
# Integration test: flowsteerd's metrics, health and systemd notifications
# (docs/architecture.md, "Metrics and health"), against a private etcd and
# ovs-vswitchd:
#   - /healthz answers 200 at once; /readyz 503 with the reason while OVS
#     is not there, 200 after the first convergence;
#   - /metrics parses (name{labels} value lines under HELP/TYPE lines);
#     flowsteer_flows is the number of flowsteer flows in OVS,
#     observed_revision the status's; flow_mods_total grows after a change,
#     drift_repairs_total after `ovs-ofctl del-flows` of one of our flows;
#     the convergence histogram counts;
#   - other paths 404, other methods 405;
#   - a --metrics-address in use: flowsteerd exits non-zero, saying so;
#     --metrics-address off: nothing listens;
#   - NOTIFY_SOCKET (a socat datagram socket): WATCHDOG=1 pings with
#     WATCHDOG_USEC; READY=1 after the first convergence, not before;
#     STOPPING=1 at SIGTERM;
#   - logs: with JOURNAL_STREAM naming stderr, each line starts with its
#     level's priority (<6> INFO, <4> WARN...) and has no timestamp;
#     without, timestamps and no priority;
#   - `systemd-analyze verify` of examples/systemd/flowsteerd.service.
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh
TEST_NAME=test_metrics
source tests/lib/check.sh

# code PATH [CURL_ARGS...]: the HTTP status of PATH; the body goes to
# $SB_DIR/body.
code() {
	local path=$1
	shift
	curl -s -m 5 -o "$SB_DIR/body" -w '%{http_code}' "$@" "$URL$path"
}
body() { cat "$SB_DIR/body"; }
scrape() { curl -s -m 5 "$URL/metrics" >"$SB_DIR/metrics.txt"; }
# metric SERIES: its value in the last scrape ("" if absent).
metric() { awk -v s="$1" '$1 == s {print $2}' "$SB_DIR/metrics.txt"; }
# metric_now SERIES: scrapes, then its value.
metric_now() { scrape && metric "$1"; }
metric_gt() { [ "$(metric_now "$1")" -gt "$2" ] 2>/dev/null; }
ready() { [ "$(code /readyz)" = 200 ]; }
notified() { grep -q "$1" "$SB_DIR/notify.txt"; }
flows_match() {
	local n
	n=$(metric_now flowsteer_flows)
	[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" = "$(sb_count_flows "$SB_COOKIE_OURS")" ]
}
# parses: every line of the scrape is a HELP/TYPE comment or a sample of a
# metric whose TYPE came before, with a number as value.
parses() {
	python3 - "$SB_DIR/metrics.txt" <<'PY'
import re, sys
types, ok = {}, True
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|\+Inf|NaN)$')
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ", 3)
        types[name] = kind
    elif line.startswith("# HELP ") or not line:
        continue
    else:
        m = sample.match(line)
        base = m and re.sub(r'_(bucket|sum|count)$', '', m.group(1))
        if not m or (m.group(1) not in types and base not in types):
            print("bad line:", line)
            ok = False
sys.exit(0 if ok and len(types) == 17 else 1)
PY
}

step "sandbox: etcd; a datagram socket for sd_notify; flowsteerd before OVS exists"
sb_init || exit 1
sb_start_etcd || exit 1
PORT=$(sb_free_port)
URL=http://127.0.0.1:$PORT
socat -u UNIX-RECV:"$SB_DIR/notify.sock" - >"$SB_DIR/notify.txt" 2>&1 &
sb_track $!
sb_wait_for 5 test -S "$SB_DIR/notify.sock"
NOTIFY_SOCKET=$SB_DIR/notify.sock WATCHDOG_USEC=1000000 "$FLOWSTEERD" --node "$SB_NODE" --etcd "$ETCD" \
	--ovsdb "unix:$OVS_RUNDIR/db.sock" --bridge br-int \
	--metrics-address "127.0.0.1:$PORT" >>"$SB_DIR/flowsteerd.log" 2>&1 &
SB_FLOWSTEERD_PID=$!
sb_track $SB_FLOWSTEERD_PID
check "/healthz answers 200 \"ok\"" "$(code /healthz) $(body)" sb_wait_for 5 eval '[ "$(code /healthz)" = 200 ]'
waits_for_ovsdb() { [ "$(code /readyz)" = 503 ] && body | grep -q "waiting: .*OVSDB unix:"; }
check "/readyz: 503 with the reason while OVSDB is not there" "$(code /readyz) $(body)" sb_wait_for 10 waits_for_ovsdb
check "WATCHDOG=1 pings (WATCHDOG_USEC=1 s: every 0.5 s)" "$(grep -c WATCHDOG=1 "$SB_DIR/notify.txt")" sb_wait_for 3 notified WATCHDOG=1
check "no READY=1 before the first convergence" "$(cat "$SB_DIR/notify.txt")" eval '! notified READY=1'
check "an unknown path: 404" "$(code /nope)" eq "$(code /nope)" 404
check "POST /metrics: 405" "$(code /metrics -X POST)" eq "$(code /metrics -X POST)" 405

step "OVS starts; the example's networks and ports, this node's ports in OVS"
sb_start_ovs || exit 1
examples/sfc/put.sh -e "$ETCD" -k networks,ports "$SB_NODE" json >/dev/null
for p in src dst p1 p2 p3 p4 p5 p6; do
	sb_vsctl add-port br-int "vm-$p" -- set interface "vm-$p" type=internal \
		"external_ids:iface-id=$(ex_id ports "$p")"
done
check "/readyz: 200 after the first convergence" "$(code /readyz) $(body)" sb_wait_for 30 ready
check "READY=1 sent after the first convergence" "$(tr '\n' ' ' <"$SB_DIR/notify.txt")" sb_wait_for 5 notified READY=1
check "flowsteer_flows is the number of flowsteer flows in OVS" \
	"metric $(metric_now flowsteer_flows), OVS $(sb_count_flows "$SB_COOKIE_OURS")" sb_wait_for 10 flows_match
observed_matches() { [ "$(metric_now flowsteer_observed_revision)" = "$(sb_status '["observed_revision"]')" ]; }
check "flowsteer_observed_revision is the status's" \
	"metric $(metric_now flowsteer_observed_revision), status $(sb_status '["observed_revision"]' 2>&1)" \
	sb_wait_for 5 observed_matches
scrape
check "the exposition parses" "$(wc -l <"$SB_DIR/metrics.txt") lines" parses
check "flowsteer_resources counts the valid ports" \
	"$(metric 'flowsteer_resources{kind="ports",state="valid"}')" gt "$(metric 'flowsteer_resources{kind="ports",state="valid"}')" 0

step "the chain: port pairs, groups, classifier, port chain"
mods0=$(metric_now flowsteer_flow_mods_total)
conv0=$(metric flowsteer_convergence_seconds_count)
examples/sfc/put.sh -e "$ETCD" -k port_pairs,port_pair_groups,flow_classifiers,port_chains "$SB_NODE" json >/dev/null
check "flowsteer_flow_mods_total grows after a change" \
	"$mods0 -> $(metric_now flowsteer_flow_mods_total)" sb_wait_for 15 metric_gt flowsteer_flow_mods_total "$mods0"
check "flowsteer_convergence_seconds counts convergences" \
	"$conv0 -> $(metric_now flowsteer_convergence_seconds_count)" sb_wait_for 15 metric_gt flowsteer_convergence_seconds_count 0
check "flowsteer_groups counts the chain's groups" "$(metric_now flowsteer_groups)" sb_wait_for 10 metric_gt flowsteer_groups 0
check "flowsteer_flows follows" "metric $(metric_now flowsteer_flows), OVS $(sb_count_flows "$SB_COOKIE_OURS")" sb_wait_for 10 flows_match
check "render and apply histograms count" \
	"$(metric flowsteer_render_seconds_count) $(metric flowsteer_apply_seconds_count)" \
	eval '[ "$(metric flowsteer_render_seconds_count)" -gt 0 ] && [ "$(metric flowsteer_apply_seconds_count)" -gt 0 ]'

step "drift: one of our flows deleted with ovs-ofctl"
drift0=$(metric_now flowsteer_drift_repairs_total)
cookie=$(sb_our_flows | head -1 | sed -n 's/.*cookie=\(0x[0-9a-f]*\).*/\1/p')
sb_ofctl del-flows br-int "cookie=$cookie/-1"
check "flowsteer_drift_repairs_total grows" \
	"$drift0 -> $(metric_now flowsteer_drift_repairs_total) (deleted cookie $cookie)" \
	sb_wait_for 10 metric_gt flowsteer_drift_repairs_total "$drift0"
check "the flows are back" "metric $(metric_now flowsteer_flows), OVS $(sb_count_flows "$SB_COOKIE_OURS")" sb_wait_for 10 flows_match

step "a --metrics-address in use; --metrics-address off"
"$FLOWSTEERD" --node node2 --etcd "$ETCD" --no-ovs --metrics-address "127.0.0.1:$PORT" \
	>"$SB_DIR/node2.log" 2>&1 &
p2=$!
sb_track $p2
sb_wait_for 10 sb_not_running $p2
wait $p2
rc=$?
sb_untrack $p2
check "flowsteerd exits non-zero" "exit $rc" test "$rc" -ne 0
check "it says why" "$(grep -m1 ERR "$SB_DIR/node2.log")" grep -q "metrics-address 127.0.0.1:$PORT: cannot listen: Address already in use" "$SB_DIR/node2.log"
# node3's stderr is "the journal": JOURNAL_STREAM names its log file.
: >"$SB_DIR/node3.log"
JOURNAL_STREAM=$(stat -c %d:%i "$SB_DIR/node3.log") "$FLOWSTEERD" --node node3 --etcd "$ETCD" --no-ovs \
	--metrics-address off >>"$SB_DIR/node3.log" 2>&1 &
p3=$!
sb_track $p3
sb_wait_for 10 eval 'sb_etcdctl get /flowsteer/nodes/node3 --keys-only | grep -q node3'
listening=$(ss -Hltnp | grep "pid=$p3," || true)
check "--metrics-address off: nothing listens" "${listening:-nothing}" test -z "$listening"
sb_stop_pid $p3

step "logs for the journal (JOURNAL_STREAM matches stderr), else plain"
check "journal: every line starts with a priority (<6> INFO, <4> WARN), no timestamp" "$(head -2 "$SB_DIR/node3.log" | tr '\n' ' ')" \
	eval '[ -s "$SB_DIR/node3.log" ] && ! grep -qv "^<[0-7]>[a-z_]*|[A-Z]*|" "$SB_DIR/node3.log" && grep -q "^<6>daemon|INFO|" "$SB_DIR/node3.log" && ! grep -q "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]" "$SB_DIR/node3.log"'
check "the priority is the level's" "$(grep -c '^<6>[a-z_]*|INFO|' "$SB_DIR/node3.log") INFO lines" \
	eval '! grep -v "^<6>[a-z_]*|INFO|\|^<4>[a-z_]*|WARN|\|^<3>[a-z_]*|ERR|\|^<7>[a-z_]*|DBG|" "$SB_DIR/node3.log" | grep -q .'
check "plain (the first flowsteerd, stderr a file, no JOURNAL_STREAM): timestamps, no priority" "$(head -1 "$SB_DIR/flowsteerd.log")" \
	eval 'grep -q "^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]*|daemon|INFO|" "$SB_DIR/flowsteerd.log" && ! grep -q "^<[0-7]>" "$SB_DIR/flowsteerd.log"'

step "SIGTERM"
sb_stop_flowsteerd
check "STOPPING=1 sent at SIGTERM" "$(tr '\n' ' ' <"$SB_DIR/notify.txt")" sb_wait_for 5 notified STOPPING=1

step "the unit file"
sed "s|^ExecStart=/usr/local/bin/flowsteerd|ExecStart=$FLOWSTEERD|" \
	examples/systemd/flowsteerd.service >"$SB_DIR/flowsteerd.service"
verify=$(timeout 30 systemd-analyze verify "$SB_DIR/flowsteerd.service" 2>&1)
check "systemd-analyze verify examples/systemd/flowsteerd.service" "${verify:-no complaint}" test -z "$verify"

echo "--- a scrape (excerpt)"
grep -v '_bucket\|^#' "$SB_DIR/metrics.txt" | head -40
finish
