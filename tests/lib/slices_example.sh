#!/usr/bin/env bash
# tests/lib/slices_example.sh: the FlowVisor slices example of
# examples/slices/ as namespaces on the sandbox of tests/lib/sandbox.sh
# (source that first), with a real OpenFlow controller per slice:
#
#   a1 10.70.0.11 --+                      +-- fsn-<hash> (net-a's own slice bridge) <-- ovs-testcontroller :6633
#   a2 10.70.0.12 --+  br-int (flowsteerd) |     fsv-a1, fsv-a2, fsw-<hash of net-a>
#   b1 10.70.0.21 --+  table 5 steers each +-- fss-slice-b (slice-b's bridge)       <-- ovs-testcontroller :6634
#   b2 10.70.0.22 --+  member into its own       fsv-b1, fsv-b2, fsw-<hash of net-b>
#                      slice bridge
#
# net-a carries the FlowVisor plugin's "controller" field (a slice of one
# network); net-b is in the slice document slice-b.  All four VMs share
# one IP subnet with on-link routes to each other, so only the slices
# decide who reaches whom.  The controllers run in the OVS namespace on
# 127.0.0.1 (ovs-vswitchd connects from there).  Port ids, MACs and IPs
# come from examples/slices/json.  Names are sl_*.

SL_DIR=${SL_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples/slices" && pwd)}
SL_VMS="a1 a2 b1 b2"

# sl_field KIND NAME PYEXPR: a field of examples/slices/json/KIND/NAME.json
# inside its envelope, e.g. sl_field ports a1 '["mac_address"]'.
sl_field() { sb_manifest_field "$SL_DIR/json/$1/$2.json" "$3"; }

sl_id() { sl_field "$1" "$2" '["id"]'; }
sl_key() { echo "/flowsteer/v1/$1/$(sl_id "$1" "$2")"; }
sl_mac() { sl_field ports "$1" '["mac_address"]'; }
sl_ip() { sl_field ports "$1" '["fixed_ips"][0]["ip_address"]'; }

# sl_manifest KIND NAME: the manifest ("node1" replaced by $SB_NODE in a
# port's binding:host_id).
sl_manifest() { sed "/binding:host_id/s/node1/$SB_NODE/" "$SL_DIR/json/$1/$2.json"; }

# sl_network NAME CONTROLLER: network NAME's manifest with its controller
# set to CONTROLLER ("" removes it).
sl_network() {
	sl_manifest networks "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if sys.argv[1]:
    d["network"]["controller"] = sys.argv[1]
else:
    d["network"].pop("controller", None)
print(json.dumps(d))' "$2"
}

# sl_put KIND NAME [VALUE]: etcdctl put of the manifest (or VALUE); prints
# the etcd revision.
sl_put() { sb_put_revision "$(sl_key "$1" "$2")" "${3:-$(sl_manifest "$1" "$2")}"; }

# sl_bridge_a, sl_bridge_b: the slice bridges of the example, net-a's own
# (named after a hash of its id: found by its owner marker, once made) and
# slice-b's.
sl_bridge_a() { sb_bridge_of_owner "network:$(sl_id networks net-a)"; }
sl_bridge_b() { echo fss-slice-b; }

# sl_vms: the four VMs (sb_add_host: IP/32, on-link routes to the others).
sl_vms() {
	local vm ip peers all=""
	for vm in $SL_VMS; do all="$all $(sl_ip "$vm")"; done
	for vm in $SL_VMS; do
		ip=$(sl_ip "$vm")
		peers=$(tr ' ' '\n' <<<"$all" | grep . | grep -vx "$ip")
		# shellcheck disable=SC2086
		sb_add_host "$vm" "$(sl_id ports "$vm")" "$(sl_mac "$vm")" "$ip" $peers || return 1
	done
}

# sl_controller NAME PORT: ovs-testcontroller (a learning switch; exact
# match flows, 60 s idle) listening on 127.0.0.1:PORT in the OVS
# namespace, log $SB_DIR/ctl-NAME.log; sets SL_CTL_<NAME> to its pid.
# Returns once it listens.
sl_controller() {
	ip netns exec "$SB_OVSNS" ovs-testcontroller "ptcp:$2:127.0.0.1" \
		--log-file="$SB_DIR/ctl-$1.log" >/dev/null 2>&1 &
	eval "SL_CTL_$1=$!"
	sb_track $!
	sb_wait_for 5 sl_listening "$2"
}

# sl_stop_controller NAME: stops it (by its pid).
sl_stop_controller() {
	local var=SL_CTL_$1
	sb_stop_pid "${!var}"
}

sl_listening() { ip netns exec "$SB_OVSNS" ss -Hltn "sport = :$1" | grep -q LISTEN; }

# sl_connected PORT: ovs-vswitchd holds a TCP connection to the controller
# on 127.0.0.1:PORT (what the controller sees as its switch connecting).
sl_connected() { ip netns exec "$SB_OVSNS" ss -Htn state established "sport = :$1" | grep -q .; }

# sl_ping, sl_ping_fails FROM TO_VM, sl_ping_ms FROM TO_VM SECONDS,
# sl_server VM PORT, sl_send FROM TO_VM PORT TEXT, sl_hold FROM TO_VM PORT
# TEXT N: sandbox.sh's sb_ping..., sb_tcp_* to example VM TO_VM.
sl_ping() { sb_ping "$1" "$(sl_ip "$2")"; }
sl_ping_fails() { sb_ping_fails "$@"; }
sl_ping_ms() { sb_ping_ms "$1" "$(sl_ip "$2")" "$3"; }
sl_server() { sb_tcp_server "$@"; }
sl_send() { sb_tcp_send "$1" "$2" "$(sl_ip "$2")" "$3" "$4"; }
sl_hold() { sb_tcp_hold "$1" "$2" "$(sl_ip "$2")" "$3" "$4" "$5"; }

# sl_ports BRIDGE: the port names `ovs-ofctl show` lists on BRIDGE (what
# its controller is shown), sorted, on one line.
sl_ports() {
	sb_ofctl show "$1" | sed -n 's/^ *\([0-9]*\|LOCAL\)(\([^)]*\)).*/\2/p' | sort | tr '\n' ' '
}
