#!/usr/bin/env bash
# Integration test: keys are bytes (issue 10, items 3 and 8).  Next to the
# converged networking-sfc example chain, keys written through the etcd
# gateway with a NUL byte ("<PP3's key>\0x") or bytes that are not UTF-8,
# and keys that are not <kind>/<id> (port_pairs/, port_pairs/a/b,
# widgets/w), are errors in status named by their key (escaped), and they
# neither replace nor delete the resource whose key they start with: the
# chain keeps steering through SF3, also after the bad key is deleted.
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh
TEST_NAME=test_fault_keys
source tests/lib/check.sh

PC1_KEY=$(ex_key port_chains PC1)
PP3_KEY=$(ex_key port_pairs PP3)

# gw_put KEY_PRINTF VALUE: puts VALUE at the key that printf KEY_PRINTF
# makes (so "\000" is a NUL byte) through the gateway; prints the revision.
gw_put() {
	local k v
	k=$(printf "$1" | base64 -w0)
	v=$(printf '%s' "$2" | base64 -w0)
	curl -s "$ETCD/v3/kv/put" -d "{\"key\":\"$k\",\"value\":\"$v\"}" | sb_json_revision
}

# gw_del KEY_PRINTF: deletes that key through the gateway; prints the
# revision.
gw_del() {
	curl -s "$ETCD/v3/kv/deleterange" -d "{\"key\":\"$(printf "$1" | base64 -w0)\"}" |
		sb_json_revision
}

# error_keys: the "key" of every error in the status, one per line.
error_keys() {
	sb_status '["errors"]' | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print(e["key"])'
}
has_key() { error_keys | grep -qxF -- "$1"; }

# steers: one TCP connection that matches FC1 gets through, and through SF3.
steers() {
	local before
	before=$(sb_sfc_syns sf3 100)
	sb_sfc_send 100 "$1" 23 || return 1
	sleep 0.2
	[ "$(sb_sfc_syns sf3 100)" -eq $((before + 1)) ]
}

step "sandbox: etcd, ovs-vswitchd, the example chain converged"
sb_init || exit 1
sb_start_etcd || exit 1
sb_start_ovs || exit 1
sb_sfc_topology || exit 1
sb_start_flowsteerd
examples/sfc/put.sh -e "$ETCD" "$SB_NODE" json >/dev/null
sb_wait_observed "$(sb_key_revision "$PC1_KEY")" 15
for i in 1 2 3; do sb_sf_bridge "sf$i" && sb_sf_capture "sf$i"; done
sb_sfc_server 100
check "the chain steers through SF3" "one FC1 connection, SYNs counted at SF3" steers before

step "bad keys through the gateway: a NUL, bytes that are not UTF-8, not <kind>/<id>"
breaks_pp3='{"port_pair": {"ingress": "no-such-port", "egress": "no-such-port"}}'
gw_put "$PP3_KEY\\000x" "$breaks_pp3" >/dev/null
gw_put '/flowsteer/v1/ports/\377\376-bad' '{}' >/dev/null
sb_etcdctl put /flowsteer/v1/port_pairs/ '{}' >/dev/null
sb_etcdctl put /flowsteer/v1/port_pairs/a/b '{}' >/dev/null
rev=$(sb_put_revision /flowsteer/v1/widgets/w '{}')
sb_wait_observed "$rev"
keys=$(error_keys | tr '\n' ' ')
echo "  status error keys: $keys"
saw="status error keys above"
check "the NUL key is an error, named escaped" "$saw" has_key "$PP3_KEY\\u0000x"
check "the non-UTF-8 key is an error, named escaped" "$saw" \
	has_key '/flowsteer/v1/ports/\xff\xfe-bad'
for k in /flowsteer/v1/port_pairs/ /flowsteer/v1/port_pairs/a/b /flowsteer/v1/widgets/w; do
	check "$k (not <kind>/<id>) is an error" "$saw" has_key "$k"
done
check "no error names PP3's own key" "$saw" eval '! has_key "$PP3_KEY"'
check "the chain still steers through SF3" "one FC1 connection, SYNs counted at SF3" steers with-bad-keys

step "delete the NUL key: PP3 stays"
rev=$(gw_del "$PP3_KEY\\000x")
sb_wait_observed "$rev"
keys=$(error_keys | tr '\n' ' ')
check "the NUL key's error is gone" "$keys" eval '! has_key "$PP3_KEY\\u0000x"'
check "PP3 is still in etcd" "$(sb_etcdctl get "$PP3_KEY" --keys-only | head -1)" \
	eval 'sb_etcdctl get "$PP3_KEY" --keys-only | grep -qxF "$PP3_KEY"'
check "the chain still steers through SF3" "one FC1 connection, SYNs counted at SF3" steers after-delete

step "daemon health"
check "flowsteerd is still running" "pid $SB_FLOWSTEERD_PID" kill -0 "$SB_FLOWSTEERD_PID"
sanitizer=$(grep -c 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$SB_DIR/flowsteerd.log")
check "no sanitizer report in flowsteerd's log" "$sanitizer reports" eq "$sanitizer" 0

finish
