#!/usr/bin/env bash
# Integration test: flowsteerd on a three-member etcd cluster (loopback),
# started with every member in --etcd.  The member it talks to crashes
# (SIGKILL): flowsteerd moves to the next one, touches no flow, and the
# next change converges.  Then the member it talks to freezes (SIGSTOP: its
# TCP connections stay open and silent, as a partitioned or hung member's
# do): flowsteerd's probe of the silent watch notices, it moves on, and the
# next change converges again instead of waiting on stale data.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/etcd_cluster.sh
TEST_NAME=test_etcd_cluster
source tests/lib/check.sh

NET=7a000000-0000-4000-8000-0000000000e1
MAC_A=fa:16:3e:0e:00:01 MAC_B=fa:16:3e:0e:00:02
MAC_C=fa:16:3e:0e:00:0c MAC_D=fa:16:3e:0e:00:0d
port_doc() { # ID MAC IP
	printf '{"port": {"id": "%s", "network_id": "%s", "mac_address": "%s", "binding:host_id": "%s", "fixed_ips": [{"ip_address": "%s"}]}}' \
		"$1" "$NET" "$2" "$SB_NODE" "$3"
}
# put_on I KEY VALUE: etcdctl put through member I only (retried for up
# to 20 s while the cluster elects a leader); prints the revision.
put_on() {
	local rev="" deadline=$((SECONDS + 20))
	while [ -z "$rev" ] && [ "$SECONDS" -lt "$deadline" ]; do
		rev=$(etcdctl --endpoints="${SB_MEMBER_URLS[$1]}" --command-timeout=3s \
			put "$2" "$3" -w json 2>/dev/null | sb_json_revision 2>/dev/null)
	done
	echo "$rev"
}
# port_b_pair MAC: port-b's document with an allowed address pair of MAC:
# a change that gives table 55 a new flow (frames to MAC go to port-b).
port_b_pair() {
	printf '{"port": {"id": "port-b", "network_id": "%s", "mac_address": "%s", "binding:host_id": "%s", "fixed_ips": [{"ip_address": "10.9.0.2"}], "allowed_address_pairs": [{"ip_address": "10.9.0.20", "mac_address": "%s"}]}}' \
		"$NET" "$MAC_B" "$SB_NODE" "$1"
}
l2_flow_of() { sb_ofctl dump-flows --no-stats br-int "table=55,dl_dst=$1" | grep -q "cookie=0xf5e0"; }
# current_member: the member flowsteerd moved to last (member 0 before any
# move), from its log.
current_member() {
	local url
	url=$(grep -o 'moving to http[^ ]*' "$SB_DIR/flowsteerd.log" | tail -1 | sed 's/moving to //')
	if [ -z "$url" ]; then echo 0; else sb_member_of "$url"; fi
}

step "sandbox: a three-member etcd cluster, ovs-vswitchd (netdev), hosts a and b"
sb_init || exit 1
sb_start_etcd_cluster 3 || exit 1
sb_start_ovs || exit 1
sb_add_host hosta port-a "$MAC_A" 10.9.0.1 10.9.0.2 || exit 1
sb_add_host hostb port-b "$MAC_B" 10.9.0.2 10.9.0.1 || exit 1
sb_start_flowsteerd
echo "  etcd members: $ETCD"
put_on 0 "/flowsteer/v1/networks/$NET" "{\"network\": {\"id\": \"$NET\", \"provider:network_type\": \"vxlan\", \"provider:segmentation_id\": 5000}}" >/dev/null
put_on 0 /flowsteer/v1/ports/port-a "$(port_doc port-a "$MAC_A" 10.9.0.1)" >/dev/null
rev=$(put_on 0 /flowsteer/v1/ports/port-b "$(port_doc port-b "$MAC_B" 10.9.0.2)")
sb_wait_observed "$rev" 15
check "converged through the cluster" "observed $(sb_status '["observed_revision"]' 2>&1), wanted $rev" sb_observed_at_least "$rev"
ping_ab() { ip netns exec "$SB_PREFIX-hosta" ping -c 1 -W 1 10.9.0.2 >/dev/null; }
check "a pings b" "ping" sb_wait_for 5 ping_ab

step "the member flowsteerd talks to crashes (SIGKILL)"
sleep 1
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-before"
first=$(current_member)
sb_kill_member "$first"
alive=$(((first + 1) % 3))
t0=$(sb_now_ms)
rev=$(put_on "$alive" /flowsteer/v1/ports/port-b "$(port_b_pair "$MAC_C")")
sb_wait_for 20 l2_flow_of "$MAC_C"
t1=$(sb_now_ms)
echo "MEASURE: member $first killed -> a change put through member $alive is in OVS: $((t1 - t0)) ms"
check "the next change converges (the L2 flow of port-b's new address pair)" "$((t1 - t0)) ms" l2_flow_of "$MAC_C"
check "flowsteerd logged the move to another member" "$(grep -o 'etcd member [^;]*; moving to [^ ]*' "$SB_DIR/flowsteerd.log" | tail -1)" \
	grep -q "moving to" "$SB_DIR/flowsteerd.log"
sb_wait_observed "$rev" 10
sb_flow_ages "$SB_COOKIE_OURS" | grep -v "$MAC_C" | sort -k2 >"$SB_DIR/ages-after"
check "no flow was touched by the failover" "$(wc -l <"$SB_DIR/ages-before") flows before" ages_kept
check "a still pings b" "ping" ping_ab

step "the member flowsteerd talks to now freezes (SIGSTOP)"
sb_start_member "$first"
sb_wait_for 20 sb_member_healthy "$first"
check "the crashed member is back" "member $first" sb_member_healthy "$first"
frozen=$(current_member)
other=$(((frozen + 1) % 3))
[ "$other" = "$frozen" ] && other=$(((frozen + 2) % 3))
sleep 1
kill -STOP "${SB_MEMBER_PIDS[$frozen]}"
t0=$(sb_now_ms)
rev=$(put_on "$other" /flowsteer/v1/ports/port-b "$(port_b_pair "$MAC_D")")
sb_wait_for 30 l2_flow_of "$MAC_D"
t1=$(sb_now_ms)
kill -CONT "${SB_MEMBER_PIDS[$frozen]}"
echo "MEASURE: member $frozen frozen -> a change put through member $other is in OVS: $((t1 - t0)) ms"
check "the change converges despite the frozen member" "$((t1 - t0)) ms" l2_flow_of "$MAC_D"
check "... within 10 s (probe after 3 s of silence, 2 s to answer)" "$((t1 - t0)) ms" test $((t1 - t0)) -lt 10000
check "flowsteerd noticed the frozen member" "$(grep -o '[^|]*did not answer a probe[^;]*' "$SB_DIR/flowsteerd.log" | tail -1)" \
	grep -q "did not answer a probe\|moving to ${SB_MEMBER_URLS[$other]}\|moving to" "$SB_DIR/flowsteerd.log"
check "a still pings b" "ping" ping_ab

step "daemon health"
check "flowsteerd is still running" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
sb_stop_flowsteerd
check "no sanitizer report in flowsteerd's log" "$(grep -c 'Sanitizer' "$SB_DIR/flowsteerd.log") reports" \
	eq "$(grep -c 'Sanitizer' "$SB_DIR/flowsteerd.log")" 0
finish
