#!/usr/bin/env bash
# tests/lib/sfc_example.sh: the networking-sfc example of examples/sfc/ as
# namespaces on the sandbox of tests/lib/sandbox.sh (source that first):
#
#   client  port "src" 22.1.20.1  ---+                 +--- server port "dst" 172.4.5.6
#                                    |     br-int      |
#   sf1 = vm1 (p1 in, p2 out) -------+  (flowsteerd)   +--- sf3 = vm3 (p5 in, p6 out)
#   sf2 = vm2 (p3 in, p4 out) -------+
#
# Port ids and MAC addresses come from examples/sfc/json/ports/*.json, so
# the namespaces always match the manifests.

EX_DIR=${EX_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples/sfc" && pwd)}
EX_CLIENT=22.1.20.1
EX_SERVER=172.4.5.6

# ex_field KIND NAME PYEXPR: a field of examples/sfc/json/KIND/NAME.json
# (inside its Neutron envelope), e.g. ex_field ports p1 '["mac_address"]'.
ex_field() { sb_manifest_field "$EX_DIR/json/$1/$2.json" "$3"; }

# ex_id KIND NAME: the id of an example resource.
ex_id() { ex_field "$1" "$2" '["id"]'; }

# ex_key KIND NAME: its etcd key.
ex_key() { echo "/flowsteer/v1/$1/$(ex_id "$1" "$2")"; }

# ex_manifest KIND NAME [FORMAT]: the manifest as put.sh puts it (a
# port's binding:host_id "node1" replaced by $SB_NODE).
ex_manifest() {
	local ext=${3:-json}
	sed "/binding:host_id/s/node1/$SB_NODE/" "$EX_DIR/$ext/$1/$2.$ext"
}

# ex_port PORT: "<id> <mac>" of example port PORT.
ex_port() { echo "$(ex_id ports "$1") $(ex_field ports "$1" '["mac_address"]')"; }

# sb_sfc_topology: the client, the server and the three SF namespaces
# (not yet bridged: see sb_sf_bridge).  TIME_WAIT reuse is on in the
# client so that repeated connections from source port 23 work.
sb_sfc_topology() {
	local i
	# shellcheck disable=SC2046
	sb_add_host client $(ex_port src) $EX_CLIENT $EX_SERVER || return 1
	# shellcheck disable=SC2046
	sb_add_host server $(ex_port dst) $EX_SERVER $EX_CLIENT || return 1
	ip netns exec "$SB_PREFIX-client" sysctl -qw net.ipv4.tcp_tw_reuse=1
	for i in 1 2 3; do
		# shellcheck disable=SC2046
		sb_add_sf "sf$i" $(ex_port "p$((2 * i - 1))") $(ex_port "p$((2 * i))") ||
			return 1
	done
}

# sb_sfc_server PORT: a TCP server in "server" that appends every line it
# receives to $SB_DIR/server-PORT.txt; returns once it listens.
sb_sfc_server() {
	ip netns exec "$SB_PREFIX-server" socat -u \
		"TCP-LISTEN:$1,fork,reuseaddr" "OPEN:$SB_DIR/server-$1.txt,creat,append" \
		>/dev/null 2>&1 &
	sb_track $!
	sb_wait_for 5 sb_sfc_listening "$1"
}

sb_sfc_listening() {
	ip netns exec "$SB_PREFIX-server" ss -Hltn "sport = :$1" | grep -q LISTEN
}

# sb_sfc_send DPORT TEXT [SPORT]: one TCP connection from the client to the
# server's DPORT (from source port SPORT if given) that sends the line
# TEXT; succeeds if the server received it within 3 s.
sb_sfc_send() {
	local opts=""
	[ -n "${3:-}" ] && opts=",sourceport=$3,reuseaddr"
	echo "$2" | timeout 5 ip netns exec "$SB_PREFIX-client" socat -u - \
		"TCP:$EX_SERVER:$1,connect-timeout=3$opts" 2>/dev/null
	sb_wait_for 3 grep -qx "$2" "$SB_DIR/server-$1.txt"
}

# sb_sfc_syns NAME DPORT [SPORTS_FILTER]: number of client SYNs to DPORT
# seen at SF NAME's ingress (one per connection that went through it).
sb_sfc_syns() {
	sb_sf_count "$1" "tcp dst port $2 and tcp[tcpflags] == tcp-syn ${3:+and $3}"
}
