#!/usr/bin/env bash
# examples/overlay/demo.sh (`make demo`, third act; `make demo-overlay`):
# three chassis on one machine, each an ovsdb-server and an ovs-vswitchd
# (userspace datapath) in its own namespace with its own flowsteerd, all
# on one private etcd, joined by an underlay bridge; a Linux VXLAN device
# plays a ToR switch's VTEP with a host behind it.  Puts examples/overlay
# and shows, with real packets and tcpdump on the underlay: a port's put on
# node2 to a working ping from node1, VXLAN and Geneve with the network's
# VNI, the remote device, a chain whose service functions are on the other
# two chassis (MPLS inside the tunnel), and a flowsteerd stopped and
# restarted.  Everything is torn down at the end (or on Ctrl-C).  Needs
# root.  SB_KEEP=1 keeps the logs and captures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.." || exit 1
: "${FLOWSTEERD:=build/bin/flowsteerd}"
FLOWSTEERD=$(realpath "$FLOWSTEERD")
source tests/lib/sandbox.sh
source tests/lib/chassis.sh
source tests/lib/provider_example.sh
source tests/lib/overlay_example.sh
source tests/lib/narrate.sh

answered() { px_ping "$@" && echo answered || echo "NOT answered"; }
unanswered() { px_ping_fails "$@" && echo "no answer" || echo "ANSWERED"; }
# wire NAME REGEX [COUNT]: the first COUNT (default 2) underlay frames of
# capture NAME matching REGEX, outer and inner headers on one line, cut.
wire() {
	sb_capture_frames "$1" | grep -E "$2" | head -"${3:-2}" | cut -d' ' -f2- |
		sed -E 's/, length [0-9]+//g;
			s/^[0-9a-f:]+ > [0-9a-f:]+, ethertype IPv4 \(0x0800\): //; s/, flags \[I\] \(0x08\)//; s/Flags \[none\], //;
			s/ \| +/ | /g; s/ethertype (IPv4|MPLS unicast) \((0x0800|0x8847)\): //' |
		cut -c1-190 | sed 's/^/      /'
}

section "Sandbox: three chassis, an underlay, a VTEP"
sb_init || exit 1
sb_start_etcd || die "etcd did not start"
ox_start || die "the chassis did not start"
say "etcd      $ETCD (private, data in $SB_DIR)"
for n in "${OX_NODES[@]}"; do
	say "$n     ovs-vswitchd in namespace $SB_PREFIX-$n, underlay ${OX_IP[$n]} on br-underlay;" \
		"flowsteerd --encap-ip ${OX_IP[$n]} --encap-type ${OX_ENCAP[$n]}"
done
say "tor1      a Linux VXLAN device (VNI $OX_BLUE_VNI) at $OX_VTEP_IP, host dev1 $(ox_ip dev1) behind it"
say "VMs       node1: blue1 $(ox_ip blue1), red1 $(ox_ip red1), src $(ox_ip src), dst $(ox_ip dst)"
say "          node2: blue2 $(ox_ip blue2), SFs sf1 and sf3;  node3: blue3 $(ox_ip blue3), red3 $(ox_ip red3), SF sf2"

section "1. The chassis documents flowsteerd wrote (none existed)"
for n in "${OX_NODES[@]}"; do
	say "  /flowsteer/v1/chassis/$n: $(sb_etcdctl get "/flowsteer/v1/chassis/$n" --print-value-only)"
done
say "  liveness: $(sb_etcdctl get /flowsteer/nodes/ --prefix --keys-only | grep -c .) keys under /flowsteer/nodes/, each on a lease"

section "2. Every manifest but blue2's port (net-blue VXLAN 5001, net-red Geneve without a VNI)"
ox_put_all blue2 || die "put failed"
ox_all_observed 20 || die "the nodes did not converge"
red=$(ox_id networks net-red)
say "  net-red got VNI $(sb_etcdctl get "/flowsteer/v1/keys/networks/$red" --print-value-only)," \
	"allocated in one etcd transaction (keys/vnis/<n> and keys/networks/<id>)"
for n in "${OX_NODES[@]}"; do
	say "  $n tunnel ports: $(ox_tunnels "$n")"
done
say "  (node1's tunnels are VXLAN: its encap differs from node2's and node3's Geneve;"
say "   node2 - node3 is Geneve; each node has one to the VTEP, for dev1 and dev2)"

section "3. blue2's port put for node2: from the put to a ping from node1"
sb_chassis_use node1
key=$(ox_key ports blue2) value=$(cat "$OX_DIR/json/ports/blue2.json")
ip netns exec "$SB_PREFIX-blue1" sysctl -qw net.ipv4.neigh.blue1.retrans_time_ms=50
t0=$(sb_now_ms)
sb_etcdctl put "$key" "$value" >/dev/null
ip netns exec "$SB_PREFIX-blue1" ping -c 1 -i 0.01 -W 1 -w 10 -q "$(ox_ip blue2)" >/dev/null 2>&1 ||
	die "blue1 never reached blue2"
say "  etcdctl put -> first answered ping blue1 (node1) -> blue2 (node2): $(($(sb_now_ms) - t0)) ms"
say "  (node2's flowsteerd installed blue2's flows, node1's and node3's added its MAC behind their tunnel to node2)"

section "4. On the underlay (tcpdump on the underlay bridge)"
sb_capture ul1 underlay ul udp || die "tcpdump did not start"
say "  blue1 -> blue2 (node1 -> node2): $(answered blue1 "$(ox_ip blue2)")"
say "  blue2 -> blue3 (node2 -> node3): $(answered blue2 "$(ox_ip blue3)")"
say "  red1 -> red3 (net-red, node1 -> node3): $(answered red1 "$(ox_ip red3)")"
say "  red1 -> blue3 (another network): $(unanswered red1 "$(ox_ip blue3)")"
say "  blue1 -> dev1 behind the VTEP: $(answered blue1 "$(ox_ip dev1)")"
sleep 0.3
sb_capture_stop ul1
say "    VXLAN node1 -> node2, VNI 5001:"
wire ul1 "172.31.0.1\.[0-9]+ > 172.31.0.2\.4789.*ICMP"
say "    Geneve node2 -> node3, VNI 5001 (0x1389):"
wire ul1 "172.31.0.2\.[0-9]+ > 172.31.0.3\.6081.*ICMP" 1
say "    VXLAN node1 -> the VTEP:"
wire ul1 "172.31.0.1\.[0-9]+ > $OX_VTEP_IP\.4789.*ICMP" 1

section "5. Chain PC1 across chassis: src (node1) -> SF1 (node2) -> SF2 (node3) or SF3 (node2) -> dst (node1)"
for sf in sf1 sf2 sf3; do sb_sf_capture "$sf" || die "tcpdump did not start"; done
sb_capture ul2 underlay ul udp || die "tcpdump did not start"
ox_server dst 80 || die "no server on dst"
ok=0
for sport in $(seq 30001 30020); do ox_send src "$(ox_ip dst)" 80 "chain-$sport" "$sport" && ok=$((ok + 1)); done
sleep 0.3
sb_capture_stop ul2
say "  20 TCP connections src -> dst:80: $ok delivered"
say "  TCP packets seen by sf1 (node2) $(sb_sf_count sf1), sf2 (node3) $(sb_sf_count sf2), sf3 (node2) $(sb_sf_count sf3)"
say "    node1 -> node2, MPLS (label = path id << 8 | hop index) inside VXLAN:"
wire ul2 "172.31.0.1\.[0-9]+ > 172.31.0.2\.4789.*MPLS" 1
say "    node2 -> node3, the second hop, MPLS inside Geneve:"
wire ul2 "172.31.0.2\.[0-9]+ > 172.31.0.3\.6081.*MPLS" 1
say "  node1's group for hop 2 (SF2 on node3, SF3 on node2): it chooses, then the bucket pushes the label:"
sb_on_chassis node1 sb_our_groups | sed -E 's/,bucket=/\n      bucket=/g; s/^group/    group/' |
	cut -c1-190

section "6. node3's flowsteerd stopped, then started again"
sb_chassis_use node3
sb_stop_flowsteerd
sb_wait_for 5 eval '[ -z "$(sb_etcdctl get /flowsteer/nodes/node3 --print-value-only)" ]'
say "  stopped: /flowsteer/nodes/node3 is gone (lease revoked at exit); blue1 -> blue3: $(answered blue1 "$(ox_ip blue3)")"
ox_start_flowsteerd node3
sb_wait_observed "$(ox_desired_revision)" 10 || die "node3 did not come back"
say "  started: observed again with $(sb_status '["last_apply"]["flow_mods"]') flow mods and" \
	"$(sb_status '["last_apply"]["ovsdb_txns"]') OVSDB transactions (everything was still installed)"
for n in "${OX_NODES[@]}"; do
	say "  $n: $(sb_on_chassis "$n" sb_status '["flows"]') flows, $(sb_on_chassis "$n" sb_status '["groups"]') groups"
done

section "7. Tear-down"
n_pids=${#SB_PIDS[@]} n_ns=${#SB_NETNS[@]}
sb_cleanup
trap - EXIT
say "  stopped three flowsteerd, etcd, three ovsdb-server and ovs-vswitchd, tcpdump ($n_pids processes);"
say "  deleted $n_ns namespaces (and their veths); nothing else was touched."
say "  Next: tests/integration/test_overlay.sh (broadcasts, the remote device's tunnel, a network deleted)."
