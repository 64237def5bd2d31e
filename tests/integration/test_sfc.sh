#!/usr/bin/env bash
# Integration test: the networking-sfc example chain (examples/sfc) end to
# end: a private etcd, a private ovs-vswitchd (userspace datapath) in its
# own namespace, flowsteerd ($FLOWSTEERD), and real TCP/ICMP packets between
# network namespaces; the service functions are Linux bridges in their own
# namespaces with tcpdump on their ingress and egress interfaces.
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed, and then shows the end of flowsteerd's log.
# SB_KEEP=1 keeps the sandbox's temp dir (logs, pcaps, flow monitors).
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh
TEST_NAME=test_sfc
source tests/lib/check.sh

SFC_FLOWS=cookie=0xf5e0000200000000/0xffffffff00000000 # every chain's flows
PC1_KEY=$(ex_key port_chains PC1)
FC1_KEY=$(ex_key flow_classifiers FC1)

step "sandbox: etcd, ovs-vswitchd (netdev) in a namespace, client, server, sf1..sf3"
sb_init || exit 1
sb_start_etcd || exit 1
sb_start_ovs || exit 1
sb_sfc_topology || exit 1
ofport() { sb_vsctl get interface "o-$1" ofport; }

# A flow of another owner on the same bridge; it must survive every
# reconcile.  hand_flow prints its age (s), fails if it is gone.
sb_ofctl add-flow br-int "table=55,priority=5,cookie=0x1234,actions=drop"
hand_added=$(sb_now_ms)
hand_flow() { sb_flow_ages cookie=0x1234/-1 | grep 'priority=5 actions=drop' | cut -d' ' -f1 | grep .; }
hand_flow_kept() { # the hand flow is there and was never replaced
	local age
	age=$(hand_flow) || return 1
	python3 -c "import sys; sys.exit(0 if $age * 1000 >= $(($(sb_now_ms) - hand_added - 1000)) else 1)"
}

sb_start_flowsteerd
step "put everything but the chain (examples/sfc/put.sh, JSON)"
examples/sfc/put.sh -e "$ETCD" -k networks,ports,port_pairs,port_pair_groups,flow_classifiers \
	"$SB_NODE" json | sed 's/^/  /'
rev=$(sb_key_revision "$FC1_KEY")
sb_wait_observed "$rev" 15
check "flowsteerd converged the ports (status observed_revision >= $rev)" \
	"$(sb_status '["observed_revision"]' 2>&1)" sb_observed_at_least "$rev"
# The SFs' port pairs are known now: their ports left L2, so bridging
# their two interfaces cannot loop.
for i in 1 2 3; do sb_sf_bridge "sf$i" && sb_sf_capture "sf$i"; done
sb_sfc_server 100
sb_sfc_server 101

step "put the chain PC1; time until its flows are in OVS"
chain_in_ovs() { sb_ofctl dump-flows --no-stats br-int "$SFC_FLOWS" | grep -q cookie=; }
pc1=$(ex_manifest port_chains PC1)
t0=$(sb_now_ms)
sb_etcdctl put "$PC1_KEY" "$pc1" >/dev/null
t_put=$(sb_now_ms)
sb_wait_for 10 chain_in_ovs
t1=$(sb_now_ms)
echo "MEASURE: etcdctl put of PC1 -> its flows in OVS: $((t1 - t0)) ms" \
	"(of which the etcdctl process ran $((t_put - t0)) ms)"
rev=$(sb_key_revision "$PC1_KEY")
sb_wait_observed "$rev"
check "chain flows in OVS within 2 s of the put" "$((t1 - t0)) ms" test $((t1 - t0)) -lt 2000
path_id=$(sb_etcdctl get "/flowsteer/v1/keys/port_chains/$(ex_id port_chains PC1)" --print-value-only | tr -d '"')
check "PC1 got a path id allocated in etcd" "path id '$path_id'" test -n "$path_id"
n_chain=$(sb_count_flows "$SFC_FLOWS")
check "chain flows installed" "$n_chain flows with cookie 0xf5e00002/32" gt "$n_chain" 0
group=$(sb_our_groups)
buckets=$(grep -o 'actions=output:[0-9]*' <<<"$group" | sort | tr '\n' ' ')
want="actions=output:$(ofport sf1-in) actions=output:$(ofport sf2-in) "
check "PG1 is a select group over SF1 and SF2 ingress" "$group" \
	eq "$(grep -c type=select <<<"$group") $buckets" "1 $want"
check "status has no errors" "$(sb_status '["errors"]')" eq "$(sb_status '["errors"]')" "[]"
check "hand-added flow (cookie 0x1234) survived" "age $(hand_flow)s" hand_flow_kept

step "FC1 traffic: TCP $EX_CLIENT:23 -> $EX_SERVER:100"
check "TCP connection through the chain (source port 23)" "line received by the server" \
	sb_sfc_send 100 hello-chain 23
sleep 0.2
s1=$(sb_sfc_syns sf1 100) s2=$(sb_sfc_syns sf2 100) s3=$(sb_sfc_syns sf3 100)
o3=$(sb_sf_count sf3 "tcp dst port 100 and tcp[tcpflags] == tcp-syn" out)
check "the SYN went through exactly one of SF1, SF2 (PG1)" "SF1 $s1, SF2 $s2" eq $((s1 + s2)) 1
check "the SYN went through SF3 (PG2), in and out" "SF3 in $s3, out $o3" eq "$s3 $o3" "1 1"
first_ts() { tcpdump -r "$SB_DIR/$1-in.pcap" -n -tt -c 1 "tcp dst port 100" 2>/dev/null | cut -d' ' -f1; }
pg1_sf=sf1 && [ "$s2" = 1 ] && pg1_sf=sf2
ts1=$(first_ts $pg1_sf) ts3=$(first_ts sf3)
check "PG1 before PG2" "$pg1_sf at $ts1, sf3 at $ts3" \
	python3 -c "import sys; sys.exit(0 if '$ts1' and '$ts3' and $ts1 <= $ts3 else 1)"
back=$(($(sb_sf_count sf1 "src host $EX_SERVER") + $(sb_sf_count sf2 "src host $EX_SERVER") + $(sb_sf_count sf3 "src host $EX_SERVER")))
check "reply direction (not symmetric) bypasses the SFs" "$back server packets in SFs" eq "$back" 0

step "traffic not matching FC1 goes straight"
in_sfs() { echo $(($(sb_sf_count sf1 "$1") + $(sb_sf_count sf2 "$1") + $(sb_sf_count sf3 "$1"))); }
before=$(in_sfs "tcp or icmp")
check "TCP to port 101 delivered" "line received" sb_sfc_send 101 port-101 23
check "TCP to port 100 from source port 2300 delivered" "line received" sb_sfc_send 100 sport-2300 2300
ping_ok() { ip netns exec "$SB_PREFIX-client" ping -c 2 -i 0.2 -W 1 -q $EX_SERVER >/dev/null; }
check "ping $EX_CLIENT -> $EX_SERVER" "2 replies" ping_ok
sleep 0.2
after=$(in_sfs "tcp or icmp")
check "no packet of it in any SF" "SF packets $before -> $after" eq "$before" "$after"

step "the YAML copy of the manifests describes the same state"
flows_before=$(sb_our_flows | sort)
sb_start_monitor yaml
examples/sfc/put.sh -e "$ETCD" "$SB_NODE" yaml >/dev/null
rev=$(sb_key_revision "$PC1_KEY")
sb_wait_observed "$rev"
check "flowsteerd took the YAML manifests" "observed_revision $(sb_status '["observed_revision"]'), errors $(sb_status '["errors"]')" \
	eq "$(sb_observed_at_least "$rev" && sb_status '["errors"]')" "[]"
sleep 0.3
changes=$(sb_stop_monitor yaml)
check "re-putting everything as YAML changes no flow" \
	"$changes flow table events, last_apply $(sb_status '["last_apply"]')" eq "$changes" 0
check "same flows after the YAML put" "$(sb_our_flows | wc -l) flows" eq "$(sb_our_flows | sort)" "$flows_before"

step "many flows spread over SF1 and SF2"
wide=$(ex_manifest flow_classifiers FC1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
d["flow_classifier"].update(source_port_range_min=1024, source_port_range_max=65535)
print(json.dumps(d))')
rev=$(sb_put_revision "$FC1_KEY" "$wide")
sb_wait_observed "$rev"
s1=$(sb_sfc_syns sf1 100) s2=$(sb_sfc_syns sf2 100) s3=$(sb_sfc_syns sf3 100)
ok=0
for sport in $(seq 20001 20040); do sb_sfc_send 100 "spread-$sport" "$sport" && ok=$((ok + 1)); done
sleep 0.3
d1=$(($(sb_sfc_syns sf1 100) - s1)) d2=$(($(sb_sfc_syns sf2 100) - s2)) d3=$(($(sb_sfc_syns sf3 100) - s3))
check "40 connections from source ports 20001..20040 delivered" "$ok delivered" eq "$ok" 40
check "each went through SF1 or SF2, both used" "SF1 $d1, SF2 $d2 connections" \
	eq "$((d1 + d2)) $((d1 > 0 && d2 > 0))" "40 1"
check "each went through SF3" "SF3 $d3 connections" eq "$d3" 40
rev=$(sb_put_revision "$FC1_KEY" "$(ex_manifest flow_classifiers FC1)")
sb_wait_observed "$rev"
check "FC1 back to source port 23: port 20100 goes straight" "line received" sb_sfc_send 100 sport-20100 20100
sleep 0.2
check "... through no SF" "SF3 SYNs $((s3 + d3)) -> $(sb_sfc_syns sf3 100)" eq "$(sb_sfc_syns sf3 100)" $((s3 + d3))

step "malformed manifests are reported; the valid chain keeps working"
p1=$(ex_id ports p1) p4=$(ex_id ports p4)
sb_etcdctl put /flowsteer/v1/port_pairs/bad-ref '{"port_pair": {"ingress": "no-such-port", "egress": "'"$p1"'"}}' >/dev/null
sb_etcdctl put /flowsteer/v1/port_pairs/bad-device '{"port_pair": {"ingress": "'"$p1"'", "egress": "'"$p4"'"}}' >/dev/null
rev=$(sb_put_revision /flowsteer/v1/flow_classifiers/bad-json '{"flow_classifier": {"name": ')
sb_wait_observed "$rev"
errors=$(sb_status '["errors"]')
echo "  status errors: $errors"
has_error() { # KEY PATH WORD: an error names KEY at PATH, message has WORD
	python3 -c '
import json, sys
errs = json.loads(sys.argv[1])
ok = any(e.get("key") == sys.argv[2] and e.get("path") == sys.argv[3]
         and sys.argv[4].lower() in e.get("message", "").lower() for e in errs)
sys.exit(0 if ok else 1)' "$errors" "$@"
}
check "port pair with a dangling ingress: key, path, reason" "see status errors above" \
	has_error /flowsteer/v1/port_pairs/bad-ref '$.port_pair.ingress' no-such-port
check "port pair across two devices: key and reason" "see status errors above" \
	has_error /flowsteer/v1/port_pairs/bad-device '$.port_pair.egress' device
check "invalid JSON: key and reason" "see status errors above" \
	has_error /flowsteer/v1/flow_classifiers/bad-json '$' json
s3=$(sb_sfc_syns sf3 100)
check "chain still works next to bad manifests" "line received" sb_sfc_send 100 after-bad 23
sleep 0.2
check "... through SF3" "SF3 SYNs $s3 -> $(sb_sfc_syns sf3 100)" eq "$(sb_sfc_syns sf3 100)" $((s3 + 1))
check "hand-added flow survived" "age $(hand_flow)s" hand_flow_kept

step "a later chain asking for PC1's path id is rejected; PC1 keeps steering"
pc1_flows=$(sb_count_flows "$(sb_cookie_chain "$path_id")")
sb_etcdctl put /flowsteer/v1/port_pairs/ppx \
	"{\"port_pair\": {\"id\": \"ppx\", \"ingress\": \"$(ex_id ports p5)\", \"egress\": \"$(ex_id ports p6)\"}}" >/dev/null
sb_etcdctl put /flowsteer/v1/port_pair_groups/pgx \
	'{"port_pair_group": {"id": "pgx", "port_pairs": ["ppx"]}}' >/dev/null
sb_etcdctl put /flowsteer/v1/flow_classifiers/fcx \
	"{\"flow_classifier\": {\"id\": \"fcx\", \"protocol\": \"udp\", \"logical_source_port\": \"$(ex_id ports src)\", \"destination_port_range_min\": 9999, \"destination_port_range_max\": 9999}}" >/dev/null
rev=$(sb_put_revision /flowsteer/v1/port_chains/pcx \
	"{\"port_chain\": {\"id\": \"pcx\", \"port_pair_groups\": [\"pgx\"], \"flow_classifiers\": [\"fcx\"], \"chain_parameters\": {\"chain_id\": $path_id}}}")
sb_wait_observed "$rev" 10
errors=$(sb_status '["errors"]')
check "the newcomer pcx is rejected at its chain_id, naming PC1" "$(grep -o '[^{]*pcx[^}]*' <<<"$errors" | head -1)" \
	has_error /flowsteer/v1/port_chains/pcx '$.port_chain.chain_parameters.chain_id' "came first"
check "PC1 (path id $path_id) is not rejected" "errors: $(grep -c "$PC1_KEY" <<<"$errors")" \
	eq "$(grep -c "$PC1_KEY" <<<"$errors")" 0
check "PC1's flows are all still installed" "$pc1_flows -> $(sb_count_flows "$(sb_cookie_chain "$path_id")")" \
	eq "$(sb_count_flows "$(sb_cookie_chain "$path_id")")" "$pc1_flows"
s3=$(sb_sfc_syns sf3 100)
check "FC1 traffic still goes through the chain" "line received" sb_sfc_send 100 after-pcx 23
sleep 0.2
check "... through SF3" "SF3 SYNs $s3 -> $(sb_sfc_syns sf3 100)" eq "$(sb_sfc_syns sf3 100)" $((s3 + 1))
for k in port_chains/pcx flow_classifiers/fcx port_pair_groups/pgx port_pairs/ppx; do
	sb_etcdctl del "/flowsteer/v1/$k" >/dev/null
done

step "restart flowsteerd: nothing to do, nothing sent"
sleep 1
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-before"
sb_start_monitor restart
sb_restart_flowsteerd_observed
changes=$(sb_stop_monitor restart)
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-after"
last=$(sb_status '["last_apply"]' 2>&1)
echo "MEASURE: no-op reconcile after a flowsteerd restart: last_apply $last;" \
	"flow table changes seen by ovs-ofctl monitor: $changes"
check "status after restart: last_apply.flow_mods == 0" "$last" \
	eq "$(json_get '["flow_mods"]' <<<"$last" 2>&1)/$(json_get '["group_mods"]' <<<"$last" 2>&1)" "0/0"
check "OVS saw no flow table change" "$changes events from ovs-ofctl monitor" eq "$changes" 0
kept_age() { # BEFORE AFTER: every flow is still there, older than before
	python3 - "$@" <<'EOF'
import sys
def ages(p):
    return {l.split(" ", 1)[1]: float(l.split(" ", 1)[0]) for l in open(p) if l.strip()}
b, a = ages(sys.argv[1]), ages(sys.argv[2])
older = sum(1 for k in b if k in a and a[k] > b[k])
print(f"{older} of {len(b)} flows kept their age, {len(a)} flows after")
sys.exit(0 if b and older == len(b) == len(a) else 1)
EOF
}
aged=$(kept_age "$SB_DIR/ages-before" "$SB_DIR/ages-after")
aged_rc=$?
check "installed flows kept their age" "$aged" eq "$aged_rc" 0
check "hand-added flow survived" "age $(hand_flow)s" hand_flow_kept

step "restart ovs-vswitchd: flowsteerd installs everything again"
n_ours=$(sb_count_flows "$SB_COOKIE_OURS")
sb_restart_vswitchd
flows_back() { eq "$(sb_count_flows "$SB_COOKIE_OURS")" "$n_ours"; }
sb_wait_for 15 flows_back
check "all flowsteer flows back" "$(sb_count_flows "$SB_COOKIE_OURS") of $n_ours" \
	eq "$(sb_count_flows "$SB_COOKIE_OURS")" "$n_ours"
s3=$(sb_sfc_syns sf3 100)
check "chain works after the ovs-vswitchd restart" "line received" sb_sfc_send 100 after-vswitchd 23
sleep 0.2
check "... through SF3" "SF3 SYNs $s3 -> $(sb_sfc_syns sf3 100)" eq "$(sb_sfc_syns sf3 100)" $((s3 + 1))
# ovs-vswitchd keeps no flows across a restart: the hand flow's owner
# would add it again, so do we.
sb_ofctl add-flow br-int "table=55,priority=5,cookie=0x1234,actions=drop"
hand_added=$(sb_now_ms)

step "delete the chain"
rev=$(sb_del_revision "$PC1_KEY")
sb_wait_observed "$rev"
n_chain=$(sb_count_flows "$SFC_FLOWS")
check "no chain flows left" "$n_chain flows with cookie 0xf5e00002/32" eq "$n_chain" 0
check "no flowsteer group left" "$(sb_our_groups | wc -l) groups" eq "$(sb_our_groups | wc -l)" 0
check "base flows remain" "$(sb_count_flows "$SB_COOKIE_OURS") flows" gt "$(sb_count_flows "$SB_COOKIE_OURS")" 0
alloc_keys() { sb_etcdctl get /flowsteer/v1/keys/ --prefix --keys-only | grep .; }
sb_wait_for 5 eval '! alloc_keys'
check "path id allocation released" "keys under /flowsteer/v1/keys/: $(alloc_keys | tr '\n' ' ')" eval '! alloc_keys >/dev/null'

before=$(in_sfs "tcp or icmp")
check "FC1 traffic now goes straight" "line received" sb_sfc_send 100 no-chain 23
sleep 0.2
check "... through no SF" "SF packets $before -> $(in_sfs "tcp or icmp")" eq "$(in_sfs "tcp or icmp")" "$before"
check "hand-added flow survived" "age $(hand_flow)s" hand_flow_kept

step "daemon health"
check "flowsteerd is still running" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
kill "$SB_FLOWSTEERD_PID"
wait "$SB_FLOWSTEERD_PID"
rc=$?
sb_untrack "$SB_FLOWSTEERD_PID"
check "flowsteerd exits with status 0 on SIGTERM" "status $rc" eq "$rc" 0
sanitizer=$(grep -c 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$SB_DIR/flowsteerd.log")
check "no sanitizer report in flowsteerd's log" "$sanitizer reports" eq "$sanitizer" 0

finish
