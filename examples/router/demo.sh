#!/usr/bin/env bash
# examples/router/demo.sh (`make demo`, fifth act; `make demo-router`):
# the distributed router of examples/router on three chassis on one
# machine (tests/lib/router_example.sh: an ovsdb-server, an ovs-vswitchd
# and a flowsteerd per chassis, one private etcd, an underlay bridge).
# Two VXLAN networks with a subnet each, router r1 with an interface on
# both and two extra routes; no network node: every chassis routes in its
# own flows (tables 20-23).  Shows, with real packets and tcpdump: a ping
# across subnets and chassis (TTL 63, one tunnel, the destination's VNI),
# ARP for the gateway and ICMP echo to the router answered on the node,
# flowsteerctl trace naming the router and the route, longest-prefix
# extra routes and one removed, an interface deleted and put back.
# Everything is torn down at the end (or on Ctrl-C).  Needs root.
# SB_KEEP=1 keeps the logs and captures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.." || exit 1
: "${FLOWSTEERD:=build/bin/flowsteerd}"
: "${FLOWSTEERCTL:=build/bin/flowsteerctl}"
FLOWSTEERD=$(realpath "$FLOWSTEERD")
FLOWSTEERCTL=$(realpath "$FLOWSTEERCTL")
source tests/lib/sandbox.sh
source tests/lib/chassis.sh
source tests/lib/router_example.sh
source tests/lib/narrate.sh

answered() { sb_ping "$@" && echo answered || echo "NOT answered"; }
unanswered() { sb_ping_fails "$@" && echo "no answer" || echo "ANSWERED"; }
# reply PING_OUTPUT: its first reply line, without the time.
reply() { grep -m1 'bytes from' <<<"$1" | sed 's/ time=.*//'; }
# wire NAME REGEX [COUNT]: the first COUNT (default 1) underlay frames of
# capture NAME matching REGEX, outer and inner headers on one line, cut
# (as examples/overlay/demo.sh shows them).
wire() {
	sb_capture_frames "$1" | grep -E "$2" | head -"${3:-1}" | cut -d' ' -f2- |
		sed -E 's/, length [0-9]+//g;
			s/^[0-9a-f:]+ > [0-9a-f:]+, ethertype IPv4 \(0x0800\): //; s/, flags \[I\] \(0x08\)//; s/Flags \[none\], //;
			s/ \| +/ | /g; s/ethertype IPv4 \(0x0800\): //; s/, id [0-9]+, seq [0-9]+//' |
		cut -c1-190 | sed 's/^/      /'
}
# echoes NAME: ICMP echo requests in capture NAME.
echoes() { sb_capture_count "$1" 'icmp[icmptype] == 8'; }
# l3_flows NODE: flowsteer's flows in tables 20, 21, 22 and 23 on NODE.
l3_flows() {
	local t
	for t in 20 21 22 23; do
		printf '%s ' "$(sb_on_chassis "$1" sb_ofctl dump-flows --no-stats br-int "table=$t" | grep -c 'cookie=0xf5e0')"
	done
}
# l3_steps TRACE [TABLES [actions]]: the lines of tables TABLES (a regex,
# default 2[0-3]) of an ofproto/trace output, each with flowsteerctl's
# "↳" line, or (third argument "actions") with its actions on the same
# line; no cookies, cut.
l3_steps() {
	awk -v t="^ *(${2:-2[0-3]})\\. " -v acts="${3:-}" '
		function flush() { if (l != "") print l; l = "" }
		$0 ~ t { flush(); on = 1; l = $0; sep = ": "; next }
		/^ *[0-9]+\. |^$/ { flush(); on = 0; next }
		on && acts == "" && /↳/ { flush(); print; next }
		on && acts != "" && !/^ *->|↳/ { sub(/^ +/, ""); l = l sep $0; sep = ", " }
		END { flush() }' <<<"$1" |
		sed -E 's/, cookie 0x[0-9a-f]+//; s/NXM_OF_IP_DST\[\]/ip_dst/; s/NXM_NX_REG1\[\]/reg1/' | cut -c1-180 | sed 's/^/    /'
}
# routes NODE: NODE's table 22 flows to 192.168.50.0/24 and its /25, cut,
# each with its next hop (reg1) decoded.
routes() {
	local l h
	sb_on_chassis "$1" sb_ofctl dump-flows --no-stats br-int table=22 | grep '192\.168\.50' |
		while read -r l; do
			h=$(grep -oE 'set_field:0x[0-9a-f]+->reg1' <<<"$l" | grep -oE '0x[0-9a-f]+')
			printf '      %s  (next hop %d.%d.%d.%d)\n' \
				"$(sed -E 's/^ *cookie=[^ ]+ //; s/table=22, //; s/,dec_ttl,.*/,dec_ttl,.../' <<<"$l")" \
				$((h >> 24 & 255)) $((h >> 16 & 255)) $((h >> 8 & 255)) $((h & 255))
		done
}

BLUE1=$(rx_ip blue1) BLUE3=$(rx_ip blue3) GREEN1=$(rx_ip green1) GREEN2=$(rx_ip green2)
GW_BLUE=$(rx_ip rif-blue) GW_GREEN=$(rx_ip rif-green)

section "Sandbox: three chassis, one etcd, an underlay"
sb_init || exit 1
sb_start_etcd || die "etcd did not start"
rx_start || die "the chassis did not start"
say "etcd      $ETCD (private, data in $SB_DIR)"
for n in "${RX_NODES[@]}"; do
	say "$n     ovs-vswitchd in namespace $SB_PREFIX-$n, underlay ${RX_IP[$n]};" \
		"flowsteerd --encap-ip ${RX_IP[$n]} --encap-type vxlan"
done
say "VMs       node1: blue1 $BLUE1, green1 $GREEN1"
say "          node2: green2 $GREEN2, hop50 $(rx_ip hop50) (192.168.50.10 and .200 behind it)"
say "          node3: blue3 $BLUE3, hop51 $(rx_ip hop51) (192.168.50.200 behind it)"
say "          each with its address /24 and a default route via its subnet's gateway (.1)"

section "1. The router example put: two networks, two subnets, router r1, its interfaces, the VMs"
t0=$(sb_now_ms)
rx_put_all || die "put failed"
rx_all_observed 20 || die "the nodes did not converge"
say "  etcdctl put of $(ls "$RX_DIR"/json/*/*.json | wc -l) manifests -> every node observed them: $(($(sb_now_ms) - t0)) ms"
say "  net-blue  VXLAN $(rx_field networks net-blue '["provider:segmentation_id"]'), subnet blue-v4 $(rx_field subnets blue-v4 '["cidr"]')," \
	"r1's interface rif-blue $GW_BLUE ($(rx_mac rif-blue))"
say "  net-green VXLAN $(rx_field networks net-green '["provider:segmentation_id"]'), subnet green-v4 $(rx_field subnets green-v4 '["cidr"]')," \
	"r1's interface rif-green $GW_GREEN ($(rx_mac rif-green))"
say "  r1's extra routes: $(python3 -c '
import json, sys
print(", ".join("%s via %s" % (r["destination"], r["nexthop"])
                for r in json.load(open(sys.argv[1]))["router"]["routes"]))' "$RX_DIR/json/routers/r1.json")"
say "  (the interfaces are ports with device_owner network:router_interface_distributed, device_id r1,"
say "   bound to no chassis: every chassis with a VM on net-blue or net-green routes r1 itself)"
for n in "${RX_NODES[@]}"; do
	say "  $n: flows in tables 20 21 22 23: $(l3_flows "$n")  errors: $(sb_on_chassis "$n" sb_status '["errors"]')"
done

section "2. blue1 (node1) -> green2 (node2): routed, across subnets and chassis"
sb_capture ul1 underlay ul "udp port 4789" || die "tcpdump did not start"
out=$(rx_ping blue1 "$GREEN2")
sleep 0.2
sb_capture_stop ul1
say "  ping $GREEN2 from blue1: $(reply "$out")"
say "  (ttl=63: green2's reply, sent with 64, crossed r1 once, on node2, on its way back)"
say "    node1 -> node2 carries green's VNI 6002 (node1 routed the request into net-green):"
wire ul1 "172.31.0.1\.[0-9]+ > 172.31.0.2\.4789.*vni 6002.*ICMP"
say "    node2 -> node1 carries blue's VNI 6001 (node2 routed the reply into net-blue):"
wire ul1 "172.31.0.2\.[0-9]+ > 172.31.0.1\.4789.*vni 6001.*ICMP"
say "  frames: node1 -> node2 vni 6002: $(sb_capture_frames ul1 | grep -c '172.31.0.1.* > 172.31.0.2.*vni 6002')," \
	"node2 -> node1 vni 6001: $(sb_capture_frames ul1 | grep -c '172.31.0.2.* > 172.31.0.1.*vni 6001')," \
	"to node3: $(sb_capture_frames ul1 | grep -c '> 172.31.0.3')"
out=$(rx_ping blue1 "$GREEN1")
say "  blue1 -> green1 (both on node1): $(reply "$out"), routed on node1 without the underlay"

section "3. The router's ARP and ICMP echo, answered on node1"
sb_capture ul2 underlay ul "udp port 4789" || die "tcpdump did not start"
sb_capture b1 blue1 blue1 "arp" || die "tcpdump did not start"
sb_capture b3 blue3 blue3 "arp" || die "tcpdump did not start"
ip netns exec "$SB_PREFIX-blue1" ip neigh flush dev blue1
out=$(rx_ping blue1 "$GW_BLUE")
sleep 0.2
sb_capture_stop b1
sb_capture_stop b3
say "  ip neigh flush in blue1, then ping its gateway $GW_BLUE: $(reply "$out")"
say "  blue1's ARP exchange (tcpdump in blue1):"
sb_capture_show b1 | head -2 | cut -d' ' -f2- | sed -E 's/, length [0-9]+//g' | cut -c1-150 | sed 's/^/      /'
say "  ARP requests seen by blue3 (node3, same network): $(sb_capture_count b3)"
out=$(rx_ping blue1 "$GW_GREEN")
sb_capture_stop ul2
say "  ping $GW_GREEN (r1's address on green) from blue1: $(reply "$out")"
say "  on the underlay meanwhile: $(sb_capture_frames ul2 | grep -c ARP) ARP frames, $(sb_capture_frames ul2 | grep -c ICMP) ICMP" \
	"(node1's flows answered both: table 20 the ARP, table 21 the echo)"

section "4. flowsteerctl trace --from blue1 --to green2 icmp, on node1"
sb_chassis_use node1
tr=$("$FLOWSTEERCTL" trace --node node1 --ovsdb "$SB_OVSDB" --etcd "$ETCD" \
	--from blue1 --to green2 icmp 2>&1) || die "flowsteerctl trace failed: $tr"
printf '%s\n' "$tr" >"$SB_DIR/trace-ctl.txt"
grep -qF 'router r1' <<<"$tr" || die "the trace does not name r1: $tr"
say "  the packet blue1 sends: $(sed -n 's/^# \(in_port=.*\)/\1/p' <<<"$tr" | head -1)"
say "  (to the MAC of rif-blue, blue1's gateway: flowsteerctl sends a packet for another subnet there)"
l3_steps "$tr" '2[0-3]|55'
dp=$(grep -m1 'Datapath actions' <<<"$tr")
say "  datapath actions: $(grep -oE 'set\(ipv4\([^)]*\)\)' <<<"$dp"), tnl_push to" \
	"$(grep -oE 'dst=172\.31\.0\.[0-9]+' <<<"$dp" | head -1 | cut -d= -f2) with $(grep -oE 'vni=0x[0-9a-f]+' <<<"$dp")"
say "  (table 23: green2's MAC, known from etcd: no ARP; then one tunnel, to node2, with net-green's"
say "   VNI 6002 = 0x1772; the TTL is decremented once, on node1)"

section "5. Longest prefix: 192.168.50.0/24 via hop50, 192.168.50.128/25 via hop51"
say "  node1's table 22 for them (priority 1000 + 2 x prefix length: the longer prefix wins):"
routes node1
sb_capture h50 hop50 hop50 "icmp" || die "tcpdump did not start"
sb_capture h51 hop51 hop51 "icmp" || die "tcpdump did not start"
out=$(rx_ping blue1 192.168.50.10)
say "  ping 192.168.50.10 from blue1: $(reply "$out")"
out=$(rx_ping blue1 192.168.50.200)
say "  ping 192.168.50.200 from blue1: $(reply "$out")"
sb_capture_stop h50
sb_capture_stop h51
say "  echo requests at hop50 (node2) $(echoes h50), at hop51 (node3) $(echoes h51): .10 via the /24, .200 via the /25"
one_route=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d["router"]["routes"] = d["router"]["routes"][:1]
print(json.dumps(d))' "$RX_DIR/json/routers/r1.json")
rx_put routers r1 "$one_route" || die "put failed"
rx_all_observed 10 || die "the nodes did not converge"
say "  r1 put again with the /24 only:"
routes node1
sb_capture h50b hop50 hop50 "icmp" || die "tcpdump did not start"
sb_capture h51b hop51 hop51 "icmp" || die "tcpdump did not start"
out=$(rx_ping blue1 192.168.50.200)
sb_capture_stop h50b
sb_capture_stop h51b
say "  ping 192.168.50.200 from blue1: $(reply "$out"); echo requests at hop50 $(echoes h50b), at hop51 $(echoes h51b)"
rx_put routers r1 && rx_all_observed 10 || die "r1 was not put back"
say "  (r1 put back with both routes)"

section "6. rif-green deleted, then put back"
rev=$(sb_del_revision "$(rx_key ports rif-green)")
rx_all_observed 10 "$rev" || die "the nodes did not converge"
say "  etcdctl del of rif-green: blue1 -> green2 $(unanswered blue1 "$GREEN2")," \
	"blue1 -> green1 $(unanswered blue1 "$GREEN1"), blue1 -> blue3 (L2) $(answered blue1 "$BLUE3")"
say "  node1: flows in tables 20 21 22 23: $(l3_flows node1)(r1 left with rif-blue alone)"
ip netns exec "$SB_PREFIX-blue1" sysctl -qw net.ipv4.neigh.blue1.retrans_time_ms=50
t0=$(sb_now_ms)
rx_put ports rif-green
ip netns exec "$SB_PREFIX-blue1" ping -c 1 -i 0.01 -W 1 -w 10 -q "$GREEN2" >/dev/null 2>&1 ||
	die "blue1 never reached green2 again"
say "  etcdctl put of rif-green -> first routed ping blue1 (node1) -> green2 (node2) answered: $(($(sb_now_ms) - t0)) ms"
say "  node1: flows in tables 20 21 22 23: $(l3_flows node1)"

section "7. Tear-down"
n_pids=${#SB_PIDS[@]} n_ns=${#SB_NETNS[@]}
sb_cleanup
trap - EXIT
say "  stopped three flowsteerd, etcd, three ovsdb-server and ovs-vswitchd, tcpdump ($n_pids processes);"
say "  deleted $n_ns namespaces (and their veths); nothing else was touched."
say "  Next: tests/integration/test_router.sh (TCP, martians, spoofing, invalid interfaces, a restart)."
