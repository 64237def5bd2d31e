#!/usr/bin/env bash
# Integration test: provider networks (examples/provider) end to end: a
# private etcd, a private ovs-vswitchd (userspace datapath) in its own
# namespace with br-int, the operator's provider bridges br-phys, br-phys2
# (and br-phys3), and br-tor playing the physical switch (NORMAL, hosts
# p100, p200, pflat behind access ports); flowsteerd ($FLOWSTEERD) adds the
# patch ports and the flows.  Real ICMP/TCP between namespaces; tcpdump -e
# on the trunk veths shows what the physical wire carries (802.1Q tags).
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed, and then shows the end of flowsteerd's log.
# SB_KEEP=1 keeps the sandbox's temp dir (logs, pcaps, monitors).
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/provider_example.sh
TEST_NAME=test_provider
source tests/lib/check.sh

SFC_FLOWS=cookie=0xf5e0000200000000/0xffffffff00000000 # every chain's flows
VM1=$(px_ip vm1) VM2=$(px_ip vm2) VM3=$(px_ip vm3) VM4=$(px_ip vm4)
SPOOF_IP=10.100.0.77 SPOOF_MAC=fa:16:3e:01:00:77

# ports BRIDGE: its port names, sorted, on one line.
ports() { sb_vsctl list-ports "$1" | sort | tr '\n' ' '; }
has_port() { sb_vsctl list-ports "$1" | grep -qx "$2"; }
no_port() { ! has_port "$@"; }
# where PORT: the bridge PORT is on ("" if none).
where() { sb_vsctl port-to-br "$1" 2>/dev/null; }
iface_uuids() { # the _uuid of every patch interface and port of ours
	local p
	for p in fsi-physnet1 fsp-physnet1 fsi-physnet2 fsp-physnet2; do
		echo "$p $(sb_vsctl get interface "$p" _uuid 2>&1) $(sb_vsctl get port "$p" _uuid 2>&1)"
	done
}
desired_revision() { sb_desired_revision; }
observed() { # waits until flowsteerd reports the last desired state in OVS
	sb_wait_observed "$(desired_revision)" "${1:-10}"
}
uuids_kept() { # the patch ports exist with the _uuids of $uuids_before
	! grep -q 'no row' <<<"$uuids_before" && eq "$(iface_uuids)" "$uuids_before"
}
errors_empty() { eq "$(sb_status '["errors"]' 2>&1)" "[]"; }

step "sandbox: etcd, ovs-vswitchd (netdev), br-phys, br-phys2, br-phys3, br-tor, p100, p200, pflat, vm1..vm4, sf1"
sb_init || exit 1
sb_start_etcd || exit 1
CHASSIS_KEY=$(px_key chassis node1)
sb_start_ovs || exit 1
sb_provider_physical br-phys3 || exit 1
sb_provider_vms || exit 1

# Another owner's port and flow on br-int and on br-phys: they must
# survive every reconcile (foreign_kept BRIDGE: the flow is there and was
# never replaced: its age covers the time since it was added).
sb_vsctl add-port br-int foreign0 -- set interface foreign0 type=internal
sb_vsctl add-port br-phys foreign1 -- set interface foreign1 type=internal
FOREIGN_UUIDS="$(sb_vsctl get port foreign0 _uuid) $(sb_vsctl get port foreign1 _uuid)"
add_foreign_flows() {
	ovs-ofctl add-flow br-int "table=0,priority=1,cookie=0x1234,in_port=LOCAL,actions=drop"
	ovs-ofctl add-flow br-phys "table=0,priority=1,cookie=0x1234,in_port=LOCAL,actions=drop"
	foreign_added=$(sb_now_ms)
}
add_foreign_flows
foreign_age() { # BRIDGE: age (s) of its cookie 0x1234 flow
	ovs-ofctl dump-flows "$1" cookie=0x1234/-1 | grep 'in_port=LOCAL actions=drop' |
		sed -n 's/.* duration=\([0-9.]*\)s,.*/\1/p' | grep .
}
foreign_kept() {
	local age
	age=$(foreign_age "$1") || return 1
	python3 -c "import sys; sys.exit(0 if $age * 1000 >= $(($(sb_now_ms) - foreign_added - 1000)) else 1)"
}
foreign_ok() { # foreign ports (same rows) and flows on br-int and br-phys
	eq "$(sb_vsctl get port foreign0 _uuid 2>&1) $(sb_vsctl get port foreign1 _uuid 2>&1)" "$FOREIGN_UUIDS" &&
		foreign_kept br-int && foreign_kept br-phys
}
foreign_saw() { echo "foreign0 on $(where foreign0), foreign1 on $(where foreign1), flow ages br-int $(foreign_age br-int)s br-phys $(foreign_age br-phys)s"; }

# What the wire carries, from the start: the trunks of the provider
# bridges (in the OVS namespace) and each VM's interface.
sb_capture trunk1 ovs o-trunk1 || exit 1
sb_capture trunk2 ovs o-trunk2 || exit 1
sb_capture trunk3 ovs o-trunk3 || exit 1
for vm in vm1 vm2 vm3 vm4; do sb_capture "$vm" "$vm" "$vm" || exit 1; done

sb_start_flowsteerd

step "put the networks and the chassis: no local port yet, so no patch port"
examples/provider/put.sh -e "$ETCD" -k networks,chassis "$SB_NODE" json | sed 's/^/  /'
observed 15
check "flowsteerd converged networks and chassis (observed_revision)" \
	"$(sb_status '["observed_revision"]' 2>&1)" sb_observed_at_least "$(desired_revision)"
check "no patch port before a local port needs one" "br-int: $(ports br-int)" \
	eval '! sb_vsctl list-ports br-int | grep -q ^fsi-'

step "put vm1's port (net-v100, VLAN 100 on physnet1); time until vm1 pings p100"
t0=$(sb_now_ms)
sb_etcdctl put "$(px_key ports vm1)" "$(px_manifest ports vm1)" >/dev/null
ms=$(px_ping_ms vm1 "$PX_P100" 10)
t1=$(sb_now_ms)
echo "MEASURE: etcdctl put of port vm1 -> first ping answered by p100 through br-phys: ${ms:-no answer after $((t1 - t0))} ms" \
	"(patch port created, flows installed, ARP and ICMP across the provider network)"
check "vm1 pings p100 within 3 s of its port's put" "${ms:-no answer} ms" test "${ms:-99999}" -lt 3000
check "physnet1's patch pair exists (fsi-physnet1 on br-int, fsp-physnet1 on br-phys)" \
	"fsi-physnet1 on '$(where fsi-physnet1)', fsp-physnet1 on '$(where fsp-physnet1)'" \
	eq "$(where fsi-physnet1) $(where fsp-physnet1)" "br-int br-phys"
check "no physnet2 patch yet (no local port on net-flat)" "br-int: $(ports br-int)" no_port br-int fsi-physnet2

step "put the other ports, the port pair, its group and the classifier (put.sh, JSON)"
examples/provider/put.sh -e "$ETCD" -k ports,port_pairs,port_pair_groups,flow_classifiers \
	"$SB_NODE" json | sed 's/^/  /'
observed 15
check "flowsteerd converged (status observed_revision >= $(desired_revision))" \
	"$(sb_status '["observed_revision"]' 2>&1)" sb_observed_at_least "$(desired_revision)"
check "status has no errors" "$(sb_status '["errors"]' 2>&1)" errors_empty
pair() { # PHYSNET: "<bridge> <type> <peer>" of fsi-PHYSNET, then of fsp-PHYSNET
	local end
	for end in fsi fsp; do
		echo -n "$(where "$end-$1") $(sb_vsctl get interface "$end-$1" type options:peer 2>&1 | tr -d '"' | tr '\n' ' ')"
	done
}
owners() { # PHYSNET: external_ids:flowsteer-owner of both ends (Interface and Port rows)
	local end table
	for end in fsi fsp; do
		for table in interface port; do
			echo -n "$(sb_vsctl get "$table" "$end-$1" external_ids:flowsteer-owner 2>&1 | tr -d '"') "
		done
	done
}
for pn in physnet1:br-phys physnet2:br-phys2; do
	p=${pn%%:*} br=${pn#*:}
	check "patch pair of $p: fsi-$p on br-int <-> fsp-$p on $br" "$(pair "$p")" \
		eq "$(pair "$p")" "br-int patch fsp-$p $br patch fsi-$p "
	check "its Interface and Port rows carry external_ids:flowsteer-owner=provider:$p" "$(owners "$p")" \
		eq "$(owners "$p")" "$(printf 'provider:%s ' "$p" "$p" "$p" "$p")"
done
check "br-phys keeps its other ports" "br-phys: $(ports br-phys)" eq "$(ports br-phys)" "foreign1 fsp-physnet1 o-trunk1 "
n_phys=$(ovs-ofctl dump-flows br-phys | grep -c 'cookie=0xf5e')
check "no flowsteer flow on the provider bridges" "$n_phys on br-phys, $(ovs-ofctl dump-flows br-phys2 | grep -c 'cookie=0xf5e') on br-phys2" \
	eq "$n_phys $(ovs-ofctl dump-flows br-phys2 | grep -c 'cookie=0xf5e')" "0 0"
check "foreign port and flow on br-int and br-phys untouched" "$(foreign_saw)" foreign_ok

step "VLAN 100: vm1 <-> p100, 802.1Q on the wire"
check "vm1 pings p100 ($PX_P100)" "2 pings" px_ping vm1 "$PX_P100"
px_server p100 5001 || exit 1
px_server p100 80 || exit 1
px_hold vm1 p100 5001 held 10
rc=$?
check "vm1 holds a TCP connection to p100:5001 (10 lines over 2 s)" \
	"$(grep -c '^held-' "$SB_DIR/p100-5001.txt" 2>/dev/null) of 10 lines received" eq "$rc" 0
sleep 0.2
tagged=$(sb_capture_count trunk1 "vlan 100 and icmp and host $VM1 and host $PX_P100")
echo "  on o-trunk1: $(sb_capture_show trunk1 "vlan 100 and icmp and src host $VM1" | head -1 | cut -d' ' -f2-)"
check "o-trunk1 carries vm1's ICMP with 802.1Q tag vlan 100" "$tagged frames" gt "$tagged" 0
tcp_tagged=$(sb_capture_count trunk1 "vlan 100 and tcp port 5001")
check "... and its TCP" "$tcp_tagged frames" gt "$tcp_tagged" 0
untagged=$(sb_capture_count trunk1 "host $VM1")
check "no untagged frame of vm1 on o-trunk1" "$untagged" eq "$untagged" 0
check "vm3 (VLAN 200) pings p200 ($PX_P200)" "2 pings" px_ping vm3 "$PX_P200"
sleep 0.2
n200=$(sb_capture_count trunk1 "vlan 200 and icmp and host $VM3")
check "o-trunk1 carries vm3's ICMP with vlan 200" "$n200 frames" gt "$n200" 0

step "flat: vm4 <-> pflat, untagged on the wire"
check "vm4 pings pflat ($PX_PFLAT)" "2 pings" px_ping vm4 "$PX_PFLAT"
sleep 0.2
flat=$(sb_capture_grep trunk2 "ethertype IPv4 .*$VM4 > $PX_PFLAT: ICMP")
echo "  on o-trunk2: $(sb_capture_show trunk2 "icmp and src host $VM4" | head -1 | cut -d' ' -f2-)"
check "o-trunk2 carries vm4's ICMP untagged (ethertype IPv4)" "$flat frames" gt "$flat" 0
n_vlan=$(sb_capture_count trunk2 vlan)
check "no 802.1Q frame on o-trunk2" "$n_vlan" eq "$n_vlan" 0

step "isolation"
check "vm1 (VLAN 100) does not reach p200 (VLAN 200)" "no reply" px_ping_fails vm1 "$PX_P200"
check "vm1 does not reach vm3 (VLAN 200, same node)" "no reply" px_ping_fails vm1 "$VM3"
check "vm1 does not reach pflat" "no reply" px_ping_fails vm1 "$PX_PFLAT"
check "vm1 pings vm2 (same network, same node)" "2 pings" px_ping vm1 "$VM2"
sleep 0.2
direct=$(($(sb_capture_count trunk1 "icmp and host $VM1 and host $VM2") + $(sb_capture_count trunk1 "vlan and icmp and host $VM1 and host $VM2")))
check "... directly: none of their ICMP on o-trunk1" "$direct frames" eq "$direct" 0
ip netns exec "$SB_PREFIX-p100" ping -b -c 2 -i 0.2 -W 1 -q "$PX_P100_BCAST" >/dev/null 2>&1
sleep 0.3
bc() { sb_capture_count "$1" "icmp and src host $PX_P100 and dst host $PX_P100_BCAST"; }
saw="vm1 $(bc vm1), vm2 $(bc vm2), vm3 $(bc vm3), vm4 $(bc vm4) broadcast pings"
check "a broadcast from p100 reaches vm1 and vm2" "$saw" eq "$(($(bc vm1) > 0)) $(($(bc vm2) > 0))" "1 1"
check "... and neither vm3 nor vm4" "$saw" eq "$(bc vm3) $(bc vm4)" "0 0"

step "the chain PCv on VLAN 100: HTTP from vm1 to p100 through sf1"
# PPv is in OVS: sf1's ports left L2, so bridging them cannot loop.
sb_sf_bridge sf1 && sb_sf_capture sf1 || exit 1
chain_in_ovs() { sb_ofctl dump-flows --no-stats br-int "$SFC_FLOWS" | grep -q cookie=; }
t0=$(sb_now_ms)
rev=$(sb_put_revision "$(px_key port_chains PCv)" "$(px_manifest port_chains PCv)")
sb_wait_for 10 chain_in_ovs
t1=$(sb_now_ms)
sb_wait_observed "$rev"
echo "MEASURE: etcdctl put of PCv -> its flows in OVS: $((t1 - t0)) ms (path id allocation included)"
check "chain flows in OVS within 3 s of the put" "$((t1 - t0)) ms, $(sb_count_flows "$SFC_FLOWS") flows" test $((t1 - t0)) -lt 3000
check "TCP vm1 -> p100:80 delivered" "line received by p100" px_send vm1 p100 80 via-chain
sleep 0.2
syn_in=$(sb_sf_count sf1 "tcp dst port 80 and tcp[tcpflags] == tcp-syn")
syn_out=$(sb_sf_count sf1 "tcp dst port 80 and tcp[tcpflags] == tcp-syn" out)
check "the SYN went through sf1, in and out" "sf1 in $syn_in, out $syn_out" eq "$syn_in $syn_out" "1 1"
back=$(sb_sf_count sf1 "src host $PX_P100")
check "p100's replies bypass sf1 (chain not symmetric)" "$back packets" eq "$back" 0
n80=$(sb_capture_count trunk1 "vlan 100 and tcp dst port 80 and src host $VM1")
check "after sf1 the chain's packets leave on VLAN 100" "$n80 frames on o-trunk1" gt "$n80" 0
before=$(sb_sf_count sf1 "tcp or icmp")
check "TCP vm1 -> p100:5001 (not FCv) delivered" "line received" px_send vm1 p100 5001 not-chain
check "ping vm1 -> p100" "2 pings" px_ping vm1 "$PX_P100"
sleep 0.2
check "... through no SF" "sf1 packets $before -> $(sb_sf_count sf1 "tcp or icmp")" eq "$(sb_sf_count sf1 "tcp or icmp")" "$before"

step "the YAML copy of the manifests describes the same state"
flows_before=$(sb_our_flows | sort)
sb_start_monitor yaml
sb_start_db_monitor yaml || exit 1
examples/provider/put.sh -e "$ETCD" "$SB_NODE" yaml >/dev/null
observed
sleep 0.3
changes=$(sb_stop_monitor yaml)
db_changes=$(sb_stop_db_monitor yaml)
check "re-putting everything as YAML changes no flow and no OVSDB row" \
	"$changes flow table events, $db_changes OVSDB row changes, errors $(sb_status '["errors"]' 2>&1)" \
	eq "$changes $db_changes $(sb_status '["errors"]' 2>&1)" "0 0 []"
check "same flows after the YAML put" "$(sb_our_flows | wc -l) flows" eq "$(sb_our_flows | sort)" "$flows_before"

step "port security"
ns1=$SB_PREFIX-vm1
ip netns exec "$ns1" ip addr add "$SPOOF_IP/32" dev vm1
check "vm1 pinging p100 from $SPOOF_IP (not its address) gets no reply" "no reply" \
	px_ping_fails vm1 "$PX_P100" -I "$SPOOF_IP"
sleep 0.2
sent=$(sb_capture_count vm1 "src host $SPOOF_IP")
spoofed=$(sb_capture_grep trunk1 "${SPOOF_IP//./\\.}")
check "... though vm1 sent them, nothing from $SPOOF_IP reaches o-trunk1" \
	"$sent frames sent by vm1, $spoofed on o-trunk1" eq "$((sent > 0)) $spoofed" "1 0"
ip netns exec "$ns1" ip addr del "$SPOOF_IP/32" dev vm1
# (while up: a veth takes a new MAC live; down and up would flush vm1's routes)
ip netns exec "$ns1" ip link set vm1 address "$SPOOF_MAC"
check "vm1 with MAC $SPOOF_MAC gets no reply from p100" "no reply" px_ping_fails vm1 "$PX_P100"
check "... nor from vm2" "no reply" px_ping_fails vm1 "$VM2"
sleep 0.2
sent=$(sb_capture_count vm1 "ether src $SPOOF_MAC")
spoofed=$(sb_capture_grep trunk1 "$SPOOF_MAC")
check "... though vm1 sent them, no frame from $SPOOF_MAC reaches o-trunk1" \
	"$sent frames sent by vm1, $spoofed on o-trunk1" eq "$((sent > 0)) $spoofed" "1 0"
ip netns exec "$ns1" ip link set vm1 address "$(px_mac vm1)"
check "vm1 with its own MAC again pings p100" "2 pings" px_ping vm1 "$PX_P100"
px_vip_up || exit 1
check "vm2's allowed address pair ($PX_VIP, $PX_VIP_MAC) pings p100" "2 pings" \
	px_ping vm2 "$PX_P100" -I vip
sleep 0.2
vip=$(sb_capture_count trunk1 "vlan 100 and icmp and src host $PX_VIP and ether src $PX_VIP_MAC")
check "... tagged vlan 100 on o-trunk1 with the pair's MAC" "$vip frames" gt "$vip" 0

# The flows of net-v100 (cookie object = its network key, see
# render/pipeline.h), found from the provider flow that matches VLAN 100.
v100_key=$(sb_our_flows "table=3" | grep -E 'dl_vlan=100([, ]|$)' | head -1 |
	sed -n 's/^ *cookie=0x[0-9a-f]*\([0-9a-f]\{8\}\),.*/\1/p')
V100_FLOWS=cookie=0xf5e00000${v100_key:-ffffffff}/0xffff0000ffffffff
v100_ages() { sb_flow_ages "$V100_FLOWS" | sort -k2 >"$SB_DIR/v100-$1"; }
kept_age() { # BEFORE AFTER: every flow is still there, older than before
	python3 - "$@" <<'EOF'
import sys
def ages(p):
    return {l.split(" ", 1)[1]: float(l.split(" ", 1)[0]) for l in open(p) if l.strip()}
b, a = ages(sys.argv[1]), ages(sys.argv[2])
older = sum(1 for k in b if k in a and a[k] > b[k])
print(f"{older} of {len(b)} flows kept their age, {len(a)} flows after")
sys.exit(0 if b and older == len(b) == len(a) else 1)
EOF
}
v100_kept() { # NAME: net-v100's flows kept their age since v100_ages NAME
	local saw rc
	v100_ages "$1-after"
	saw=$(kept_age "$SB_DIR/v100-$1" "$SB_DIR/v100-$1-after")
	rc=$?
	check "no flow of net-v100 (key 0x${v100_key:-?}) reinstalled" "$saw" eq "$rc" 0
	local ev
	ev=$(grep 'event=' "$SB_DIR/monitor-$1.log" | grep -ci "${v100_key:-xxxxxxxx}")
	check "... no flow table event of net-v100" "$ev events" eq "$ev" 0
}

step "mapping removed: the chassis maps physnet1 only"
check "net-v100's network key found (table 3, dl_vlan=100)" "key '0x$v100_key'" test -n "$v100_key"
sleep 1
v100_ages unmap
sb_start_monitor unmap
rev=$(sb_put_revision "$CHASSIS_KEY" "$(px_chassis '"physnet1:br-phys"')")
sb_wait_observed "$rev"
check "fsi-physnet2 gone from br-int, fsp-physnet2 from br-phys2" "br-int: $(ports br-int); br-phys2: $(ports br-phys2)" \
	eval 'no_port br-int fsi-physnet2 && no_port br-phys2 fsp-physnet2'
check "physnet1's pair stays" "fsi-physnet1 on '$(where fsi-physnet1)', fsp-physnet1 on '$(where fsp-physnet1)'" \
	eq "$(where fsi-physnet1) $(where fsp-physnet1)" "br-int br-phys"
check "vm4 no longer reaches pflat" "no reply" px_ping_fails vm4 "$PX_PFLAT"
check "vm1 still pings p100" "2 pings" px_ping vm1 "$PX_P100"
check "vm3 still pings p200" "2 pings" px_ping vm3 "$PX_P200"
sb_stop_monitor unmap >/dev/null
v100_kept unmap

step "mapping moved: physnet2 on br-phys3"
v100_ages move
sb_start_monitor move
rev=$(sb_put_revision "$CHASSIS_KEY" "$(px_chassis '["physnet1:br-phys", "physnet2:br-phys3"]')")
sb_wait_observed "$rev"
check "fsp-physnet2 on br-phys3, none on br-phys2, fsi-physnet2 on br-int" \
	"fsp-physnet2 on '$(where fsp-physnet2)', fsi-physnet2 on '$(where fsi-physnet2)'; br-phys2: $(ports br-phys2)" \
	eq "$(where fsp-physnet2) $(where fsi-physnet2) $(ports br-phys2)" "br-phys3 br-int o-trunk2 "
check "vm4 reaches pflat again (through br-phys3)" "2 pings" px_ping vm4 "$PX_PFLAT"
sleep 0.2
flat3=$(sb_capture_grep trunk3 "ethertype IPv4 .*$VM4 > $PX_PFLAT: ICMP")
check "o-trunk3 carries vm4's ICMP untagged" "$flat3 frames" gt "$flat3" 0
check "vm1 still pings p100" "2 pings" px_ping vm1 "$PX_P100"
sb_stop_monitor move >/dev/null
v100_kept move

step "mapping to a bridge that does not exist: physnet2:br-missing"
rev=$(sb_put_revision "$CHASSIS_KEY" "$(px_chassis '"physnet1:br-phys,physnet2:br-missing"')")
sb_wait_observed "$rev"
names_missing() { # an error or note names node1's chassis, physnet2 and br-missing
	sb_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
node = sys.argv[1]
for e in (s.get("errors") or []) + (s.get("notes") or []):
    t = json.dumps(e)
    if node in t and "physnet2" in t and "br-missing" in t:
        print(t); sys.exit(0)
sys.exit(1)' "$SB_NODE"
}
check "status names chassis $SB_NODE, physnet2 and br-missing" "$(names_missing || sb_status '["errors"]'; sb_status '["notes"]')" names_missing
check "no fsp-physnet2 anywhere" "fsp-physnet2 on '$(where fsp-physnet2)'" eq "$(where fsp-physnet2)" ""
check "vm1 still pings p100" "2 pings" px_ping vm1 "$PX_P100"
check "vm3 still pings p200" "2 pings" px_ping vm3 "$PX_P200"
check "the chain still works" "line received" px_send vm1 p100 80 missing-bridge
t0=$(sb_now_ms)
sb_vsctl add-br br-missing -- set bridge br-missing datapath_type=netdev
sb_wait_for 5 has_port br-missing fsp-physnet2
t1=$(sb_now_ms)
echo "MEASURE: provider bridge created -> flowsteer's patch port on it: $((t1 - t0)) ms"
check "fsp-physnet2 appears on br-missing within 1 s of the bridge" "$((t1 - t0)) ms, br-missing: $(ports br-missing)" \
	eval "has_port br-missing fsp-physnet2 && [ $((t1 - t0)) -lt 1000 ]"
rev=$(sb_put_revision "$CHASSIS_KEY" "$(px_manifest chassis node1)")
sb_wait_observed "$rev"
check "back to physnet2:br-phys2: pair there, none on br-phys3 or br-missing" \
	"fsp-physnet2 on '$(where fsp-physnet2)'; br-phys3: $(ports br-phys3); br-missing: $(ports br-missing)" \
	eq "$(where fsp-physnet2) $(ports br-phys3)$(ports br-missing)" "br-phys2 o-trunk3 "
check "vm4 pings pflat" "2 pings" px_ping vm4 "$PX_PFLAT"
check "status has no errors" "$(sb_status '["errors"]' 2>&1)" errors_empty
check "foreign port and flow on br-int and br-phys untouched" "$(foreign_saw)" foreign_ok

step "restart flowsteerd: nothing to do, nothing sent"
sleep 1
uuids_before=$(iface_uuids)
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-before"
sb_start_monitor restart
sb_start_db_monitor restart || exit 1
sb_restart_flowsteerd_observed
changes=$(sb_stop_monitor restart)
db_changes=$(sb_stop_db_monitor restart)
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-after"
last=$(sb_status '["last_apply"]' 2>&1)
echo "MEASURE: no-op reconcile after a flowsteerd restart: last_apply $last;" \
	"flow table changes seen by ovs-ofctl monitor: $changes; OVSDB row changes seen by ovsdb-client monitor: $db_changes"
check "status after restart: last_apply flow_mods, group_mods, ovsdb_txns all 0" "$last" \
	eq "$(json_get '["flow_mods"]' <<<"$last" 2>&1)/$(json_get '["group_mods"]' <<<"$last" 2>&1)/$(json_get '["ovsdb_txns"]' <<<"$last" 2>&1)" "0/0/0"
check "OVS saw no flow table change" "$changes events from ovs-ofctl monitor" eq "$changes" 0
check "OVSDB saw no row change" "$db_changes: $(sb_db_monitor_changes restart | head -3)" eq "$db_changes" 0
aged=$(kept_age "$SB_DIR/ages-before" "$SB_DIR/ages-after")
aged_rc=$?
check "installed flows kept their age" "$aged" eq "$aged_rc" 0
check "patch ports not recreated" "$(iface_uuids | tr '\n' ';')" uuids_kept

step "restart ovsdb-server: flowsteerd reconnects, recreates nothing"
sb_start_monitor ovsdb
sb_restart_ovsdb || exit 1
sb_start_db_monitor ovsdb || exit 1
# A put after the restart: once it is observed, flowsteerd has its OVSDB
# connection back and has reconciled.
rev=$(sb_put_revision "$(px_key networks net-v100)" "$(px_manifest networks net-v100)")
sb_wait_observed "$rev" 15
sleep 0.5
changes=$(sb_stop_monitor ovsdb)
db_changes=$(sb_stop_db_monitor ovsdb)
check "flowsteerd observed a put made after the restart" "observed_revision $(sb_status '["observed_revision"]' 2>&1), wanted $rev" sb_observed_at_least "$rev"
check "patch ports not recreated (same _uuid)" "$(iface_uuids | tr '\n' ';')" uuids_kept
check "no flow table change, no OVSDB row change" "$changes flow events, $db_changes row changes" eq "$changes $db_changes" "0 0"
check "vm1 pings p100" "2 pings" px_ping vm1 "$PX_P100"
check "vm4 pings pflat" "2 pings" px_ping vm4 "$PX_PFLAT"

step "restart ovs-vswitchd: flows come back, rows stay"
n_ours=$(sb_count_flows "$SB_COOKIE_OURS")
check "foreign flows survived everything so far" "$(foreign_saw)" foreign_ok
sb_start_db_monitor vswitchd || exit 1
sb_restart_vswitchd || exit 1
flows_back() { eq "$(sb_count_flows "$SB_COOKIE_OURS")" "$n_ours"; }
sb_wait_for 15 flows_back
db_changes=$(sb_stop_db_monitor vswitchd)
check "all flowsteer flows back" "$(sb_count_flows "$SB_COOKIE_OURS") of $n_ours" flows_back
check "patch ports not recreated (same _uuid)" "$(iface_uuids | tr '\n' ';')" uuids_kept
check "no OVSDB row change by flowsteerd" "$db_changes: $(sb_db_monitor_changes vswitchd | head -3)" eq "$db_changes" 0
check "vm1 pings p100" "2 pings" px_ping vm1 "$PX_P100"
check "vm1 holds a TCP connection to p100:5001" "lines received" px_hold vm1 p100 5001 after-vswitchd 5
check "vm4 pings pflat" "2 pings" px_ping vm4 "$PX_PFLAT"
check "vm1 does not reach p200" "no reply" px_ping_fails vm1 "$PX_P200"
syn_in=$(sb_sf_count sf1 "tcp dst port 80 and tcp[tcpflags] == tcp-syn")
check "the chain works" "line received" px_send vm1 p100 80 after-vswitchd
sleep 0.2
check "... through sf1" "sf1 SYNs $syn_in -> $(sb_sf_count sf1 "tcp dst port 80 and tcp[tcpflags] == tcp-syn")" \
	eq "$(sb_sf_count sf1 "tcp dst port 80 and tcp[tcpflags] == tcp-syn")" $((syn_in + 1))
check "foreign ports kept their rows" "foreign0 on $(where foreign0), foreign1 on $(where foreign1)" \
	eq "$(sb_vsctl get port foreign0 _uuid 2>&1) $(sb_vsctl get port foreign1 _uuid 2>&1)" "$FOREIGN_UUIDS"
# ovs-vswitchd keeps no flows across a restart: their owner would add them
# again, so do we.
add_foreign_flows
observed
sleep 0.5
check "flowsteerd leaves the re-added foreign flows alone" "$(foreign_saw)" foreign_ok

step "daemon health"
check "flowsteerd is still running" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
kill "$SB_FLOWSTEERD_PID"
wait "$SB_FLOWSTEERD_PID"
rc=$?
sb_untrack "$SB_FLOWSTEERD_PID"
check "flowsteerd exits with status 0 on SIGTERM" "status $rc" eq "$rc" 0
sanitizer=$(grep -c 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$SB_DIR/flowsteerd.log")
check "no sanitizer report in flowsteerd's log" "$sanitizer reports" eq "$sanitizer" 0
check "patch ports stay after flowsteerd exits (nothing torn down on exit)" "br-int: $(ports br-int)" \
	eval 'has_port br-int fsi-physnet1 && has_port br-phys fsp-physnet1'

finish
