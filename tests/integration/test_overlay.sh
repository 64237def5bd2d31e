#!/usr/bin/env bash
# Integration test: the overlay across chassis (examples/overlay, issue 6):
# three chassis on one machine (tests/lib/chassis.sh: each an ovsdb-server
# and an ovs-vswitchd with the userspace datapath in its own namespace,
# joined by an underlay bridge), a Linux VXLAN VTEP with a host behind it,
# one etcd and a flowsteerd per chassis started with --encap-ip.  Real
# packets: ping and TCP between VMs on different chassis, broadcasts,
# isolation between networks, tcpdump on the underlay (VXLAN and Geneve
# with the network's VNI, MPLS inside the tunnel for a chain), a chain
# whose SFs are on two other chassis, the remote device's tunnel
# lifecycle, a flowsteerd stopped and restarted, net-red as a slice whose
# controller (ovs-testcontroller on the underlay) both its chassis connect
# to, a network deleted; with $FLOWSTEERCTL, flowsteerctl trace on node1
# names the tunnels' chassis.
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/chassis.sh
source tests/lib/provider_example.sh
source tests/lib/overlay_example.sh
TEST_NAME=test_overlay
source tests/lib/check.sh

BLUE1=$(ox_ip blue1) BLUE2=$(ox_ip blue2) BLUE3=$(ox_ip blue3)
RED1=$(ox_ip red1) RED3=$(ox_ip red3) DEV1=$(ox_ip dev1) DST=$(ox_ip dst)
RED_NET=$(ox_id networks net-red)

# flows NODE [REGEX]: the number of flowsteer's flows on NODE's br-int
# (matching REGEX).
flows() {
	sb_on_chassis "$1" sb_ofctl dump-flows --no-stats br-int |
		grep 'cookie=0xf5e0' | grep -c -- "${2:-.}"
}
# status NODE PYEXPR: a field of NODE's status.
status() { sb_on_chassis "$1" sb_status "$2"; }
# underlay NAME FILTER: start a capture of the underlay bridge.
underlay() { sb_capture "$1" underlay ul "$2"; }
frames() { sb_capture_frames "$1" | grep -cE "$2"; }

step "sandbox: etcd, node1..node3 (ovs-vswitchd netdev + br-underlay), VTEP tor1, VMs, SFs, three flowsteerd"
sb_init || exit 1
sb_start_etcd || exit 1
ox_start || exit 1

step "every manifest but blue2's port"
ox_put_all blue2 || exit 1
check "every node observed the manifests" "$(ox_desired_revision)" ox_all_observed 20
for n in "${OX_NODES[@]}"; do
	doc=$(sb_etcdctl get "/flowsteer/v1/chassis/$n" --print-value-only)
	check "$n wrote its chassis document (--encap-ip)" "$doc" \
		grep -q "\"${OX_IP[$n]}\"" <<<"$doc"
done
red_vni=$(sb_etcdctl get "/flowsteer/v1/keys/networks/$RED_NET" --print-value-only)
check "net-red (geneve, no segmentation id) got a VNI" "VNI '$red_vni'" \
	eq "$(sb_etcdctl get "/flowsteer/v1/keys/vnis/$red_vni" --print-value-only)" "$RED_NET"
check "no errors on node1" "$(status node1 '["errors"]')" eq "$(status node1 '["errors"]')" "[]"

step "a port put for node2: time until a ping from node1 answers"
sb_chassis_use node1
key=$(ox_key ports blue2) value=$(cat "$OX_DIR/json/ports/blue2.json")
ip netns exec "$SB_PREFIX-blue1" sysctl -qw net.ipv4.neigh.blue1.retrans_time_ms=50
t0=$(sb_now_ms)
sb_etcdctl put "$key" "$value" >/dev/null
ip netns exec "$SB_PREFIX-blue1" ping -c 1 -i 0.01 -W 1 -w 10 -q "$BLUE2" >/dev/null 2>&1
PUT_TO_PING_MS=$(($(sb_now_ms) - t0))
check "blue1 (node1) reaches blue2 (node2) after blue2's put" "$PUT_TO_PING_MS ms from the put, etcdctl included" \
	px_ping blue1 "$BLUE2"
ox_all_observed 10
CONVERGENCE=""
for n in "${OX_NODES[@]}"; do
	CONVERGENCE+="$n $(status "$n" '["last_apply"]["convergence_ms"]') ms, "
done

step "VXLAN between node1 and node2, Geneve between node2 and node3"
underlay ul1 "udp"
check "blue1 pings blue2" "" px_ping blue1 "$BLUE2"
check "blue2 pings blue3 (node2 - node3)" "" px_ping blue2 "$BLUE3"
check "blue1 pings blue3 (node1 - node3)" "" px_ping blue1 "$BLUE3"
ox_server blue2 7001
check "TCP blue1 -> blue2 across chassis" "" ox_send blue1 "$BLUE2" 7001 hello-blue2
check "blue2 received it" "" ox_received blue2 7001 hello-blue2
ox_server blue3 7002
check "TCP blue2 -> blue3 across chassis (Geneve)" "" ox_send blue2 "$BLUE3" 7002 hello-blue3
check "blue3 received it" "" ox_received blue3 7002 hello-blue3
sb_capture_stop ul1
check "underlay: VXLAN with VNI 5001 between node1 and node2" \
	"$(frames ul1 "172.31.0.1\.[0-9]+ > 172.31.0.2\.4789: VXLAN.*vni 5001")" \
	gt "$(frames ul1 "172.31.0.1\.[0-9]+ > 172.31.0.2\.4789: VXLAN.*vni 5001")" 0
check "underlay: Geneve with VNI 5001 (0x1389) between node2 and node3" \
	"$(frames ul1 "172.31.0.2\.[0-9]+ > 172.31.0.3\.6081: Geneve.*vni 0x1389")" \
	gt "$(frames ul1 "172.31.0.2\.[0-9]+ > 172.31.0.3\.6081: Geneve.*vni 0x1389")" 0

step "flowsteerctl trace on node1: the tunnels named by chassis"
# trace ARGS...: flowsteerctl trace on the current chassis (node1).
trace() { "$FLOWSTEERCTL" trace --node node1 --ovsdb "$SB_OVSDB" --etcd "$ETCD" "$@" 2>&1; }
if [ -n "${FLOWSTEERCTL:-}" ]; then
	sb_chassis_use node1
	out=$(trace --from blue1 --to blue2 icmp)
	rc=$?
	sed 's/^/  /' <<<"$out"
	check "blue1 -> blue2: unicast into node2's tunnel (tables 55 and 75)" "exit $rc, $(grep -m1 'port blue2 →' <<<"$out")" \
		eval '[ "$rc" = 0 ] && grep -q "↳ overlay of network net-blue, port blue2 → chassis node2 (tunnel fst-node2)" <<<"$out" && grep -q "↳ overlay → chassis node2 (tunnel fst-node2)" <<<"$out"'
	out=$(trace --from blue1 --to 10.1.0.99 icmp)
	rc=$?
	check "a broadcast: head-end replication to node2, node3 and the VTEP (table 57)" "exit $rc, $(grep -m1 'head-end' <<<"$out" | sed 's/^ *//')" \
		eval 'line=$(grep "↳ overlay of network net-blue: head-end replication to " <<<"$out") && [ "$rc" = 0 ] && grep -q "chassis node2 (tunnel fst-node2)" <<<"$line" && grep -q "chassis node3 (tunnel fst-node3)" <<<"$line" && grep -q "VTEP $OX_VTEP_IP (tunnel fst-" <<<"$line"'
else
	echo "  (FLOWSTEERCTL not set: no trace)"
fi

step "net-red (Geneve type, allocated VNI): node1 - node3, isolated from net-blue"
check "red1 pings red3" "" px_ping red1 "$RED3"
check "red1 does not reach blue3" "" px_ping_fails red1 "$BLUE3"
check "blue1 does not reach red3" "" px_ping_fails blue1 "$RED3"

step "a broadcast from blue1 reaches net-blue's VMs on node2 and node3, and no VM of net-red"
for vm in blue1 blue2 blue3 red1 red3; do sb_capture "b-$vm" "$vm" "$vm" "arp"; done
# An address no one has, on-link: blue1 broadcasts an ARP request for it.
ip netns exec "$SB_PREFIX-blue1" ip route add 10.1.0.99/32 dev blue1
ip netns exec "$SB_PREFIX-blue1" ping -c 1 -W 1 10.1.0.99 >/dev/null 2>&1
sleep 0.5
for vm in blue1 blue2 blue3 red1 red3; do sb_capture_stop "b-$vm"; done
seen() { sb_capture_count "b-$1" "arp and src host $BLUE1"; }
sent=$(seen blue1)
saw="blue1 sent $sent; blue2 $(seen blue2), blue3 $(seen blue3), red1 $(seen red1), red3 $(seen red3)"
check "each ARP broadcast of blue1 reached blue2 and blue3 once (no loop), no red VM" "$saw" \
	eq "$((sent > 0)) $(seen blue2) $(seen blue3) $(seen red1) $(seen red3)" "1 $sent $sent 0 0"

step "the remote device dev1 behind VTEP tor1 (a Linux VXLAN device)"
check "blue1 pings dev1 behind the VTEP" "" px_ping blue1 "$DEV1"
check "blue3 pings dev1 behind the VTEP" "" px_ping blue3 "$DEV1"
vtep_tunnels() { # NODE: its tunnel ports to tor1
	sb_on_chassis "$1" sb_vsctl --bare --columns=name find interface \
		"options:remote_ip=$OX_VTEP_IP" | grep -c .
}
check "each node has a tunnel to the VTEP" "$(vtep_tunnels node1) $(vtep_tunnels node2) $(vtep_tunnels node3)" \
	eq "$(vtep_tunnels node1) $(vtep_tunnels node2) $(vtep_tunnels node3)" "1 1 1"
rev=$(ox_del_rev ports dev1)
ox_all_observed 10 "$rev"
check "dev2 behind the same VTEP keeps the tunnel after dev1 is deleted" \
	"$(vtep_tunnels node1)" eq "$(vtep_tunnels node1)" 1
rev=$(ox_del_rev ports dev2)
ox_all_observed 10 "$rev"
check "the last remote port deleted: no node has a tunnel to the VTEP" \
	"$(vtep_tunnels node1) $(vtep_tunnels node2) $(vtep_tunnels node3)" \
	eq "$(vtep_tunnels node1) $(vtep_tunnels node2) $(vtep_tunnels node3)" "0 0 0"

step "chain PC1: src (node1) -> SF1 (node2) -> SF2 (node3) or SF3 (node2) -> dst (node1)"
for sf in sf1 sf2 sf3; do sb_sf_capture "$sf" || exit 1; done
underlay ul2 "udp"
ox_server dst 80
ok=0
for sport in $(seq 30001 30040); do
	ox_send src "$DST" 80 "chain-$sport" "$sport" && ok=$((ok + 1))
done
sleep 0.5
sb_capture_stop ul2
check "40 connections from src to dst delivered" "$ok" eq "$ok" 40
n1=$(sb_sf_count sf1) n2=$(sb_sf_count sf2) n3=$(sb_sf_count sf3)
check "SF1 (node2) saw the chain's packets" "$n1 packets" gt "$n1" 0
check "the 40 connections spread over SF2 (node3) and SF3 (node2)" "sf2 $n2, sf3 $n3" \
	eq "$((n2 > 0)) $((n3 > 0))" "1 1"
mpls() { frames ul2 "$1.*MPLS"; }
check "underlay: MPLS inside VXLAN from node1 to node2" "$(mpls "172.31.0.1\.[0-9]+ > 172.31.0.2\.4789")" \
	gt "$(mpls "172.31.0.1\.[0-9]+ > 172.31.0.2\.4789")" 0
check "underlay: MPLS inside Geneve from node2 to node3" "$(mpls "172.31.0.2\.[0-9]+ > 172.31.0.3\.6081")" \
	gt "$(mpls "172.31.0.2\.[0-9]+ > 172.31.0.3\.6081")" 0

if [ -n "${FLOWSTEERCTL:-}" ]; then
	sb_chassis_use node1
	out=$(trace --from src --to dst tcp --sport 30001 --dport 80)
	rc=$?
	sed 's/^/  /' <<<"$out"
	check "trace src -> dst on node1: the chain's first hop into node2's tunnel (table 15)" "exit $rc, $(grep -m1 '→ chassis' <<<"$out" | sed 's/^ *//')" \
		eval '[ "$rc" = 0 ] && grep -q "↳ port chain .*, hop 1 (port pair group [^)]*) → chassis node2 (tunnel fst-node2)" <<<"$out"'
fi

step "node3's flowsteerd stopped: traffic goes on, its liveness key goes"
sb_chassis_use node3
sb_stop_flowsteerd
check "node3's liveness key is gone" "" sb_wait_for 12 \
	eval '[ -z "$(sb_etcdctl get /flowsteer/nodes/node3 --print-value-only)" ]'
check "blue1 still pings blue3 (node3's flows stay)" "" px_ping blue1 "$BLUE3"
check "blue1 still pings blue2" "" px_ping blue1 "$BLUE2"
# Its old status goes, so the status read below is this run's.
sb_etcdctl del /flowsteer/status/node3 >/dev/null
ox_start_flowsteerd node3
check "node3's flowsteerd back: liveness key again" "" sb_wait_for 10 \
	eval '[ -n "$(sb_etcdctl get /flowsteer/nodes/node3 --print-value-only)" ]'
check "node3 observed the desired state again" "" sb_wait_observed "$(ox_desired_revision)" 10
mods=$(status node3 '["last_apply"]["flow_mods"]') txns=$(status node3 '["last_apply"]["ovsdb_txns"]')
check "node3's restart: zero flow mods, zero OVSDB transactions" "$mods flow mods, $txns txns" eq "$mods $txns" "0 0"

step "net-red becomes a slice (its own controller, on the underlay): node1 and node3 connect to it, red1 and red3 talk through it"
UL_NS=$SB_PREFIX-underlay CTL_IP=$SB_UNDERLAY_NET.250
ip netns exec "$UL_NS" ip addr add "$CTL_IP/$SB_UNDERLAY_LEN" dev ul
ip netns exec "$UL_NS" ovs-testcontroller "ptcp:6633:$CTL_IP" --log-file="$SB_DIR/ctl-red.log" >/dev/null 2>&1 &
sb_track $!
CTL_PID=$!
red_doc() { # net-red's manifest with controller $1 ("" none)
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
if sys.argv[2]:
    d["network"]["controller"] = sys.argv[2]
print(json.dumps(d))' "$OX_DIR/json/networks/net-red.json" "$1"
}
# switches: how many switches hold a connection to the controller.
switches() { ip netns exec "$UL_NS" ss -Htn state established "sport = :6633" | grep -c .; }
sb_wait_for 5 eval "ip netns exec $UL_NS ss -Hltn 'sport = :6633' | grep -q LISTEN"
t0=$(sb_now_ms)
rev=$(sb_put_revision "$(ox_key networks net-red)" "$(red_doc "$CTL_IP:6633")")
sb_wait_for 10 eval '[ "$(switches)" -ge 2 ]'
t1=$(sb_now_ms)
echo "MEASURE: put of net-red's controller -> node1's and node3's slice bridges both connected to it: $((t1 - t0)) ms"
check "node1 and node3 connected to net-red's controller, node2 (no VM of net-red) not" \
	"$(switches) switches; node2 bridges: $(sb_on_chassis node2 sb_vsctl list-br | tr '\n' ' ')" \
	eq "$(switches) $(sb_on_chassis node2 sb_vsctl list-br | grep -c '^fsn-')" "2 0"
ox_all_observed 10 "$rev"
RED_BR=$(sb_on_chassis node1 sb_bridge_of_owner "network:$RED_NET")
check "red1 (node1) pings red3 (node3) through the slice on both nodes" "" sb_wait_for 5 px_ping red1 "$RED3"
check "red1 still does not reach blue3" "" px_ping_fails red1 "$BLUE3"
check "the controller learnt red1's and red3's MACs on both switches (flows on node1's and node3's slice bridges)" \
	"node1 $(sb_on_chassis node1 sb_ofctl dump-flows "$RED_BR" | grep -c priority=), node3 $(sb_on_chassis node3 sb_ofctl dump-flows "$RED_BR" | grep -c priority=)" \
	eval '[ "$(sb_on_chassis node1 sb_ofctl dump-flows $RED_BR | grep -c priority=)" -gt 0 ] && [ "$(sb_on_chassis node3 sb_ofctl dump-flows $RED_BR | grep -c priority=)" -gt 0 ]'
rev=$(sb_put_revision "$(ox_key networks net-red)" "$(red_doc "")")
ox_all_observed 10 "$rev"
check "controller removed: the slice bridges are gone on node1 and node3" "" \
	eq "$(sb_on_chassis node1 sb_vsctl list-br | grep -c '^fsn-') $(sb_on_chassis node3 sb_vsctl list-br | grep -c '^fsn-')" "0 0"
check "red1 pings red3 through br-int again" "" sb_wait_for 5 px_ping red1 "$RED3"
sb_stop_pid "$CTL_PID"

step "counts"
for n in "${OX_NODES[@]}"; do
	echo "    $n: tunnels $(ox_tunnels "$n")| flows $(flows "$n") | groups $(status "$n" '["groups"]')"
done
echo "    put of blue2 (node2) -> first answered ping from blue1 (node1): $PUT_TO_PING_MS ms (etcdctl included)"
echo "    that put, watch event -> in OVS (status convergence_ms): ${CONVERGENCE%, }"

step "net-red deleted with its ports: its flows, its VNI and its unused tunnels go"
ox_del_rev ports red1 >/dev/null
ox_del_rev ports red3 >/dev/null
rev=$(ox_del_rev networks net-red)
ox_all_observed 10 "$rev"
check "the VNI allocation of net-red is released" "" sb_wait_for 5 \
	eval '[ -z "$(sb_etcdctl get /flowsteer/v1/keys/networks/$RED_NET --print-value-only)" ]'
check "no tun_id=$red_vni flow on node1 or node3" "" \
	eq "$(flows node1 "tun_id=$red_vni") $(flows node3 "tun_id=$red_vni")" "0 0"

finish
