#!/usr/bin/env bash
# Integration test: flowsteerctl (README.md, "flowsteerctl") against a
# private etcd, and status --wait-converged against a flowsteerd on a
# private OVS:
#   - validate: the examples are valid; broken files give exact
#     "file:line: kind/id: path: reason" lines and exit 1;
#   - apply: created, unchanged, configured (one field changed), --dry-run
#     writes nothing, --prune deletes what the input left out (pruned),
#     invalid input writes nothing;
#   - diff: a unified diff of the changed resource, exit 1; exit 0 when
#     nothing changes;
#   - get -o yaml / json, delete (and delete of an absent resource);
#   - status: the node alive, --wait-converged exits 0 once flowsteerd has
#     the last write in OVS, 1 on timeout, 3 when a live node reports
#     errors.
# Each check prints "PASS: what (saw: ...)" or "FAIL: ...".
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
: "${FLOWSTEERCTL:?set FLOWSTEERCTL to the flowsteerctl binary}"
source tests/lib/sandbox.sh
TEST_NAME=test_ctl
source tests/lib/check.sh

ctl() { "$FLOWSTEERCTL" "$@"; }
ectl() { "$FLOWSTEERCTL" "$@" --etcd "$ETCD"; }
has() { grep -qxF -- "$2" <<<"$1"; } # TEXT LINE: TEXT has exactly LINE
count() { grep -c -- "$2" <<<"$1"; }  # TEXT PATTERN
keys() { sb_etcdctl get --prefix /flowsteer/v1/ --keys-only | grep -c .; }
PP1=3d7a1b22-0000-4000-8000-000000000001
PP3=3d7a1b22-0000-4000-8000-000000000003

step "sandbox: etcd"
sb_init || exit 1
sb_start_etcd || exit 1

step "validate"
for d in examples/sfc/json examples/provider/yaml examples/overlay/json; do
	out=$(ctl validate -f "$d" 2>&1)
	rc=$?
	check "validate $d: valid" "$out, exit $rc" eq "$rc" 0
done
BAD=$SB_DIR/bad
mkdir -p "$BAD"
cat >"$BAD/a.yaml" <<'EOF'
# two documents, the second a list envelope
kind: port_pair
id: pp1
ingress: p1
egress: p2
---
port_pairs:
  - id: pp2
    ingress: p1
  - name: no-id
EOF
cat >"$BAD/b.json" <<'EOF'
[
  {"network": {"id": "n1", "provider:network_type": "vlan",
               "provider:physical_network": "physnet1",
               "provider:segmentation_id": 5000}},
  {"widget": {"id": "w"}}
]
EOF
printf 'port:\n  id: p9\n  id: p9\n' >"$BAD/c.yaml"
out=$(ctl validate -f "$BAD")
rc=$?
check "validate of broken files exits 1" "exit $rc" eq "$rc" 1
for line in \
	"$BAD/a.yaml:2: port_pairs/pp1: \$.ingress: port \"p1\" does not exist or was rejected" \
	"$BAD/a.yaml:8: port_pairs/pp2: \$.port_pairs[0].egress: required field is missing" \
	"$BAD/a.yaml:10: port_pairs/-: \$.port_pairs[1].id: required: flowsteerctl derives the etcd key (/flowsteer/v1/<kind>/<id>) from it" \
	"$BAD/b.json:2: networks/n1: \$[0].network.provider:segmentation_id: 5000 is out of range 1..4094" \
	"$BAD/b.json:5: -: \$[1]: no kind: neither a kind field nor a Neutron envelope ({\"port_pair\": {...}}, {\"port_pairs\": [...]})"; do
	check "... says: $line" "$out" has "$out" "$line"
done
check "... a duplicate YAML key is named with its line" "$out" eval 'grep -q "^$BAD/c.yaml:1: -: \\$: .*line 3" <<<"$out"'

step "apply"
M=$SB_DIR/m
cp -r examples/sfc/json "$M"
out=$(ectl apply -f "$M")
rc=$?
check "apply of examples/sfc/json: 16 created" "$(head -3 <<<"$out") ..., exit $rc" \
	eval '[ "$rc" = 0 ] && [ "$(count "$out" " created$")" = 16 ] && [ "$(keys)" = 16 ]'
v=$(sb_etcdctl get "/flowsteer/v1/port_pairs/$PP1" --print-value-only)
check "the value is canonical JSON in its envelope, with the label" "$v" \
	eval '[[ "$v" == "{\"port_pair\":{"* && "$v" == *"\"flowsteer.io/managed-by\":\"flowsteerctl\""* ]]'
out=$(ectl apply -f "$M")
check "apply again: 16 unchanged" "$(head -2 <<<"$out") ..." eq "$(count "$out" " unchanged$")" 16
sed -i 's/"Firewall SF instance"/"Firewall SF instance, v2"/' "$M/port_pairs/PP1.json"
out=$(ectl diff -f "$M")
rc=$?
check "diff of one changed field: exit 1, a unified diff of that resource" "$out" \
	eval '[ "$rc" = 1 ] && has "$out" "--- /flowsteer/v1/port_pairs/$PP1 (etcd)" &&
		has "$out" "+    \"description\": \"Firewall SF instance, v2\"," &&
		has "$out" "-    \"description\": \"Firewall SF instance\"," && [ "$(count "$out" "^--- ")" = 1 ]'
out=$(ectl apply -f "$M")
check "apply: that port pair configured, the rest unchanged" "$(grep -v unchanged <<<"$out")" \
	eval 'has "$out" "port_pairs/$PP1 configured" && [ "$(count "$out" " unchanged$")" = 15 ]'
out=$(ectl diff -f "$M")
rc=$?
check "diff after apply: nothing, exit 0" "'$out', exit $rc" eval '[ "$rc" = 0 ] && [ -z "$out" ]'

step "--dry-run and --prune"
rm "$M/port_pairs/PP3.json"
rev0=$(sb_etcd_revision)
out=$(ectl apply -f "$M" --prune)
rc=$?
check "PP3 still in PG2: apply --prune refuses, writes nothing" "$out, exit $rc, revision $(sb_etcd_revision) (was $rev0)" \
	eval '[ "$rc" = 1 ] && [ "$(sb_etcd_revision)" = "$rev0" ]'
# PG2 without PP3 and the chain without PG2: what the prune leaves is valid.
python3 - "$M" <<'EOF'
import json, sys, os
m = sys.argv[1]
os.remove(os.path.join(m, "port_pair_groups/PG2.json"))
p = os.path.join(m, "port_chains/PC1.json")
d = json.load(open(p))
d["port_chain"]["port_pair_groups"] = d["port_chain"]["port_pair_groups"][:1]
json.dump(d, open(p, "w"), indent=2)
EOF
out=$(ectl apply -f "$M" --prune --dry-run)
rc=$?
check "--dry-run: says pruned and configured, writes nothing" "$(grep -v unchanged <<<"$out"), revision $(sb_etcd_revision) (was $rev0)" \
	eval '[ "$rc" = 0 ] && has "$out" "port_pairs/$PP3 pruned (dry run)" &&
		[ "$(count "$out" "pruned (dry run)$")" = 2 ] && [ "$(sb_etcd_revision)" = "$rev0" ]'
out=$(ectl apply -f "$M" --prune)
rc=$?
check "apply --prune: PP3 and PG2 pruned, the chain configured" "$(grep -v unchanged <<<"$out"), exit $rc" \
	eval '[ "$rc" = 0 ] && has "$out" "port_pairs/$PP3 pruned" && [ "$(count "$out" " pruned$")" = 2 ] &&
		[ "$(count "$out" " configured$")" = 1 ] && [ "$(keys)" = 14 ]'
sb_etcdctl put /flowsteer/v1/networks/by-hand '{"network": {"id": "by-hand"}}' >/dev/null
out=$(ectl apply -f "$M" --prune)
check "a resource put by hand (no label) is never pruned" "$(grep -v unchanged <<<"$out")" \
	eval '[ "$(count "$out" pruned)" = 0 ] && [ "$(keys)" = 15 ]'

step "get and delete"
out=$(ectl get port_pairs "$PP1" -o yaml)
check "get -o yaml: the envelope and its fields" "$out" \
	eval 'has "$out" "port_pair:" && has "$out" "  name: PP1" && has "$out" "  flowsteer.io/managed-by: flowsteerctl"'
out=$(ectl get port_pair)
check "get KIND: a Neutron list envelope" "$(head -c 80 <<<"$out")" \
	eval '[ "$(python3 -c "import json,sys; print(len(json.load(sys.stdin)[\"port_pairs\"]))" <<<"$out")" = 2 ]'
out=$(ectl delete networks by-hand)
check "delete: deleted" "$out" eval 'has "$out" "networks/by-hand deleted" && [ "$(keys)" = 14 ]'
out=$(ectl delete networks by-hand 2>&1)
rc=$?
check "delete of an absent resource: exit 1" "$out, exit $rc" eq "$rc" 1

step "status --wait-converged against flowsteerd on a private OVS"
sb_start_ovs || exit 1
sb_start_flowsteerd
check "node1 becomes alive" "" sb_wait_for 10 eval '[ -n "$(sb_etcdctl get /flowsteer/nodes/node1 --keys-only)" ]'
out=$(ectl status --wait-converged --timeout 20)
rc=$?
check "--wait-converged: converged, exit 0" "$out, exit $rc" \
	eval '[ "$rc" = 0 ] && grep -q "^node1 *yes" <<<"$out"'
sed -i 's/, v2"/, v3"/' "$M/port_pairs/PP1.json"
t0=$(sb_now_ms)
ectl apply -f "$M" >/dev/null && out=$(ectl status --wait-converged --timeout 20)
rc=$?
check "after an apply: converged again, exit 0 ($(($(sb_now_ms) - t0)) ms)" "$(head -3 <<<"$out"), exit $rc" \
	eval '[ "$rc" = 0 ] && [ "$(sb_status "[\"observed_revision\"]")" -ge "$(sb_key_revision /flowsteer/v1/port_pairs/$PP1)" ]'
ectl delete port_chains 6a4d4e55-0000-4000-8000-000000000001 >/dev/null
last=$(sb_etcdctl get /flowsteer/ctl/last-write --print-value-only)
out=$(ectl status --wait-converged --timeout 20)
rc=$?
check "after a delete: the revision recorded, converged, exit 0" "last-write $last, observed $(sb_status '["observed_revision"]'), exit $rc" \
	eval '[ "$rc" = 0 ] && [ "$(sb_status "[\"observed_revision\"]")" -ge "$(json_get "[\"revision\"]" <<<"$last")" ]'
sb_etcdctl put /flowsteer/nodes/node9 '{"node": "node9"}' >/dev/null
sb_etcdctl put /flowsteer/status/node9 '{"node": "node9", "observed_revision": 1}' >/dev/null
out=$(ectl status --wait-converged --timeout 1 2>&1)
rc=$?
check "a live node behind: timeout, exit 1" "$(tail -2 <<<"$out"), exit $rc" \
	eval '[ "$rc" = 1 ] && grep -q "^node9 *yes *1 " <<<"$out"'
sb_etcdctl put /flowsteer/status/node9 '{"node": "node9", "observed_revision": 999999, "errors_total": 1, "errors": [{"key": "/flowsteer/v1/ports/x", "path": "$.network_id", "message": "bad"}]}' >/dev/null
out=$(ectl status --wait-converged --timeout 5 2>&1)
rc=$?
check "a live node with errors: exit 3, the error named" "$(grep error: <<<"$out"), exit $rc" \
	eval '[ "$rc" = 3 ] && has "$out" "    error: /flowsteer/v1/ports/x: \$.network_id: bad"'
out=$(ctl status --etcd http://127.0.0.1:1 2>&1)
rc=$?
check "etcd unreachable: exit 2" "$out, exit $rc" eq "$rc" 2

finish
