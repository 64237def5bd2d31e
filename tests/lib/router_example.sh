#!/usr/bin/env bash
# tests/lib/router_example.sh: the distributed router example of
# examples/router/ on three chassis (tests/lib/chassis.sh; source
# tests/lib/sandbox.sh and tests/lib/chassis.sh first):
#
#   node1 172.31.0.1  blue1 10.10.1.11, green1 10.10.2.11
#   node2 172.31.0.2  green2 10.10.2.12, hop50 10.10.2.50 (192.168.50.10, .200 behind it)
#   node3 172.31.0.3  blue3 10.10.1.13, hop51 10.10.2.51 (192.168.50.200 behind it)
#
# net-blue (VXLAN 6001, subnet blue-v4 10.10.1.0/24) and net-green (VXLAN
# 6002, green-v4 10.10.2.0/24), router r1 with interfaces rif-blue
# 10.10.1.1 and rif-green 10.10.2.1, routes 192.168.50.0/24 via hop50 and
# 192.168.50.128/25 via hop51.  Each VM has its address /24 and a default
# route via its subnet's gateway.  A flowsteerd per chassis (VXLAN
# tunnels), one etcd.  Names are rx_*.

RX_DIR=${RX_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples/router" && pwd)}
RX_NODES=(node1 node2 node3)
declare -gA RX_IP=([node1]=172.31.0.1 [node2]=172.31.0.2 [node3]=172.31.0.3)
RX_KINDS=(networks subnets routers ports)

# rx_field KIND NAME PYEXPR: a field of examples/router/json/KIND/NAME.json.
rx_field() { sb_manifest_field "$RX_DIR/json/$1/$2.json" "$3"; }
rx_id() { rx_field "$1" "$2" '["id"]'; }
rx_key() { echo "/flowsteer/v1/$1/$(rx_id "$1" "$2")"; }
rx_ip() { rx_field ports "$1" '["fixed_ips"][0]["ip_address"]'; }
rx_mac() { rx_field ports "$1" '["mac_address"]'; }

# rx_put KIND NAME [VALUE]: puts one manifest (or VALUE under its key).
rx_put() {
	sb_etcdctl put "$(rx_key "$1" "$2")" "${3:-$(cat "$RX_DIR/json/$1/$2.json")}" >/dev/null
}

# rx_put_all [EXCEPT...]: every manifest but the ports named in EXCEPT.
rx_put_all() {
	local kind f name
	for kind in "${RX_KINDS[@]}"; do
		for f in "$RX_DIR/json/$kind"/*.json; do
			name=$(basename "$f" .json)
			[[ " $* " == *" $name "* ]] && continue
			rx_put "$kind" "$name" || return 1
		done
	done
}

# rx_vm NAME [BEHIND...]: VM NAME on the current chassis: its address /24,
# a default route via its subnet's gateway (.1), and the addresses BEHIND
# on its loopback (a host behind a next hop).
rx_vm() {
	local name=$1 ns=$SB_PREFIX-$1 ip a
	shift
	ip=$(rx_ip "$name")
	sb_netns "$ns" || return 1
	sb_plug "$ns" "$name" "$(rx_id ports "$name")" "$(rx_mac "$name")" || return 1
	ip netns exec "$ns" ip addr add "$ip/24" dev "$name" || return 1
	ip netns exec "$ns" ip route add default via "${ip%.*}.1" || return 1
	ip netns exec "$ns" ip link set lo up
	for a in "$@"; do
		ip netns exec "$ns" ip addr add "$a/32" dev lo || return 1
	done
}

# rx_physical: physnet1 under node1 and node2: a provider bridge br-phys
# on each, trunked to the physical switch "tor" (a Linux bridge br0 in
# namespace $SB_PREFIX-tor: it carries every VLAN, tagged, and learns
# MACs).  Their
# flowsteerd then run with --bridge-mappings physnet1:br-phys and
# --chassis-mac-mappings physnet1:RX_CHASSIS_MAC[node].
declare -gA RX_CHASSIS_MAC=([node1]=0a:00:00:00:01:01 [node2]=0a:00:00:00:01:02)
rx_physical() {
	local n tor=$SB_PREFIX-tor
	sb_netns "$tor" || return 1
	ip netns exec "$tor" ip link add br0 type bridge stp_state 0 || return 1
	ip netns exec "$tor" ip link set br0 up || return 1
	for n in node1 node2; do
		sb_chassis_use "$n" && sb_add_bridge br-phys || return 1
		sb_veth_pair "ph-$n" "tor-$n" || return 1
		ip netns exec "$SB_OVSNS" ip link set "tor-$n" netns "$tor" || return 1
		ip netns exec "$tor" ip link set "tor-$n" master br0 up || return 1
		sb_vsctl add-port br-phys "ph-$n" || return 1
	done
}

# rx_flowsteerd_args NODE: flowsteerd's arguments on NODE.
rx_flowsteerd_args() {
	echo "--encap-ip ${RX_IP[$1]} --encap-type vxlan"
	if [ -n "${RX_PHYSNET:-}" ] && [ -n "${RX_CHASSIS_MAC[$1]:-}" ]; then
		echo "--bridge-mappings physnet1:br-phys --chassis-mac-mappings physnet1:${RX_CHASSIS_MAC[$1]}"
	fi
}

# rx_start: the three chassis (with RX_PHYSNET set, rx_physical too), the
# VMs, pinned tunnel neighbours, and a flowsteerd per chassis.
rx_start() {
	local n
	for n in "${RX_NODES[@]}"; do
		sb_chassis_start "$n" "${RX_IP[$n]}" || return 1
	done
	if [ -n "${RX_PHYSNET:-}" ]; then
		rx_physical || return 1
	fi
	sb_chassis_use node1 && rx_vm blue1 && rx_vm green1 || return 1
	sb_chassis_use node2 && rx_vm green2 &&
		rx_vm hop50 192.168.50.10 192.168.50.200 || return 1
	sb_chassis_use node3 && rx_vm blue3 && rx_vm hop51 192.168.50.200 || return 1
	for n in "${RX_NODES[@]}"; do
		sb_chassis_use "$n" && sb_chassis_neigh || return 1
		# shellcheck disable=SC2046 # words of rx_flowsteerd_args
		sb_start_flowsteerd $(rx_flowsteerd_args "$n") || return 1
	done
}

# rx_desired_revision, rx_all_observed SECONDS [REV]: the chassis'
# (tests/lib/chassis.sh).
rx_desired_revision() { sb_chassis_desired_revision; }
rx_all_observed() { sb_chassis_all_observed "$@"; }

# rx_ping FROM ADDRESS [ARGS...]: ping output (3 pings, 0.2 s apart).
rx_ping() {
	local from=$1 to=$2
	shift 2
	ip netns exec "$SB_PREFIX-$from" ping -c 3 -i 0.2 -W 1 "$@" "$to" 2>&1
}
