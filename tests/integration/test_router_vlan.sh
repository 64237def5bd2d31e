#!/usr/bin/env bash
# Integration test: VLAN networks as router interfaces (issue 16), on the
# router example's three chassis (tests/lib/router_example.sh) with
# physnet1 under node1 and node2: a provider bridge on each, trunked to a
# physical switch (a VLAN-aware Linux bridge in a namespace of its own).
# net-v100 (VLAN 100, 10.20.1.0/24) and net-v200 (VLAN 200, 10.20.2.0/24)
# join router r1; v100a on node1, v200b on node2.  Real packets: VLAN <->
# VLAN across nodes through the switch, each routed frame on the wire with
# the destination VLAN and the sending chassis' MAC (--chassis-mac-mappings),
# the switch's MAC table never holding a router MAC; VLAN <-> overlay both
# ways; a chassis without a chassis MAC (node3) notes it.
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/chassis.sh
source tests/lib/router_example.sh
TEST_NAME=test_router_vlan
source tests/lib/check.sh

R1=$(rx_id routers r1)
T=d382007aa9904763a801f68ecf065cf5
V100A=10.20.1.11 V200B=10.20.2.12 GREEN2=$(rx_ip green2)
RMAC100=fa:16:3e:20:01:01 RMAC200=fa:16:3e:20:02:01
status() { sb_on_chassis "$1" sb_status "$2"; }
answered() { ! grep -q '100% packet loss' <<<"$1" && grep -q 'bytes from' <<<"$1"; }
ttl_of() { sed -n 's/.*ttl=\([0-9]*\).*/\1/p' <<<"$1" | head -1; }

# put KIND ID JSON: a document of this test.
put() { sb_etcdctl put "/flowsteer/v1/$1/$2" "$3" >/dev/null; }
# vlan_net VID: network net-vVID, its subnet 10.20.N.0/24 (N = VID / 100)
# and r1's interface on it (.1).
vlan_net() {
	local vid=$1 n=$(($1 / 100))
	put networks "net-v$vid" "{\"network\": {\"id\": \"net-v$vid\", \"tenant_id\": \"$T\", \"provider:network_type\": \"vlan\", \"provider:physical_network\": \"physnet1\", \"provider:segmentation_id\": $vid}}"
	put subnets "sub-v$vid" "{\"subnet\": {\"id\": \"sub-v$vid\", \"network_id\": \"net-v$vid\", \"ip_version\": 4, \"cidr\": \"10.20.$n.0/24\", \"gateway_ip\": \"10.20.$n.1\"}}"
	put ports "rif-v$vid" "{\"port\": {\"id\": \"rif-v$vid\", \"network_id\": \"net-v$vid\", \"mac_address\": \"fa:16:3e:20:0$n:01\", \"device_owner\": \"network:router_interface_distributed\", \"device_id\": \"$R1\", \"fixed_ips\": [{\"subnet_id\": \"sub-v$vid\", \"ip_address\": \"10.20.$n.1\"}]}}"
}
# vlan_vm NAME VID IP MAC NODE: the port and the VM (address /24, default
# route via .1) on the current chassis.
vlan_vm() {
	local name=$1 vid=$2 ip=$3 mac=$4 node=$5 ns=$SB_PREFIX-$1
	put ports "$name" "{\"port\": {\"id\": \"$name\", \"network_id\": \"net-v$vid\", \"mac_address\": \"$mac\", \"binding:host_id\": \"$node\", \"fixed_ips\": [{\"subnet_id\": \"sub-v$vid\", \"ip_address\": \"$ip\"}]}}"
	sb_chassis_use "$node"
	sb_netns "$ns" || return 1
	sb_plug "$ns" "$name" "$name" "$mac" || return 1
	ip netns exec "$ns" ip addr add "$ip/24" dev "$name"
	ip netns exec "$ns" ip route add default via "${ip%.*}.1"
}
fdb() { ip netns exec "$SB_PREFIX-tor" bridge fdb show br br0; }

step "sandbox: three chassis, physnet1 under node1 and node2, the switch"
sb_init || exit 1
sb_start_etcd || exit 1
RX_PHYSNET=1 rx_start || exit 1
rx_put_all || exit 1
vlan_net 100 && vlan_net 200 || exit 1
vlan_vm v100a 100 "$V100A" fa:16:3e:20:01:11 node1 || exit 1
vlan_vm v200b 200 "$V200B" fa:16:3e:20:02:12 node2 || exit 1
check "every node observed the manifests" "$(rx_desired_revision)" rx_all_observed 20
for n in node1 node2; do
	check "no errors or notes on $n" "$(status "$n" '["errors"]') $(status "$n" '["notes"]')" \
		eq "$(status "$n" '["errors"]')$(status "$n" '["notes"]')" "[][]"
done
doc=$(sb_etcdctl get /flowsteer/v1/chassis/node1 --print-value-only)
check "node1's chassis document carries its chassis MAC" "$doc" \
	grep -q "physnet1:${RX_CHASSIS_MAC[node1]}" <<<"$doc"
notes=$(status node3 '["notes"]')
check "node3 (no chassis MAC for physnet1) notes it and routes no VLAN" \
	"$(cut -c1-220 <<<"$notes")" grep -q 'no chassis MAC for the physnet' <<<"$notes"

step "VLAN 100 (node1) <-> VLAN 200 (node2) through the physical switch"
sb_capture wire tor tor-node1 ""
out=$(rx_ping v100a "$V200B")
sb_capture_stop wire
check "v100a pings v200b, routed across nodes" "$(grep -m1 'bytes from' <<<"$out")" answered "$out"
check "TTL 63" "ttl=$(ttl_of "$out")" eq "$(ttl_of "$out")" 63
to2=$(sb_capture_show wire "vlan 200 and icmp and ether src ${RX_CHASSIS_MAC[node1]}" | wc -l)
to1=$(sb_capture_show wire "vlan 100 and icmp and ether src ${RX_CHASSIS_MAC[node2]}" | wc -l)
check "node1 -> node2 on VLAN 200 from node1's chassis MAC; back on VLAN 100 from node2's" \
	"$to2 and $to1 frames; $(sb_capture_show wire 'vlan 200 and icmp' | head -1 | cut -c1-120)" \
	test "$to2" -ge 3 -a "$to1" -ge 3
rm=$(sb_capture_show wire "ether src $RMAC100 or ether src $RMAC200" | wc -l)
check "no frame on the wire from a router MAC" "$rm frames" eq "$rm" 0
check "the switch's MAC table never holds a router MAC" "$(fdb | grep -c 'fa:16:3e:20:0[12]:01')" \
	eq "$(fdb | grep -c 'fa:16:3e:20:0[12]:01')" 0
check "... it holds the chassis MACs" "$(fdb | grep -c '0a:00:00:00:01:0[12]')" \
	test "$(fdb | grep -c '0a:00:00:00:01:0[12]')" -ge 2

step "VLAN <-> overlay"
out=$(rx_ping v100a "$GREEN2")
check "v100a (VLAN 100, node1) pings green2 (VXLAN, node2)" "$(grep -m1 'bytes from' <<<"$out")" answered "$out"
out=$(rx_ping green1 "$V200B")
check "green1 (VXLAN, node1) pings v200b (VLAN 200, node2)" "$(grep -m1 'bytes from' <<<"$out")" answered "$out"
out=$(rx_ping v200b 10.20.2.1)
check "v200b pings its gateway, answered on node2" "$(grep -m1 'bytes from' <<<"$out")" \
	grep -q 'from 10.20.2.1: .*ttl=64' <<<"$out"
check "the switch still holds no router MAC" "$(fdb | grep -c 'fa:16:3e:20:0[12]:01')" \
	eq "$(fdb | grep -c 'fa:16:3e:20:0[12]:01')" 0

finish
