#!/usr/bin/env bash
# tests/lib/provider_example.sh: the provider network example of
# examples/provider/ as namespaces on the sandbox of tests/lib/sandbox.sh
# (source that first):
#
#   vm1 10.100.0.11 (net-v100) --+                  +-- fsp-physnet1 br-phys o-trunk1 ==trunk== t-trunk1 --+
#   vm2 10.100.0.12 (net-v100) --+                  |   (the operator's)       (802.1Q on the wire)        |
#   sf1 (sf1-in, sf1-out, v100) -+  br-int          |                                          br-tor (NORMAL,
#   vm3 10.200.0.13 (net-v200) --+  (flowsteerd) ---+                                          the physical
#   vm4 10.50.0.14  (net-flat) --+                  +-- fsp-physnet2 br-phys2 o-trunk2 --- t-trunk2 tag=300 -+  switch)
#                                                         [br-phys3 o-trunk3 --- t-trunk3 tag=300]             |
#   physical hosts on br-tor: p100 10.100.0.100/24 (tag=100), p200 10.200.0.200/24 (tag=200),
#                             pflat 10.50.0.50/24 (tag=300: physnet2's untagged frames)
#
# flowsteerd creates the patch pairs fsi-physnetN (br-int) <-> fsp-physnetN
# (provider bridge) from the chassis' bridge mappings; everything else
# here is the operator's and the physical network's.  Port ids, MACs and
# IPs come from examples/provider/json, so the namespaces always match the
# manifests.  Names are px_* so that this file can be sourced next to
# tests/lib/sfc_example.sh.

PX_DIR=${PX_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples/provider" && pwd)}

# The physical hosts (not Neutron ports): name, VLAN of their br-tor access
# port, MAC, address.  VLAN 300 is br-tor's inside name of physnet2
# (untagged on physnet2's wire).
PX_P100=10.100.0.100 PX_P100_MAC=52:54:00:10:01:00
PX_P200=10.200.0.200 PX_P200_MAC=52:54:00:10:02:00
PX_PFLAT=10.50.0.50 PX_PFLAT_MAC=52:54:00:10:00:50
PX_TOR_FLAT_TAG=300
PX_P100_BCAST=10.100.0.255

# px_field KIND NAME PYEXPR: a field of examples/provider/json/KIND/NAME.json
# (inside its Neutron envelope), e.g. px_field ports vm1 '["mac_address"]'.
px_field() { sb_manifest_field "$PX_DIR/json/$1/$2.json" "$3"; }

# px_id KIND NAME: the id of an example resource.
px_id() { px_field "$1" "$2" '["id"]'; }

# px_key KIND NAME: its etcd key (the chassis is keyed by $SB_NODE).
px_key() {
	if [ "$1" = chassis ]; then echo "/flowsteer/v1/chassis/$SB_NODE"
	else echo "/flowsteer/v1/$1/$(px_id "$1" "$2")"; fi
}

# px_manifest KIND NAME [FORMAT]: the manifest as put.sh puts it ("node1"
# replaced by $SB_NODE in a port's binding:host_id and in the chassis).
px_manifest() {
	local ext=${3:-json}
	if [ "$1" = chassis ]; then
		sed "s/\"node1\"/\"$SB_NODE\"/g" "$PX_DIR/$ext/$1/$2.$ext"
	else
		sed "/binding:host_id/s/node1/$SB_NODE/" "$PX_DIR/$ext/$1/$2.$ext"
	fi
}

# px_chassis MAPPINGS: the chassis document of $SB_NODE with bridge_mappings
# MAPPINGS (a JSON value: '"physnet1:br-phys"' or '["physnet1:br-phys"]').
px_chassis() {
	px_manifest chassis node1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
d["chassis"]["bridge_mappings"] = json.loads(sys.argv[1])
print(json.dumps(d))' "$1"
}

# px_port PORT: "<id> <mac>" of example port PORT.
px_port() { echo "$(px_id ports "$1") $(px_field ports "$1" '["mac_address"]')"; }

# px_mac PORT, px_ip PORT: its MAC, its first fixed IP.
px_mac() { px_field ports "$1" '["mac_address"]'; }
px_ip() { px_field ports "$1" '["fixed_ips"][0]["ip_address"]'; }

# px_vlan NETWORK: its provider:segmentation_id.
px_vlan() { px_field networks "$1" '["provider:segmentation_id"]'; }

# vm2's allowed address pair.
PX_VIP=$(px_field ports vm2 '["allowed_address_pairs"][0]["ip_address"]')
PX_VIP_MAC=$(px_field ports vm2 '["allowed_address_pairs"][0]["mac_address"]')

# sb_provider_physical [br-phys3]: the operator's provider bridges br-phys
# and br-phys2 (and br-phys3 if asked: a spare for moving a mapping), the
# physical switch br-tor, the trunks between them, and the physical hosts
# p100, p200, pflat.  Needs sb_start_ovs.
sb_provider_physical() {
	local br
	for br in br-phys br-phys2 br-tor ${1:+"$1"}; do
		sb_add_bridge "$br" || return 1
	done
	# physnet1 carries VLANs 100 and 200; physnet2 is untagged, and
	# br-tor keeps it apart as its VLAN 300.
	sb_link_bridges br-phys o-trunk1 br-tor t-trunk1 || return 1
	sb_vsctl set port t-trunk1 trunks=100,200 || return 1
	sb_link_bridges br-phys2 o-trunk2 br-tor t-trunk2 "$PX_TOR_FLAT_TAG" || return 1
	if [ "${1:-}" = br-phys3 ]; then
		sb_link_bridges br-phys3 o-trunk3 br-tor t-trunk3 "$PX_TOR_FLAT_TAG" || return 1
	fi
	sb_add_phys_host p100 br-tor 100 "$PX_P100_MAC" "$PX_P100/24" || return 1
	sb_add_phys_host p200 br-tor 200 "$PX_P200_MAC" "$PX_P200/24" || return 1
	sb_add_phys_host pflat br-tor "$PX_TOR_FLAT_TAG" "$PX_PFLAT_MAC" "$PX_PFLAT/24"
}

# Every address of the example: each VM gets an on-link route to all the
# others (whatever their network), so that only the networks decide who
# reaches whom.
px_all_ips() {
	echo "$PX_P100 $PX_P200 $PX_PFLAT $PX_VIP $(px_ip vm1) $(px_ip vm2) $(px_ip vm3) $(px_ip vm4)"
}

# sb_provider_vms: vm1..vm4 (sb_add_host, IP/32 and on-link routes to every
# other address of the example) and the service function sf1 (sb_add_sf,
# not yet bridged), all on br-int.
sb_provider_vms() {
	local vm ip peers
	for vm in vm1 vm2 vm3 vm4; do
		ip=$(px_ip $vm)
		peers=$(px_all_ips | tr ' ' '\n' | grep -vx "$ip")
		# shellcheck disable=SC2046,SC2086
		sb_add_host "$vm" $(px_port $vm) "$ip" $peers || return 1
	done
	# shellcheck disable=SC2046
	sb_add_sf sf1 $(px_port sf1-in) $(px_port sf1-out)
}

# px_vip_up: vm2's allowed address pair as a macvlan "vip" on vm2 (own MAC
# $PX_VIP_MAC, $PX_VIP/32, a route to p100 through it).  arp_ignore=1 so
# that only "vip" answers ARP for $PX_VIP (with its own MAC).
px_vip_up() {
	local ns=$SB_PREFIX-vm2
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 || return 1
	ip netns exec "$ns" ip link add vip link vm2 address "$PX_VIP_MAC" type macvlan mode bridge || return 1
	ip netns exec "$ns" ip addr add "$PX_VIP/32" dev vip
	ip netns exec "$ns" ip link set vip up
	ip netns exec "$ns" ip route add "$PX_P100/32" dev vip metric 100
}

# px_ping, px_ping_fails FROM TO [PING ARGS...], px_ping_ms FROM TO
# SECONDS, px_server HOST PORT: sandbox.sh's sb_ping, sb_ping_fails,
# sb_ping_ms, sb_tcp_server (TO an address).
px_ping() { sb_ping "$@"; }
px_ping_fails() { sb_ping_fails "$@"; }
px_ping_ms() { sb_ping_ms "$@"; }
px_server() { sb_tcp_server "$@"; }

# px_send FROM HOST PORT TEXT, px_hold FROM HOST PORT TEXT [N]:
# sb_tcp_send and sb_tcp_hold to host HOST (p100..., or an example VM).
px_send() { sb_tcp_send "$1" "$2" "$(px_host_ip "$2")" "$3" "$4"; }
px_hold() { sb_tcp_hold "$1" "$2" "$(px_host_ip "$2")" "$3" "$4" "${5:-10}"; }

# px_host_ip HOST: the address of a physical host or example VM.
px_host_ip() {
	case $1 in
	p100) echo "$PX_P100" ;;
	p200) echo "$PX_P200" ;;
	pflat) echo "$PX_PFLAT" ;;
	*) px_ip "$1" ;;
	esac
}
