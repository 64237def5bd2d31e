#!/usr/bin/env bash
# Integration test: liveness, chassis self-registration and the key layout
# (docs/architecture.md, "etcd layout", "Liveness", "Chassis
# self-registration"), with two flowsteerd --no-ovs (no OVS needed) on a
# private etcd:
#   - /flowsteer/nodes/<node> is on a lease with the TTL of --node-ttl;
#     SIGTERM revokes it (the key goes at once), SIGKILL lets it expire
#     within TTL + 2 s;
#   - /flowsteer/v1/chassis/<node> is created when absent (ip, encap,
#     bridge mappings, managed_by); an operator's document is left alone;
#     flowsteerd's own is updated after a restart with another --encap-ip,
#     after SIGHUP changed bridge-mappings, and written again when deleted;
#   - status is at /flowsteer/status/<node>, the previous run's is carried;
#     a watcher of /flowsteer/v1/ sees no status or liveness write while two
#     daemons run.
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
TEST_NAME=test_liveness
source tests/lib/check.sh

TTL=3
# start_fs NODE ARGS...: flowsteerd --no-ovs for NODE, log in
# $SB_DIR/flowsteerd.log (node1) or flowsteerd-NODE.log; sets FS_PID.
start_fs() {
	local node=$1 log=$SB_DIR/flowsteerd.log
	shift
	[ "$node" = node1 ] || log=$SB_DIR/flowsteerd-$node.log
	"$FLOWSTEERD" --node "$node" --etcd "$ETCD" --no-ovs --node-ttl "$TTL" --metrics-address off "$@" >>"$log" 2>&1 &
	FS_PID=$!
	sb_track "$FS_PID"
}
get() { sb_etcdctl get "$1" --print-value-only; }
absent() { [ -z "$(sb_etcdctl get "$1" --keys-only)" ]; }
present() { ! absent "$1"; }
field() { get "$1" | json_get "$2"; } # KEY PYEXPR
lease_of() { # KEY: its lease id in hex, as etcdctl lease commands take it
	sb_etcdctl get "$1" -w json | python3 -c '
import json, sys
kvs = json.load(sys.stdin).get("kvs", [])
print("%x" % kvs[0].get("lease", 0) if kvs else "none")'
}
mod_rev() { sb_key_revision "$1"; }
# gone_within MS KEY: waits up to MS ms for KEY to go; prints the time taken.
gone_within() {
	local t0 t
	t0=$(sb_now_ms)
	sb_wait_for "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))" absent "$2"
	t=$(($(sb_now_ms) - t0))
	echo "$t"
	absent "$2"
}
logged() { grep -q "$2" "$1"; } # LOG PATTERN
N1=/flowsteer/v1/chassis/node1 N2=/flowsteer/v1/chassis/node2
OPERATOR_DOC='{"chassis": {"id": "node2", "ip": "10.9.9.9", "encap": "vxlan"}}'

step "sandbox: etcd; an operator's chassis document for node2, node1's status of a previous run"
sb_init || exit 1
sb_start_etcd || exit 1
sb_etcdctl put "$N2" "$OPERATOR_DOC" >/dev/null
n2_rev=$(mod_rev "$N2")
sb_etcdctl put /flowsteer/status/node1 '{"node":"node1","observed_revision":1,"flows":7,"groups":2}' >/dev/null
# etcdctl itself, not the sb_etcdctl function: a function in the
# background is a subshell, and $! its pid, which would leave etcdctl
# running when killed.
etcdctl --endpoints="$ETCD" watch --prefix /flowsteer/v1/ -w json >"$SB_DIR/watch.json" 2>&1 &
WATCH_PID=$!
sb_track $WATCH_PID
sleep 0.5

step "two daemons: node1 (--encap-ip 10.0.0.1, bridge mappings from a config file), node2 (--encap-ip 10.0.0.2 --encap-type geneve)"
CONF=$SB_DIR/node1.conf
printf 'encap-ip = 10.0.0.1\nbridge-mappings = physnet1:br-phys\n' >"$CONF"
start_fs node1 --config "$CONF"
P1=$FS_PID
start_fs node2 --encap-ip 10.0.0.2 --encap-type geneve
P2=$FS_PID
check "node1's liveness key appears" "$(get /flowsteer/nodes/node1 2>&1)" sb_wait_for 5 present /flowsteer/nodes/node1
check "node2's liveness key appears" "$(get /flowsteer/nodes/node2 2>&1)" sb_wait_for 5 present /flowsteer/nodes/node2
lease=$(lease_of /flowsteer/nodes/node1)
ttl_line=$(sb_etcdctl lease timetolive "$lease" --keys 2>&1)
check "it is on a lease with TTL $TTL s and the key attached" "$ttl_line" \
	eval '[[ "$ttl_line" == *"TTL(${TTL}s)"* && "$ttl_line" == *"/flowsteer/nodes/node1"* ]]'
check "its value names the node, pid and version" "$(get /flowsteer/nodes/node1)" \
	eval '[ "$(field /flowsteer/nodes/node1 "[\"node\"]")/$(field /flowsteer/nodes/node1 "[\"pid\"]")" = "node1/$P1" ] &&
		field /flowsteer/nodes/node1 "[\"version\"]" >/dev/null && field /flowsteer/nodes/node1 "[\"started\"]" >/dev/null'
sleep $((TTL + 1))
check "kept alive past its TTL" "lease $(lease_of /flowsteer/nodes/node1), was $lease" \
	eval '[ "$(lease_of /flowsteer/nodes/node1)" = "$lease" ]'

step "chassis documents"
check "node1's document created" "$(get "$N1" 2>&1)" \
	eval '[ "$(field "$N1" "[\"chassis\"][\"ip\"]")/$(field "$N1" "[\"chassis\"][\"encap\"]")/$(field "$N1" "[\"chassis\"][\"managed_by\"]")" = "10.0.0.1/vxlan/flowsteerd" ]'
check "... with the configured bridge mappings" "$(field "$N1" '["chassis"]["bridge_mappings"]' 2>&1)" \
	eq "$(field "$N1" '["chassis"]["bridge_mappings"]' 2>&1)" '["physnet1:br-phys"]'
check "... and the log says so" "$(grep -o 'chassis document created[^|]*' "$SB_DIR/flowsteerd.log")" \
	logged "$SB_DIR/flowsteerd.log" "chassis document created"
check "the operator's document for node2 is left alone" "$(get "$N2"), revision $(mod_rev "$N2") (was $n2_rev)" \
	eval '[ "$(get "$N2")" = "$OPERATOR_DOC" ] && [ "$(mod_rev "$N2")" = "$n2_rev" ]'
check "... and node2's log says why" "$(grep -o 'left alone[^|]*' "$SB_DIR/flowsteerd-node2.log")" \
	logged "$SB_DIR/flowsteerd-node2.log" "left alone: written by an operator"

step "status"
check "node1's status is at /flowsteer/status/node1" "$(get /flowsteer/status/node1 | head -c 120)" \
	sb_wait_for 5 eval '[ "$(field /flowsteer/status/node1 "[\"desired_revision\"]")" -gt 0 ]'
check "the previous run's status is carried (read at start)" \
	"observed_carried $(field /flowsteer/status/node1 '["observed_carried"]' 2>&1), flows $(field /flowsteer/status/node1 '["flows"]' 2>&1)" \
	eval '[ "$(field /flowsteer/status/node1 "[\"observed_carried\"]")/$(field /flowsteer/status/node1 "[\"flows\"]")" = "True/7" ]'
check "node2's status is at /flowsteer/status/node2" "$(get /flowsteer/status/node2 | head -c 80)" present /flowsteer/status/node2

step "desired state changes: both nodes write their status; a watcher of /flowsteer/v1/ sees none of it"
s1=$(mod_rev /flowsteer/status/node1)
s2=$(mod_rev /flowsteer/status/node2)
for i in 1 2 3; do
	sb_etcdctl put "/flowsteer/v1/networks/net$i" "{\"network\": {\"id\": \"net$i\"}}" >/dev/null
	sleep 0.3
done
rev=$(sb_etcd_revision)
sleep $((TTL + 1)) # keepalives go on meanwhile
wrote() { [ "$(mod_rev /flowsteer/status/node1)" -gt "$s1" ] && [ "$(mod_rev /flowsteer/status/node2)" -gt "$s2" ]; }
check "both wrote their status" "node1 $s1 -> $(mod_rev /flowsteer/status/node1), node2 $s2 -> $(mod_rev /flowsteer/status/node2)" wrote
kill "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
sb_untrack "$WATCH_PID"
seen=$(python3 -c '
import base64, json, sys
keys = []
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    for e in r.get("Events") or []:
        keys.append(base64.b64decode(e["kv"]["key"]).decode())
print(" ".join(sorted(set(keys))))' "$SB_DIR/watch.json")
want="/flowsteer/v1/chassis/node1 /flowsteer/v1/networks/net1 /flowsteer/v1/networks/net2 /flowsteer/v1/networks/net3"
check "the watcher saw desired state and node1's chassis document, nothing else" "$seen" eq "$seen" "$want"

step "SIGHUP with other bridge mappings: flowsteerd's own document follows"
printf 'encap-ip = 10.0.0.1\nbridge-mappings = physnet1:br-phys,physnet2:br-two\n' >"$CONF"
kill -HUP "$P1"
mappings() { field "$N1" '["chassis"]["bridge_mappings"]'; }
check "the document has both mappings" "$(sleep 1; mappings 2>&1)" \
	sb_wait_for 5 eval '[ "$(mappings)" = "[\"physnet1:br-phys\", \"physnet2:br-two\"]" ]'

step "the document deleted while flowsteerd runs: written again"
sb_etcdctl del "$N1" >/dev/null
check "node1's document is back" "$(get "$N1" 2>&1)" sb_wait_for 5 present "$N1"

step "SIGTERM node2: its liveness key goes at once"
t0=$(sb_now_ms)
kill "$P2"
sb_wait_for 5 sb_not_running "$P2"
t_exit=$(($(sb_now_ms) - t0))
t=$(gone_within 1000 /flowsteer/nodes/node2)
sb_untrack "$P2"
echo "MEASURE: SIGTERM -> flowsteerd exited in $t_exit ms; liveness key gone ${t} ms after that"
check "node2's liveness key is gone at once" "exit in $t_exit ms, key gone $t ms later" \
	eval 'absent /flowsteer/nodes/node2 && [ "$t_exit" -lt 1500 ]'
check "node2's log says the lease was revoked" "$(grep -o 'lease revoked[^|]*' "$SB_DIR/flowsteerd-node2.log")" \
	logged "$SB_DIR/flowsteerd-node2.log" "lease revoked"
check "the operator's document is still untouched" "$(get "$N2")" eq "$(get "$N2")" "$OPERATOR_DOC"

step "SIGKILL node1: its liveness key expires within TTL + 2 s"
kill -9 "$P1"
t0=$(sb_now_ms)
wait "$P1" 2>/dev/null
sb_untrack "$P1"
t=$(gone_within $(((TTL + 2) * 1000)) /flowsteer/nodes/node1)
echo "MEASURE: SIGKILL -> liveness key expired after $t ms (TTL $TTL s)"
check "node1's liveness key expired within $((TTL + 2)) s" "$t ms" absent /flowsteer/nodes/node1
check "its status and chassis document stay" "status and chassis present" eval 'present /flowsteer/status/node1 && present "$N1"'

step "restart node1 with --encap-ip 10.0.0.3 and --encap-type geneve: its own document is updated"
printf 'encap-ip = 10.0.0.3\nencap-type = geneve\nbridge-mappings = physnet1:br-phys,physnet2:br-two\n' >"$CONF"
start_fs node1 --config "$CONF"
P1=$FS_PID
ip_now() { echo "$(field "$N1" '["chassis"]["ip"]')/$(field "$N1" '["chassis"]["encap"]')"; }
check "the document says 10.0.0.3/geneve" "$(sleep 1; ip_now 2>&1)" sb_wait_for 5 eval '[ "$(ip_now)" = 10.0.0.3/geneve ]'
check "... and the log says it was updated" "$(grep -o 'chassis document updated[^|]*' "$SB_DIR/flowsteerd.log" | tail -1)" \
	logged "$SB_DIR/flowsteerd.log" "chassis document updated"
check "the liveness key is back on a new lease" "lease $(lease_of /flowsteer/nodes/node1)" \
	sb_wait_for 5 eval '[ "$(field /flowsteer/nodes/node1 "[\"pid\"]")" = "$P1" ]'

step "node2 restarted: the operator's document is still left alone"
left_alone_logged() { grep -c "left alone: written by an operator" "$SB_DIR/flowsteerd-node2.log"; }
n_left=$(left_alone_logged)
start_fs node2 --encap-ip 10.0.0.2
P2=$FS_PID
sb_wait_for 5 present /flowsteer/nodes/node2
# The new run has looked at the document once it logs leaving it alone.
sb_wait_for 5 eval '[ "$(left_alone_logged)" -gt "$n_left" ]'
check "the operator's document is still untouched" "$(get "$N2")" eq "$(get "$N2")" "$OPERATOR_DOC"
sb_stop_pid "$P1"
sb_stop_pid "$P2"
check "both liveness keys are gone after SIGTERM" "none left" \
	eval 'absent /flowsteer/nodes/node1 && absent /flowsteer/nodes/node2'
check "no sanitizer report in the logs" "$(cat "$SB_DIR"/flowsteerd*.log | grep -c Sanitizer) reports" \
	eq "$(cat "$SB_DIR"/flowsteerd*.log | grep -c Sanitizer)" 0
finish
