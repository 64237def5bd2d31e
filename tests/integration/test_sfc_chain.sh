#!/usr/bin/env bash
# Integration test: the networking-sfc example chain, end to end, with a real
# etcd, a real ovs-vswitchd (userspace datapath) and real packets between
# network namespaces.  Each check prints PASS or FAIL with what it saw.
set -u
cd "$(dirname "$0")/../.."
: "${FLOWSTEERD:?set FLOWSTEERD}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh

passed=0 failed=0
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then
		echo "PASS: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name"
		failed=$((failed + 1))
	fi
}
finish() {
	if [ "$failed" -ne 0 ]; then
		echo "--- flowsteerd log (last 30 lines)"
		tail -30 "$SB_DIR/flowsteerd.log"
	fi
	echo "sfc chain: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

sb_init
sb_start_etcd || exit 1
sb_start_ovs || exit 1
sb_sfc_topology
# A flow of another owner on the same bridge: it must survive everything.
sb_ofctl add-flow br-int "table=55,priority=5,cookie=0x1234,actions=drop"
hand_flow() { sb_ofctl dump-flows br-int cookie=0x1234/-1 | grep -q "priority=5"; }

sb_start_flowsteerd
# Everything but the chain first, so the chain's own latency can be timed.
examples/sfc/put.sh "$SB_NODE" json >/dev/null
pc1=$(sb_etcdctl get "/flowsteer/v1/port_chains/$EX_PC1" --print-value-only)
sb_etcdctl del "/flowsteer/v1/port_chains/$EX_PC1" >/dev/null
sb_wait_for 10 sh -c "sb_x=\$(ovs-ofctl -O OpenFlow15 dump-flows br-int table=15 | grep -c reg5); [ \$sb_x -eq 0 ]"
t0=$(date +%s%N)
rev=$(sb_put_revision "/flowsteer/v1/port_chains/$EX_PC1" "$pc1")
chain_in_ovs() { sb_ofctl dump-groups br-int | grep -q "type=select"; }
sb_wait_for 10 chain_in_ovs
t1=$(date +%s%N)
echo "MEASURE: etcdctl put of the chain -> flows and group in OVS: $(((t1 - t0) / 1000000)) ms"
check "chain flows and select group installed" chain_in_ovs
check "status reports the put revision as observed" sb_wait_observed "$rev"
check "status has no errors" test "$(sb_status '["errors"]')" = "[]"

for i in 1 2 3; do sb_sf_bridge "sf$i"; sb_sf_capture "sf$i"; done
sb_sfc_server 100
sb_sfc_server 101

# FC1 traffic: TCP 22.1.20.1:23 -> 172.4.5.6:100 goes through PG1 then PG2.
check "TCP connection through the chain (source port 23)" sb_sfc_send 100 hello-chain 23
sleep 0.3
pg1=$(($(sb_sf_count sf1 "tcp port 100") + $(sb_sf_count sf2 "tcp port 100")))
sf3=$(sb_sf_count sf3 "tcp port 100")
echo "seen: PG1 (sf1+sf2) $pg1 packets, PG2 (sf3) $sf3 packets"
check "FC1 traffic went through SF1 or SF2" test "$pg1" -gt 0
check "FC1 traffic went through SF3" test "$sf3" -gt 0

# Traffic that does not match FC1 goes straight.
before=$(($(sb_sf_count sf1) + $(sb_sf_count sf2) + $(sb_sf_count sf3)))
check "TCP to port 101 works" sb_sfc_send 101 hello-direct 23
check "ping works" ip netns exec "$SB_PREFIX-client" ping -c 2 -W 1 -q $EX_SERVER
sleep 0.3
after=$(($(sb_sf_count sf1) + $(sb_sf_count sf2) + $(sb_sf_count sf3)))
check "non-matching traffic bypasses every SF ($before -> $after)" test "$before" -eq "$after"

# Load balancing: widen FC1's source ports, then many connections.
fc1_wide=$(sb_etcdctl get "/flowsteer/v1/flow_classifiers/$EX_FC1" --print-value-only |
	sed 's/"source_port_range_min": 23/"source_port_range_min": 1024/; s/"source_port_range_max": 23/"source_port_range_max": 65535/')
rev=$(sb_put_revision "/flowsteer/v1/flow_classifiers/$EX_FC1" "$fc1_wide")
sb_wait_observed "$rev"
s1=$(sb_sf_count sf1 "tcp port 100")
s2=$(sb_sf_count sf2 "tcp port 100")
ok=0
for i in $(seq 1 30); do sb_sfc_send 100 "spread-$i" && ok=$((ok + 1)); done
sleep 0.3
d1=$(($(sb_sf_count sf1 "tcp port 100") - s1))
d2=$(($(sb_sf_count sf2 "tcp port 100") - s2))
echo "30 connections from ephemeral ports: $ok delivered; SF1 saw $d1 packets, SF2 $d2"
check "all 30 connections delivered through the chain" test "$ok" -eq 30
check "flows spread over both SF1 and SF2" test "$d1" -gt 0 -a "$d2" -gt 0

# A malformed manifest is reported and everything else keeps working.
sb_etcdctl put /flowsteer/v1/port_pairs/broken '{"port_pair": {"ingress": "no-such-port", "egress": "'"${EX_PORT}"'02"}}' >/dev/null
rev=$(sb_put_revision /flowsteer/v1/networks/garbage '{"name": ')
sb_wait_observed "$rev"
errors=$(sb_status '["errors"]')
echo "status errors: $errors"
check "bad port pair in status with key, path and reason" \
	grep -q '/flowsteer/v1/port_pairs/broken.*\$.port_pair.ingress.*does not exist' <<<"$errors"
check "invalid JSON in status" grep -q '/flowsteer/v1/networks/garbage.*invalid JSON' <<<"$errors"
check "chain still works with bad manifests around" sb_sfc_send 100 after-bad 23

# Restarting flowsteerd sends no flow mods and leaves flows alone.
age() { sb_ofctl dump-flows br-int table=15 | sed -n 's/.*duration=\([0-9]*\).*/\1/p' | head -1; }
sleep 1.2
before_age=$(age)
sb_stop_flowsteerd
sb_start_flowsteerd
sb_wait_for 10 sh -c "etcdctl --endpoints=$ETCD get /flowsteer/v1/status/$SB_NODE --print-value-only | grep -q '\"flow_mods\":0'"
sleep 0.5
mods=$(sb_status '["last_apply"]["flow_mods"]')
after_age=$(age)
echo "after restart: last_apply.flow_mods=$mods, chain flow age ${before_age}s -> ${after_age}s"
grep -q "flowsteerd on node" "$SB_DIR/flowsteerd.log"
check "restart of flowsteerd: zero flow mods" test "$mods" = 0
check "restart of flowsteerd: flows kept their age" test "$after_age" -ge "$before_age"
check "flow of another cookie survived" hand_flow

# Restarting ovs-vswitchd: flowsteerd re-installs everything.
n_before=$(sb_our_flows | grep -c cookie)
sb_restart_vswitchd
sb_wait_for 15 sh -c "[ \$(ovs-ofctl -O OpenFlow15 dump-flows --no-stats br-int cookie=0xf5e0000000000000/0xffff000000000000 | grep -c cookie) -eq $n_before ]"
check "ovs-vswitchd restart: all $n_before flows back" test "$(sb_our_flows | grep -c cookie)" -eq "$n_before"
check "chain works after ovs-vswitchd restart" sb_sfc_send 100 after-vswitchd 23
# A restart of ovs-vswitchd loses every flow; the other owner adds its own
# again, and flowsteer's next reconciles must leave it alone.
sb_ofctl add-flow br-int "table=55,priority=5,cookie=0x1234,actions=drop"

# Deleting the chain removes its flows and group, nothing else.
rev=$(sb_etcdctl del "/flowsteer/v1/port_chains/$EX_PC1" -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
sb_wait_observed "$rev"
check "chain delete: no chain flows left" test "$(sb_ofctl dump-flows br-int cookie=0xf5e0000200000000/0xffffffff00000000 | grep -c cookie)" -eq 0
check "chain delete: no group left" test "$(sb_ofctl dump-groups br-int | grep -c group_id)" -eq 0
check "chain delete: base flows remain" test "$(sb_our_flows | grep -c cookie)" -gt 0
check "flow of another cookie survived" hand_flow

finish
