#!/usr/bin/env bash
# Integration test: faults flowsteerd already held when the reliability
# issue was filed, kept here so that they stay held.  On the networking-sfc
# example chain (examples/sfc) with real traffic:
#   - etcd crashes (SIGKILL) and stays away for 8 s: no flow is touched and
#     traffic goes on; etcd restarts: the next change converges;
#   - an SF port is re-plugged and gets a new ofport: the chain follows;
#   - 400 garbage values under every kind: each rejected alone, the daemon
#     keeps running, the chain keeps steering, no sanitizer report.
# (Restarts of ovs-vswitchd and ovsdb-server are in test_sfc.sh and
# test_provider.sh, a compaction and relist in tests/unit/test_etcd_live.c.)
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh
source tests/lib/etcd_cluster.sh
TEST_NAME=test_fault_held
source tests/lib/check.sh

PC1_KEY=$(ex_key port_chains PC1)
through_sf3() { # the chain steers: a new FC1 connection goes through SF3
	local before
	before=$(sb_sfc_syns sf3 100)
	sb_sfc_send 100 "$1" 23 || return 1
	sleep 0.2
	[ "$(sb_sfc_syns sf3 100)" -gt "$before" ]
}
status_has_key() { # KEY: an error of the status names KEY
	sb_status '["errors"]' | python3 -c 'import json,sys; sys.exit(0 if any(e["key"] == sys.argv[1] for e in json.load(sys.stdin)) else 1)' "$1"
}

step "sandbox: etcd (one member, restartable), OVS, client, server, sf1..sf3; the example chain"
sb_init || exit 1
sb_start_etcd_cluster 1 || exit 1
sb_start_ovs || exit 1
sb_sfc_topology || exit 1
sb_start_flowsteerd
examples/sfc/put.sh -e "$ETCD" -k networks,ports,port_pairs,port_pair_groups,flow_classifiers "$SB_NODE" json >/dev/null
sb_wait_observed "$(sb_etcd_revision)" 15
for i in 1 2 3; do sb_sf_bridge "sf$i" && sb_sf_capture "sf$i"; done
sb_sfc_server 100
rev=$(sb_put_revision "$PC1_KEY" "$(ex_manifest port_chains PC1)")
sb_wait_observed "$rev" 10
check "the chain steers" "FC1 connection through SF3" through_sf3 first

step "etcd crashes and stays away 8 s"
sleep 1
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-before"
sb_kill_member 0
check "traffic goes on without etcd" "FC1 connection through SF3" through_sf3 etcd-away
sleep 8
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-after"
check "no flow touched while etcd was away" "$(wc -l <"$SB_DIR/ages-before") flows kept their age" ages_kept
check "flowsteerd still runs" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
sb_start_member 0
sb_wait_for 20 sb_member_healthy 0
rev=$(sb_put_revision /flowsteer/v1/port_pairs/after-restart '{"port_pair": {"ingress": "nope", "egress": "nope"}}')
sb_wait_observed "$rev" 15
check "after etcd is back, the next change converges" "observed $(sb_status '["observed_revision"]' 2>&1), wanted $rev" \
	sb_observed_at_least "$rev"
check "... and is reported (a bad port pair in status)" "$(sb_status '["errors"]' | grep -o '"key": "[^"]*after-restart"')" \
	status_has_key /flowsteer/v1/port_pairs/after-restart
sb_etcdctl del /flowsteer/v1/port_pairs/after-restart >/dev/null

step "an SF port is re-plugged with a new ofport"
old=$(sb_vsctl get interface o-sf3-in ofport)
read -r p5_id _ <<<"$(ex_port p5)"
sb_vsctl del-port br-int o-sf3-in -- add-port br-int o-sf3-in -- \
	set interface o-sf3-in "external_ids:iface-id=$p5_id" ofport_request=$((old + 40))
new=$(sb_vsctl get interface o-sf3-in ofport)
echo "  o-sf3-in: ofport $old -> $new"
uses_new() { sb_ofctl dump-flows --no-stats br-int "$SB_COOKIE_OURS" | grep -q "output:$new\b"; }
check "the chain's flows follow the new ofport" "output:$new" sb_wait_for 5 uses_new
check "the chain steers through SF3 again" "FC1 connection through SF3" through_sf3 replugged

step "400 garbage values under every kind"
# Put through the gateway in transactions of 100 puts (etcd allows 128
# operations per transaction): one request each, not 400 etcdctl runs.
# Prints the revision of the last one.
rev=$(python3 - "$ETCD" <<'PY'
import base64, json, os, random, sys, urllib.request
random.seed(7)
kinds = ["networks", "ports", "chassis", "port_pairs", "port_pair_groups",
         "flow_classifiers", "port_chains", "slices", "flowspaces"]
shapes = [lambda: os.urandom(random.randint(0, 64)),
          lambda: b"{" * random.randint(1, 50),
          lambda: b'{"id": %d}' % random.randint(0, 9),
          lambda: b'[1, 2, {"x": null}]',
          lambda: b'{"port": {"network_id": 7, "mac_address": "zz"}}',
          lambda: b"key: [unclosed\n  - a: b",
          lambda: b'{"port_chain": {"port_pair_groups": "x", "chain_parameters": {"chain_id": -1}}}',
          lambda: b'"\xff\xfe"']
b64 = lambda b: base64.b64encode(b).decode()
rev = 0
for batch in range(4):
    ops = []
    for i in range(batch * 100, batch * 100 + 100):
        key = ("/flowsteer/v1/%s/garbage-%03d" % (random.choice(kinds), i)).encode()
        ops.append({"request_put": {"key": b64(key), "value": b64(random.choice(shapes)())}})
    req = urllib.request.Request(sys.argv[1] + "/v3/kv/txn", json.dumps({"success": ops}).encode(),
                                 {"Content-Type": "application/json"})
    rev = json.load(urllib.request.urlopen(req, timeout=10))["header"]["revision"]
print(rev)
PY
)
sb_wait_observed "$rev" 30
check "flowsteerd takes all 400 (observed revision)" "observed $(sb_status '["observed_revision"]' 2>&1), wanted $rev" sb_observed_at_least "$rev"
n_err=$(sb_status '["errors"]' | python3 -c 'import json,sys; print(sum("garbage-" in e["key"] for e in json.load(sys.stdin)))')
check "garbage is reported, each value by its key" "$n_err garbage keys in status errors" gt "$n_err" 50
total=$(sb_status '["errors_total"]')
check "... all of it counted, the list bounded" "errors_total $total, listed $(sb_status '["errors"]' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
	gt "$total" 300
check "the chain keeps steering" "FC1 connection through SF3" through_sf3 after-garbage
check "flowsteerd still runs" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
sb_stop_flowsteerd
check "no sanitizer report in flowsteerd's log" "$(grep -c 'Sanitizer' "$SB_DIR/flowsteerd.log") reports" \
	eq "$(grep -c 'Sanitizer' "$SB_DIR/flowsteerd.log")" 0
finish
