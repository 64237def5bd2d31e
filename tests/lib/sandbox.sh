#!/usr/bin/env bash
# tests/lib/sandbox.sh: a private etcd, a private Open vSwitch (userspace
# datapath, ovs-vswitchd in a network namespace of its own), and hosts and
# service functions in network namespaces attached to br-int by veth pairs.
# Sourced by the integration tests and the demo.
#
# Everything started is recorded (pids, namespace names, the temp dir) and
# removed by sb_cleanup, which sb_init registers on EXIT/INT/TERM.  Nothing
# else is touched: no broad kill patterns, names carry a per-run prefix.

# sb_init: temp dir, name prefix, clean-up trap.
sb_init() {
	SB_DIR=$(mktemp -d /tmp/flowsteer-sb.XXXXXX)
	SB_PREFIX="fs$$"
	SB_PIDS=()
	SB_NETNS=()
	SB_NODE=${SB_NODE:-node1}
	export OVS_RUNDIR=$SB_DIR/ovs OVS_DBDIR=$SB_DIR/ovs \
		OVS_LOGDIR=$SB_DIR/ovs OVS_SYSCONFDIR=$SB_DIR/ovs
	mkdir -p "$OVS_RUNDIR"
	trap sb_cleanup EXIT
	trap 'exit 130' INT TERM
}

sb_cleanup() {
	local pid ns
	for pid in "${SB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${SB_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	for ns in "${SB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${SB_KEEP:-}" ] || rm -rf "$SB_DIR"
	SB_PIDS=()
	SB_NETNS=()
}

# sb_track PID: remember a process to stop at clean-up.
sb_track() { SB_PIDS+=("$1"); }

# sb_wait_for SECONDS COMMAND...: polls COMMAND every 50 ms.
sb_wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

sb_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sb_start_etcd: etcd on free loopback ports; sets ETCD (client URL).
sb_start_etcd() {
	local cport pport
	cport=$(sb_free_port)
	pport=$(sb_free_port)
	ETCD=http://127.0.0.1:$cport
	export ETCD ETCDCTL_API=3
	etcd --name sb --data-dir "$SB_DIR/etcd" \
		--listen-client-urls "$ETCD" --advertise-client-urls "$ETCD" \
		--listen-peer-urls "http://127.0.0.1:$pport" \
		--initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "sb=http://127.0.0.1:$pport" \
		>"$SB_DIR/etcd.log" 2>&1 &
	sb_track $!
	sb_wait_for 20 etcdctl --endpoints="$ETCD" endpoint health ||
		{ echo "etcd did not start:"; tail -5 "$SB_DIR/etcd.log"; return 1; }
}

sb_etcdctl() { etcdctl --endpoints="$ETCD" "$@"; }

# sb_start_ovs: ovsdb-server, ovs-vswitchd (in namespace $SB_OVSNS) and
# br-int (netdev datapath, fail_mode secure, OpenFlow 1.0-1.5).
sb_start_ovs() {
	local d=$OVS_RUNDIR
	SB_OVSNS=$SB_PREFIX-ovs
	SB_OVSDB=unix:$d/db.sock
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
		--unixctl="$d/ovsdb-server.ctl" --pidfile="$d/ovsdb-server.pid" \
		--log-file="$d/ovsdb-server.log" >/dev/null 2>&1 &
	sb_track $!
	sb_wait_for 10 test -S "$d/db.sock" || return 1
	ovs-vsctl --db="$SB_OVSDB" --no-wait init
	ip netns add "$SB_OVSNS"
	SB_NETNS+=("$SB_OVSNS")
	ip netns exec "$SB_OVSNS" ip link set lo up
	ip netns exec "$SB_OVSNS" ovs-vswitchd "$SB_OVSDB" \
		--pidfile="$d/ovs-vswitchd.pid" --unixctl="$d/ovs-vswitchd.ctl" \
		--log-file="$d/ovs-vswitchd.log" >/dev/null 2>&1 &
	SB_VSWITCHD_PID=$!
	sb_track $SB_VSWITCHD_PID
	sb_wait_for 20 ovs-appctl -t "$d/ovs-vswitchd.ctl" version || return 1
	ovs-vsctl --db="$SB_OVSDB" add-br br-int -- set bridge br-int \
		datapath_type=netdev fail_mode=secure \
		protocols=OpenFlow10,OpenFlow13,OpenFlow14,OpenFlow15
	sb_wait_for 10 test -S "$d/br-int.mgmt"
}

# sb_restart_vswitchd: kills ovs-vswitchd by pid and starts it again.
sb_restart_vswitchd() {
	local d=$OVS_RUNDIR
	kill "$SB_VSWITCHD_PID"
	sb_wait_for 10 sh -c "! kill -0 $SB_VSWITCHD_PID" || kill -9 "$SB_VSWITCHD_PID"
	ip netns exec "$SB_OVSNS" ovs-vswitchd "$SB_OVSDB" \
		--pidfile="$d/ovs-vswitchd.pid" --unixctl="$d/ovs-vswitchd.ctl" \
		--log-file="$d/ovs-vswitchd.log" >/dev/null 2>&1 &
	SB_VSWITCHD_PID=$!
	sb_track $SB_VSWITCHD_PID
	sb_wait_for 20 ovs-appctl -t "$d/ovs-vswitchd.ctl" version
	sb_wait_for 10 test -S "$d/br-int.mgmt"
}

sb_vsctl() { ovs-vsctl --db="$SB_OVSDB" "$@"; }
sb_ofctl() { ovs-ofctl -O OpenFlow15 "$@"; }
sb_appctl() { ovs-appctl -t "$OVS_RUNDIR/ovs-vswitchd.ctl" "$@"; }

# sb_our_flows: flowsteer's flows on br-int (cookie 0xf5e0/16), no stats.
sb_our_flows() {
	sb_ofctl dump-flows --no-stats br-int \
		cookie=0xf5e0000000000000/0xffff000000000000
}

# sb_plug NETNS IFNAME PORT_ID MAC: a veth from br-int into NETNS, named
# IFNAME there; the OVS side is "<IFNAME>-o" (at most 15 characters), with
# external_ids:iface-id=PORT_ID.  TX checksum offload is off on both ends
# (the userspace datapath does not complete partial checksums).
sb_plug() {
	local ns=$1 ifname=$2 port_id=$3 mac=$4 ovs_if="${2}-o"
	ip netns exec "$SB_OVSNS" ip link add "$ovs_if" type veth peer name "$ifname"
	ip netns exec "$SB_OVSNS" ip link set "$ifname" netns "$ns"
	ip netns exec "$SB_OVSNS" ip link set "$ovs_if" up
	ip netns exec "$SB_OVSNS" ethtool -K "$ovs_if" tx off >/dev/null 2>&1
	ip netns exec "$ns" ip link set "$ifname" address "$mac"
	ip netns exec "$ns" ethtool -K "$ifname" tx off >/dev/null 2>&1
	ip netns exec "$ns" ip link set "$ifname" up
	sb_vsctl add-port br-int "$ovs_if" -- set interface "$ovs_if" \
		"external_ids:iface-id=$port_id"
}

sb_netns() {
	ip netns add "$1"
	SB_NETNS+=("$1")
	ip netns exec "$1" ip link set lo up
}

# sb_add_host NAME PORT_ID MAC IP PEER_IP...: a namespace $SB_PREFIX-NAME
# with interface "eth0" holding IP/32 and on-link routes to each PEER_IP.
sb_add_host() {
	local name=$1 port_id=$2 mac=$3 ip=$4 ns=$SB_PREFIX-$1
	shift 4
	sb_netns "$ns"
	sb_plug "$ns" "$SB_PREFIX$name" "$port_id" "$mac"
	ip netns exec "$ns" ip addr add "$ip/32" dev "$SB_PREFIX$name"
	for peer in "$@"; do
		ip netns exec "$ns" ip route add "$peer/32" dev "$SB_PREFIX$name"
	done
}

# sb_add_sf NAME IN_PORT_ID IN_MAC OUT_PORT_ID OUT_MAC: a service function:
# namespace $SB_PREFIX-NAME with interfaces "<prefix>NAMEi" (ingress) and
# "<prefix>NAMEe" (egress).  It forwards nothing until sb_sf_bridge NAME.
sb_add_sf() {
	local name=$1 ns=$SB_PREFIX-$1
	sb_netns "$ns"
	sb_plug "$ns" "$SB_PREFIX${name}i" "$2" "$3"
	sb_plug "$ns" "$SB_PREFIX${name}e" "$4" "$5"
}

# sb_sf_bridge NAME: joins the SF's two interfaces with a Linux bridge, a
# transparent bump in the wire.  Do this once its port pair is installed:
# until then both ports are ordinary L2 ports of the network, and a bridge
# between them would loop broadcasts.
sb_sf_bridge() {
	local ns=$SB_PREFIX-$1
	ip netns exec "$ns" ip link add sfbr type bridge
	ip netns exec "$ns" ip link set "$SB_PREFIX${1}i" master sfbr
	ip netns exec "$ns" ip link set "$SB_PREFIX${1}e" master sfbr
	ip netns exec "$ns" ip link set sfbr up
}

# sb_sf_capture NAME: starts tcpdump on the SF's ingress interface, into
# $SB_DIR/NAME.pcap.
sb_sf_capture() {
	local ns=$SB_PREFIX-$1
	ip netns exec "$ns" tcpdump -i "$SB_PREFIX${1}i" -n -U -w "$SB_DIR/$1.pcap" \
		>/dev/null 2>&1 &
	sb_track $!
	eval "SB_TCPDUMP_$1=$!"
	sb_wait_for 5 test -s "$SB_DIR/$1.pcap"
}

# sb_sf_count NAME [FILTER]: packets seen so far by NAME's capture.
sb_sf_count() {
	tcpdump -r "$SB_DIR/$1.pcap" -n "${2:-tcp}" 2>/dev/null | wc -l
}

# sb_start_flowsteerd [ARGS...]: starts $FLOWSTEERD for node $SB_NODE;
# sets SB_FLOWSTEERD_PID; logs to $SB_DIR/flowsteerd.log.
sb_start_flowsteerd() {
	"$FLOWSTEERD" --node "$SB_NODE" --etcd "$ETCD" --ovsdb "$SB_OVSDB" \
		--bridge br-int "$@" >>"$SB_DIR/flowsteerd.log" 2>&1 &
	SB_FLOWSTEERD_PID=$!
	sb_track $SB_FLOWSTEERD_PID
}

sb_stop_flowsteerd() {
	kill "$SB_FLOWSTEERD_PID" 2>/dev/null
	sb_wait_for 10 sh -c "! kill -0 $SB_FLOWSTEERD_PID"
}

# sb_status FIELD: a top-level field of this node's status in etcd.
sb_status() {
	sb_etcdctl get "/flowsteer/v1/status/$SB_NODE" --print-value-only |
		python3 -c "import json,sys; d=json.load(sys.stdin); v=d$1; print(json.dumps(v) if isinstance(v,(dict,list)) else v)"
}
