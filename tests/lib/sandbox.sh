#!/usr/bin/env bash
# tests/lib/sandbox.sh: a private etcd, a private Open vSwitch (userspace
# "netdev" datapath, ovs-vswitchd in a network namespace of its own), and
# hosts and service functions in network namespaces attached to br-int by
# veth pairs.  Sourced by the integration tests and by examples/sfc/demo.sh;
# needs root (namespaces), etcd, etcdctl, ovsdb-server, ovs-vswitchd,
# ethtool, tcpdump, socat and python3 (JSON of the status document).
#
# Ownership: everything this file starts or creates is recorded (pids in
# SB_PIDS, namespace names in SB_NETNS, the temp dir SB_DIR) and removed by
# sb_cleanup, which sb_init registers on EXIT (INT and TERM exit through
# it).  Namespaces are named "fs<pid of the test>-<name>"; the veths live
# inside them (created in the OVS namespace, one end moved to the host or SF
# namespace), so deleting the namespaces deletes the veths.  Nothing else is
# touched: no kill by name, no global interface names.  SB_KEEP=1 keeps the
# temp dir (logs, pcaps) for debugging.
#
# Layout after sb_init + sb_start_etcd + sb_start_ovs:
#   $SB_DIR/etcd/           etcd data; $SB_DIR/etcd.log
#   $SB_DIR/ovs/            conf.db, db.sock, br-int.mgmt, *.log, *.ctl
#   $SB_DIR/flowsteerd.log  the daemon's stderr
#   $SB_DIR/NAME-in.pcap    SF NAME's capture on its ingress interface
#   $SB_DIR/NAME-out.pcap   SF NAME's capture on its egress interface
# OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR, OVS_SYSCONFDIR point into $SB_DIR/ovs so
# plain ovs-vsctl, ovs-ofctl and ovs-appctl reach the private instance.

# sb_init: temp dir, run prefix, clean-up trap.  Sets SB_DIR, SB_PREFIX,
# SB_NODE (default node1), ETCDCTL_API=3.
sb_init() {
	local tool
	for tool in etcd etcdctl ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl \
		ethtool tcpdump socat python3 ip; do
		command -v "$tool" >/dev/null ||
			{ echo "sandbox: $tool is missing (make deps installs it)" >&2; return 1; }
	done
	[ "$(id -u)" = 0 ] || { echo "sandbox: needs root (network namespaces)" >&2; return 1; }
	SB_DIR=$(mktemp -d /tmp/flowsteer-sb.XXXXXX)
	SB_OWNER=$BASHPID
	SB_PREFIX="fs$$"
	SB_PIDS=()
	SB_NETNS=()
	SB_NODE=${SB_NODE:-node1}
	export OVS_RUNDIR=$SB_DIR/ovs OVS_DBDIR=$SB_DIR/ovs \
		OVS_LOGDIR=$SB_DIR/ovs OVS_SYSCONFDIR=$SB_DIR/ovs ETCDCTL_API=3
	mkdir -p "$OVS_RUNDIR"
	trap sb_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# sb_cleanup: stops every process started here, last started first (TERM,
# then KILL after 5 s), and any process still running inside one of our namespaces (socat
# children, nc), deletes our namespaces (and with them every veth), and
# the temp dir unless SB_KEEP is set.  Safe to call twice.
sb_cleanup() {
	local pid ns
	# A subshell (command substitution, "&") that exits must not tear down
	# the sandbox of its parent.
	[ "$BASHPID" = "${SB_OWNER:-}" ] || return 0
	local i pids=("${SB_PIDS[@]}")
	# Then whatever still runs inside our namespaces (forked socat children).
	for ns in "${SB_NETNS[@]}"; do
		mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
	done
	# Tracked ones last started first: flowsteerd goes before etcd and OVS.
	for ((i = ${#SB_PIDS[@]} - 1; i >= 0; i--)); do
		sb_kill_wait "${pids[i]}"
	done
	for pid in "${pids[@]:${#SB_PIDS[@]}}"; do
		sb_kill_wait "$pid"
	done
	for ns in "${SB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${SB_KEEP:-}" ]; then
		echo "sandbox: kept $SB_DIR" >&2
	elif [ -n "${SB_DIR:-}" ]; then
		rm -rf "$SB_DIR"
	fi
	SB_PIDS=()
	SB_NETNS=()
}

# sb_kill_wait PID: SIGTERM, up to 5 s to exit, then SIGKILL.
sb_kill_wait() {
	kill "$1" 2>/dev/null || return 0
	sb_wait_for 5 sb_not_running "$1" || kill -9 "$1" 2>/dev/null
}

# sb_track PID: remember a process to stop at clean-up.
sb_track() { SB_PIDS+=("$1"); }

# sb_untrack PID: forget a process that has exited (so that clean-up never
# signals a recycled pid).
sb_untrack() {
	local pid keep=()
	for pid in "${SB_PIDS[@]}"; do
		[ "$pid" = "$1" ] || keep+=("$pid")
	done
	SB_PIDS=("${keep[@]}")
}

# sb_stop_pid PID: TERM, wait up to 10 s, KILL; then untrack.
sb_stop_pid() {
	kill "$1" 2>/dev/null
	sb_wait_for 10 sb_not_running "$1" || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	sb_untrack "$1"
}

sb_not_running() { ! kill -0 "$1" 2>/dev/null; }

# sb_now_ms: wall clock in milliseconds.
sb_now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# sb_wait_for SECONDS COMMAND...: runs COMMAND (a function is fine) every
# 20 ms until it succeeds (returns 0) or SECONDS (may be fractional) pass
# (returns 1).  COMMAND's output is discarded.
sb_wait_for() {
	local whole=${1%%.*} frac=000
	[[ $1 == *.* ]] && frac=${1#*.}000
	local deadline=$(($(sb_now_ms) + ${whole:-0} * 1000 + 10#${frac:0:3}))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(sb_now_ms)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

# sb_free_port: a TCP port on 127.0.0.1 that is free right now.
sb_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sb_start_etcd: etcd on free loopback ports with its data in $SB_DIR/etcd;
# returns once it reports healthy.  Sets and exports ETCD (client URL);
# SB_ETCD_PEER is its peer URL.
sb_start_etcd() {
	ETCD=http://127.0.0.1:$(sb_free_port)
	SB_ETCD_PEER=http://127.0.0.1:$(sb_free_port)
	export ETCD
	sb_run_etcd
}

# sb_stop_etcd: stops the private etcd (clients get "connection refused"
# until sb_run_etcd starts it again on the same URLs and data).
sb_stop_etcd() { sb_stop_pid "$SB_ETCD_PID"; }

# sb_run_etcd: starts etcd on $ETCD and $SB_ETCD_PEER with its data in
# $SB_DIR/etcd (log appended to $SB_DIR/etcd.log); returns once healthy.
sb_run_etcd() {
	etcd --name sb --data-dir "$SB_DIR/etcd" \
		--listen-client-urls "$ETCD" --advertise-client-urls "$ETCD" \
		--listen-peer-urls "$SB_ETCD_PEER" \
		--initial-advertise-peer-urls "$SB_ETCD_PEER" \
		--initial-cluster "sb=$SB_ETCD_PEER" \
		>>"$SB_DIR/etcd.log" 2>&1 &
	SB_ETCD_PID=$!
	sb_track $SB_ETCD_PID
	sb_wait_for 20 sb_etcdctl endpoint health ||
		{ echo "etcd did not start:" >&2; tail -5 "$SB_DIR/etcd.log" >&2; return 1; }
}

# sb_etcdctl ARGS...: etcdctl against the private etcd.
sb_etcdctl() { etcdctl --endpoints="$ETCD" "$@"; }

# sb_netns NAME: creates namespace NAME (recorded for clean-up) with lo up
# and IPv6 off (no router solicitations or MLD reports in the captures).
sb_netns() {
	ip netns add "$1" || return 1
	SB_NETNS+=("$1")
	ip netns exec "$1" ip link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
}

# sb_start_ovs [NETNS]: ovsdb-server (socket $OVS_RUNDIR/db.sock, by default
# $SB_DIR/ovs/db.sock), ovs-vswitchd run inside namespace NETNS (default
# $SB_PREFIX-ovs; the netdev datapath's tap devices are global to a
# namespace), and br-int with datapath_type=netdev, fail_mode=secure,
# OpenFlow 1.0, 1.3-1.5.  Sets SB_OVSDB (unix:...), SB_OVSNS,
# SB_VSWITCHD_PID.  Returns once br-int's management socket exists.
# (tests/lib/chassis.sh calls it once per chassis, with OVS_RUNDIR and the
# others pointing into $SB_DIR/<chassis>.)
sb_start_ovs() {
	local d=$OVS_RUNDIR
	SB_OVSNS=${1:-$SB_PREFIX-ovs}
	SB_OVSDB=unix:$d/db.sock
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema ||
		return 1
	ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
		--pidfile --log-file >/dev/null 2>&1 &
	sb_track $!
	sb_wait_for 10 test -S "$d/db.sock" ||
		{ echo "ovsdb-server did not start" >&2; return 1; }
	ovs-vsctl --no-wait init
	sb_netns "$SB_OVSNS" || return 1
	sb_run_vswitchd || return 1
	ovs-vsctl add-br br-int -- set bridge br-int datapath_type=netdev \
		fail_mode=secure protocols=OpenFlow10,OpenFlow13,OpenFlow14,OpenFlow15
	sb_wait_for 10 test -S "$d/br-int.mgmt" ||
		{ echo "br-int has no management socket" >&2; return 1; }
}

# sb_run_vswitchd: starts ovs-vswitchd in $SB_OVSNS; waits until it answers.
# SB_VSWITCHD_ARGS (unset by default) adds options, split on blanks (e.g.
# --enable-dummy: interfaces of type "dummy", datapath ports without a
# kernel device, cheap by the thousand).
sb_run_vswitchd() {
	# shellcheck disable=SC2086
	ip netns exec "$SB_OVSNS" ovs-vswitchd "$SB_OVSDB" --pidfile \
		--log-file ${SB_VSWITCHD_ARGS:-} >/dev/null 2>&1 &
	SB_VSWITCHD_PID=$!
	sb_track $SB_VSWITCHD_PID
	sb_wait_for 20 sb_appctl version ||
		{ echo "ovs-vswitchd did not start:" >&2; tail -5 "$OVS_LOGDIR/ovs-vswitchd.log" >&2; return 1; }
}

# sb_restart_vswitchd: stops ovs-vswitchd by pid and starts it again (it
# comes back with an empty flow table; br-int and its ports stay in OVSDB).
sb_restart_vswitchd() {
	sb_stop_pid "$SB_VSWITCHD_PID"
	sb_run_vswitchd || return 1
	sb_wait_for 10 test -S "$OVS_RUNDIR/br-int.mgmt"
}

# sb_add_internal_ports BRIDGE < FILE: for each line "<name> <iface-id>" of
# stdin, an internal port NAME on BRIDGE with external_ids:iface-id, all in
# one OVSDB transaction.  Such a port has an ofport and nothing else (no
# namespace, no veth, no traffic: for scale; sb_plug makes ports that carry
# packets).  Returns once every one has its ofport.
sb_add_internal_ports() {
	local br=$1 name id args=() names=()
	while read -r name id; do
		args+=(-- add-port "$br" "$name" -- set interface "$name" type=internal
			"external_ids:iface-id=$id")
		names+=("$name")
	done
	[ ${#names[@]} -gt 0 ] || return 0
	sb_vsctl "${args[@]}" || return 1
	sb_wait_for 20 sb_have_ofports "${names[@]}" ||
		{ echo "sandbox: interfaces without an ofport after 20 s" >&2; return 1; }
}

# sb_have_ofports NAME...: every interface NAME has an ofport (> 0).
sb_have_ofports() {
	! sb_vsctl --format=csv --no-headings --columns=ofport list interface "$@" |
		grep -qv '^[1-9][0-9]*$'
}

sb_vsctl() { ovs-vsctl "$@"; }

# sb_bridge_of_owner OWNER: the name of the bridge whose
# external_ids:flowsteer-owner is OWNER ("" if none).
sb_bridge_of_owner() {
	sb_vsctl --bare --columns=name find bridge "external_ids:flowsteer-owner=\"$1\""
}
sb_ofctl() { ovs-ofctl -O OpenFlow15 "$@"; }
sb_appctl() { ovs-appctl -t "$OVS_RUNDIR/ovs-vswitchd.$(cat "$OVS_RUNDIR/ovs-vswitchd.pid" 2>/dev/null).ctl" "$@"; }

# Cookie filters for dump-flows: every flowsteer flow, and the flows of the
# chain with path id N (cookie 0xf5e0 << 48 | 2 << 32 | N).
SB_COOKIE_OURS=cookie=0xf5e0000000000000/0xffff000000000000
sb_cookie_chain() { printf 'cookie=0xf5e00002%08x/-1' "$1"; }

# sb_our_flows [MATCH]: flowsteer's flows on br-int (cookie 0xf5e0/16),
# without statistics, one per line (no header).
sb_our_flows() {
	sb_ofctl dump-flows --no-stats br-int "$SB_COOKIE_OURS${1:+,$1}" |
		grep -v '^OFPST_FLOW'
}

# sb_count_flows FILTER: number of flows on br-int matching FILTER (a
# dump-flows argument, e.g. a cookie filter).
sb_count_flows() {
	sb_ofctl dump-flows --no-stats br-int "$1" | grep -c 'cookie='
}

# sb_our_groups: flowsteer's groups on br-int (ids 0xf5000000..0xf50fffff).
sb_our_groups() {
	sb_ofctl dump-groups br-int | python3 -c '
import re, sys
for line in sys.stdin:
    m = re.search(r"group_id=(\d+)", line)
    if m and (int(m.group(1)) >> 20) == 0xf50:
        print(line.strip())'
}

# sb_plug NETNS IFNAME PORT_ID MAC: a veth pair created in the OVS
# namespace; IFNAME is moved into NETNS and gets MAC; the other end,
# "o-IFNAME" (IFNAME at most 13 characters), is added to br-int with
# external_ids:iface-id=PORT_ID.  TX checksum offload is turned off on both
# ends: the userspace datapath forwards partial checksums as they are, and
# the receiver then drops TCP.
sb_plug() {
	local ns=$1 ifname=$2 port_id=$3 mac=$4 ovs_if="o-$2"
	local ovs=(ip netns exec "$SB_OVSNS")
	[ ${#ovs_if} -le 15 ] || { echo "sb_plug: $ovs_if is too long" >&2; return 1; }
	"${ovs[@]}" ip link add "$ovs_if" type veth peer name "$ifname" || return 1
	"${ovs[@]}" ip link set "$ifname" netns "$ns" || return 1
	"${ovs[@]}" ethtool -K "$ovs_if" tx off >/dev/null || return 1
	"${ovs[@]}" ip link set "$ovs_if" up
	ip netns exec "$ns" ip link set "$ifname" address "$mac"
	ip netns exec "$ns" ethtool -K "$ifname" tx off >/dev/null || return 1
	ip netns exec "$ns" ip link set "$ifname" up
	sb_vsctl add-port br-int "$ovs_if" -- set interface "$ovs_if" \
		"external_ids:iface-id=$port_id"
}

# sb_add_host NAME PORT_ID MAC IP PEER_IP...: namespace $SB_PREFIX-NAME
# with interface NAME holding IP/32 and an on-link route to each PEER_IP
# (so two hosts of different subnets talk over one L2 network without a
# router).
sb_add_host() {
	local name=$1 port_id=$2 mac=$3 ip=$4 ns=$SB_PREFIX-$1 peer
	shift 4
	sb_netns "$ns" || return 1
	sb_plug "$ns" "$name" "$port_id" "$mac" || return 1
	ip netns exec "$ns" ip addr add "$ip/32" dev "$name"
	for peer in "$@"; do
		ip netns exec "$ns" ip route add "$peer/32" dev "$name"
	done
}

# sb_manifest_field FILE PYEXPR: a field of the example manifest FILE
# (JSON, inside its Neutron envelope), e.g. '["mac_address"]'.
sb_manifest_field() {
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
print(next(iter(d.values()))$2)" "$1"
}

# sb_ping FROM ADDRESS [PING ARGS...]: two pings from sandbox host FROM to
# ADDRESS, 0.2 s apart; succeeds if any is answered within 1 s.
sb_ping() {
	local from=$1 to=$2
	shift 2
	ip netns exec "$SB_PREFIX-$from" ping -c 2 -i 0.2 -W 1 -q "$@" "$to" >/dev/null 2>&1
}

# sb_ping_fails FROM ADDRESS [PING ARGS...]: none of three pings is
# answered.
sb_ping_fails() {
	local from=$1 to=$2
	shift 2
	! ip netns exec "$SB_PREFIX-$from" ping -c 3 -i 0.2 -W 1 -q "$@" "$to" >/dev/null 2>&1
}

# sb_ping_ms FROM ADDRESS SECONDS: pings every 10 ms (ARP retried every 50
# ms) until one is answered or SECONDS pass; prints the milliseconds it
# took.
sb_ping_ms() {
	local ns=$SB_PREFIX-$1 t0
	ip netns exec "$ns" sysctl -qw "net.ipv4.neigh.$1.retrans_time_ms=50"
	t0=$(sb_now_ms)
	ip netns exec "$ns" ping -c 1 -i 0.01 -W 1 -w "$3" -q "$2" >/dev/null 2>&1 || return 1
	echo $(($(sb_now_ms) - t0))
}

# sb_tcp_server HOST PORT: a TCP server on sandbox host HOST that appends
# every line it receives to $SB_DIR/HOST-PORT.txt; returns once it listens.
sb_tcp_server() {
	ip netns exec "$SB_PREFIX-$1" socat -u \
		"TCP-LISTEN:$2,fork,reuseaddr" "OPEN:$SB_DIR/$1-$2.txt,creat,append" \
		>/dev/null 2>&1 &
	sb_track $!
	sb_wait_for 5 sb_tcp_listening "$1" "$2"
}

sb_tcp_listening() {
	ip netns exec "$SB_PREFIX-$1" ss -Hltn "sport = :$2" | grep -q LISTEN
}

# sb_tcp_send FROM HOST ADDRESS PORT TEXT: one new TCP connection from
# FROM to ADDRESS:PORT (sb_tcp_server HOST PORT) that sends the line TEXT;
# succeeds if HOST received it within 3 s.
sb_tcp_send() {
	echo "$5" | timeout 5 ip netns exec "$SB_PREFIX-$1" socat -u - \
		"TCP:$3:$4,connect-timeout=3" 2>/dev/null
	sb_wait_for 3 grep -qx "$5" "$SB_DIR/$2-$4.txt"
}

# sb_tcp_hold FROM HOST ADDRESS PORT TEXT [N]: one TCP connection held
# open for about 0.2 * N seconds (default N = 10), sending the line
# "TEXT-i" every 0.2 s; succeeds if HOST received all N lines.
sb_tcp_hold() {
	local n=${6:-10} i
	for ((i = 1; i <= n; i++)); do echo "$5-$i"; sleep 0.2; done |
		timeout $((n / 5 + 5)) ip netns exec "$SB_PREFIX-$1" socat -u - \
			"TCP:$3:$4,connect-timeout=3" 2>/dev/null
	sb_wait_for 3 grep -qx "$5-$n" "$SB_DIR/$2-$4.txt" &&
		[ "$(grep -c "^$5-[0-9]*\$" "$SB_DIR/$2-$4.txt")" -eq "$n" ]
}

# sb_add_sf NAME IN_PORT_ID IN_MAC OUT_PORT_ID OUT_MAC: a service function:
# namespace $SB_PREFIX-NAME with interfaces NAME-in (ingress port) and
# NAME-out (egress port).  It forwards nothing until sb_sf_bridge NAME.
sb_add_sf() {
	local name=$1 ns=$SB_PREFIX-$1
	sb_netns "$ns" || return 1
	sb_plug "$ns" "$name-in" "$2" "$3" || return 1
	sb_plug "$ns" "$name-out" "$4" "$5"
}

# sb_sf_bridge NAME: joins the SF's two interfaces with a Linux bridge
# "sfbr" (STP off): a transparent bump in the wire.  Do this once its port
# pair is known to flowsteerd: before that both ports are ordinary L2 ports
# of the network, and a bridge between them would loop broadcasts.
sb_sf_bridge() {
	local ns=$SB_PREFIX-$1
	ip netns exec "$ns" ip link add sfbr type bridge stp_state 0 || return 1
	ip netns exec "$ns" ip link set "$1-in" master sfbr
	ip netns exec "$ns" ip link set "$1-out" master sfbr
	ip netns exec "$ns" ip link set sfbr up
}

# sb_sf_capture NAME: tcpdump on the SF's ingress and egress interfaces
# into $SB_DIR/NAME-in.pcap and NAME-out.pcap (immediate mode, written
# per packet, so a packet is in the file within milliseconds);
# returns once both captures are running.
sb_sf_capture() {
	local ns=$SB_PREFIX-$1 dir
	for dir in in out; do
		ip netns exec "$ns" tcpdump -i "$1-$dir" -n -U --immediate-mode \
			-w "$SB_DIR/$1-$dir.pcap" \
			>"$SB_DIR/$1-$dir.tcpdump.log" 2>&1 &
		sb_track $!
	done
	sb_wait_for 5 grep -q 'listening on' "$SB_DIR/$1-in.tcpdump.log" &&
		sb_wait_for 5 grep -q 'listening on' "$SB_DIR/$1-out.tcpdump.log"
}

# sb_sf_count NAME [FILTER] [in|out]: packets matching the pcap FILTER
# (default "tcp") captured so far on the SF's ingress (default) or egress.
sb_sf_count() {
	tcpdump -r "$SB_DIR/$1-${3:-in}.pcap" -n "${2:-tcp}" 2>/dev/null | wc -l
}

# sb_sf_show NAME [FILTER] [COUNT]: the first COUNT (default 4) matching
# packets of the SF's ingress capture, as tcpdump -q prints them.
sb_sf_show() {
	tcpdump -r "$SB_DIR/$1-in.pcap" -n -q -c "${3:-4}" "${2:-tcp}" 2>/dev/null
}

# sb_start_flowsteerd [ARGS...]: starts $FLOWSTEERD for node $SB_NODE on the
# private etcd and OVS, stderr appended to $SB_FLOWSTEERD_LOG (default
# $SB_DIR/flowsteerd.log; each chassis of tests/lib/chassis.sh has its
# own); sets SB_FLOWSTEERD_PID.  Without metrics (--metrics-address off:
# several daemons run at once) unless ARGS give a --metrics-address.
sb_start_flowsteerd() {
	[ -x "${FLOWSTEERD:-}" ] || { echo "sandbox: FLOWSTEERD is not set to a binary" >&2; return 1; }
	"$FLOWSTEERD" --node "$SB_NODE" --etcd "$ETCD" --ovsdb "$SB_OVSDB" \
		--bridge br-int --metrics-address off "$@" >>"${SB_FLOWSTEERD_LOG:-$SB_DIR/flowsteerd.log}" 2>&1 &
	SB_FLOWSTEERD_PID=$!
	sb_track $SB_FLOWSTEERD_PID
}

# sb_stop_flowsteerd: SIGTERM to flowsteerd, waits for it to exit.
sb_stop_flowsteerd() { sb_stop_pid "$SB_FLOWSTEERD_PID"; }

# sb_restart_flowsteerd_observed [SECONDS]: stops flowsteerd, deletes its
# status (so that the status read next is the new run's), starts it again
# and waits (default 15 s) until it reports the desired state in OVS, then
# half a second more for anything it would still send.
sb_restart_flowsteerd_observed() {
	local rev
	sb_stop_flowsteerd
	rev=$(sb_del_revision "/flowsteer/status/$SB_NODE")
	sb_start_flowsteerd
	sb_wait_observed "$rev" "${1:-15}"
	sleep 0.5
}

# sb_status [PYEXPR]: this node's status document from etcd, or the part
# of it selected by PYEXPR (a Python subscript such as '["errors"]'),
# printed as JSON for lists and objects, as is for scalars.  Fails if there
# is no status yet.
sb_status() {
	sb_etcdctl get "/flowsteer/status/$SB_NODE" --print-value-only |
		python3 -c "
import json, sys
v = json.load(sys.stdin)${1:-}
print(json.dumps(v) if isinstance(v, (dict, list)) else v)"
}

# sb_observed_at_least REV: the status says revision REV (or later) is in OVS.
sb_observed_at_least() {
	local rev
	rev=$(sb_status '["observed_revision"]' 2>/dev/null) || return 1
	[ "${rev:-0}" -ge "$1" ]
}

# sb_wait_observed REV [SECONDS]: waits (default 10 s) until REV is in OVS.
sb_wait_observed() { sb_wait_for "${2:-10}" sb_observed_at_least "$1"; }

# sb_desired_revision: the etcd revision of the last write of desired
# state (the highest mod_revision under /flowsteer/v1/ but its keys/
# allocations).
sb_desired_revision() {
	sb_etcdctl get /flowsteer/v1/ --prefix -w json | python3 -c '
import base64, json, sys
kvs = json.load(sys.stdin).get("kvs", [])
print(max([kv["mod_revision"] for kv in kvs
           if not base64.b64decode(kv["key"]).decode().startswith(
               "/flowsteer/v1/keys/")] or [0]))'
}

# sb_put_revision KEY VALUE: etcdctl put; prints the etcd revision it made.
sb_put_revision() {
	sb_etcdctl put "$1" "$2" -w json | sb_json_revision
}

# sb_del_revision KEY: etcdctl del; prints the etcd revision it made.
sb_del_revision() {
	sb_etcdctl del "$1" -w json | sb_json_revision
}

sb_json_revision() {
	python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])'
}

# sb_etcd_revision: the private etcd's current revision.
sb_etcd_revision() {
	sb_etcdctl get / --limit 1 -w json | sb_json_revision
}

# sb_key_revision KEY: the etcd revision of KEY's last put (mod_revision).
sb_key_revision() {
	sb_etcdctl get "$1" -w json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])'
}

# sb_flow_ages FILTER: "<duration seconds> <flow>" per flow on br-int
# matching the dump-flows FILTER, where <flow> is the flow without its
# statistics (cookie, table, priority, match, actions).
sb_flow_ages() {
	sb_ofctl dump-flows br-int "$1" | sed -n 's/^ *\(cookie=[^,]*\), duration=\([0-9.]*\)s, \(table=[0-9]*\), .*idle_age=[0-9]*, \(.*\)$/\2 \1 \3 \4/p' |
		sed 's/ hard_age=[0-9]*,//'
}

# sb_start_monitor NAME: records every change OVS makes to br-int's flow
# table (ovs-ofctl monitor, NXST_FLOW_MONITOR "watch:!initial") into
# $SB_DIR/monitor-NAME.log until sb_stop_monitor NAME; returns once the
# monitor is subscribed.
sb_start_monitor() {
	ovs-ofctl monitor br-int 'watch:!initial' >"$SB_DIR/monitor-$1.log" 2>&1 &
	eval "SB_MONITOR_$1=$!"
	sb_track $!
	sb_wait_for 5 grep -q 'NXST_FLOW_MONITOR reply' "$SB_DIR/monitor-$1.log"
}

# sb_stop_monitor NAME: stops it and prints the number of flow changes
# (ADDED, DELETED, MODIFIED events) it saw.
sb_stop_monitor() {
	local var=SB_MONITOR_$1
	sb_stop_pid "${!var}"
	grep -c 'event=\(ADDED\|DELETED\|MODIFIED\)' "$SB_DIR/monitor-$1.log"
}

# --- Provider bridges and the physical network ------------------------------
#
# A provider bridge is the operator's (br-phys...): flowsteerd adds a patch
# port to it and nothing else.  The physical network is played by one more
# OVS bridge of the same ovs-vswitchd (e.g. br-tor, the top-of-rack switch)
# with plain NORMAL forwarding: hosts sit behind its access ports (tag=N)
# and a veth "trunk" joins it to each provider bridge, so tcpdump -e on the
# trunk (in $SB_OVSNS) shows the frames as the wire carries them, 802.1Q
# tags included.  (This kernel has no 802.1Q devices: VLANs exist only
# inside OVS.)

# sb_add_bridge NAME: an OVS bridge with datapath_type=netdev and OVS's
# defaults otherwise (fail_mode standalone: its one flow is NORMAL);
# returns once its management socket exists.
sb_add_bridge() {
	sb_vsctl add-br "$1" -- set bridge "$1" datapath_type=netdev || return 1
	sb_wait_for 10 test -S "$OVS_RUNDIR/$1.mgmt" ||
		{ echo "sandbox: bridge $1 has no management socket" >&2; return 1; }
}

# sb_veth_pair IF1 IF2: a veth pair in $SB_OVSNS, both ends up, TX checksum
# offload off on both (see sb_plug).
sb_veth_pair() {
	local ovs=(ip netns exec "$SB_OVSNS") dev
	"${ovs[@]}" ip link add "$1" type veth peer name "$2" || return 1
	for dev in "$1" "$2"; do
		"${ovs[@]}" ethtool -K "$dev" tx off >/dev/null || return 1
		"${ovs[@]}" ip link set "$dev" up || return 1
	done
}

# sb_link_bridges BR1 IF1 BR2 IF2 [TAG2]: joins two bridges with a veth
# pair: IF1 on BR1 as a trunk port (no tag: every VLAN, tagged on the
# wire), IF2 on BR2 as a trunk port too, or as an access port of VLAN TAG2
# (untagged frames from BR1 then belong to VLAN TAG2 inside BR2).
sb_link_bridges() {
	local br1=$1 if1=$2 br2=$3 if2=$4 tag=${5:-}
	sb_veth_pair "$if1" "$if2" || return 1
	sb_vsctl add-port "$br1" "$if1" || return 1
	sb_vsctl add-port "$br2" "$if2" ${tag:+tag=$tag}
}

# sb_plug_bridge BRIDGE NETNS IFNAME MAC [TAG]: sb_plug for any bridge and
# without an iface-id: IFNAME (with MAC) in NETNS, its peer "o-IFNAME" on
# BRIDGE, an access port of VLAN TAG if given (else a trunk port).
sb_plug_bridge() {
	local br=$1 ns=$2 ifname=$3 mac=$4 tag=${5:-} ovs_if="o-$3"
	[ ${#ovs_if} -le 15 ] || { echo "sb_plug_bridge: $ovs_if is too long" >&2; return 1; }
	sb_veth_pair "$ovs_if" "$ifname" || return 1
	ip netns exec "$SB_OVSNS" ip link set "$ifname" netns "$ns" || return 1
	ip netns exec "$ns" ip link set "$ifname" address "$mac"
	ip netns exec "$ns" ethtool -K "$ifname" tx off >/dev/null || return 1
	ip netns exec "$ns" ip link set "$ifname" up
	sb_vsctl add-port "$br" "$ovs_if" ${tag:+tag=$tag}
}

# sb_add_phys_host NAME BRIDGE TAG MAC IP/LEN: a host of the physical
# network: namespace $SB_PREFIX-NAME, interface NAME with MAC and IP/LEN,
# plugged into BRIDGE as an access port of VLAN TAG ("" = trunk, i.e.
# untagged frames on a bridge without VLANs).
sb_add_phys_host() {
	local name=$1 ns=$SB_PREFIX-$1
	sb_netns "$ns" || return 1
	sb_plug_bridge "$2" "$ns" "$name" "$4" "$3" || return 1
	ip netns exec "$ns" ip addr add "$5" dev "$name"
}

# sb_ns_of NAME: the namespace of sandbox host or SF NAME ($SB_PREFIX-NAME),
# or $SB_OVSNS for "ovs" (the veths of the bridges live there).
sb_ns_of() {
	if [ "$1" = ovs ]; then echo "$SB_OVSNS"; else echo "$SB_PREFIX-$1"; fi
}

# sb_capture NAME HOST IFACE [FILTER]: tcpdump on interface IFACE of sandbox
# host HOST ("ovs" for the OVS namespace: trunks, bridge ports) into
# $SB_DIR/cap-NAME.pcap, every frame whole (link-level headers and 802.1Q
# tags included: read it with tcpdump -e), written per packet; returns
# once the capture runs.  NAME must be new (or stopped with
# sb_capture_stop).
sb_capture() {
	local name=$1 ns
	ns=$(sb_ns_of "$2")
	ip netns exec "$ns" tcpdump -i "$3" -n -U --immediate-mode \
		-w "$SB_DIR/cap-$name.pcap" ${4:+"$4"} \
		>"$SB_DIR/cap-$name.log" 2>&1 &
	eval "SB_CAPTURE_${name//-/_}=$!"
	sb_track $!
	sb_wait_for 5 grep -q 'listening on' "$SB_DIR/cap-$name.log"
}

# sb_capture_stop NAME: stops capture NAME (its file stays).
sb_capture_stop() {
	local var=SB_CAPTURE_${1//-/_}
	[ -n "${!var:-}" ] && sb_stop_pid "${!var}"
	eval "SB_CAPTURE_${1//-/_}="
}

# sb_capture_show NAME [FILTER]: the frames of capture NAME matching the
# pcap FILTER (default: all) as "tcpdump -e -n" prints them (with "vlan N"
# for 802.1Q frames), one per line.  A filter on tagged frames needs
# "vlan": "vlan 100 and icmp" (a plain "icmp" matches untagged frames).
sb_capture_show() {
	tcpdump -r "$SB_DIR/cap-$1.pcap" -e -n ${2:+"$2"} 2>/dev/null
}

# sb_capture_count NAME [FILTER]: number of frames of capture NAME matching
# the pcap FILTER (default: all).
sb_capture_count() { sb_capture_show "$@" | wc -l; }

# sb_capture_grep NAME REGEX: number of frames of capture NAME whose
# "tcpdump -e -n" line matches the extended REGEX (e.g. 'vlan 100, .*ICMP').
sb_capture_grep() { sb_capture_show "$1" | grep -cE "$2"; }

# --- OVSDB: changes and restarts --------------------------------------------

# The columns sb_start_db_monitor watches: the ones an owner of rows writes
# (ovs-vswitchd's own columns, ofport, status, statistics, are left out).
SB_DB_MONITOR_TABLES=(
	"Bridge name,ports,external_ids,datapath_type,fail_mode,protocols,controller,other_config"
	"Port name,interfaces,tag,trunks,vlan_mode,external_ids,other_config"
	"Interface name,type,options,external_ids,mtu_request"
)

# sb_start_db_monitor NAME: records every change of the Bridge, Port and
# Interface rows of OVSDB (ovsdb-client monitor, the columns in
# SB_DB_MONITOR_TABLES) into $SB_DIR/dbmon-NAME-<table>.log until
# sb_stop_db_monitor NAME; returns once all three monitors printed the
# initial contents.  (An ovsdb-server restart ends the monitors.)
sb_start_db_monitor() {
	local spec table pids=()
	for spec in "${SB_DB_MONITOR_TABLES[@]}"; do
		table=${spec%% *}
		# shellcheck disable=SC2086
		ovsdb-client --format=csv --no-headings monitor "$SB_OVSDB" \
			Open_vSwitch $spec >"$SB_DIR/dbmon-$1-$table.log" 2>&1 &
		pids+=($!)
		sb_track $!
	done
	eval "SB_DB_MONITOR_$1=\"${pids[*]}\""
	for spec in "${SB_DB_MONITOR_TABLES[@]}"; do
		sb_wait_for 5 grep -q ',initial,' "$SB_DIR/dbmon-$1-${spec%% *}.log" ||
			{ echo "sandbox: db monitor of ${spec%% *} did not start" >&2; return 1; }
	done
}

# sb_stop_db_monitor NAME: stops it and prints the number of row changes
# it saw (insert, delete, and one per modified row: csv lines whose action
# is not "initial"; a modification is an "old" and a "new" line, counted
# once).  The changes themselves: sb_db_monitor_changes NAME.
sb_stop_db_monitor() {
	local var=SB_DB_MONITOR_$1 pid
	for pid in ${!var}; do sb_stop_pid "$pid"; done
	sb_db_monitor_changes "$1" | wc -l
}

# sb_db_monitor_changes NAME: "<table> <action> <row...>" per change seen.
sb_db_monitor_changes() {
	local spec table
	for spec in "${SB_DB_MONITOR_TABLES[@]}"; do
		table=${spec%% *}
		awk -F, -v t="$table" '$2 ~ /^(insert|delete|new)$/ { print t, $0 }' \
			"$SB_DIR/dbmon-$1-$table.log"
	done
}

# sb_restart_ovsdb: stops ovsdb-server (the one sb_start_ovs started, by
# the pid in its pidfile) and starts it again on the same conf.db and
# socket; returns once it answers.  Clients (ovs-vswitchd, flowsteerd)
# reconnect by themselves.
sb_restart_ovsdb() {
	local d=$OVS_RUNDIR pid
	pid=$(cat "$d/ovsdb-server.pid" 2>/dev/null)
	[[ " ${SB_PIDS[*]} " == *" $pid "* ]] ||
		{ echo "sandbox: ovsdb-server pid '$pid' is not ours" >&2; return 1; }
	sb_stop_pid "$pid"
	ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
		--pidfile --log-file >/dev/null 2>&1 &
	sb_track $!
	sb_wait_for 10 ovs-vsctl --timeout=1 --no-wait get Open_vSwitch . _uuid ||
		{ echo "ovsdb-server did not restart" >&2; return 1; }
}
