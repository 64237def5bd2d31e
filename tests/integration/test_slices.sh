#!/usr/bin/env bash
# Integration test: FlowVisor slices (examples/slices) with real OpenFlow
# controllers.  A private etcd, a private ovs-vswitchd (netdev) with br-int,
# VMs a1, a2 (net-a: the network's own controller, FlowVisor plugin style)
# and b1, b2 (net-b: in slice document slice-b), and one ovs-testcontroller
# (a learning switch) per slice.  Shows: each slice bridge connects to its
# controller and shows it its own ports only; the slice's VMs talk only
# while its controller runs (fail_mode secure) while the other slice
# carries on; nothing of net-b reaches net-a (forged MAC, static ARP,
# broadcast); a moved controller is the same Controller row, bridge and
# ofports; a restart sends nothing; a slice removed takes its bridge.
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script
# exits non-zero if any check failed.  SB_KEEP=1 keeps the temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/slices_example.sh
TEST_NAME=test_slices
source tests/lib/check.sh

BR_B=$(sl_bridge_b)
NET_A=$(sl_id networks net-a)
desired_revision() { sb_desired_revision; }
observed() { sb_wait_observed "$(desired_revision)" "${1:-10}"; }
errors_empty() { eq "$(sb_status '["errors"]' 2>&1)" "[]"; }
bridges() { sb_vsctl list-br | sort | tr '\n' ' '; }
# ofports BRIDGE: "name=ofport" of every port of BRIDGE, sorted.
ofports() {
	local p
	for p in $(sb_vsctl list-ports "$1" | sort); do
		echo -n "$p=$(sb_vsctl get interface "$p" ofport) "
	done
}
ctl_row() { sb_vsctl get bridge "$1" controller; }
# from_b1 CAPTURE: frames of capture CAPTURE sent by b1 (its MAC or IP).
from_b1() { sb_capture_count "$1" "ether src $(sl_mac b1) or src host $(sl_ip b1)"; }

step "sandbox: etcd, ovs-vswitchd (netdev), VMs a1 a2 b1 b2, controllers on :6633 (slice of net-a) and :6634 (slice-b)"
sb_init || exit 1
sb_start_etcd || exit 1
sb_start_ovs || exit 1
sl_vms || exit 1
sl_controller a 6633 || exit 1
sl_controller b 6634 || exit 1
for vm in a1 a2; do sb_capture "$vm" "$vm" "$vm" || exit 1; done
sb_start_flowsteerd

step "net-a without a controller, net-b, the four ports: plain L2 on br-int, no slice bridge"
sl_put networks net-a "$(sl_network net-a "")" >/dev/null
for n in "networks net-b" "ports a1" "ports a2" "ports b1" "ports b2"; do
	# shellcheck disable=SC2086
	sl_put $n >/dev/null
done
observed 15
check "no slice bridge yet" "$(bridges)" eq "$(bridges)" "br-int "
check "a1 pings a2 through br-int" "2 pings" sl_ping a1 a2
check "b1 cannot ping a1 (two networks)" "3 pings unanswered" sl_ping_fails b1 "$(sl_ip a1)"

step "put slice-b: its bridge connects to controller b; b1 and b2 talk through it"
t0=$(sb_now_ms)
sl_put slices slice-b >/dev/null
sb_wait_for 10 sl_connected 6634
t1=$(sb_now_ms)
echo "MEASURE: etcdctl put of slice-b -> ovs-vswitchd connected to its controller: $((t1 - t0)) ms"
check "slice-b's bridge connected to 127.0.0.1:6634 within 10 s" "$((t1 - t0)) ms" sl_connected 6634
check "b1 pings b2 (through slice-b's controller)" "2 pings" sl_ping b1 b2
check "a1 still pings a2 (net-a not sliced yet)" "2 pings" sl_ping a1 a2

step "put net-a with controller 127.0.0.1:6633 (FlowVisor plugin): time to the switch connecting"
t0=$(sb_now_ms)
sl_put networks net-a >/dev/null
sb_wait_for 10 sl_connected 6633
t1=$(sb_now_ms)
ms=$(sl_ping_ms a1 a2 5)
t2=$(sb_now_ms)
echo "MEASURE: etcdctl put of net-a's controller -> its slice bridge connected to the controller: $((t1 - t0)) ms;" \
	"-> a1's first ping to a2 answered through it: $((t2 - t0)) ms"
check "net-a's slice bridge connected to 127.0.0.1:6633 within 10 s" "$((t1 - t0)) ms" sl_connected 6633
BR_A=$(sl_bridge_a)
check "a1 pings a2 through its slice" "${ms:-no answer} ms" test -n "$ms"
observed 15
check "status has no errors" "$(sb_status '["errors"]' 2>&1)" errors_empty
check "two slice bridges beside br-int" "$(bridges)" eq "$(bridges)" "br-int $BR_A $BR_B "
cols=$(sb_vsctl get bridge "$BR_A" fail_mode protocols datapath_type external_ids:flowsteer-owner | tr '\n' ' ')
check "$BR_A: fail_mode secure, OpenFlow10-15, netdev, owner network:<net-a>" "$cols" \
	eq "$cols" "secure [OpenFlow10, OpenFlow11, OpenFlow12, OpenFlow13, OpenFlow14, OpenFlow15] netdev \"network:$NET_A\" "
ctl=$(sb_vsctl get controller "$(ctl_row "$BR_A" | tr -d '[]')" target connection_mode | tr '\n' ' ')
check "$BR_A's controller: tcp:127.0.0.1:6633, out-of-band" "$ctl" eq "$ctl" '"tcp:127.0.0.1:6633" out-of-band '
UPLINK_A=fsw-${BR_A#fsn-} # fsn-, fsu-, fsw- + 8 hex digits of net-a's id's hash
want_a="$(printf '%s\n' fsv-a1 fsv-a2 "$UPLINK_A" "$BR_A" | sort | tr '\n' ' ')"
check "ovs-ofctl show $BR_A (what controller a sees): fsv-a1, fsv-a2 (named after the VMs' ports), net-a's uplink, LOCAL; nothing else" \
	"$(sl_ports "$BR_A")" eq "$(sl_ports "$BR_A")" "$want_a"
check "ovs-ofctl show $BR_B: b1's, b2's, net-b's uplink, LOCAL" "$(sl_ports "$BR_B")" \
	eq "$(sl_ports "$BR_B" | wc -w)" 4
iface=$(sb_vsctl get interface fsv-a1 external_ids:iface-id external_ids:attached-mac external_ids:vm-uuid | tr -d '"' | tr '\n' ' ')
check "a1's port on the slice bridge carries its Neutron port id, MAC, VM" "$iface" \
	eq "$iface" "$(sl_id ports a1) $(sl_mac a1) a1 "
echo "  controller a's switch table: $(sb_ofctl dump-flows "$BR_A" | grep -c 'priority=') flows installed by it"
check "controller a installed flows on its bridge" "$(sb_ofctl dump-flows "$BR_A" | grep -c priority=) flows" \
	gt "$(sb_ofctl dump-flows "$BR_A" | grep -c priority=)" 0
check "no flow of flowsteer's on the slice bridges" \
	"$(sb_ofctl dump-flows "$BR_A" "$SB_COOKIE_OURS" | grep -c cookie=) on $BR_A" \
	eq "$(sb_ofctl dump-flows "$BR_A" "$SB_COOKIE_OURS" | grep -c cookie=)$(sb_ofctl dump-flows "$BR_B" "$SB_COOKIE_OURS" | grep -c cookie=)" 00

if [ -n "${FLOWSTEERCTL:-}" ]; then
	out=$("$FLOWSTEERCTL" trace --node "$SB_NODE" --ovsdb "$SB_OVSDB" --etcd "$ETCD" --from a1 --to a2 icmp 2>&1)
	rc=$?
	sed 's/^/  /' <<<"$out" | grep -E '^  +[0-9]+\.|↳|output' | head -12
	check "flowsteerctl trace a1 -> a2: port security, then table 5 into the slice bridge" \
		"exit $rc, $(grep -m1 'slice bridge' <<<"$out" | sed 's/^ *//')" \
		eval '[ "$rc" = 0 ] && grep -q "↳ slice of network net-a, port a1: the member.s traffic into its slice bridge" <<<"$out"'
fi

step "TCP: a1 -> a2 holds a connection; controller a stopped: new connections fail, slice-b carries on"
sl_server a2 5001 || exit 1
sl_server b2 5002 || exit 1
check "a1 holds a TCP connection to a2 (2 s, 10 lines)" "10 lines" sl_hold a1 a2 5001 held 10
check "a new connection a1 -> a2 while controller a runs" "1 line" sl_send a1 a2 5001 before
sl_stop_controller a
sb_wait_for 10 eval '! sl_connected 6633'
check "with controller a stopped, a new connection a1 -> a2 fails (fail_mode secure)" \
	"no line" eval '! sl_send a1 a2 5001 during'
check "slice-b carries on: a new connection b1 -> b2" "1 line" sl_send b1 b2 5002 during
check "b1 pings b2" "2 pings" sl_ping b1 b2
sl_controller a 6633 || exit 1
sb_wait_for 15 sl_connected 6633
check "controller a back: bridge reconnected" "" sl_connected 6633
check "a new connection a1 -> a2 works again" "1 line" sb_wait_for 10 sl_send a1 a2 5001 after

step "isolation: nothing from b1 reaches net-a (static ARP, forged MAC, broadcast)"
a1_before=$(from_b1 a1) a2_before=$(from_b1 a2)
check "b1 cannot ping a1" "3 pings unanswered" sl_ping_fails b1 "$(sl_ip a1)"
ip netns exec "$SB_PREFIX-b1" ip neigh replace "$(sl_ip a1)" lladdr "$(sl_mac a1)" dev b1 nud permanent
check "b1 with a static ARP entry for a1 (unicast to a1's MAC) cannot ping a1" \
	"3 pings unanswered" sl_ping_fails b1 "$(sl_ip a1)"
check "b1's broadcast ping reaches no one of net-a" "3 pings unanswered" \
	sl_ping_fails b1 10.70.0.255 -b
ip netns exec "$SB_PREFIX-b1" ip link set b1 address "$(sl_mac a2)"
check "b1 forging a2's MAC cannot ping a1" "3 pings unanswered" sl_ping_fails b1 "$(sl_ip a1)"
ip netns exec "$SB_PREFIX-b1" ip link set b1 address "$(sl_mac b1)"
# Whatever the controller installs: slice-b's bridge floods everything,
# out of every port of it (its uplink included), and b1 addresses a1.
sb_ofctl add-flow "$BR_B" "priority=65535,cookie=0x66,actions=FLOOD"
check "with a flood-everything flow on slice-b's bridge, b1 (static ARP for a1) still cannot ping a1" \
	"3 pings unanswered" sl_ping_fails b1 "$(sl_ip a1)"
check "... nor broadcast to net-a" "3 pings unanswered" sl_ping_fails b1 10.70.0.255 -b
sb_ofctl del-flows "$BR_B" cookie=0x66/-1
ip netns exec "$SB_PREFIX-b1" ip neigh flush dev b1
sleep 0.3
check "a1's and a2's captures hold nothing b1 sent" "a1 $(from_b1 a1) (was $a1_before), a2 $(from_b1 a2) (was $a2_before)" \
	eq "$(from_b1 a1)$(from_b1 a2)" "00"
check "b1 still pings b2" "2 pings" sl_ping b1 b2

step "move net-a's controller to :6635: same Controller row, same bridge, same ofports; slice-b untouched"
sl_controller a2 6635 || exit 1
ports_before=$(ofports "$BR_A") row_before=$(ctl_row "$BR_A") br_before=$(sb_vsctl get bridge "$BR_A" _uuid)
b_row_before=$(ctl_row "$BR_B") b_ports_before=$(ofports "$BR_B")
t0=$(sb_now_ms)
sl_put networks net-a "$(sl_network net-a 127.0.0.1:6635)" >/dev/null
sb_wait_for 10 sl_connected 6635
t1=$(sb_now_ms)
echo "MEASURE: put of net-a's controller moved to :6635 -> connected there: $((t1 - t0)) ms"
check "$BR_A connected to 127.0.0.1:6635" "$((t1 - t0)) ms" sl_connected 6635
check "the log says what changed: bridge created, then its controller updated" \
	"$(grep -o 'OVSDB: [a-z]* bridge '"$BR_A"'[^,]*' "$SB_DIR/flowsteerd.log" | tr '\n' ';')" \
	eval "grep -q 'OVSDB: created bridge $BR_A (controller tcp:127.0.0.1:6633)' $SB_DIR/flowsteerd.log &&
		grep -q 'OVSDB: updated bridge $BR_A (controller tcp:127.0.0.1:6635)' $SB_DIR/flowsteerd.log"
sb_wait_for 10 eval '! sl_connected 6633'
check "and no longer to :6633" "" eval '! sl_connected 6633'
check "the same Controller row, target updated in place" "$row_before -> $(ctl_row "$BR_A"): $(sb_vsctl get controller "$(ctl_row "$BR_A" | tr -d '[]')" target)" \
	eq "$(ctl_row "$BR_A")" "$row_before"
check "the same bridge row" "$(sb_vsctl get bridge "$BR_A" _uuid)" eq "$(sb_vsctl get bridge "$BR_A" _uuid)" "$br_before"
check "the same ports and ofports on $BR_A" "$(ofports "$BR_A")" eq "$(ofports "$BR_A")" "$ports_before"
check "slice-b: same Controller row and ofports" "$(ctl_row "$BR_B") $(ofports "$BR_B")" \
	eq "$(ctl_row "$BR_B") $(ofports "$BR_B")" "$b_row_before $b_ports_before"
check "a1 pings a2 through the new controller" "2 pings" sb_wait_for 5 sl_ping a1 a2
check "b1 pings b2" "2 pings" sl_ping b1 b2

step "restart flowsteerd: nothing to do, nothing sent"
observed 15
sb_start_monitor restart
sb_start_db_monitor restart || exit 1
sb_restart_flowsteerd_observed
changes=$(sb_stop_monitor restart)
db_changes=$(sb_stop_db_monitor restart)
last=$(sb_status '["last_apply"]' 2>&1)
echo "MEASURE: no-op reconcile after a flowsteerd restart: last_apply $last; flow changes $changes; OVSDB row changes $db_changes"
check "status after restart: last_apply flow_mods, group_mods, ovsdb_txns all 0" "$last" \
	eq "$(json_get '["flow_mods"]' <<<"$last" 2>&1)/$(json_get '["group_mods"]' <<<"$last" 2>&1)/$(json_get '["ovsdb_txns"]' <<<"$last" 2>&1)" "0/0/0"
check "OVS saw no flow table change on br-int" "$changes events" eq "$changes" 0
check "OVSDB saw no row change" "$db_changes: $(sb_db_monitor_changes restart | head -3)" eq "$db_changes" 0

step "delete slice-b: its bridge and patch ports go; b1 and b2 are plain L2 ports again"
# slice-b's patch ports on br-int: the peers of its bridge's patch ports.
b_int_ports=$(for p in $(sb_vsctl list-ports "$BR_B"); do
	sb_vsctl get interface "$p" options:peer | tr -d '"'
done | sort | tr '\n' ' ')
sb_etcdctl del "$(sl_key slices slice-b)" >/dev/null
observed 15
sb_wait_for 10 eval "! sb_vsctl br-exists $BR_B"
check "slice-b's bridge is gone" "$(bridges)" eq "$(bridges)" "br-int $BR_A "
check "slice-b's patch ports on br-int ($b_int_ports) are gone" "br-int: $(sb_vsctl list-ports br-int | tr '\n' ' ')" \
	eval '[ "$(wc -w <<<"$b_int_ports")" = 3 ] && ! sb_vsctl list-ports br-int | grep -qxF -f <(tr " " "\n" <<<"$b_int_ports" | grep .)'
check "b1 pings b2 through br-int" "2 pings" sb_wait_for 5 sl_ping b1 b2
check "b1 still cannot ping a1" "3 pings unanswered" sl_ping_fails b1 "$(sl_ip a1)"
check "status has no errors" "$(sb_status '["errors"]' 2>&1)" errors_empty

finish
