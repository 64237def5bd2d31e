#!/usr/bin/env bash
# Integration test: flowsteerctl plan against flowsteerd on a private OVS
# with the networking-sfc example (tests/lib/sfc_example.sh):
#   - plan without --ovsdb: made-up ofports with a legend, the chain's
#     classifier flow, exit 0;
#   - plan --ovsdb on a converged node: no output at all, exit 0;
#   - plan --ovsdb -f with FC1's destination port changed: exit 1, the
#     output is only the "changes:" line and the changed flows (no desired
#     set), all chain flows, and their number is the number of flow mods
#     flowsteerd then sends (status last_apply.flow_mods);
#   - after that apply: no output again; --full: the desired set, then
#     "no changes";
#   - trace from the source port: classifier, chain, hop, group and SF
#     named; another packet: "no chain";
#   - examples/gitops: the manifests validate, ci.sh runs validate, diff,
#     plan, apply --prune and status --wait-converged against this etcd.
# Each check prints "PASS: what (saw: ...)" or "FAIL: ...".
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
: "${FLOWSTEERCTL:?set FLOWSTEERCTL to the flowsteerctl binary}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh
TEST_NAME=test_ctl_plan
source tests/lib/check.sh

ectl() { "$FLOWSTEERCTL" "$@" --etcd "$ETCD"; }

step "sandbox: etcd, OVS, the sfc example's hosts, flowsteerd"
sb_init || exit 1
sb_start_etcd || exit 1
sb_start_ovs || exit 1
sb_sfc_topology || exit 1
sb_start_flowsteerd
M=$SB_DIR/manifests
mkdir -p "$M"
for kind in networks ports port_pairs port_pair_groups flow_classifiers port_chains; do
	for f in "$EX_DIR"/json/$kind/*.json; do
		ex_manifest "$kind" "$(basename "$f" .json)" >"$M/$kind-$(basename "$f")"
	done
done
ectl apply -f "$M" | sed 's/^/  /'
out=$(ectl status --wait-converged --timeout 30 2>&1)
rc=$?
check "flowsteerd converged the example" "$(tail -1 <<<"$out"), exit $rc" eq "$rc" 0

step "plan without --ovsdb"
out=$(ectl plan --node "$SB_NODE" 2>&1)
rc=$?
echo "$out" | head -12 | sed 's/^/  /'
check "exit 0, made-up facts with a legend" "exit $rc, $(grep -c '^#   ofport' <<<"$out") legend lines" \
	eval '[ "$rc" = 0 ] && grep -q "^# facts: made up" <<<"$out" && grep -q "^#   ofport 1 = port " <<<"$out"'
check "the classifier flow of FC1 in table 10" "$(grep -c '^table=10,' <<<"$out") table 10 flows" \
	eval 'grep -q "^table=10,.*tp_dst=100" <<<"$out"'

step "plan --ovsdb on a converged node"
out=$(ectl plan --node "$SB_NODE" --ovsdb "$SB_OVSDB" 2>&1)
rc=$?
check "no output at all, exit 0" "${out:-nothing}, exit $rc" eval '[ "$rc" = 0 ] && [ -z "$out" ]'

step "plan --ovsdb -f: FC1's destination port 100 -> 101"
sed 's/"destination_port_range_\(min\|max\)": 100/"destination_port_range_\1": 101/' \
	"$M/flow_classifiers-FC1.json" >"$SB_DIR/FC1.json"
cp "$SB_DIR/FC1.json" "$M/flow_classifiers-FC1.json"
out=$(ectl plan --node "$SB_NODE" --ovsdb "$SB_OVSDB" -f "$M" 2>&1)
rc=$?
changes=$out
echo "$changes" | sed 's/^/  /'
n_mods=$(sed -n 's/^changes: \([0-9]*\) flow mods, 0 group mods, 0 OVSDB rows$/\1/p' <<<"$changes")
check "exit 1 with flow changes" "exit $rc, ${n_mods:-?} flow mods" eval '[ "$rc" = 1 ] && [ "${n_mods:-0}" -gt 0 ]'
# only_changes: the "changes:" line first, then only the changed flows
# (one "+", "-" or "~" line each, a "~" followed by its "    was:" line).
only_changes() {
	[ "$(head -1 <<<"$changes")" = "$(grep -m1 '^changes:' <<<"$changes")" ] &&
		[ "$(grep -c '^[-+~] table=' <<<"$changes")" = "$n_mods" ] &&
		[ "$(grep -c '^    was: table=' <<<"$changes")" = "$(grep -c '^~ ' <<<"$changes")" ] &&
		[ "$(wc -l <<<"$changes")" = $((1 + n_mods + $(grep -c '^~ ' <<<"$changes"))) ]
}
check "the output is exactly the changed flows (no desired set, no legend)" \
	"$(wc -l <<<"$changes") lines, $(grep -c '^table=' <<<"$changes") desired flow lines" only_changes
check "every changed flow is a chain flow (cookie kind 2)" "$(grep -c '^[-+~] table' <<<"$changes") flow lines" \
	eval '! grep "^[-+~] table" <<<"$changes" | grep -qv "cookie=0xf5e00002"'
check "the new classifier matches tp_dst=101 (as ovs-ofctl prints it)" "" eval 'grep -q "^[+~] table=10,.*tp_dst=101" <<<"$changes"'
ectl apply -f "$M" | grep -v unchanged | sed 's/^/  /'
out2=$(ectl status --wait-converged --timeout 30 2>&1)
sent=$(sb_status '["last_apply"]["flow_mods"]')
check "flowsteerd sent as many flow mods as plan printed" "plan $n_mods, flowsteerd $sent" eval '[ "$sent" = "$n_mods" ]'
out=$(ectl plan --node "$SB_NODE" --ovsdb "$SB_OVSDB" 2>&1)
rc=$?
check "converged again: no output, exit 0" "${out:-nothing}, exit $rc" eval '[ "$rc" = 0 ] && [ -z "$out" ]'
out=$(ectl plan --node "$SB_NODE" --ovsdb "$SB_OVSDB" --full 2>&1)
rc=$?
check "--full: the desired set (FC1's flow), then \"no changes\", exit 0" "$(grep -c '^table=' <<<"$out") flows, $(tail -1 <<<"$out"), exit $rc" \
	eval '[ "$rc" = 0 ] && grep -q "^# facts: read from" <<<"$out" && grep -q "^table=10,.*tp_dst=101" <<<"$out" && [ "$(tail -1 <<<"$out")" = "no changes" ]'

step "trace from the example's source port (FC1 now matches tcp 23 -> 101)"
SRC=$(ex_id ports src)
out=$(ectl trace --node "$SB_NODE" --ovsdb "$SB_OVSDB" --from src --to dst tcp --sport 23 --dport 101 2>&1)
rc=$?
echo "$out" | sed 's/^/  /'
check "exit 0, the classifier of the chain named" "exit $rc, $(grep -m1 'flow classifier' <<<"$out")" \
	eval '[ "$rc" = 0 ] && grep -q "↳ flow classifier FC1 of port chain PC1, hop 1 (port pair group PG1)" <<<"$out"'
check "the group and an SF of PG1 named" "$(grep -m1 '→ group' <<<"$out")" \
	eval 'grep -q "→ group of PG1 (port chain PC1, hop 1).*→ SF p[13] (port pair PP[12])" <<<"$out"'
check "port security and L2 of the source port named" "$(grep -m1 'port security' <<<"$out")" \
	eval 'grep -q "↳ port security of network .*, port src" <<<"$out"'
out=$(ectl trace --node "$SB_NODE" --ovsdb "$SB_OVSDB" --from "$SRC" --to 172.4.5.6 tcp --dport 80 2>&1)
rc=$?
check "another packet: no chain" "exit $rc, $(tail -1 <<<"$out")" \
	eval '[ "$rc" = 0 ] && [ "$(tail -1 <<<"$out")" = "# no chain: no port chain steers the packet" ]'

step "examples/gitops: validate, then ci.sh against this etcd and flowsteerd"
out=$("$FLOWSTEERCTL" validate -f examples/gitops/manifests 2>&1)
rc=$?
check "examples/gitops/manifests are valid" "$out, exit $rc" eq "$rc" 0
for br in br-phys1 br-phys2; do
	sb_vsctl add-br "$br" -- set bridge "$br" datapath_type=netdev
done
# The VMs of the provider networks, plugged: flowsteerd will want patch
# ports to br-phys1 and br-phys2 (OVSDB rows plan must show).
sb_add_host v100 2c9f0a11-0300-4000-8000-000000000100 fa:16:3e:03:01:00 10.100.0.31 10.100.0.1 || exit 1
sb_add_host flat 2c9f0a11-0300-4000-8000-0000000000fa fa:16:3e:03:00:fa 10.250.0.31 10.250.0.1 || exit 1
out=$(FLOWSTEERCTL=$FLOWSTEERCTL ETCD=$ETCD OVSDB=$SB_OVSDB TIMEOUT=30 \
	examples/gitops/ci.sh "$SB_NODE" 2>&1)
rc=$?
echo "$out" | grep -E '^(===|changes:|no changes|[a-z_]+/[^ ]+ (created|pruned))' | sed 's/^/  /'
check "ci.sh: exit 0, applied (created), pruned the sfc example, converged" "exit $rc, $(tail -1 <<<"$out")" \
	eval '[ "$rc" = 0 ] && grep -q "port_chains/6a4d4e55-0300-4000-8000-000000000001 created" <<<"$out" && grep -q "port_chains/6a4d4e55-0000-4000-8000-000000000001 pruned" <<<"$out" && grep -q "^=== done" <<<"$out"'
planned=$(sed -n '/^=== 3\/5/,/^=== 4\/5/p' <<<"$out")
check "ci.sh's plan --prune: the pruned chain's flows deleted" "$(grep '^changes:' <<<"$planned")" \
	eval 'grep -q "^- table=10,.*cookie=0xf5e0000200000001" <<<"$planned"'
check "ci.sh's plan: the patch ports to create" "$(grep -c '^+ port' <<<"$planned") ports" \
	eval 'grep -q "^+ port fsi-physnet1 on br-int (patch)" <<<"$planned" && grep -q "^+ port fsp-physnet2 on br-phys2 (patch)" <<<"$planned"'
out=$(ectl plan --node "$SB_NODE" --ovsdb "$SB_OVSDB" --full 2>&1)
rc=$?
check "after ci.sh: plan --ovsdb --full prints no changes (flows and owned rows)" "$(grep -c '^port fs' <<<"$out") patch ports desired, $(tail -1 <<<"$out"), exit $rc" eval '[ "$rc" = 0 ] && [ "$(tail -1 <<<"$out")" = "no changes" ]'

finish
