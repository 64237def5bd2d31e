#!/usr/bin/env bash
# tests/lib/overlay_proof.sh: proof, by hand (not part of make check), that
# the overlay mechanics issue 6 relies on work with OVS's userspace
# (netdev) datapath on this machine, using tests/lib/chassis.sh and flows
# written here (no flowsteerd):
#   a. VXLAN tunnel ports (key=flow, tun_id set by flows) node1 <-> node2
#   b. the same with Geneve (csum=true)
#   c. MPLS inside VXLAN: push_mpls + tun_id on node1, pop_mpls by label on
#      node2 (straight to the VM, and through goto_table)
#   d. a Linux VXLAN device VTEP reached from node1 (unicast and ARP)
#   e. a select group whose buckets output to tunnels to node2 and node3
# Prints PASS/FAIL lines (tests/lib/check.sh) and exits non-zero if any
# failed.  Runs itself under flock /tmp/flowsteer-ovs-tests.lock (one OVS
# test suite at a time on this machine).  SB_KEEP=1 keeps $SB_DIR (pcaps,
# ovs-vswitchd logs).  See tests/lib/OVERLAY-NOTES.md for what it found.
set -u
cd "$(dirname "$0")/../.." || exit 1
LOCK=/tmp/flowsteer-ovs-tests.lock
if [ "${FLOWSTEER_OVS_LOCKED:-}" != 1 ]; then
	FLOWSTEER_OVS_LOCKED=1 exec flock "$LOCK" "$0" "$@"
fi
source tests/lib/sandbox.sh
source tests/lib/chassis.sh
TEST_NAME=overlay_proof
source tests/lib/check.sh
sb_init || exit 1

N1=172.31.0.11 N2=172.31.0.12 N3=172.31.0.13 VT=172.31.0.21
VM1=10.50.0.1 VM2=10.50.0.2 VM3=10.50.0.3 VTH=10.50.0.100
VM1_MAC=02:00:0a:32:00:01 VM2_MAC=02:00:0a:32:00:02 VM3_MAC=02:00:0a:32:00:03
VTH_MAC=02:00:0a:32:00:64

step "sandbox: three chassis, a VTEP"
t0=$(sb_now_ms)
sb_chassis_start node1 $N1 || exit 1
sb_chassis_start node2 $N2 || exit 1
sb_chassis_start node3 $N3 || exit 1
start_ms=$(($(sb_now_ms) - t0))
sb_vtep_start vtep1 $VT 5003 $VTH/24 $VTH_MAC || exit 1
sb_vtep_add_remote vtep1 $N1 || exit 1
echo "three chassis started in $start_ms ms"

sb_chassis_use node1
sb_add_host vm1 vm1-port $VM1_MAC $VM1 $VM2 $VM3 $VTH || exit 1
sb_tunnel_port vx2 vxlan $N2 || exit 1
sb_tunnel_port vx3 vxlan $N3 || exit 1
sb_tunnel_port gn2 geneve $N2 csum=true || exit 1
sb_tunnel_port vt1 vxlan $VT || exit 1
sb_chassis_use node2
sb_add_host vm2 vm2-port $VM2_MAC $VM2 $VM1 || exit 1
sb_tunnel_port vx1 vxlan $N1 || exit 1
sb_tunnel_port gn1 geneve $N1 csum=true || exit 1
sb_chassis_use node3
sb_add_host vm3 vm3-port $VM3_MAC $VM3 $VM1 || exit 1
sb_tunnel_port vx1 vxlan $N1 || exit 1

# flows CHASSIS FLOW...: replaces br-int's flows of CHASSIS with FLOW...,
# then waits until the datapath's flow cache is revalidated (a packet that
# hits a cached datapath flow right after the OpenFlow change still gets
# the old actions).
flows() {
	local c=$1
	shift
	printf '%s\n' "$@" | sb_on_chassis "$c" sb_ofctl replace-flows br-int - &&
		sb_on_chassis "$c" sb_appctl revalidator/wait
}
# vm_ping VM IP [COUNT]: pings IP from sandbox host VM; prints ping's summary
# lines; succeeds if every reply came.
vm_ping() {
	local out
	out=$(ip netns exec "$(sb_ns_of "$1")" ping -c "${3:-3}" -i 0.2 -W 1 "$2" 2>&1)
	echo "$out" | tail -2 | tr '\n' ' '
	echo "$out" | grep -q " 0% packet loss"
}
# rtt OUTPUT: the avg of ping's rtt line.
rtt() { sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1 ms|p' <<<"$1"; }
# tcp_bytes FROM TO IP PORT: sends 2 MB over one TCP connection from
# sandbox host FROM to a socat listening on IP:PORT in host TO; prints the
# bytes TO received.
tcp_bytes() {
	local out=$SB_DIR/tcp-$2-$4 pid
	ip netns exec "$(sb_ns_of "$2")" socat -u "TCP-LISTEN:$4,reuseaddr" - >"$out" 2>/dev/null &
	pid=$!
	sb_track $pid
	sleep 0.2
	head -c 2000000 /dev/zero |
		timeout 10 ip netns exec "$(sb_ns_of "$1")" socat -u - "TCP:$3:$4" 2>/dev/null
	sb_wait_for 5 sb_not_running $pid
	sb_stop_pid $pid
	wc -c <"$out"
}
underlay_capture() { sb_capture "$1" underlay ul "${2:-udp}"; }

# --- a. VXLAN ---------------------------------------------------------------
step "a. VXLAN node1 <-> node2, tun_id 5001"
flows node1 "in_port=o-vm1 actions=set_field:5001->tun_id,output:vx2" \
	"in_port=vx2,tun_id=5001 actions=output:o-vm1"
flows node2 "in_port=o-vm2 actions=set_field:5001->tun_id,output:vx1" \
	"in_port=vx1,tun_id=5001 actions=output:o-vm2"
underlay_capture a "udp port 4789"
# The first ping with empty neighbour caches (OVS's tunnel neighbour
# cache: tnl/neigh/show): OVS drops the packet that misses and sends an
# ARP request itself; vm1 retries its ARP request after 1 s.
out=$(ip netns exec "$(sb_ns_of vm1)" ping -c 1 -W 3 $VM2 2>&1)
echo "    first ping, OVS neighbour caches empty: $(rtt "$out") ($out)"
# Pinned beforehand (sb_chassis_neigh): no loss.
for c in node1 node2 node3; do
	sb_on_chassis $c sb_appctl tnl/neigh/flush >/dev/null
	sb_on_chassis $c sb_chassis_neigh
done
ip netns exec "$(sb_ns_of vm1)" ip neigh flush all
ip netns exec "$(sb_ns_of vm2)" ip neigh flush all
out=$(vm_ping vm1 $VM2 1)
first=$(rtt "$out")
check "a. first ping with neighbours pinned (sb_chassis_neigh) takes < 100 ms" "$first" \
	test "${first%%.*}" -lt 100
out=$(vm_ping vm1 $VM2 5)
check "a. vm1 (node1) pings vm2 (node2) over VXLAN" "$out" grep -q " 0% packet loss" <<<"$out"
echo "    rtt avg $(rtt "$out")"
n=$(tcp_bytes vm1 vm2 $VM2 7001)
check "a. 2 MB over TCP vm1 -> vm2 (1500-byte frames + VXLAN on the 1600 MTU underlay)" "$n bytes" eq "$n" 2000000
sb_capture_stop a
line=$(sb_capture_frames a | grep -m1 'VXLAN.*vni 5001.*ICMP echo request')
check "a. the underlay carries VXLAN vni 5001" "${line:0:160}" test -n "$line"
n=$(sb_capture_frames a | grep -c 'vni 5001')
check "a. every VXLAN packet has vni 5001 (ARP and ICMP, both ways)" "$n of $(sb_capture_frames a | wc -l)" eq "$n" "$(sb_capture_frames a | wc -l)"

# --- b. Geneve --------------------------------------------------------------
step "b. Geneve node1 <-> node2, tun_id 5002, csum=true"
flows node1 "in_port=o-vm1 actions=set_field:5002->tun_id,output:gn2" \
	"in_port=gn2,tun_id=5002 actions=output:o-vm1"
flows node2 "in_port=o-vm2 actions=set_field:5002->tun_id,output:gn1" \
	"in_port=gn1,tun_id=5002 actions=output:o-vm2"
underlay_capture b "udp port 6081"
sleep 0.3
ip netns exec "$(sb_ns_of vm1)" ip neigh flush all
out=$(vm_ping vm1 $VM2 5)
check "b. vm1 pings vm2 over Geneve" "$out" grep -q " 0% packet loss" <<<"$out"
echo "    rtt avg $(rtt "$out")"
n=$(tcp_bytes vm1 vm2 $VM2 7002)
check "b. 2 MB over TCP vm1 -> vm2 over Geneve" "$n bytes" eq "$n" 2000000
sb_capture_stop b
line=$(sb_capture_frames b | grep -m1 'Geneve.*vni 0x138a.*ICMP echo request')
check "b. the underlay carries Geneve vni 0x138a (5002)" "${line:0:220}" test -n "$line"
line=$(tcpdump -r "$SB_DIR/cap-b.pcap" -n -vv 2>/dev/null | grep -m1 -o 'udp sum [a-z]*')
check "b. the outer UDP checksum is set and correct (csum=true)" "$line" eq "$line" "udp sum ok"

# --- c. MPLS inside VXLAN ---------------------------------------------------
step "c. MPLS inside VXLAN node1 -> node2, label 77, tun_id 5001"
c_flows() { # $1: node2's action after pop_mpls
	flows node1 "priority=100,in_port=o-vm1,ip actions=push_mpls:0x8847,set_field:77->mpls_label,set_field:255->mpls_ttl,set_field:5001->tun_id,output:vx2" \
		"priority=10,in_port=o-vm1 actions=set_field:5001->tun_id,output:vx2" \
		"in_port=vx2,tun_id=5001 actions=output:o-vm1"
	flows node2 "priority=100,in_port=vx1,tun_id=5001,mpls,mpls_label=77 actions=pop_mpls:0x0800,$1" \
		"priority=10,in_port=vx1,tun_id=5001 actions=output:o-vm2" \
		"in_port=o-vm2 actions=set_field:5001->tun_id,output:vx1" \
		"table=5,ip,nw_dst=$VM2 actions=output:o-vm2"
}
c_flows output:o-vm2
underlay_capture c "udp port 4789"
out=$(vm_ping vm1 $VM2 5)
check "c. vm1 pings vm2, requests as MPLS in VXLAN, pop_mpls then output" "$out" grep -q " 0% packet loss" <<<"$out"
echo "    rtt avg $(rtt "$out")"
sb_capture_stop c
line=$(sb_capture_frames c | grep -m1 'vni 5001.*MPLS (label 77.*ttl 255).*ICMP echo request')
check "c. the underlay carries MPLS label 77 (ttl 255) inside VXLAN vni 5001" "${line:0:220}" test -n "$line"
# (flow statistics come from the datapath every ~0.5 s)
packets() { sb_on_chassis node2 sb_ofctl dump-flows br-int "$1" | grep -o 'n_packets=[0-9]*' | cut -d= -f2; }
packets_ge() { [ "$(packets "$1")" -ge "$2" ]; }
sb_wait_for 3 packets_ge mpls 5
check "c. node2's pop_mpls flow matched the requests" "n_packets=$(packets mpls)" packets_ge mpls 5
n=$(tcp_bytes vm1 vm2 $VM2 7003)
check "c. 2 MB over TCP vm1 -> vm2 as MPLS in VXLAN" "$n bytes" eq "$n" 2000000
c_flows goto_table:5
out=$(vm_ping vm1 $VM2 5)
check "c. the same with pop_mpls then goto_table:5 (recirculation)" "$out" grep -q " 0% packet loss" <<<"$out"
sb_wait_for 3 packets_ge table=5 5
check "c. table 5 delivered them" "n_packets=$(packets table=5)" packets_ge table=5 5
out=$(sb_on_chassis node2 sb_appctl ofproto/trace br-int \
	"in_port=vx1,tun_id=5001,tun_src=$N1,tun_dst=$N2,dl_src=$VM1_MAC,dl_dst=$VM2_MAC,mpls,mpls_label=77,mpls_ttl=255,mpls_bos=1" 2>&1)
echo "$out" | sed -n '/^Flow:/,$p' | head -30 | sed 's/^/    trace| /'

# --- d. Linux VXLAN device VTEP --------------------------------------------
step "d. node1 <-> a Linux VXLAN VTEP ($VT, VNI 5003)"
flows node1 "in_port=o-vm1 actions=set_field:5003->tun_id,output:vt1" \
	"in_port=vt1,tun_id=5003 actions=output:o-vm1"
ip netns exec "$(sb_ns_of vm1)" ip neigh flush all
underlay_capture d "udp port 4789"
out=$(vm_ping vm1 $VTH 5)
check "d. vm1 pings the host behind the VTEP" "$out" grep -q " 0% packet loss" <<<"$out"
echo "    rtt avg $(rtt "$out")"
ip netns exec "$(sb_ns_of vm1)" ip neigh flush all
ip netns exec "$(sb_ns_of vtep1-host)" ip neigh flush all
out=$(vm_ping vtep1-host $VM1 3)
check "d. the host behind the VTEP pings vm1 (its ARP request flooded by vx0 to node1)" "$out" \
	grep -q " 0% packet loss" <<<"$out"
sb_capture_stop d
line=$(sb_capture_frames d | grep -m1 "$VT.* > $N1.*vni 5003 .*ff:ff:ff:ff:ff:ff.*ARP.*Request who-has $VM1")
check "d. the VTEP's broadcast ARP reached node1 as VXLAN vni 5003" "${line:0:200}" test -n "$line"
line=$(sb_capture_frames d | grep -m1 "$N1.* > $VT.*vni 5003 .*ff:ff:ff:ff:ff:ff.*ARP.*Request who-has $VTH")
check "d. vm1's broadcast ARP reached the VTEP as VXLAN vni 5003" "${line:0:200}" test -n "$line"
fdb=$(sb_vtep_fdb vtep1 | tr '\n' ';')
check "d. the VTEP learnt vm1's MAC behind node1" "$fdb" grep -q "$VM1_MAC dst $N1" <<<"$fdb"

# --- e. select group over two tunnels ---------------------------------------
step "e. select group: buckets to node2 and node3 (hash on ip_dst)"
sb_on_chassis node1 sb_ofctl add-group br-int \
	"group_id=1,type=select,selection_method=hash,fields(ip_src,ip_dst),bucket=bucket_id:0,actions=set_field:5001->tun_id,output:vx2,bucket=bucket_id:1,actions=set_field:5001->tun_id,output:vx3"
flows node1 "in_port=o-vm1,ip actions=group:1"
flows node2 "in_port=vx1,tun_id=5001 actions=output:o-vm2"
flows node3 "in_port=vx1,tun_id=5001 actions=output:o-vm3"
sb_capture e2 vm2 vm2 "udp and dst net 10.50.9.0/24"
sb_capture e3 vm3 vm3 "udp and dst net 10.50.9.0/24"
# shellcheck disable=SC2016 # expanded by the inner bash
ip netns exec "$(sb_ns_of vm1)" bash -c '
ip route add 10.50.9.0/24 dev vm1
for i in $(seq 1 32); do
	ip neigh replace 10.50.9.$i lladdr 02:00:0a:32:09:01 dev vm1 nud permanent
	echo x >/dev/udp/10.50.9.$i/9
done'
sleep 0.5
sb_capture_stop e2
sb_capture_stop e3
n2=$(sb_capture_count e2) n3=$(sb_capture_count e3)
check "e. the 32 destinations spread over node2 and node3" "node2 $n2, node3 $n3" \
	test "$n2" -gt 0 -a "$n3" -gt 0 -a $((n2 + n3)) -eq 32
sb_on_chassis node1 sb_ofctl dump-group-stats br-int | sed 's/^/    /'

# --- f. head-end replication -------------------------------------------------
step "f. a broadcast from vm1 copied to node2 and node3 (head-end replication)"
flows node1 "in_port=o-vm1,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=set_field:5001->tun_id,output:vx2,output:vx3"
flows node2 "in_port=vx1,tun_id=5001 actions=output:o-vm2"
flows node3 "in_port=vx1,tun_id=5001 actions=output:o-vm3"
sb_capture f2 vm2 vm2 "arp"
sb_capture f3 vm3 vm3 "arp"
# An address nobody has: vm1 broadcasts ARP requests for it.
ip netns exec "$(sb_ns_of vm1)" ip route add 10.50.0.9/32 dev vm1
ip netns exec "$(sb_ns_of vm1)" ping -c 1 -W 1 10.50.0.9 >/dev/null 2>&1
sleep 0.3
sb_capture_stop f2
sb_capture_stop f3
n2=$(sb_capture_count f2 "arp and src host $VM1") n3=$(sb_capture_count f3 "arp and src host $VM1")
check "f. vm1's ARP request reached vm2 (node2) and vm3 (node3)" "node2 $n2, node3 $n3" \
	test "$n2" -ge 1 -a "$n3" -ge 1

# --- g. a flowsteerd per chassis on one etcd --------------------------------
FLOWSTEERD=${FLOWSTEERD:-$PWD/build/bin/flowsteerd}
if [ -x "$FLOWSTEERD" ]; then
	step "g. one etcd, a flowsteerd per chassis (sb_chassis_use + sb_start_flowsteerd)"
	sb_start_etcd || exit 1
	for c in node1 node2 node3; do
		sb_chassis_use $c
		# shellcheck disable=SC2119 # no arguments: the defaults
		sb_start_flowsteerd
	done
	for c in node1 node2 node3; do
		sb_chassis_use $c
		sb_wait_for 15 sb_status
		st=$(sb_status '["node"]' 2>&1)
		check "g. $c's flowsteerd ($SB_FLOWSTEERD_PID) writes the status of node $SB_NODE" \
			"$st; log $(wc -l <"$SB_FLOWSTEERD_LOG") lines" eq "$st" "$c"
	done
else
	echo "--- g. skipped: no flowsteerd at $FLOWSTEERD"
fi

# --- h. ovs-vswitchd restart on a chassis ----------------------------------
step "h. node2's ovs-vswitchd restarted (sb_chassis_restart_vswitchd)"
t=$(sb_now_ms)
sb_on_chassis node2 sb_chassis_restart_vswitchd
ms=$(($(sb_now_ms) - t))
addr=$(ip netns exec "$(sb_ns_of node2)" ip -br addr show dev br-underlay)
check "h. br-underlay keeps its address and OVS its route after the restart" \
	"${addr//  / } in $ms ms" sb_on_chassis node2 sb_chassis_has_route $N2
flows node1 "in_port=o-vm1 actions=set_field:5001->tun_id,output:vx2" \
	"in_port=vx2,tun_id=5001 actions=output:o-vm1"
flows node2 "in_port=o-vm2 actions=set_field:5001->tun_id,output:vx1" \
	"in_port=vx1,tun_id=5001 actions=output:o-vm2"
out=$(vm_ping vm1 $VM2 3)
check "h. vm1 pings vm2 again (flows put back: a restarted ovs-vswitchd has none)" "$out" \
	grep -q " 0% packet loss" <<<"$out"

step "OVS tunnel neighbour caches"
for c in node1 node2 node3; do
	sb_on_chassis $c sb_appctl tnl/neigh/show | sed -n "s/^/    $c /;/172/p"
done
step "logs"
for c in node1 node2 node3; do
	n=$(grep -c '|WARN|\|ERR|\|EMER|' "$SB_DIR/$c/ovs-vswitchd.log")
	echo "    $c ovs-vswitchd.log: $n warnings/errors"
	grep '|WARN|\|ERR|\|EMER|' "$SB_DIR/$c/ovs-vswitchd.log" | sed 's/^/      /' | head -5
done
# Clean-up leaves nothing: every process started (by pid) and every
# namespace made is gone.  (Only when all passed: finish's diagnostics
# need OVS.)
if [ "$failed" -eq 0 ]; then
	step "clean-up"
	pids=("${SB_PIDS[@]}") nss=("${SB_NETNS[@]}")
	sb_cleanup
	left=()
	for pid in "${pids[@]}"; do sb_not_running "$pid" || left+=("pid $pid"); done
	for ns in "${nss[@]}"; do ip netns list | grep -qw "$ns" && left+=("netns $ns"); done
	check "clean-up stopped ${#pids[@]} processes and deleted ${#nss[@]} namespaces" \
		"left: ${left[*]:-nothing}" test ${#left[@]} -eq 0
fi
finish
