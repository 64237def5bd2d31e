#!/usr/bin/env bash
# tests/lib/overlay_example.sh: the overlay example of examples/overlay/ on
# three chassis and a remote VTEP (tests/lib/chassis.sh; source
# tests/lib/sandbox.sh, tests/lib/chassis.sh and
# tests/lib/provider_example.sh, for px_ping and friends, first):
#
#   node1 172.31.0.1 (vxlan)   blue1 10.1.0.11, red1 10.2.0.11, src 10.1.0.31, dst 10.1.0.32
#   node2 172.31.0.2 (geneve)  blue2 10.1.0.12, sf1 (PG1), sf3 (PG2)
#   node3 172.31.0.3 (geneve)  blue3 10.1.0.13, red3 10.2.0.13, sf2 (PG2)
#   tor1  172.31.0.100         a Linux VXLAN VTEP (VNI 5001) with dev1 10.1.0.21 behind it
#
# net-blue is VXLAN 5001, net-red Geneve with an allocated VNI.  Tunnels
# between node1 and the others are VXLAN (their encaps differ), between
# node2 and node3 Geneve.  Each chassis runs its own flowsteerd, started
# with --encap-ip and --encap-type, all on one etcd.  Port ids, MACs and
# IPs come from examples/overlay/json.  Names are ox_*.

OX_DIR=${OX_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples/overlay" && pwd)}
OX_NODES=(node1 node2 node3)
declare -gA OX_IP=([node1]=172.31.0.1 [node2]=172.31.0.2 [node3]=172.31.0.3)
declare -gA OX_ENCAP=([node1]=vxlan [node2]=geneve [node3]=geneve)
OX_VTEP_IP=172.31.0.100
OX_BLUE_VNI=5001

# ox_field KIND NAME PYEXPR: a field of examples/overlay/json/KIND/NAME.json.
ox_field() { sb_manifest_field "$OX_DIR/json/$1/$2.json" "$3"; }

ox_id() { ox_field "$1" "$2" '["id"]'; }
ox_key() { echo "/flowsteer/v1/$1/$(ox_id "$1" "$2")"; }
ox_ip() { ox_field ports "$1" '["fixed_ips"][0]["ip_address"]'; }
ox_mac() { ox_field ports "$1" '["mac_address"]'; }
ox_port() { echo "$(ox_id ports "$1") $(ox_mac "$1")"; }

# ox_put KIND NAME: puts one manifest; prints nothing.
ox_put() {
	sb_etcdctl put "$(ox_key "$1" "$2")" "$(cat "$OX_DIR/json/$1/$2.json")" >/dev/null
}

# ox_put_all [EXCEPT...]: every manifest of the example but the ports
# named in EXCEPT, networks first, then ports, then the chain's kinds.
ox_put_all() {
	local kind f name
	for kind in networks ports port_pairs port_pair_groups flow_classifiers port_chains; do
		for f in "$OX_DIR/json/$kind"/*.json; do
			name=$(basename "$f" .json)
			[[ " $* " == *" $name "* ]] && continue
			ox_put "$kind" "$name" || return 1
		done
	done
}

# ox_net_ips NAME: every address of the example's network of port NAME.
ox_net_ips() {
	case $1 in
	red*) echo "10.2.0.11 10.2.0.13" ;;
	*) echo "10.1.0.11 10.1.0.12 10.1.0.13 10.1.0.21 10.1.0.22 10.1.0.31 10.1.0.32" ;;
	esac
}

# ox_host NAME: VM NAME on the current chassis (sb_add_host, IP/32 and
# on-link routes to the other addresses of its network).
ox_host() {
	local ip peers
	ip=$(ox_ip "$1")
	peers=$(ox_net_ips "$1" | tr ' ' '\n' | grep -vx "$ip")
	# shellcheck disable=SC2046,SC2086
	sb_add_host "$1" $(ox_port "$1") "$ip" $peers
}

# ox_sf NAME: service function NAME (ports NAME-in, NAME-out) on the
# current chassis, bridging (bump in the wire).
ox_sf() {
	# shellcheck disable=SC2046
	sb_add_sf "$1" $(ox_port "$1-in") $(ox_port "$1-out") && sb_sf_bridge "$1"
}

# ox_start: the three chassis, the VTEP (its host is dev1), every VM and
# SF, pinned tunnel neighbours, and a flowsteerd per chassis.
ox_start() {
	local n
	for n in "${OX_NODES[@]}"; do
		sb_chassis_start "$n" "${OX_IP[$n]}" || return 1
	done
	sb_vtep_start tor1 "$OX_VTEP_IP" "$OX_BLUE_VNI" "$(ox_ip dev1)/24" \
		"$(ox_mac dev1)" || return 1
	for n in "${OX_NODES[@]}"; do
		sb_vtep_add_remote tor1 "${OX_IP[$n]}" || return 1
	done
	sb_chassis_use node1 && ox_host blue1 && ox_host red1 && ox_host src &&
		ox_host dst || return 1
	sb_chassis_use node2 && ox_host blue2 && ox_sf sf1 && ox_sf sf3 || return 1
	sb_chassis_use node3 && ox_host blue3 && ox_host red3 && ox_sf sf2 || return 1
	for n in "${OX_NODES[@]}"; do
		sb_chassis_use "$n" && sb_chassis_neigh || return 1
		ox_start_flowsteerd "$n" || return 1
	done
}

# ox_start_flowsteerd NODE: flowsteerd of chassis NODE with its tunnel
# endpoint (it writes its chassis document).
ox_start_flowsteerd() {
	sb_chassis_use "$1" &&
		sb_start_flowsteerd --encap-ip "${OX_IP[$1]}" --encap-type "${OX_ENCAP[$1]}"
}

# ox_desired_revision, ox_all_observed SECONDS [REV]: the chassis'
# (tests/lib/chassis.sh).
ox_desired_revision() { sb_chassis_desired_revision; }
ox_all_observed() { sb_chassis_all_observed "$@"; }

# ox_del_rev KIND NAME: deletes one resource and prints the delete's etcd
# revision.
ox_del_rev() {
	sb_etcdctl del "$(ox_key "$1" "$2")" -w json | json_get '["header"]["revision"]'
}

# ox_send FROM TO PORT TEXT [SPORT]: one TCP connection from VM FROM to
# address TO port PORT (from source port SPORT if given) sending the line
# TEXT (a server from ox_server must listen).
ox_send() {
	local opts=""
	[ -n "${5:-}" ] && opts=",sourceport=$5,reuseaddr"
	echo "$4" | timeout 5 ip netns exec "$SB_PREFIX-$1" socat -u - \
		"TCP:$2:$3,connect-timeout=3$opts" 2>/dev/null
}

# ox_server HOST PORT: sb_tcp_server on VM HOST ($SB_DIR/HOST-PORT.txt).
ox_server() { sb_tcp_server "$@"; }

# ox_received HOST PORT TEXT: HOST's server got the line TEXT (within 3 s).
ox_received() { sb_wait_for 3 grep -qx "$3" "$SB_DIR/$1-$2.txt"; }

# ox_tunnels NODE: the names of NODE's tunnel ports (fst-*), sorted.
ox_tunnels() {
	sb_on_chassis "$1" sb_vsctl --bare --columns=name list interface |
		grep '^fst-' | sort | tr '\n' ' '
}
