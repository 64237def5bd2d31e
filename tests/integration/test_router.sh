#!/usr/bin/env bash
# Integration test: the distributed router (examples/router, issue 16) on
# three chassis (tests/lib/router_example.sh): routing between two VXLAN
# subnets on one node and across nodes, the router's ARP and ICMP echo
# answered on the node by flows, longest-prefix extra routes toward next
# hops with hosts behind them, TTL, martians, an interface removed and put
# back (the time from its put to the first routed ping answered across
# nodes), routes changed (the other flows keep their age), invalid
# interfaces rejected by name.  Real packets between namespaces, tcpdump
# on the underlay and in the VMs.
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/chassis.sh
source tests/lib/router_example.sh
TEST_NAME=test_router
source tests/lib/check.sh

BLUE1=$(rx_ip blue1) BLUE3=$(rx_ip blue3) GREEN1=$(rx_ip green1)
GREEN2=$(rx_ip green2) GW_BLUE=$(rx_ip rif-blue) GW_GREEN=$(rx_ip rif-green)
MAC_BLUE=$(rx_mac rif-blue) MAC_GREEN=$(rx_mac rif-green)

status() { sb_on_chassis "$1" sb_status "$2"; }
flows() {
	sb_on_chassis "$1" sb_ofctl dump-flows --no-stats br-int |
		grep 'cookie=0xf5e0' | grep -c -- "${2:-.}"
}
# ttl_of OUTPUT: the ttl= of the first reply line of a ping output.
ttl_of() { sed -n 's/.*ttl=\([0-9]*\).*/\1/p' <<<"$1" | head -1; }
answered() { grep -q ' 0% packet loss\| [12]\?[0-9]% packet loss' <<<"$1" && ! grep -q '100% packet loss' <<<"$1"; }
none() { grep -q '100% packet loss' <<<"$1"; }

step "sandbox: etcd, node1..node3, VMs, three flowsteerd"
sb_init || exit 1
sb_start_etcd || exit 1
rx_start || exit 1

step "every manifest"
rx_put_all || exit 1
check "every node observed the manifests" "$(rx_desired_revision)" rx_all_observed 20
for n in "${RX_NODES[@]}"; do
	check "no errors on $n" "$(status "$n" '["errors"]')" eq "$(status "$n" '["errors"]')" "[]"
done

step "same node: blue1 -> green1 (node1), routed"
sb_capture ul1 underlay ul "udp port 4789"
sb_chassis_use node1
sb_capture g1 green1 green1 "icmp"
out=$(rx_ping blue1 "$GREEN1")
sb_capture_stop g1
sb_capture_stop ul1
check "blue1 pings green1 through the router" "$(tail -2 <<<"$out" | head -1)" answered "$out"
check "the reply comes back with TTL 63 (one hop each way)" "ttl=$(ttl_of "$out")" eq "$(ttl_of "$out")" 63
check "green1 sees the router's green MAC as source, TTL 63" \
	"$(sb_capture_show g1 "icmp[icmptype] == 8" | head -1 | cut -c1-150)" \
	test "$(sb_capture_show g1 "icmp[icmptype] == 8 and ether src $MAC_GREEN and ip[8] == 63" | wc -l)" -ge 3
check "nothing on the underlay" "$(sb_capture_count ul1) frames" eq "$(sb_capture_count ul1)" 0

step "across nodes: blue1 (node1) <-> green2 (node2)"
sb_capture ul2 underlay ul "udp port 4789"
out=$(rx_ping blue1 "$GREEN2")
sb_server() { sb_tcp_server "$@"; }
sb_tcp_server green2 7001
echo routed-tcp | timeout 5 ip netns exec "$SB_PREFIX-blue1" socat -u - "TCP:$GREEN2:7001,connect-timeout=3" 2>/dev/null
sb_wait_for 3 grep -qx routed-tcp "$SB_DIR/green2-7001.txt"
tcp=$?
sb_capture_stop ul2
check "blue1 pings green2 across nodes" "$(tail -2 <<<"$out" | head -1)" answered "$out"
check "TTL 63 across nodes" "ttl=$(ttl_of "$out")" eq "$(ttl_of "$out")" 63
check "TCP blue1 -> green2 through the router" "" eq "$tcp" 0
n_to2=$(sb_capture_frames ul2 | grep -c "172.31.0.1.* > 172.31.0.2.*vni 6002")
n_to1=$(sb_capture_frames ul2 | grep -c "172.31.0.2.* > 172.31.0.1.*vni 6001")
check "node1 -> node2 carries green's VNI 6002, node2 -> node1 blue's VNI 6001" \
	"$n_to2 and $n_to1 frames" test "$n_to2" -ge 3 -a "$n_to1" -ge 3
n3=$(sb_capture_frames ul2 | grep -c "> 172.31.0.3")
check "nothing goes to node3" "$n3 frames" eq "$n3" 0

step "ARP: the router's addresses answered on the node"
sb_capture ul3 underlay ul "udp port 4789"
sb_chassis_use node3
sb_capture b3 blue3 blue3 "arp"
ip netns exec "$SB_PREFIX-blue1" ip neigh flush dev blue1
out=$(rx_ping blue1 "$GW_BLUE")
sleep 0.3
sb_capture_stop b3
sb_capture_stop ul3
check "blue1 pings its gateway $GW_BLUE (after ip neigh flush)" "$(tail -2 <<<"$out" | head -1)" answered "$out"
check "the reply is from $GW_BLUE, TTL 64" "$(grep -m1 'bytes from' <<<"$out")" \
	grep -q "from $GW_BLUE: .*ttl=64" <<<"$out"
check "blue3 (node3, same network) saw no ARP request" "$(sb_capture_count b3) frames" eq "$(sb_capture_count b3)" 0
check "no ARP crossed a tunnel" "$(sb_capture_frames ul3 | grep -c 'ARP')" eq "$(sb_capture_frames ul3 | grep -c 'ARP')" 0
out=$(rx_ping blue1 "$GW_GREEN")
check "blue1 pings the router's other address $GW_GREEN" "$(grep -m1 'bytes from' <<<"$out")" \
	grep -q "from $GW_GREEN: " <<<"$out"
out=$(rx_ping blue1 "$BLUE3")
check "blue1 -> blue3 (same subnet, ARP answered for a known port) still switched" \
	"$(grep -m1 'bytes from' <<<"$out")" grep -q "from $BLUE3: .*ttl=64" <<<"$out"
sb_chassis_use node1
ofp=$(sb_ofport o-blue1)
trace=$(sb_appctl ofproto/trace br-int "in_port=$ofp,arp,dl_src=$(rx_mac blue1),dl_dst=$MAC_BLUE,arp_op=1,arp_spa=$BLUE1,arp_tpa=$GW_BLUE,arp_sha=$(rx_mac blue1)")
check "a unicast ARP request to the router's MAC is answered (ofproto/trace)" \
	"$(grep -m1 'Datapath actions' <<<"$trace")" \
	grep -qE "Datapath actions: .*set\(arp\(.*op=2" <<<"$trace"
trace=$(sb_appctl ofproto/trace br-int "in_port=$ofp,icmp,dl_src=$(rx_mac blue1),dl_dst=$MAC_BLUE,nw_src=$BLUE1,nw_dst=$GW_GREEN,nw_ttl=1,icmp_type=8")
check "ICMP echo to the router with TTL 1 is answered" "$(grep -m1 'Datapath actions' <<<"$trace")" \
	grep -qE "Datapath actions: .*ttl=64" <<<"$trace"

step "longest prefix: 192.168.50.0/24 via hop50, 192.168.50.128/25 via hop51"
out=$(rx_ping blue1 192.168.50.10)
check "192.168.50.10 (/24) answered by hop50" "$(grep -m1 'bytes from' <<<"$out")" answered "$out"
sb_chassis_use node3
sb_capture h51 hop51 hop51 "icmp"
sb_chassis_use node2
sb_capture h50 hop50 hop50 "icmp"
out=$(rx_ping blue1 192.168.50.200)
sb_capture_stop h51
sb_capture_stop h50
check "192.168.50.200 (/25) answered" "$(grep -m1 'bytes from' <<<"$out")" answered "$out"
check "... by hop51 (node3), not hop50" "hop51 $(sb_capture_count h51 'icmp[icmptype] == 8'), hop50 $(sb_capture_count h50 'icmp[icmptype] == 8')" \
	test "$(sb_capture_count h51 'icmp[icmptype] == 8')" -ge 3 -a "$(sb_capture_count h50 'icmp[icmptype] == 8')" -eq 0

step "the /25 deleted under a 100 pps ping: its traffic moves to hop50"
# rest_ages: node1's flows of tables 20, 21 and 23 and table 22's but
# the /25's ("<age> <flow>" per flow).
rest_ages() {
	local t
	for t in 20 21 22 23; do
		sb_on_chassis node1 sb_flow_ages "table=$t"
	done | grep -v '192.168.50.128/25'
}
rest_ages >"$SB_DIR/ages-before"
ip netns exec "$SB_PREFIX-blue1" ping -i 0.01 -c 300 -W 1 192.168.50.10 >"$SB_DIR/ping-10.txt" 2>&1 &
pid10=$!
sb_track $pid10
sb_capture h50b hop50 hop50 "icmp and host 192.168.50.200"
r1=$(rx_field routers r1 '')
one_route=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d["router"]["routes"] = d["router"]["routes"][:1]
print(json.dumps(d))' "$RX_DIR/json/routers/r1.json")
rx_put routers r1 "$one_route"
rx_all_observed 10
out=$(rx_ping blue1 192.168.50.200)
sb_capture_stop h50b
wait $pid10
lost=$(sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p' "$SB_DIR/ping-10.txt")
check "192.168.50.200 now answered by hop50" "$(sb_capture_count h50b 'icmp[icmptype] == 8') requests at hop50" \
	test "$(sb_capture_count h50b 'icmp[icmptype] == 8')" -ge 3
check "the other stream (192.168.50.10, 100 pps) lost nothing" "$lost% lost" eq "$lost" 0
rest_ages >"$SB_DIR/ages-after"
check "the route's removal left the other router flows as they were (ages kept)" \
	"$(wc -l <"$SB_DIR/ages-before") flows" ages_kept
rx_put routers r1

step "negative"
sb_chassis_use node2
sb_capture g2 green2 green2 "icmp"
out=$(rx_ping blue1 "$GREEN2" -t 1)
sb_capture_stop g2
check "ping -t 1 to another subnet: no reply" "$(tail -2 <<<"$out" | head -1)" none "$out"
check "... but ICMP time exceeded from the router's address on blue (a traceroute hop)" \
	"$(grep -m1 'Time to live exceeded' <<<"$out")" grep -q "From $GW_BLUE icmp_seq=1 Time to live exceeded" <<<"$out"
check "... and green2 saw nothing" "$(sb_capture_count g2) frames" eq "$(sb_capture_count g2)" 0
# doc KIND ID JSON: puts a document of this test.
doc() { sb_etcdctl put "/flowsteer/v1/$1/$2" "$3" >/dev/null; }
# other_vm NAME NET SUBNET IP MAC: a VM on node2 of a network of this test
# (its address /24, default route via .1).
other_vm() {
	local ns=$SB_PREFIX-$1
	doc ports "$1" "{\"port\": {\"id\": \"$1\", \"network_id\": \"$2\", \"mac_address\": \"$5\", \"binding:host_id\": \"node2\", \"fixed_ips\": [{\"subnet_id\": \"$3\", \"ip_address\": \"$4\"}]}}"
	sb_chassis_use node2
	sb_netns "$ns" && sb_plug "$ns" "$1" "$1" "$5" &&
		ip netns exec "$ns" ip addr add "$4/24" dev "$1" &&
		ip netns exec "$ns" ip route add default via "${4%.*}.1"
}
# net-red (VXLAN 6003) with red-v4 10.10.2.0/24 (green's CIDR) on a second
# router r2; net-far (VXLAN 6004) with far-v4 10.10.9.0/24 on no router.
for n in red:6003 far:6004; do
	doc networks "net-${n%:*}" "{\"network\": {\"id\": \"net-${n%:*}\", \"provider:network_type\": \"vxlan\", \"provider:segmentation_id\": ${n#*:}}}"
done
doc subnets red-v4 '{"subnet": {"id": "red-v4", "network_id": "net-red", "ip_version": 4, "cidr": "10.10.2.0/24", "gateway_ip": "10.10.2.1"}}'
doc subnets far-v4 '{"subnet": {"id": "far-v4", "network_id": "net-far", "ip_version": 4, "cidr": "10.10.9.0/24"}}'
doc routers r2 '{"router": {"id": "r2", "name": "r2"}}'
doc ports rif-red '{"port": {"id": "rif-red", "network_id": "net-red", "mac_address": "fa:16:3e:16:0e:01", "device_owner": "network:router_interface", "device_id": "r2", "fixed_ips": [{"subnet_id": "red-v4", "ip_address": "10.10.2.1"}]}}'
other_vm red2 net-red red-v4 10.10.2.77 fa:16:3e:16:0e:77
other_vm far2 net-far far-v4 10.10.9.9 fa:16:3e:16:0f:09
rx_all_observed 10
check "r2's interface on green's CIDR is accepted (another router)" "$(status node2 '["errors"]')" \
	eq "$(status node2 '["errors"]')" "[]"
out=$(rx_ping red2 10.10.2.1)
check "red2 reaches its own gateway (r2, 10.10.2.1 on net-red)" "$(grep -m1 'bytes from' <<<"$out")" answered "$out"
out=$(rx_ping blue1 10.10.2.77)
check "red2 (r2's subnet, overlapping green's CIDR) is unreachable from blue1" "$(tail -2 <<<"$out" | head -1)" none "$out"
out=$(rx_ping blue1 10.10.9.9)
check "far2 (a subnet on no router): no reply" "$(tail -2 <<<"$out" | head -1)" none "$out"
sb_chassis_use node1
trace=$(sb_appctl ofproto/trace br-int "in_port=$ofp,icmp,dl_src=$(rx_mac blue1),dl_dst=$MAC_GREEN,nw_src=$BLUE1,nw_dst=$GREEN2,icmp_type=8")
check "a frame to another network's router MAC is not routed" \
	"$(grep -m1 'Datapath actions' <<<"$trace")" \
	grep -qE "Datapath actions: (drop|[0-9]*)$" <<<"$trace"
ip netns exec "$SB_PREFIX-blue1" ip addr add 10.10.1.99/32 dev blue1
out=$(rx_ping blue1 "$GREEN2" -I 10.10.1.99)
check "a spoofed source (10.10.1.99) is dropped by port security" "$(tail -2 <<<"$out" | head -1)" none "$out"
ip netns exec "$SB_PREFIX-blue1" ip addr del 10.10.1.99/32 dev blue1

step "lifecycle: rif-green deleted, put back"
rev=$(sb_del_revision "$(rx_key ports rif-green)")
rx_all_observed 10 "$rev"
out=$(rx_ping blue1 "$GREEN2")
check "without rif-green, green is unreachable from blue" "$(tail -2 <<<"$out" | head -1)" none "$out"
out=$(rx_ping blue1 "$BLUE3")
check "blue's L2 is unaffected" "$(tail -2 <<<"$out" | head -1)" answered "$out"
ip netns exec "$SB_PREFIX-blue1" sysctl -qw net.ipv4.neigh.blue1.retrans_time_ms=50
t0=$(sb_now_ms)
rx_put ports rif-green
ip netns exec "$SB_PREFIX-blue1" ping -c 1 -i 0.01 -W 1 -w 10 -q "$GREEN2" >/dev/null 2>&1
PUT_TO_PING_MS=$(($(sb_now_ms) - t0))
check "rif-green put back: blue1 reaches green2 (node2) again" \
	"$PUT_TO_PING_MS ms from the put to the first routed ping answered, etcdctl included" \
	sb_ping blue1 "$GREEN2"

step "invalid interfaces and routes rejected by name"
# bad_iface ID FIELD=VALUE...: rif-green's document as port ID with the
# port fields given (python literals) changed, put.
bad_iface() {
	local id=$1
	shift
	sb_etcdctl put "/flowsteer/v1/ports/$id" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); p = d["port"]
p["id"] = sys.argv[2]; p["name"] = "rif-" + sys.argv[2][-2:]
p["mac_address"] = "fa:16:3e:16:ff:" + sys.argv[2][-2:]
for a in sys.argv[3:]:
    k, v = a.split("=", 1); exec("p" + k + " = " + v)
print(json.dumps(d))' "$RX_DIR/json/ports/rif-green.json" "$id" "$@")" >/dev/null
}
BAD=2c9f0a11-1600-4000-8000-0000000000
bad_iface ${BAD}f1 "['network_id']='$(rx_id networks net-blue)'" \
	"['fixed_ips'][0]['ip_address']='10.10.2.254'"
bad_iface ${BAD}f2 "['fixed_ips'][0]['ip_address']='10.10.2.253'"
bad_iface ${BAD}f3 "['device_id']='no-such-router'"
bad_route=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d["router"]["routes"].append({"destination": "172.16.0.0/16", "nexthop": "10.99.0.1"})
print(json.dumps(d))' "$RX_DIR/json/routers/r1.json")
rx_put routers r1 "$bad_route"
rx_all_observed 10
errs=$(status node1 '["errors"]')
err_of() { python3 -c '
import json, sys
for e in json.loads(sys.argv[1]):
    if e["key"].endswith(sys.argv[2]):
        print(e["path"], e["message"])' "$errs" "$1"; }
check "an interface naming a subnet of another network: rejected" "$(err_of f1)" \
	grep -q 'fixed_ips\[0\].subnet_id .*is on network' <<<"$(err_of f1)"
check "a second interface of r1 on green-v4 (overlapping): the later rejected" "$(err_of f2)" \
	grep -q "fixed_ips\[0\].subnet_id .*$(rx_id ports rif-green).*came first" <<<"$(err_of f2)"
check "an interface of a router that does not exist: rejected" "$(err_of f3)" \
	grep -q 'device_id .*no-such-router' <<<"$(err_of f3)"
notes=$(status node1 '["notes"]' 2>/dev/null)
check "a route whose nexthop is in no subnet of the router: a note on that route" \
	"$(grep -o 'routes\[2\][^}]*' <<<"$notes" | head -1 | cut -c1-160)" grep -q 'routes\[2\]' <<<"$notes"
out=$(rx_ping blue1 "$GREEN2")
check "the router keeps routing" "$(tail -2 <<<"$out" | head -1)" answered "$out"
rx_put routers r1
for i in f1 f2 f3; do rev=$(sb_del_revision "/flowsteer/v1/ports/$BAD$i"); done
rx_all_observed 10 "$rev"

step "flowsteerd restarted under a ping: nothing lost, no flow mod"
sb_chassis_use node1
ip netns exec "$SB_PREFIX-blue1" ping -i 0.02 -c 150 -W 1 "$GREEN2" >"$SB_DIR/ping-r.txt" 2>&1 &
pidr=$!
sb_track $pidr
sb_start_monitor restart
sb_restart_flowsteerd_observed
sb_stop_monitor restart
wait $pidr
lost=$(sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p' "$SB_DIR/ping-r.txt")
mods=$(grep -c 'event=' "$SB_DIR/monitor-restart.log")
check "no ping lost over the restart" "$lost% lost" eq "$lost" 0
check "no flow mod over the restart" "$mods flow events" eq "$mods" 0
if [ -n "${FLOWSTEERCTL:-}" ]; then
	tr=$("$FLOWSTEERCTL" trace --node node1 --ovsdb "$SB_OVSDB" --etcd "$ETCD" \
		--from blue1 --to green2 icmp 2>&1)
	check "flowsteerctl trace names the router and the route" "$(grep -m1 'route to' <<<"$tr")" \
		grep -q "router r1: route to 10.10.2.0/24, connected" <<<"$tr"
fi

echo "router: put of rif-green -> first routed ping across nodes: $PUT_TO_PING_MS ms"
finish
