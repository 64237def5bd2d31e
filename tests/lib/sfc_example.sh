#!/usr/bin/env bash
# tests/lib/sfc_example.sh: the networking-sfc example of examples/sfc/ as
# namespaces: client "src" (22.1.20.1), server "dst" (172.4.5.6) and three
# transparent service functions sf1 (p1/p2), sf2 (p3/p4), sf3 (p5/p6).
# Source tests/lib/sandbox.sh first.

EX_PORT=2c9f0a11-0000-4000-8000-0000000000
EX_PC1=6a4d4e55-0000-4000-8000-000000000001
EX_FC1=5f5c3d44-0000-4000-8000-000000000001
EX_PP1=3d7a1b22-0000-4000-8000-000000000001
EX_CLIENT=22.1.20.1
EX_SERVER=172.4.5.6

sb_sfc_topology() {
	sb_add_host client "${EX_PORT}a1" fa:16:3e:00:00:a1 $EX_CLIENT $EX_SERVER
	sb_add_host server "${EX_PORT}a2" fa:16:3e:00:00:a2 $EX_SERVER $EX_CLIENT
	local i
	for i in 1 2 3; do
		sb_add_sf "sf$i" "${EX_PORT}0$((2 * i - 1))" \
			"fa:16:3e:00:00:0$((2 * i - 1))" "${EX_PORT}0$((2 * i))" \
			"fa:16:3e:00:00:0$((2 * i))"
	done
}

# sb_sfc_server PORT: a TCP server in "server" that appends what it gets
# to $SB_DIR/server-PORT.txt, one connection after another.
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

# sb_sfc_send DPORT TEXT [SPORT]: one TCP connection from the client that
# sends TEXT; succeeds if the server received it.
sb_sfc_send() {
	local opts=""
	[ -n "${3:-}" ] && opts=",sourceport=$3,reuseaddr"
	echo "$2" | timeout 5 ip netns exec "$SB_PREFIX-client" socat -u - \
		"TCP:$EX_SERVER:$1,connect-timeout=3$opts" 2>/dev/null
	sb_wait_for 3 grep -qx "$2" "$SB_DIR/server-$1.txt"
}

# sb_sfc_put_chain_revision: puts PC1 and prints the etcd revision.
sb_put_revision() {
	sb_etcdctl put "$1" "$2" -w json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])'
}

# sb_wait_observed REV [SECONDS]: until the status says REV is in OVS.
sb_wait_observed() {
	sb_wait_for "${2:-10}" sh -c "[ \"\$(ETCD=$ETCD; etcdctl --endpoints=$ETCD get /flowsteer/v1/status/$SB_NODE --print-value-only | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"observed_revision\"])' 2>/dev/null || echo 0)\" -ge $1 ]"
}
