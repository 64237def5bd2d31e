#!/usr/bin/env bash
# Integration test: faults of issue 10 items 1, 2, 6 and 7, against a
# private etcd and ovs-vswitchd and flowsteerd ($FLOWSTEERD):
#   - etcd stopped for 5 s while the node changes: a handful of log lines,
#     little CPU, and the status catches up once etcd is back (item 1);
#   - SIGHUP: flowsteerd keeps running and takes verbose and
#     bridge-mappings from its config file again (item 6);
#   - 3,000 bad resources: the status is still written, bounded, with the
#     counts (item 2);
#   - a wrong --ovsdb: the status says it waits for OVSDB at that path
#     (item 7).
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh
TEST_NAME=test_fault_status
source tests/lib/check.sh

LOG() { echo "$SB_DIR/flowsteerd.log"; }
log_lines() { wc -l <"$(LOG)"; }
# log_since N [GREP_ARGS...]: the log after its first N lines.
log_since() { tail -n +"$(($1 + 1))" "$(LOG)"; }
# cpu_ticks PID: user + system CPU time of PID in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)
# desired_rev: the etcd revision of the last change of desired state (status
# writes move etcd's revision too; they are outside /flowsteer/v1/).
desired_rev() {
	sb_etcdctl get /flowsteer/v1/ --prefix -w json | python3 -c '
import json, sys
kvs = json.load(sys.stdin).get("kvs", [])
print(max(kv["mod_revision"] for kv in kvs))'
}

step "sandbox: etcd, ovs-vswitchd (netdev), flowsteerd with a config file"
sb_init || exit 1
sb_start_etcd || exit 1
sb_start_ovs || exit 1
CONF=$SB_DIR/flowsteerd.conf
echo "verbose = false" >"$CONF"
sb_start_flowsteerd --config "$CONF"
examples/sfc/put.sh -e "$ETCD" -k networks,ports "$SB_NODE" json >/dev/null
rev=$(desired_rev)
sb_wait_observed "$rev" 15
check "flowsteerd converged the network and ports" \
	"observed_revision $(sb_status '["observed_revision"]' 2>&1)" sb_observed_at_least "$rev"

step "etcd stopped for 5 s while a port of this node appears in OVS"
src_id=$(ex_id ports src)
flows_before=$(sb_status '["flows"]')
lines0=$(log_lines) cpu0=$(cpu_ticks "$SB_FLOWSTEERD_PID")
sb_stop_etcd
sb_vsctl add-port br-int vm-src -- set interface vm-src type=internal \
	"external_ids:iface-id=$src_id"
sleep 5
lines=$(($(log_lines) - lines0))
cpu=$(($(cpu_ticks "$SB_FLOWSTEERD_PID") - cpu0))
echo "  flowsteerd's log during the outage:"
log_since "$lines0" | head -20 | sed 's/^/    /'
echo "MEASURE: etcd down 5 s: $lines log lines, $((cpu * 1000 / TICKS)) ms CPU"
check "a handful of log lines, not thousands" "$lines lines" test "$lines" -le 15
n_write=$(log_since "$lines0" | grep -c 'writing status')
check "the log names the failing status write once per kind of error" \
	"$n_write lines" test "$n_write" -ge 1 -a "$n_write" -le 2
check "the log says flowsteerd waits for etcd" "$(log_since "$lines0" | grep -m1 'waiting for etcd')" \
	eval 'log_since "$lines0" | grep -q "waiting for etcd http"'
check "CPU stays low (under 0.5 s in 5 s)" "$((cpu * 1000 / TICKS)) ms" \
	test $((cpu * 1000 / TICKS)) -lt 500

t0=$(sb_now_ms)
sb_run_etcd || exit 1
flows_in_status() { # the status counts the flows OVS has, the new port's included
	local n
	n=$(sb_status '["flows"]' 2>/dev/null) || return 1
	[ "$n" = "$(sb_count_flows "$SB_COOKIE_OURS")" ] && [ "$n" -gt "$flows_before" ]
}
sb_wait_for 15 flows_in_status
t1=$(sb_now_ms)
echo "MEASURE: etcd back -> status caught up in $((t1 - t0)) ms"
check "status catches up after etcd is back (flows $flows_before -> OVS's)" \
	"status flows $(sb_status '["flows"]'), OVS $(sb_count_flows "$SB_COOKIE_OURS"), $((t1 - t0)) ms" \
	flows_in_status
check "... and is not waiting" "waiting: $(sb_status '.get("waiting")')" \
	eq "$(sb_status '.get("waiting")')" None
check "the log says the status is written again" \
	"$(grep -m1 'status written again' "$(LOG)")" grep -q 'status written again' "$(LOG)"

step "SIGHUP: the config file is read again"
lines0=$(log_lines)
printf 'verbose = true\nbridge-mappings = physnet1:br-phys\nopenflow = unix:/nowhere\n' >"$CONF"
kill -HUP "$SB_FLOWSTEERD_PID"
reread() { log_since "$lines0" | grep -q 'SIGHUP: settings read again'; }
sb_wait_for 3 reread
sleep 0.5
check "flowsteerd still runs after SIGHUP" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
check "verbose and bridge-mappings taken" "$(log_since "$lines0" | grep -m1 'SIGHUP: settings')" \
	eval 'log_since "$lines0" | grep "SIGHUP: settings" | grep "verbose on" | grep -q "bridge-mappings changed"'
check "a change of openflow needs a restart, and says so" "$(log_since "$lines0" | grep -m1 'needs a restart')" \
	eval 'log_since "$lines0" | grep -q "openflow changed: not taken"'
check "debug logging is on (a re-render was logged at debug)" \
	"$(log_since "$lines0" | grep -c '|DBG|') debug lines" eval 'log_since "$lines0" | grep -q "|DBG|.*rendered revision"'
lines0=$(log_lines)
echo "verbose = false" >"$CONF"
kill -HUP "$SB_FLOWSTEERD_PID"
sb_wait_for 3 reread
check "SIGHUP again: verbose off, mappings gone" "$(log_since "$lines0" | grep -m1 'SIGHUP: settings')" \
	eval 'log_since "$lines0" | grep "SIGHUP: settings" | grep "verbose off" | grep -q "(0 mappings)"'

step "3,000 bad resources, each error quoting a 600-byte id"
lines0=$(log_lines)
python3 - "$ETCD" <<'EOF' || echo "FAIL: putting the bad resources"
import base64, json, sys, urllib.request
b64 = lambda s: base64.b64encode(s.encode()).decode()
for start in range(0, 3000, 100):
    ops = []
    for i in range(start, start + 100):
        value = {"port_pair": {"ingress": "no-such-port-%s-%04d" % ("x" * 600, i),
                               "egress": "no-such-port-%04d" % i}}
        ops.append({"request_put": {"key": b64("/flowsteer/v1/port_pairs/bad-%04d" % i),
                                    "value": b64(json.dumps(value))}})
    req = urllib.request.Request(sys.argv[1] + "/v3/kv/txn", json.dumps({"success": ops}).encode(),
                                 {"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
EOF
rev=$(desired_rev)
has_all() { [ "$(sb_status '["desired_revision"]')" -ge "$rev" ] && [ "$(sb_status '["errors_total"]')" = 3000 ]; }
sb_wait_for 20 has_all
size=$(sb_etcdctl get "/flowsteer/status/$SB_NODE" --print-value-only | wc -c)
listed=$(sb_status '["errors"]' | json_get '.__len__()')
check "status written at revision $rev with errors_total 3000" \
	"desired_revision $(sb_status '["desired_revision"]'), errors_total $(sb_status '.get("errors_total")')" has_all
check "status lists at most 100 errors, the first by key, and says it is cut" \
	"$listed listed, first $(sb_status '["errors"][0]["key"]' | cut -c1-40), truncated $(sb_status '.get("errors_truncated")')" \
	eq "$((listed <= 100)) $(sb_status '["errors"][0]["key"]') $(sb_status '.get("errors_truncated")')" \
	"1 /flowsteer/v1/port_pairs/bad-0000 True"
check "status stays under 256 KiB" "$size bytes" test "$size" -le 262144
lines=$(($(log_lines) - lines0))
check "the log names the first hundred or so, not 3,000" "$lines lines" test "$lines" -le 150

step "a wrong --ovsdb: status and log say what flowsteerd waits for"
bad_db=unix:$SB_DIR/nowhere/db.sock
"$FLOWSTEERD" --node node2 --etcd "$ETCD" --ovsdb "$bad_db" --bridge br-int \
	--metrics-address off >"$SB_DIR/node2.log" 2>&1 &
node2=$!
sb_track $node2
node2_waiting() {
	sb_etcdctl get /flowsteer/status/node2 --print-value-only |
		json_get '["waiting"]'
}
sb_wait_for 5 eval 'node2_waiting | grep -q "^OVSDB $bad_db: "'
check "node2's status: waiting for OVSDB at the wrong path, within 5 s" "$(node2_waiting 2>&1)" \
	eval 'node2_waiting | grep -q "^OVSDB $bad_db: No such file or directory"'
check "node2's log says so" "$(grep -m1 'waiting for' "$SB_DIR/node2.log")" \
	grep -q "waiting for OVSDB $bad_db" "$SB_DIR/node2.log"
sb_stop_pid $node2

step "daemon health"
check "flowsteerd is still running" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
kill "$SB_FLOWSTEERD_PID"
wait "$SB_FLOWSTEERD_PID"
rc=$?
sb_untrack "$SB_FLOWSTEERD_PID"
check "flowsteerd exits with status 0 on SIGTERM" "status $rc" eq "$rc" 0
sanitizer=$(cat "$(LOG)" "$SB_DIR/node2.log" | grep -c 'AddressSanitizer\|LeakSanitizer\|runtime error:')
check "no sanitizer report in flowsteerd's logs" "$sanitizer reports" eq "$sanitizer" 0

finish
