#!/usr/bin/env bash
# Integration test: faults on the OVS side (issue 10, items 5 and 9), on the
# networking-sfc example (examples/sfc, namespaces as in test_sfc.sh, no
# traffic):
#   (a) ovs-vswitchd frozen (SIGSTOP): a change is reported in status as an
#       OpenFlow error within the OpenFlow timeout (5 s), and SIGTERM makes
#       flowsteerd exit within 1 s;
#   (b) flowsteerd started again (vswitchd awake) converges;
#   (c) a flow of another controller (cookie 0x1234) with the table,
#       priority and match of a flow flowsteer comes to want is left
#       untouched, and status names the conflict;
#   (d) ovs-vswitchd restarted: flowsteer's flows are back quickly;
#   (e) drift: a flow of flowsteer's deleted or changed by hand is put back
#       at once (flow monitor), without touching the others.
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; MEASURE lines
# give the times.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh
TEST_NAME=test_fault_ovs
source tests/lib/check.sh

SFC_FLOWS=cookie=0xf5e0000200000000/0xffffffff00000000 # every chain's flows
PC1_KEY=$(ex_key port_chains PC1)
FC1_KEY=$(ex_key flow_classifiers FC1)

step "sandbox: etcd, ovs-vswitchd (netdev) in a namespace, the example's ports"
sb_init || exit 1
sb_start_etcd || exit 1
sb_start_ovs || exit 1
sb_sfc_topology || exit 1

sb_start_flowsteerd
examples/sfc/put.sh -e "$ETCD" -k networks,ports,port_pairs,port_pair_groups,flow_classifiers \
	"$SB_NODE" json >/dev/null
rev=$(sb_key_revision "$FC1_KEY")
sb_wait_observed "$rev" 15
check "converged before any fault (observed_revision >= $rev)" \
	"$(sb_status '["observed_revision"]' 2>&1)" sb_observed_at_least "$rev"

# exited PID: the process has exited (gone, or a zombie not yet waited for).
exited() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$state" = Z ]
}
apply_error() { sb_status '["last_apply"].get("error", "")' 2>/dev/null; }

step "(a) ovs-vswitchd frozen (SIGSTOP pid $SB_VSWITCHD_PID), then put the chain PC1"
# With an explicit chain_id: no path id allocation, so the put's revision
# is the one whose flows must reach OVS.
pc1=$(ex_manifest port_chains PC1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
d["port_chain"].setdefault("chain_parameters", {})["chain_id"] = 7
print(json.dumps(d))')
kill -STOP "$SB_VSWITCHD_PID"
t_put=$(sb_now_ms)
pc1_rev=$(sb_put_revision "$PC1_KEY" "$pc1")
t0=$(sb_now_ms)
sb_wait_for 8 eval 'apply_error | grep -q OpenFlow'
t1=$(sb_now_ms)
err=$(apply_error)
echo "MEASURE: put with ovs-vswitchd frozen -> OpenFlow error in status: $((t1 - t0)) ms" \
	"after etcdctl put returned ($((t1 - t_put)) ms from its start)"
check "status names the OpenFlow problem within 7 s" "'$err' after $((t1 - t0)) ms" \
	eval '[[ $err == *OpenFlow*"no reply"* ]] && [ $((t1 - t0)) -lt 7000 ]'
obs=$(sb_status '["observed_revision"]' 2>&1)
check "observed_revision stays below the put's revision $pc1_rev" "$obs" \
	eval '[ "${obs:-0}" -lt "$pc1_rev" ]'
t0=$(sb_now_ms)
kill "$SB_FLOWSTEERD_PID"
sb_wait_for 3 exited "$SB_FLOWSTEERD_PID"
t1=$(sb_now_ms)
echo "MEASURE: SIGTERM -> flowsteerd gone, ovs-vswitchd frozen: $((t1 - t0)) ms"
check "flowsteerd exits within 1 s of SIGTERM while ovs-vswitchd is frozen" \
	"$((t1 - t0)) ms" eval 'exited $SB_FLOWSTEERD_PID && [ $((t1 - t0)) -lt 1000 ]'
kill -CONT "$SB_VSWITCHD_PID"
wait "$SB_FLOWSTEERD_PID"
rc=$?
sb_untrack "$SB_FLOWSTEERD_PID"
check "... with status 0" "status $rc" eq "$rc" 0

step "(b) ovs-vswitchd awake (SIGCONT): flowsteerd started again converges"
t0=$(sb_now_ms)
sb_start_flowsteerd
sb_wait_observed "$pc1_rev" 15
t1=$(sb_now_ms)
echo "MEASURE: flowsteerd start -> revision $pc1_rev observed: $((t1 - t0)) ms"
check "PC1's revision is in OVS" "observed_revision $(sb_status '["observed_revision"]' 2>&1)" \
	sb_observed_at_least "$pc1_rev"
check "chain flows installed" "$(sb_count_flows "$SFC_FLOWS") flows" \
	gt "$(sb_count_flows "$SFC_FLOWS")" 0
check "no error in last_apply" "'$(apply_error)'" eq "$(apply_error)" ""

step "(c) a flow of another controller holds the match flowsteer comes to want"
client=$(sb_vsctl get interface o-client ofport)
match="reg6=$client,tcp,nw_src=$EX_CLIENT,nw_dst=$EX_SERVER,tp_src=23,tp_dst=101"
sb_ofctl add-flow br-int "table=10,priority=100,cookie=0x1234,$match,actions=drop"
foreign_added=$(sb_now_ms)
foreign_age() { sb_flow_ages cookie=0x1234/-1 | grep 'priority=100' | grep 'actions=drop' | cut -d' ' -f1 | grep .; }
foreign_kept() { # there, with its cookie and actions, never replaced
	local age
	age=$(foreign_age) || return 1
	python3 -c "import sys; sys.exit(0 if $age * 1000 >= $(($(sb_now_ms) - foreign_added - 1000)) else 1)"
}
# FC1 now to destination port 101: flowsteer wants the classifier flow
# with exactly that table, priority and match.
fc1_101=$(ex_manifest flow_classifiers FC1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
d["flow_classifier"].update(destination_port_range_min=101, destination_port_range_max=101)
print(json.dumps(d))')
conflict_named() { # an error of $errors names the held match
	python3 -c '
import json, sys
errs = json.loads(sys.argv[1])
ok = any(e["key"].startswith("flow table=10,priority=100,") and "tp_dst=101" in e["key"]
         and "another controller (cookie 0x1234)" in e["message"] for e in errs)
sys.exit(0 if ok else 1)' "$errors"
}
# status_names_conflict: the status now names it (sets $errors): flowsteer
# has decided to leave the foreign flow alone.
status_names_conflict() { errors=$(sb_status '["errors"]' 2>/dev/null) && conflict_named; }
rev=$(sb_put_revision "$FC1_KEY" "$fc1_101")
sb_wait_observed "$rev"
sb_wait_for 5 status_names_conflict
errors=$(sb_status '["errors"]' 2>&1)
echo "  status errors: $errors"
check "the foreign flow survived untouched (cookie 0x1234, actions=drop, age kept)" \
	"$(sb_flow_ages cookie=0x1234/-1)" foreign_kept
ours_101=$(sb_our_flows | grep -c "table=10, priority=100,.*reg6=$(printf 0x%x "$client"),.*tp_dst=101")
check "flowsteer did not add its flow over it" "$ours_101 flowsteer flows from the client with tp_dst=101" \
	eq "$ours_101" 0
check "status names the conflict (key 'flow table=10,priority=100,...', cookie 0x1234)" \
	"see status errors above" conflict_named
rev=$(sb_put_revision "$FC1_KEY" "$(ex_manifest flow_classifiers FC1)")
sb_wait_observed "$rev"
check "FC1 back to port 100: the conflict is gone from status" \
	"$(sb_status '["errors"]' 2>&1)" eq "$(sb_status '["errors"]' 2>&1)" "[]"
check "... and the foreign flow is still untouched" "$(sb_flow_ages cookie=0x1234/-1)" foreign_kept

step "(d) restart ovs-vswitchd: time from it answering to flowsteer's flows back"
n_ours=$(sb_count_flows "$SB_COOKIE_OURS")
flows_back() { eq "$(sb_count_flows "$SB_COOKIE_OURS")" "$n_ours"; }
sb_stop_pid "$SB_VSWITCHD_PID"
sb_run_vswitchd || exit 1
t0=$(sb_now_ms)
sb_wait_for 10 flows_back
t1=$(sb_now_ms)
echo "MEASURE: ovs-vswitchd answering (ovs-appctl version) -> all $n_ours flowsteer flows back: $((t1 - t0)) ms"
check "all flowsteer flows back within 0.5 s" "$(sb_count_flows "$SB_COOKIE_OURS") of $n_ours after $((t1 - t0)) ms" \
	eval 'flows_back && [ $((t1 - t0)) -lt 500 ]'
sb_wait_for 3 eval '[ -z "$(apply_error)" ]'
check "no error in last_apply after the restart" "'$(apply_error)'" eq "$(apply_error)" ""

step "(e) drift: flows of flowsteer's deleted or changed by hand come back"
victim=$(sb_our_flows "table=55" | grep 'dl_dst=' | head -1 | sed 's/^ *cookie=[^ ]* //; s/ actions=.*//; s/, /,/g')
before=$(sb_our_flows | sort)
n_ours=$(sb_count_flows "$SB_COOKIE_OURS")
ages0=$(sb_flow_ages "$SB_COOKIE_OURS" | wc -l)
# Every other flow's age now: none may be younger after the repairs (the
# victim's dl_dst names it; its table 55 line is the one left out).
victim_mac=${victim##*dl_dst=}
sb_flow_ages "$SB_COOKIE_OURS" | grep -v "table=55 .*dl_dst=$victim_mac" |
	sort -k2 >"$SB_DIR/ages-before"
t0=$(sb_now_ms)
sb_ofctl --strict del-flows br-int "$victim"
sb_wait_for 5 flows_back
t1=$(sb_now_ms)
echo "MEASURE: one flow of ours deleted by hand -> back: $((t1 - t0)) ms (includes the ovs-ofctl processes)"
check "a deleted flow of ours is back within 1 s ($victim)" "$((t1 - t0)) ms" \
	eval '[ $((t1 - t0)) -lt 1000 ] && [ "$(sb_our_flows | sort)" = "$before" ]'
t0=$(sb_now_ms)
sb_ofctl --strict mod-flows br-int "$victim,actions=drop"
back_same() { [ "$(sb_our_flows | sort)" = "$before" ]; }
sb_wait_for 5 back_same
t1=$(sb_now_ms)
echo "MEASURE: one flow of ours modified by hand -> actions back: $((t1 - t0)) ms"
check "a flow of ours modified by hand has its actions back within 1 s" "$((t1 - t0)) ms" \
	eval '[ $((t1 - t0)) -lt 1000 ] && back_same'
sb_flow_ages "$SB_COOKIE_OURS" | sort -k2 >"$SB_DIR/ages-after"
check "the repairs touched no other flow of ours (ages kept)" \
	"$(grep -c . "$SB_DIR/ages-before") of $ages0 flows as old as before" ages_kept
grep -q "flow changes by another controller seen" "$SB_DIR/flowsteerd.log"
check "the log says drift was seen and repaired" "$(grep -c 'by another controller' "$SB_DIR/flowsteerd.log") lines" \
	eq "$?" 0

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
