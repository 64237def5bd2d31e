#!/usr/bin/env bash
# Integration test: DHCPv4 from flowsteerd's local controller (issue 17) on
# the router example's three chassis (tests/lib/router_example.sh): a VM
# namespace with no address runs a real DHCP client (Debian's udhcpc,
# with a script of this test's own that only records what it got and sets
# the address): it gets its Neutron address, mask, gateway, DNS servers,
# MTU 1450 (VXLAN), the host routes (option 121) and the lease, then pings
# through the router; a port without DHCP (enable_dhcp false) gets no
# answer; a VM flooding DISCOVERs does not keep another from its lease;
# the meter exists on the bridge.
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/chassis.sh
source tests/lib/router_example.sh
TEST_NAME=test_dhcp
source tests/lib/check.sh

NB=$(rx_id networks net-blue) SB=$(rx_id subnets blue-v4)
GREEN2=$(rx_ip green2)

# dhcp_port NAME IP MAC NODE [SUBNET]: a port of net-blue on NODE with a
# fixed IP on blue-v4 (or SUBNET), and its namespace with no address.
dhcp_port() {
	local ns=$SB_PREFIX-$1
	sb_etcdctl put "/flowsteer/v1/ports/$1" "{\"port\": {\"id\": \"$1\", \"network_id\": \"$NB\", \"mac_address\": \"$3\", \"binding:host_id\": \"$4\", \"fixed_ips\": [{\"subnet_id\": \"${5:-$SB}\", \"ip_address\": \"$2\"}]}}" >/dev/null
	sb_chassis_use "$4"
	sb_netns "$ns" && sb_plug "$ns" "$1" "$1" "$3"
}
# The client's script: records the variables of each event, sets the
# address and the default route on "bound".
SCRIPT=
write_script() {
	SCRIPT=$SB_DIR/udhcpc.sh
	cat >"$SCRIPT" <<'SH'
#!/bin/sh
env | grep -E '^(ip|subnet|router|dns|mtu|staticroutes|lease|serverid|domain)=' | sort >"$RESULT.$1"
if [ "$1" = bound ]; then
	ip addr add "$ip/$mask" dev "$interface"
	ip route add default via "${router%% *}" dev "$interface"
fi
SH
	chmod +x "$SCRIPT"
}
# dhcp NAME [SECONDS]: udhcpc in VM NAME until bound (or SECONDS, default
# 5); prints the milliseconds it took; its variables in $SB_DIR/NAME.bound.
dhcp() {
	local t0
	t0=$(sb_now_ms)
	RESULT=$SB_DIR/$1 timeout "${2:-5}" ip netns exec "$SB_PREFIX-$1" \
		udhcpc -i "$1" -f -q -n -t 3 -T 1 -s "$SCRIPT" -O mtu -O staticroutes \
		>"$SB_DIR/$1.udhcpc.log" 2>&1 || return 1
	echo $(($(sb_now_ms) - t0))
}
got() { grep -x "$2" "$SB_DIR/$1.bound" >/dev/null; }

step "sandbox: three chassis, the router example, DHCP ports"
sb_init || exit 1
sb_start_etcd || exit 1
rx_start || exit 1
rx_put_all || exit 1
write_script
sb_etcdctl put "$(rx_key subnets blue-v4)" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); s = d["subnet"]
s["dns_nameservers"] = ["10.10.1.53", "192.0.2.53"]
s["host_routes"] = [{"destination": "172.16.0.0/12", "nexthop": "10.10.1.1"}]
print(json.dumps(d))' "$RX_DIR/json/subnets/blue-v4.json")" >/dev/null
dhcp_port dh1 10.10.1.21 fa:16:3e:17:01:21 node1 || exit 1
dhcp_port dh2 10.10.1.22 fa:16:3e:17:01:22 node3 || exit 1
check "every node observed the manifests" "$(rx_desired_revision)" rx_all_observed 20
check "no errors on node1" "$(sb_on_chassis node1 sb_status '["errors"]')" \
	eq "$(sb_on_chassis node1 sb_status '["errors"]')" "[]"

step "a VM with no address gets its Neutron address by DHCP"
sb_chassis_use node1
ofp=$(sb_ofport o-dh1)
meters=$(sb_on_chassis node1 sb_ofctl dump-meters br-int 2>&1 | tr '\n' ' ')
check "dh1's punt meter (0xf5000000 | its ofport $ofp: 20 pktps, burst 40) is on node1's bridge" \
	"$(grep -o "meter=$((0xf5000000 + ofp)) [^m]*" <<<"$meters")" \
	grep -q "meter=$((0xf5000000 + ofp)) pktps burst .*type=drop rate=20 burst_size=40" <<<"$meters"
ms=$(dhcp dh1)
check "dh1 (node1) bound" "${ms:-no lease} ms from the first DISCOVER to the ACK" test -n "$ms"
check "its address 10.10.1.21, mask 255.255.255.0" "$(tr '\n' ' ' <"$SB_DIR/dh1.bound" 2>/dev/null)" \
	eval 'got dh1 ip=10.10.1.21 && got dh1 subnet=255.255.255.0'
check "the gateway 10.10.1.1 and the server identifier" "$(grep -E '^(router|serverid)=' "$SB_DIR/dh1.bound" | tr '\n' ' ')" \
	eval 'got dh1 router=10.10.1.1 && got dh1 serverid=10.10.1.1'
check "the subnet's DNS servers" "$(grep '^dns=' "$SB_DIR/dh1.bound")" got dh1 'dns=10.10.1.53 192.0.2.53'
check "MTU 1450 (VXLAN)" "$(grep '^mtu=' "$SB_DIR/dh1.bound")" got dh1 mtu=1450
check "the host routes, with the default route (RFC 3442)" "$(grep '^staticroutes=' "$SB_DIR/dh1.bound")" \
	got dh1 'staticroutes=172.16.0.0/12 10.10.1.1 0.0.0.0/0 10.10.1.1'
check "the lease (24 h)" "$(grep '^lease=' "$SB_DIR/dh1.bound")" got dh1 lease=86400
out=$(rx_ping dh1 "$GREEN2")
check "dh1 pings green2 (node2) through the router with what DHCP gave" "$(grep -m1 'bytes from' <<<"$out")" \
	grep -q 'ttl=63' <<<"$out"
ms2=$(dhcp dh2)
check "dh2 (node3) bound too, on its own node" "${ms2:-no lease} ms" eval 'test -n "$ms2" && got dh2 ip=10.10.1.22'

step "no DHCP on a subnet with enable_dhcp false"
sb_etcdctl put /flowsteer/v1/subnets/blue-nodhcp '{"subnet": {"id": "blue-nodhcp", "network_id": "'"$NB"'", "ip_version": 4, "cidr": "10.10.11.0/24", "enable_dhcp": false}}' >/dev/null
dhcp_port dh3 10.10.11.5 fa:16:3e:17:01:23 node1 blue-nodhcp || exit 1
rx_all_observed 10
check "dh3 gets no answer" "" eval '! dhcp dh3 4 >/dev/null'

step "a VM flooding DISCOVERs"
dhcp_port dh4 10.10.1.24 fa:16:3e:17:01:24 node1 || exit 1
dhcp_port dh5 10.10.1.25 fa:16:3e:17:01:25 node1 || exit 1
rx_all_observed 10
sb_chassis_use node1
m4=$((0xf5000000 + $(sb_ofport o-dh4)))
timeout 6 ip netns exec "$SB_PREFIX-dh4" python3 - dh4 fa:16:3e:17:01:24 <<'PY' &
import socket, struct, sys, time
ifname, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
def csum(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
dhcp = struct.pack("!BBBBIHHIIII16s64s128sI", 1, 1, 6, 0, 0x1234, 0, 0, 0, 0, 0, 0,
                   mac, b"", b"", 0x63825363) + bytes([53, 1, 1, 255]) + b"\0" * 60
udp = struct.pack("!HHHH", 68, 67, 8 + len(dhcp), 0) + dhcp
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                 bytes(4), b"\xff" * 4)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = b"\xff" * 6 + mac + b"\x08\x00" + ip + udp
end = time.time() + 5
n = 0
while time.time() < end:
    s.send(frame); n += 1
print(n)
PY
flood=$!
sleep 1
ms5=$(dhcp dh5 5)
wait $flood 2>/dev/null
check "dh5 gets its lease within 1 s while dh4 floods" "${ms5:-no lease} ms" eval 'test -n "$ms5" && test "$ms5" -lt 1000'
stats=$(sb_on_chassis node1 sb_ofctl meter-stats br-int "meter=$m4" 2>&1 | tr '\n' ' ')
drops=$(grep -o '0: packet_count:[0-9]*' <<<"$stats" | head -1)
check "dh4's meter dropped the flood's excess" "$(cut -c1-200 <<<"$stats")" \
	eval 'test -n "$drops" && test "${drops##*:}" -gt 1000'
check "flowsteerd still answers and runs" "" kill -0 "$SB_FLOWSTEERD_PID"

step "flowsteerd restarted (with /metrics): DHCP goes on, counted"
sb_chassis_use node1
port=$(sb_free_port)
sb_stop_flowsteerd
# shellcheck disable=SC2046 # words of rx_flowsteerd_args
sb_start_flowsteerd $(rx_flowsteerd_args node1) --metrics-address "127.0.0.1:$port"
sb_wait_for 10 python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=2)"
ip netns exec "$SB_PREFIX-dh1" ip addr flush dev dh1
ms6=$(dhcp dh1)
check "dh1 gets its lease again from the restarted flowsteerd" "${ms6:-no lease} ms" eval 'test -n "$ms6" && got dh1 ip=10.10.1.21'
metrics=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics', timeout=2).read().decode())" |
	grep '^flowsteer_local_controller_packets_total')
check "/metrics counts the local controller's packets (DHCP replies: the OFFER and the ACK)" \
	"$(tr '\n' ' ' <<<"$metrics")" \
	eval 'grep -q "what=\"dhcp_reply\"} [2-9]" <<<"$metrics" && grep -q "what=\"packet_in\"} [2-9]" <<<"$metrics"'

echo "dhcp: DISCOVER -> ACK ${ms:-?} ms (udhcpc start to bound); under a flood ${ms5:-?} ms"
finish
