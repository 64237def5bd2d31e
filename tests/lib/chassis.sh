#!/usr/bin/env bash
# tests/lib/chassis.sh: several chassis on one machine, joined by an
# underlay, and remote VTEP devices on that underlay.  Source it after
# tests/lib/sandbox.sh (and call sb_init first); needs iproute2's "bridge"
# beside what sandbox.sh needs.
#
# Layout (namespaces are "$SB_PREFIX-<name>", all recorded for sb_cleanup):
#
#   $SB_PREFIX-underlay   Linux bridge "ul" (STP off, no address), one veth
#                         "u-<chassis>" / "u-<vtep>" per chassis and VTEP
#   $SB_PREFIX-<chassis>  ovs-vswitchd (netdev datapath) of the chassis;
#                         br-int exactly as sb_start_ovs makes it; br-underlay
#                         (netdev, standalone: NORMAL) whose ports are the
#                         veth "ul0" to the underlay and its internal port,
#                         the tap "br-underlay" holding the chassis' underlay
#                         address (OVS's userspace tunnelling sends and
#                         receives tunnel packets through it: route and ARP
#                         come from this namespace's kernel tables)
#   $SB_DIR/<chassis>/    its conf.db, db.sock, *.mgmt, *.ctl, logs, and
#                         flowsteerd.log (sb_start_flowsteerd)
#   $SB_PREFIX-<vtep>     a remote device: veth "eth0" on the underlay with
#                         the VTEP's address, Linux VXLAN device "vx0" and
#                         bridge "br0" (vx0 + the veth to the host)
#   $SB_PREFIX-<vtep>-host  the host behind it: "eth0" with HOST_IP/HOST_MAC
#
# The underlay is SB_UNDERLAY_NET.0/24 (172.31.0.0/24 by default; it lives
# only inside our namespaces) with MTU SB_UNDERLAY_MTU (1600): a 1500-byte
# frame of a VM plus a VXLAN or Geneve header (50 bytes, more with Geneve
# options) fits, so TCP between VMs needs no MSS clamping.
#
# The helpers of sandbox.sh (sb_add_host, sb_plug, sb_add_internal_ports,
# sb_vsctl, sb_ofctl, sb_appctl, sb_capture "ovs" ..., sb_start_flowsteerd,
# sb_status, sb_restart_vswitchd, sb_restart_ovsdb) act on the current
# chassis: the one named last to sb_chassis_use (or started last by
# sb_chassis_start).  Host names (sb_add_host NAME) share one namespace
# space: use names unique across chassis.

SB_UNDERLAY_NET=${SB_UNDERLAY_NET:-172.31.0}
SB_UNDERLAY_LEN=24
SB_UNDERLAY_MTU=${SB_UNDERLAY_MTU:-1600}
# The variables sandbox.sh's helpers read that differ per chassis.
SB_CHASSIS_VARS=(SB_OVSNS SB_OVSDB OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
	OVS_SYSCONFDIR SB_VSWITCHD_PID SB_FLOWSTEERD_PID SB_FLOWSTEERD_LOG
	SB_NODE SB_UNDERLAY_IP)
SB_CHASSIS=            # the current chassis
SB_CHASSIS_NAMES=()    # every chassis, in start order
SB_VTEP_NAMES=()       # every VTEP, in start order
declare -gA SB_CHASSIS_STATE=() # "<chassis>.<var>" -> value
declare -gA SB_UNDERLAY_IPS=()  # chassis or VTEP name -> underlay address

# sb_underlay_start: namespace $SB_PREFIX-underlay with the Linux bridge
# "ul" (STP off, MTU SB_UNDERLAY_MTU).  sb_chassis_start and
# sb_vtep_start call it if needed.
sb_underlay_start() {
	local ns=$SB_PREFIX-underlay
	[ -n "${SB_UNDERLAY_NS:-}" ] && return 0
	sb_netns "$ns" || return 1
	ip netns exec "$ns" ip link add ul type bridge stp_state 0 || return 1
	ip netns exec "$ns" ip link set ul mtu "$SB_UNDERLAY_MTU" up
	SB_UNDERLAY_NS=$ns
}

# sb_underlay_plug NETNS IFNAME NAME: a veth between the underlay bridge and
# NETNS: "u-NAME" on the bridge, IFNAME moved into NETNS; both ends MTU
# SB_UNDERLAY_MTU, TX checksum offload off (see sb_plug), up.
sb_underlay_plug() {
	local ns=$1 ifname=$2 ul_if=u-$3 ul=(ip netns exec "$SB_UNDERLAY_NS")
	[ ${#ul_if} -le 15 ] || { echo "sb_underlay_plug: $ul_if is too long" >&2; return 1; }
	"${ul[@]}" ip link add "$ul_if" mtu "$SB_UNDERLAY_MTU" type veth \
		peer name "$ifname" mtu "$SB_UNDERLAY_MTU" || return 1
	"${ul[@]}" ip link set "$ifname" netns "$ns" || return 1
	"${ul[@]}" ethtool -K "$ul_if" tx off >/dev/null || return 1
	"${ul[@]}" ip link set "$ul_if" master ul up || return 1
	ip netns exec "$ns" ethtool -K "$ifname" tx off >/dev/null || return 1
	ip netns exec "$ns" ip link set "$ifname" up
}

# sb_underlay_mac IP: the MAC this file gives underlay address IP
# (02:5b:<the four octets>), so that MACs are known without asking.
sb_underlay_mac() {
	local a b c d
	IFS=. read -r a b c d <<<"$1"
	printf '02:5b:%02x:%02x:%02x:%02x\n' "$a" "$b" "$c" "$d"
}

# sb_chassis_save: stores the current chassis' variables (SB_CHASSIS_VARS)
# so that a later sb_chassis_use finds them as they are now (a restarted
# ovs-vswitchd's pid, a started flowsteerd's pid).
sb_chassis_save() {
	local v
	[ -n "$SB_CHASSIS" ] || return 0
	for v in "${SB_CHASSIS_VARS[@]}"; do
		SB_CHASSIS_STATE[$SB_CHASSIS.$v]=${!v-}
	done
}

# sb_chassis_use NAME: makes chassis NAME the current one: the variables of
# SB_CHASSIS_VARS (OVS_RUNDIR and the other OVS_* exported) switch to it,
# so the helpers of sandbox.sh and plain ovs-vsctl / ovs-ofctl /
# ovs-appctl reach its ovsdb-server and ovs-vswitchd.  The chassis left
# keeps its state (sb_chassis_save).
sb_chassis_use() {
	local v
	[ -n "${SB_CHASSIS_STATE[$1.SB_OVSNS]+x}" ] ||
		{ echo "sb_chassis_use: no chassis $1" >&2; return 1; }
	[ "$1" = "$SB_CHASSIS" ] && return 0
	sb_chassis_save
	for v in "${SB_CHASSIS_VARS[@]}"; do
		printf -v "$v" '%s' "${SB_CHASSIS_STATE[$1.$v]}"
	done
	export OVS_RUNDIR OVS_DBDIR OVS_LOGDIR OVS_SYSCONFDIR
	SB_CHASSIS=$1
}

# sb_on_chassis NAME COMMAND...: runs COMMAND with chassis NAME current,
# then switches back to the chassis current before (also if COMMAND
# fails); returns COMMAND's status.
sb_on_chassis() {
	local prev=$SB_CHASSIS rc
	sb_chassis_use "$1" || return 1
	shift
	"$@"
	rc=$?
	[ -n "$prev" ] && sb_chassis_use "$prev"
	return $rc
}

# sb_chassis_start NAME UNDERLAY_IP: a complete chassis NAME (node name
# SB_NODE=NAME for sb_start_flowsteerd and sb_status): its own ovsdb-server
# and ovs-vswitchd ($SB_DIR/NAME/, namespace $SB_PREFIX-NAME), br-int as
# sb_start_ovs makes it, and br-underlay with UNDERLAY_IP (no prefix
# length: /24 of SB_UNDERLAY_NET) joined to the underlay (started if need
# be).  Returns once OVS's tunnel routing table has the underlay route
# (ovs/route/show); NAME is then the current chassis.  Neighbours are
# learnt on first use (OVS sends the ARP request itself, dropping the
# packet that needed it); sb_chassis_neigh pins them beforehand.
sb_chassis_start() {
	local name=$1 ip=$2 ns=$SB_PREFIX-$1 mac
	[ -z "${SB_CHASSIS_STATE[$name.SB_OVSNS]+x}" ] ||
		{ echo "sb_chassis_start: chassis $name exists" >&2; return 1; }
	[ -z "${SB_UNDERLAY_IPS[$name]+x}" ] ||
		{ echo "sb_chassis_start: $name is a VTEP" >&2; return 1; }
	sb_underlay_start || return 1
	sb_chassis_save
	SB_CHASSIS=
	export OVS_RUNDIR=$SB_DIR/$name OVS_DBDIR=$SB_DIR/$name \
		OVS_LOGDIR=$SB_DIR/$name OVS_SYSCONFDIR=$SB_DIR/$name
	# (Read through SB_CHASSIS_VARS: sandbox.sh's helpers use them.)
	# shellcheck disable=SC2034
	SB_NODE=$name SB_FLOWSTEERD_PID='' SB_FLOWSTEERD_LOG=$SB_DIR/$name/flowsteerd.log \
		SB_UNDERLAY_IP=$ip SB_VSWITCHD_PID=''
	mkdir -p "$OVS_RUNDIR" || return 1
	sb_start_ovs "$ns" || return 1
	SB_CHASSIS=$name
	SB_CHASSIS_NAMES+=("$name")
	SB_UNDERLAY_IPS[$name]=$ip
	sb_chassis_save
	# The underlay side: a veth whose chassis end is a port of br-underlay.
	mac=$(sb_underlay_mac "$ip")
	sb_underlay_plug "$ns" ul0 "$name" || return 1
	sb_vsctl add-br br-underlay -- set bridge br-underlay datapath_type=netdev \
		"other_config:hwaddr=\"$mac\"" \
		-- set interface br-underlay "mtu_request=$SB_UNDERLAY_MTU" \
		-- add-port br-underlay ul0 || return 1
	sb_wait_for 10 ip netns exec "$ns" ip link show br-underlay ||
		{ echo "sb_chassis_start: no br-underlay device in $ns" >&2; return 1; }
	ip netns exec "$ns" ip addr add "$ip/$SB_UNDERLAY_LEN" dev br-underlay || return 1
	ip netns exec "$ns" ip link set br-underlay up || return 1
	# ovs-vswitchd copies the namespace's routes (netlink) into its own
	# table; tunnel packets go where ovs/route/lookup says.
	sb_wait_for 10 sb_chassis_has_route "$ip" ||
		{ echo "sb_chassis_start: no underlay route in $name's OVS:" >&2
			sb_appctl ovs/route/show >&2; return 1; }
	sb_chassis_save
}

# sb_chassis_restart_vswitchd: sb_restart_vswitchd for the current chassis,
# then what the process held in memory and the namespace may have lost:
# br-underlay's address (added again if its tap lost it), the route in
# OVS's table (waited for), and OVS's tunnel neighbour cache (pinned again
# with sb_chassis_neigh: every other chassis and VTEP).
sb_chassis_restart_vswitchd() {
	local ns=$SB_OVSNS ip=$SB_UNDERLAY_IP
	sb_restart_vswitchd || return 1
	sb_chassis_save
	sb_wait_for 10 ip netns exec "$ns" ip link show br-underlay ||
		{ echo "sb_chassis_restart_vswitchd: no br-underlay device" >&2; return 1; }
	ip netns exec "$ns" ip -o addr show dev br-underlay | grep -q " $ip/" ||
		ip netns exec "$ns" ip addr add "$ip/$SB_UNDERLAY_LEN" dev br-underlay ||
		return 1
	ip netns exec "$ns" ip link set br-underlay up || return 1
	sb_wait_for 10 sb_chassis_has_route "$ip" ||
		{ echo "sb_chassis_restart_vswitchd: no underlay route" >&2; return 1; }
	sb_chassis_neigh
}

# sb_chassis_has_route IP: the current chassis' OVS routes IP's subnet out
# of br-underlay.
sb_chassis_has_route() {
	sb_appctl ovs/route/lookup "$1" 2>/dev/null | grep -q 'dev br-underlay'
}

# sb_chassis_neigh [IP...]: pins the current chassis' OVS neighbour entry
# (tnl/neigh/set br-underlay IP MAC) of each underlay address IP (default:
# every other chassis and VTEP), so that no first packet is lost to ARP.
sb_chassis_neigh() {
	local ip name
	if [ $# -eq 0 ]; then
		for name in "${!SB_UNDERLAY_IPS[@]}"; do
			[ "$name" = "$SB_CHASSIS" ] || set -- "$@" "${SB_UNDERLAY_IPS[$name]}"
		done
	fi
	for ip in "$@"; do
		sb_appctl tnl/neigh/set br-underlay "$ip" "$(sb_underlay_mac "$ip")" \
			>/dev/null || return 1
	done
}

# sb_chassis_desired_revision: the etcd revision of the last write under
# /flowsteer/v1/, the prefix every chassis' flowsteerd watches (other
# nodes' status and liveness writes move etcd's revision too, but no node
# sees them).
sb_chassis_desired_revision() {
	sb_etcdctl get /flowsteer/v1/ --prefix -w json | python3 -c '
import json, sys
print(max([kv["mod_revision"] for kv in json.load(sys.stdin).get("kvs", [])] or [0]))'
}

# sb_chassis_all_observed SECONDS [REV]: every chassis' status shows REV
# (default sb_chassis_desired_revision; after a delete, the delete's
# revision) observed within SECONDS.
sb_chassis_all_observed() {
	local rev=${2:-$(sb_chassis_desired_revision)} n
	for n in "${SB_CHASSIS_NAMES[@]}"; do
		sb_on_chassis "$n" sb_wait_observed "$rev" "$1" || return 1
	done
}

# sb_underlay_ip NAME: the underlay address of chassis or VTEP NAME.
sb_underlay_ip() {
	[ -n "${SB_UNDERLAY_IPS[$1]+x}" ] || { echo "sb_underlay_ip: no $1" >&2; return 1; }
	echo "${SB_UNDERLAY_IPS[$1]}"
}

# sb_tunnel_port NAME TYPE REMOTE [OPTIONS...]: on the current chassis'
# br-int, a tunnel interface NAME of TYPE (vxlan, geneve) to underlay
# address REMOTE, local_ip this chassis' address, key=flow (the VNI is set
# and matched by flows: tun_id), and any more OPTIONS ("csum=true").
# Returns once it has an ofport.
sb_tunnel_port() {
	local name=$1 type=$2 remote=$3 opt args=()
	shift 3
	for opt in "$@"; do args+=("options:$opt"); done
	sb_vsctl add-port br-int "$name" -- set interface "$name" type="$type" \
		"options:remote_ip=$remote" "options:local_ip=$SB_UNDERLAY_IP" \
		options:key=flow "${args[@]}" || return 1
	sb_wait_for 10 sb_have_ofports "$name"
}

# sb_ofport NAME: the ofport of interface NAME on the current chassis.
sb_ofport() { sb_vsctl get interface "$1" ofport; }

# sb_vtep_start NAME UNDERLAY_IP VNI HOST_IP HOST_MAC: a remote device (a
# ToR switch, say) on the underlay: namespace $SB_PREFIX-NAME with eth0 on
# the underlay holding UNDERLAY_IP (and MAC sb_underlay_mac), a Linux VXLAN
# device vx0 (VNI, UDP port 4789, local UNDERLAY_IP, MAC learning on) and a
# Linux bridge br0 joining vx0 to the host behind it: namespace
# $SB_PREFIX-NAME-host, interface eth0 with HOST_MAC and HOST_IP (IP/LEN,
# /24 if no length given).  It floods (broadcast, unknown unicast) to no
# one until sb_vtep_add_remote.  vx0's MTU is 1500 (the underlay's carries
# the header).
sb_vtep_start() {
	local name=$1 ip=$2 vni=$3 host_ip=$4 host_mac=$5
	local ns=$SB_PREFIX-$1 hns=$SB_PREFIX-$1-host
	[ -z "${SB_UNDERLAY_IPS[$name]+x}" ] ||
		{ echo "sb_vtep_start: $name exists" >&2; return 1; }
	[[ $host_ip == */* ]] || host_ip=$host_ip/24
	sb_underlay_start || return 1
	sb_netns "$ns" || return 1
	sb_netns "$hns" || return 1
	SB_VTEP_NAMES+=("$name")
	SB_UNDERLAY_IPS[$name]=$ip
	sb_underlay_plug "$ns" eth0 "$name" || return 1
	local v=(ip netns exec "$ns")
	"${v[@]}" ip link set eth0 address "$(sb_underlay_mac "$ip")" || return 1
	"${v[@]}" ip addr add "$ip/$SB_UNDERLAY_LEN" dev eth0 || return 1
	"${v[@]}" ip link add vx0 type vxlan id "$vni" local "$ip" dstport 4789 \
		dev eth0 || return 1
	"${v[@]}" ip link set vx0 mtu 1500 || return 1
	"${v[@]}" ip link add br0 type bridge stp_state 0 || return 1
	"${v[@]}" ip link set vx0 master br0 || return 1
	# The host: a veth from the VTEP's bridge.
	"${v[@]}" ip link add h0 type veth peer name eth0 netns "$hns" || return 1
	"${v[@]}" ethtool -K h0 tx off >/dev/null || return 1
	"${v[@]}" ip link set h0 master br0 || return 1
	local link
	for link in h0 vx0 br0; do "${v[@]}" ip link set "$link" up || return 1; done
	local h=(ip netns exec "$hns")
	"${h[@]}" ip link set eth0 address "$host_mac" || return 1
	"${h[@]}" ethtool -K eth0 tx off >/dev/null || return 1
	"${h[@]}" ip addr add "$host_ip" dev eth0 || return 1
	"${h[@]}" ip link set eth0 up
}

# sb_vtep_add_remote NAME IP: VTEP NAME floods to underlay address IP too
# (bridge fdb append 00:00:00:00:00:00 dev vx0 dst IP: head-end
# replication, one copy per remote).
sb_vtep_add_remote() {
	ip netns exec "$SB_PREFIX-$1" bridge fdb append 00:00:00:00:00:00 \
		dev vx0 dst "$2"
}

# sb_vtep_del_remote NAME IP: VTEP NAME no longer floods to IP.
sb_vtep_del_remote() {
	ip netns exec "$SB_PREFIX-$1" bridge fdb del 00:00:00:00:00:00 \
		dev vx0 dst "$2"
}

# sb_vtep_fdb NAME: VTEP NAME's vx0 forwarding table (bridge fdb show).
sb_vtep_fdb() { ip netns exec "$SB_PREFIX-$1" bridge fdb show dev vx0; }

# sb_capture_frames NAME [FILTER]: sb_capture_show, one line per frame:
# tcpdump prints a VXLAN packet's inner frame on a line of its own (Geneve's
# on the same line); this joins it to its outer line ("... vni 5001 |
# 02:00:... > ..., ethertype MPLS unicast (0x8847) ... MPLS (label 77 ...").
sb_capture_frames() {
	sb_capture_show "$@" | awk '
		/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\./ { if (l != "") print l; l = $0; next }
		{ l = l " | " $0 }
		END { if (l != "") print l }'
}
