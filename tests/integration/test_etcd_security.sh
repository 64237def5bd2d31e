#!/usr/bin/env bash
# Integration test: flowsteerd against an etcd that requires TLS with
# client certificates and has auth (RBAC) on, as docs/architecture.md
# ("etcd security") sets it up: a node's user reads desired state and
# writes its own status, liveness and chassis keys and the allocation keys,
# nothing else.  Checks that
# such a node converges, survives its auth token expiring, and that wrong
# credentials or a missing client certificate give a clear error and touch
# no flow.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/etcd_cluster.sh
TEST_NAME=test_etcd_security
source tests/lib/check.sh

NET=7a000000-0000-4000-8000-0000000000f1
MAC_A=fa:16:3e:0f:00:01 MAC_B=fa:16:3e:0f:00:02 MAC_P=fa:16:3e:0f:00:0c
PKI=
port_doc() { # ID MAC IP [PAIR_MAC]
	local pair=""
	[ -n "${4:-}" ] && pair=', "allowed_address_pairs": [{"ip_address": "10.8.0.20", "mac_address": "'$4'"}]'
	printf '{"port": {"id": "%s", "network_id": "%s", "mac_address": "%s", "binding:host_id": "%s", "fixed_ips": [{"ip_address": "%s"}]%s}}' \
		"$1" "$NET" "$2" "$SB_NODE" "$3" "$pair"
}
as_root() { sb_etcdctl_as root:rootpw "$@"; }
as_operator() { sb_etcdctl_as operator:oppw "$@"; }
# start_node USER[:PASSWORD] [no-cert]: flowsteerd over TLS as USER.
start_node() {
	local tls=(--etcd-cacert "$PKI/ca.pem")
	[ "${2:-}" = no-cert ] || tls+=(--etcd-cert "$PKI/node1.pem" --etcd-key "$PKI/node1-key.pem")
	sb_start_flowsteerd "${tls[@]}" --etcd-user "$1" --encap-ip 192.0.2.1
}
status_as_root() { as_root get "/flowsteer/status/$SB_NODE" --print-value-only | json_get "$1"; }
observed_at_least() { local r; r=$(status_as_root '["observed_revision"]' 2>/dev/null) && [ "${r:-0}" -ge "$1" ]; }
l2_flow_of() { sb_ofctl dump-flows --no-stats br-int "table=55,dl_dst=$1" | grep -q "cookie=0xf5e0"; }

step "sandbox: certificates, etcd with TLS + client certificates + auth (token TTL 3 s), OVS, hosts a and b"
sb_init || exit 1
PKI=$SB_DIR/pki
sb_make_certs || { echo "cannot make certificates" >&2; exit 1; }
sb_start_etcd_tls --auth-token-ttl 3 || exit 1
sb_start_ovs || exit 1
sb_add_host hosta port-a "$MAC_A" 10.8.0.1 10.8.0.2 || exit 1
sb_add_host hostb port-b "$MAC_B" 10.8.0.2 10.8.0.1 || exit 1

step "RBAC: root, an operator role (all desired state), a node role (read desired state, write own status, liveness, chassis and allocations)"
{
	as_root user add root --new-user-password=rootpw
	as_root role add flowsteer-operator
	as_root role grant-permission flowsteer-operator readwrite /flowsteer/v1/ --prefix=true
	as_root user add operator --new-user-password=oppw
	as_root user grant-role operator flowsteer-operator
	as_root role add "flowsteer-node-$SB_NODE"
	as_root role grant-permission "flowsteer-node-$SB_NODE" read /flowsteer/v1/ --prefix=true
	as_root role grant-permission "flowsteer-node-$SB_NODE" readwrite "/flowsteer/status/$SB_NODE"
	as_root role grant-permission "flowsteer-node-$SB_NODE" readwrite "/flowsteer/nodes/$SB_NODE"
	as_root role grant-permission "flowsteer-node-$SB_NODE" readwrite "/flowsteer/v1/chassis/$SB_NODE"
	as_root role grant-permission "flowsteer-node-$SB_NODE" readwrite /flowsteer/v1/keys/ --prefix=true
	as_root user add "$SB_NODE" --new-user-password=nodepw
	as_root user grant-role "$SB_NODE" "flowsteer-node-$SB_NODE"
	as_root auth enable
} >"$SB_DIR/rbac.log" 2>&1
check "auth is on" "$(tail -1 "$SB_DIR/rbac.log")" grep -q "Authentication Enabled" "$SB_DIR/rbac.log"
denied() { ! sb_etcdctl_as "$SB_NODE:nodepw" put "$1" x >/dev/null 2>&1; }
check "the node's user cannot write desired state" "put refused" denied /flowsteer/v1/ports/x
check "... nor another node's status" "put refused" denied /flowsteer/status/node2
check "... nor another node's liveness or chassis" "puts refused" \
	eval 'denied /flowsteer/nodes/node2 && denied /flowsteer/v1/chassis/node2'
check "... but can write its own status" "put accepted" sb_etcdctl_as "$SB_NODE:nodepw" put "/flowsteer/status/$SB_NODE" "{}"

step "flowsteerd as user $SB_NODE over TLS with its client certificate"
start_node "$SB_NODE:nodepw"
as_operator put "/flowsteer/v1/networks/$NET" "{\"network\": {\"id\": \"$NET\", \"provider:network_type\": \"vxlan\", \"provider:segmentation_id\": 5001}}" >/dev/null
as_operator put /flowsteer/v1/ports/port-a "$(port_doc port-a "$MAC_A" 10.8.0.1)" >/dev/null
rev=$(as_operator put /flowsteer/v1/ports/port-b "$(port_doc port-b "$MAC_B" 10.8.0.2)" -w json | sb_json_revision)
sb_wait_for 15 observed_at_least "$rev"
check "the node converges and writes its status" "observed $(status_as_root '["observed_revision"]' 2>&1), wanted $rev" observed_at_least "$rev"
chassis_ip() { as_root get "/flowsteer/v1/chassis/$SB_NODE" --print-value-only | json_get '["chassis"]["ip"]'; }
check "it registered its chassis" "ip $(chassis_ip 2>&1)" sb_wait_for 5 eval '[ "$(chassis_ip)" = 192.0.2.1 ]'
live() { as_root get "/flowsteer/nodes/$SB_NODE" --print-value-only | grep -q '"pid"'; }
check "its liveness key is there" "$(as_root get "/flowsteer/nodes/$SB_NODE" --print-value-only 2>&1)" sb_wait_for 5 live
ping_ab() { ip netns exec "$SB_PREFIX-hosta" ping -c 1 -W 1 10.8.0.2 >/dev/null; }
check "a pings b" "ping" sb_wait_for 5 ping_ab

step "the auth token expires (TTL 3 s): the next change still converges"
sleep 4
rev=$(as_operator put /flowsteer/v1/ports/port-b "$(port_doc port-b "$MAC_B" 10.8.0.2 "$MAC_P")" -w json | sb_json_revision)
check "the change is in OVS" "table 55 flow for $MAC_P" sb_wait_for 10 l2_flow_of "$MAC_P"
check "status written with a renewed token" "observed $(status_as_root '["observed_revision"]' 2>&1), wanted $rev" \
	sb_wait_for 10 observed_at_least "$rev"
echo "  flowsteerd: $(grep -o 'authenticated as [^ ]*\|auth token no longer valid[^;]*' "$SB_DIR/flowsteerd.log" | sort | uniq -c | tr '\n' ';')"

step "wrong password: a clear error, no flow touched"
sb_stop_flowsteerd
check "a clean stop revoked the liveness lease (the node may revoke its own)" "no key" eval '! live'
sleep 1
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-before"
cat "$SB_DIR/flowsteerd.log" >>"$SB_DIR/flowsteerd-earlier.log"; : >"$SB_DIR/flowsteerd.log"
start_node "$SB_NODE:wrong"
sb_wait_for 5 grep -q "authentication as $SB_NODE failed" "$SB_DIR/flowsteerd.log"
check "the log says authentication failed" "$(grep -o "authentication as $SB_NODE failed[^|]*" "$SB_DIR/flowsteerd.log" | head -1)" \
	grep -q "authentication as $SB_NODE failed" "$SB_DIR/flowsteerd.log"
sleep 1
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-after"
same_flows() { [ -s "$SB_DIR/ages-before" ] && diff <(cut -d' ' -f2- "$SB_DIR/ages-before") <(cut -d' ' -f2- "$SB_DIR/ages-after") >/dev/null; }
check "every flow is still installed" "$(wc -l <"$SB_DIR/ages-after") of $(wc -l <"$SB_DIR/ages-before")" same_flows
check "flowsteerd keeps running (it retries)" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
sb_stop_flowsteerd

step "no client certificate: a clear TLS error, no flow touched"
cat "$SB_DIR/flowsteerd.log" >>"$SB_DIR/flowsteerd-earlier.log"; : >"$SB_DIR/flowsteerd.log"
start_node "$SB_NODE:nodepw" no-cert
sb_wait_for 8 grep -qi "etcd.*\(ssl\|tls\|certificate\|alert\)" "$SB_DIR/flowsteerd.log"
check "the log names the TLS failure" "$(grep -io '[^|]*\(ssl\|tls\|certificate\|alert\)[^|]*' "$SB_DIR/flowsteerd.log" | head -1)" \
	grep -qi "etcd.*\(ssl\|tls\|certificate\|alert\)" "$SB_DIR/flowsteerd.log"
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-after"
check "every flow is still installed" "$(wc -l <"$SB_DIR/ages-after") of $(wc -l <"$SB_DIR/ages-before")" same_flows
check "a still pings b" "ping" ping_ab
sb_stop_flowsteerd
check "no sanitizer report in flowsteerd's log" "$(grep -c 'Sanitizer' "$SB_DIR/flowsteerd.log") reports" \
	eq "$(grep -c 'Sanitizer' "$SB_DIR/flowsteerd.log")" 0
finish
