#!/usr/bin/env bash
# Integration test: a network with 4,000 local ports on one node (issue 9).
# Its flood used to be one flow too big for OpenFlow ("input too big"): the
# node never got its flows and its observed_revision never moved.  Now the
# flood is split in chunks of 256 ports (table 56, docs/architecture.md).
#
# A private etcd and ovs-vswitchd (userspace datapath, dummy interfaces),
# flowsteerd ($FLOWSTEERD).  The port resources port-0001..port-4000 of
# net-big (VLAN 100 on physnet1, provider bridge br-phys) are in etcd
# first; their interfaces p1..p4000 are plugged in one
# OVSDB transaction, as a hypervisor plugs VIFs after Neutron made their
# ports.  Checks: a flow the switch refuses (a full table) is named in
# status and left out while everything else converges, and installed once
# the switch takes it; every flow is installed; ofproto/trace of a broadcast ARP
# from p1000 reaches the other 3,999 ports once each and the uplink
# (tagged), never p1000 itself; a broadcast from the uplink reaches all
# 4,000 ports and does not go back; a port deleted in etcd moves
# observed_revision and the flood follows.  About 45 s, most of it
# ovs-vswitchd adding 4,000 ports.
#
# Each check prints "PASS: what (saw: ...)" or "FAIL: ..."; the script exits
# non-zero if any check failed.  SB_KEEP=1 keeps the sandbox's temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${FLOWSTEERD:?set FLOWSTEERD to the flowsteerd binary}"
source tests/lib/sandbox.sh
TEST_NAME=test_flood_scale
source tests/lib/check.sh

N=4000
FROM=1000 # The port the traced broadcast comes from.
port_mac() { printf 'fa:16:3e:00:%02x:%02x' $(($1 >> 8)) $(($1 & 255)); }
port_ip() { echo "10.20.$(($1 >> 8)).$(($1 & 255))"; }

# poll SECONDS COMMAND...: as sb_wait_for, every 0.5 s: each poll here runs
# etcdctl, python3 or ovs-vsctl on 4,000 rows, which every 20 ms would take
# a core from ovs-vswitchd.
poll() {
	local i n=$(($1 * 2))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# desired_rev: the etcd revision of the last change of desired state.
desired_rev() {
	sb_etcdctl get /flowsteer/v1/ --prefix --keys-only -w json | python3 -c '
import json, sys
kvs = json.load(sys.stdin).get("kvs", [])
print(max(kv["mod_revision"] for kv in kvs))'
}

# plug FIRST LAST [SKIP]: interfaces pFIRST..pLAST but pSKIP (type dummy,
# iface-id port-NNNN) on br-int in one transaction straight to
# ovsdb-server: ovs-vsctl takes minutes for this many (it checks the whole
# database for each port).
plug() {
	python3 - "$OVS_RUNDIR/db.sock" "$1" "$2" "${3:-0}" <<'EOF'
import json, socket, sys
ops, ports = ["Open_vSwitch"], []
for i in range(int(sys.argv[2]), int(sys.argv[3]) + 1):
    if i == int(sys.argv[4]):
        continue
    ops.append({"op": "insert", "table": "Interface", "uuid-name": "i%d" % i,
                "row": {"name": "p%d" % i, "type": "dummy",
                        "external_ids": ["map", [["iface-id", "port-%04d" % i]]]}})
    ops.append({"op": "insert", "table": "Port", "uuid-name": "p%d" % i,
                "row": {"name": "p%d" % i, "interfaces": ["named-uuid", "i%d" % i]}})
    ports.append(["named-uuid", "p%d" % i])
ops.append({"op": "mutate", "table": "Bridge", "where": [["name", "==", "br-int"]],
            "mutations": [["ports", "insert", ["set", ports]]]})
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(json.dumps({"method": "transact", "params": ops, "id": 1}).encode())
dec, buf = json.JSONDecoder(), b""
while True:
    chunk = s.recv(1 << 20)
    if not chunk:
        sys.exit("ovsdb-server closed the connection")
    buf += chunk
    try:
        msg, _ = dec.raw_decode(buf.decode())
    except ValueError:
        continue
    errors = [r for r in msg.get("result") or [{"error": msg.get("error")}] if r and "error" in r]
    sys.exit("transaction failed: %s" % errors[:3] if errors else 0)
EOF
}

# The status document, read once per check.
status_get() { json_get "$1" <<<"$STATUS"; }
read_status() { STATUS=$(sb_status 2>&1); }

# trace_summary FLOW EXCLUDED...: ofproto/trace of FLOW on br-int; prints
# "<n> outputs to pN, missing [...], excluded hit [...], duplicates <n>,
# other: <the other datapath actions>", where missing lists the p1..pN
# not output to, apart from the EXCLUDED numbers, and excluded hit those
# output to anyway (datapath port numbers named by dpif/show).
trace_summary() {
	local flow=$1
	shift
	sb_appctl ofproto/trace br-int "$flow" >"$SB_DIR/trace.txt" 2>&1
	sb_appctl dpif/show | sed -n 's/^ *\([^ ]*\) [0-9]*\/\([0-9]*\):.*/\2 \1/p' >"$SB_DIR/dp-ports.txt"
	python3 - "$SB_DIR/trace.txt" "$SB_DIR/dp-ports.txt" "$N" "$@" <<'EOF'
import re, sys
trace = open(sys.argv[1]).read()
names = dict(l.split() for l in open(sys.argv[2]))
n, excluded = int(sys.argv[3]), set("p%s" % x for x in sys.argv[4:])
m = re.search(r"^Datapath actions: (.*)$", trace, re.M)
acts = re.split(r",(?![^(]*\))", m.group(1)) if m else []
is_p = lambda a: a.isdigit() and re.fullmatch(r"p\d+", names.get(a, "")) is not None
ports = [names[a] for a in acts if is_p(a)]
want = set("p%d" % i for i in range(1, n + 1)) - excluded
other = [names.get(a, "?" + a) if a.isdigit() else a for a in acts if not is_p(a)]
print("%d outputs to pN, missing %s, excluded hit %s, duplicates %d, other: %s%s" % (
    len(ports), sorted(want - set(ports))[:5], sorted(excluded & set(ports)),
    len(ports) - len(set(ports)), ",".join(other),
    "" if m else " (no datapath actions: %s)" % trace[-300:]))
EOF
}

step "sandbox: etcd, ovs-vswitchd (netdev, dummy interfaces), br-int, br-phys"
# Dummy interfaces are datapath ports without a kernel device: a tap device
# each (type internal) takes ovs-vswitchd longer to create and the kernel
# about 100 s to destroy at clean-up.
SB_VSWITCHD_ARGS=--enable-dummy
sb_init || exit 1
sb_start_etcd || exit 1
sb_start_ovs || exit 1
sb_add_bridge br-phys || exit 1

step "put net-big (VLAN 100 on physnet1), the chassis and $N port resources (txns of 100)"
# Port security only on port-$FROM (the traced sender): 11 table 1 flows
# per port would make the apply 60,000 flows, 10 s more of ovs-vswitchd.
python3 - "$ETCD" "$N" "$SB_NODE" "$FROM" <<'EOF' || echo "FAIL: putting the resources"
import base64, json, sys, urllib.request
etcd, n, node, secured = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
b64 = lambda s: base64.b64encode(s.encode()).decode()
docs = [("networks/net-big", {"network": {"id": "net-big", "provider:network_type": "vlan",
                                          "provider:physical_network": "physnet1",
                                          "provider:segmentation_id": 100}}),
        ("chassis/" + node, {"chassis": {"id": node, "ip": "192.0.2.1",
                                         "bridge_mappings": "physnet1:br-phys"}})]
for i in range(1, n + 1):
    docs.append(("ports/port-%04d" % i, {"port": {
        "id": "port-%04d" % i, "network_id": "net-big", "binding:host_id": node,
        "mac_address": "fa:16:3e:00:%02x:%02x" % (i >> 8, i & 255),
        "fixed_ips": [{"ip_address": "10.20.%d.%d" % (i >> 8, i & 255)}],
        "port_security_enabled": i == secured}}))
for start in range(0, len(docs), 100):
    ops = [{"request_put": {"key": b64("/flowsteer/v1/" + k), "value": b64(json.dumps(v))}}
           for k, v in docs[start:start + 100]]
    req = urllib.request.Request(etcd + "/v3/kv/txn", json.dumps({"success": ops}).encode(),
                                 {"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
EOF
rev=$(desired_rev)

step "plug p$FROM, start flowsteerd with table 55 limited to one flow: the switch refuses the bundle"
# (Before br-int has $N ports: each OVSDB change costs ovs-vswitchd seconds
# then.)  OVS refuses an add to a full table with overflow_policy=refuse.
ovs-vsctl -- --id=@ft create Flow_Table flow_limit=1 overflow_policy=refuse \
	-- set Bridge br-int flow_tables:55=@ft >/dev/null
plug "$FROM" "$FROM" || echo "FAIL: plugging p$FROM"
FROM_OF=$(ovs-vsctl get interface "p$FROM" ofport)
sb_start_flowsteerd
refusal() {
	sb_status '["errors"]' 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["key"].startswith("flow table=55,") and "OFPFMFC_TABLE_FULL" in e["message"]:
        print(e["key"] + ": " + e["message"])
        break'
}
refused() { [ -n "$(refusal)" ]; }
poll 20 refused
err=$(refusal)
check "status errors name the flow the switch refused and the switch's error" "$err" \
	eval '[[ $err == "flow table=55,priority="*",metadata=0x"*": the switch refused it: OFPFMFC_TABLE_FULL; left out"* ]]'
check "and stay short (the flow's actions are not in it)" "${#err} bytes" test "${#err}" -lt 400
check "everything else converged without it: revision $rev observed" \
	"observed_revision $(sb_status '["observed_revision"]' 2>&1)" poll 10 sb_observed_at_least "$rev"
ovs-vsctl clear Bridge br-int flow_tables

step "the limit gone: the patch pair and revision $rev in OVS"
patched() { [ "$(ovs-vsctl get interface fsi-physnet1 ofport 2>/dev/null)" -gt 0 ]; }
poll 20 patched && poll 20 sb_observed_at_least "$rev"
read_status
check "revision $rev with p$FROM and the uplink in OVS" \
	"observed_revision $(status_get '["observed_revision"]'), fsi-physnet1 ofport $(ovs-vsctl get interface fsi-physnet1 ofport 2>&1)" \
	eval 'patched && sb_observed_at_least "$rev"'

step "plug the other $((N - 1)) interfaces in one OVSDB transaction"
t0=$(sb_now_ms)
plug 1 "$N" "$FROM" || echo "FAIL: plugging the interfaces"
KEY=$(sb_ofctl dump-flows --no-stats br-int "table=0,in_port=$FROM_OF" | sed -n 's/.*set_field:\(0x[0-9a-f]*\)->metadata.*/\1/p')
chunks() { sb_count_flows "table=56,metadata=$KEY"; }
all_in() { [ "$(chunks)" = 16 ] && [ "$(sb_count_flows table=75)" -ge "$((N + 1))" ]; }
poll 50 all_in
t1=$(sb_now_ms)
echo "MEASURE: OVSDB transaction of $((N - 1)) interfaces -> every flow of the $N ports in OVS: $((t1 - t0)) ms (ovs-vswitchd adds the ports, flowsteerd renders and applies)"
read_status
check "every port's flows are in OVS (table 75: one per port and the uplink)" \
	"$(sb_count_flows table=75) flows in table 75, $(sb_count_flows table=0) in table 0; status flows $(status_get '["flows"]') after $((t1 - t0)) ms" all_in
check "status: no errors, no apply error" \
	"errors $(status_get '["errors"]'), last_apply $(status_get '["last_apply"]')" \
	eval '[ "$(status_get "[\"errors\"]")" = "[]" ] && [ -z "$(status_get ".get(\"last_apply\", {}).get(\"error\", \"\")")" ]'
check "table 56 holds the flood in 16 chunks of up to 256 ports" "$(chunks) flows" eq "$(chunks)" 16
flood55=$(sb_ofctl dump-flows --no-stats br-int "table=55,metadata=$KEY,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00")
n56=$(grep -o 'resubmit(,56)' <<<"$flood55" | wc -l) n75=$(grep -o 'resubmit(,75)' <<<"$flood55" | wc -l)
check "table 55's flood flow resubmits to the 16 chunks, then the uplink" \
	"$n56 resubmits to 56, $n75 to 75" eq "$n56 $n75" "16 1"

step "ofproto/trace: broadcast ARP from p$FROM"
ARP="arp,arp_op=1,dl_dst=ff:ff:ff:ff:ff:ff"
FROM_ARP="in_port=$FROM_OF,dl_src=$(port_mac $FROM),$ARP,arp_sha=$(port_mac $FROM),arp_spa=$(port_ip $FROM),arp_tpa=10.20.0.1"
s=$(trace_summary "$FROM_ARP" "$FROM")
echo "  $s"
check "the flood reaches the other $((N - 1)) ports once each, not p$FROM" "$s" \
	eval '[[ $s == "$((N - 1)) outputs to pN, missing [], excluded hit [], duplicates 0, "* ]]'
check "and the uplink last, with VLAN 100 pushed (to br-phys)" "$s" \
	eval '[[ $s == *"other: push_vlan(vid=100,pcp=0),br-phys" ]]'
check "no translation limit hit" "$(grep -m1 -E 'over max|over [0-9]+ resubmit|yielded over' "$SB_DIR/trace.txt" || echo none)" \
	eval '! grep -qE "over max|over [0-9]+ resubmit|yielded over" "$SB_DIR/trace.txt"'

step "ofproto/trace: broadcast from the uplink (VLAN 100 on fsi-physnet1)"
PATCH=$(ovs-vsctl get interface fsi-physnet1 ofport)
s=$(trace_summary "in_port=$PATCH,dl_vlan=100,dl_src=52:54:00:10:01:00,$ARP,arp_spa=10.20.99.1,arp_tpa=10.20.0.1")
echo "  $s"
check "it reaches all $N ports once each and does not go back up" "$s" \
	eval '[[ $s == "$N outputs to pN, missing [], excluded hit [], duplicates 0, other: pop_vlan" ]]'

step "delete port-0001 in etcd: observed_revision moves, the chunks are rewritten"
rev=$(sb_del_revision /flowsteer/v1/ports/port-0001)
t0=$(sb_now_ms)
poll 20 sb_observed_at_least "$rev"
t1=$(sb_now_ms)
read_status
check "observed_revision reaches $rev" \
	"$(status_get '["observed_revision"]') after $((t1 - t0)) ms, last_apply $(status_get '["last_apply"]')" \
	sb_observed_at_least "$rev"
s=$(trace_summary "$FROM_ARP" "$FROM" 1)
echo "  $s"
check "the flood from p$FROM now skips p1 too" "$s" \
	eval '[[ $s == "$((N - 2)) outputs to pN, missing [], excluded hit [], duplicates 0, other: push_vlan(vid=100,pcp=0),br-phys" ]]'

finish
