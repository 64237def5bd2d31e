#!/usr/bin/env bash
# examples/sfc/demo.sh (`make demo`): the networking-sfc example chain on a
# throw-away node.  Starts a private etcd and a private Open vSwitch
# (userspace datapath) with tests/lib/sandbox.sh, attaches a client, a
# server and three service functions (network namespaces), runs flowsteerd
# ($FLOWSTEERD), puts examples/sfc with put.sh, sends real traffic and
# prints what was put, what flowsteerd installed and which service
# functions the packets went through.  Everything is torn down at the end
# (or on Ctrl-C).  Needs root.  SB_KEEP=1 keeps the logs and captures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.." || exit 1
: "${FLOWSTEERD:=build/bin/flowsteerd}"
FLOWSTEERD=$(realpath "$FLOWSTEERD")
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh

source tests/lib/narrate.sh
name_of() { ex_field "$1" "$2" '["name"]'; }

section "Sandbox"
sb_init || exit 1
sb_start_etcd || die "etcd did not start"
sb_start_ovs || die "Open vSwitch did not start"
sb_sfc_topology || die "could not create the namespaces"
sb_start_flowsteerd
say "etcd        $ETCD (private, data in $SB_DIR)"
say "OVS         ovs-vswitchd (userspace datapath) in namespace $SB_OVSNS, bridge br-int (fail_mode=secure)"
say "client      namespace $SB_PREFIX-client, $EX_CLIENT, Neutron port 'src'"
say "server      namespace $SB_PREFIX-server, $EX_SERVER, Neutron port 'dst'"
say "SF1, SF2    firewalls vm1 (ports p1 -> p2) and vm2 (p3 -> p4)"
say "SF3         load balancer vm3 (p5 -> p6)"
say "            each SF is a namespace whose two ports are joined by a Linux bridge"
say "flowsteerd  pid $SB_FLOWSTEERD_PID, node '$SB_NODE'"

section "1. What is put into etcd (examples/sfc/put.sh $SB_NODE json)"
t0=$(sb_now_ms)
examples/sfc/put.sh -e "$ETCD" "$SB_NODE" json >"$SB_DIR/put.log" || die "put.sh failed"
t_put=$(sb_now_ms)
chain_in_ovs() { sb_ofctl dump-flows --no-stats br-int cookie=0xf5e0000200000000/0xffffffff00000000 | grep -q cookie=; }
sb_wait_for 15 chain_in_ovs || die "the chain's flows did not appear in OVS"
t1=$(sb_now_ms)
for kind in networks ports port_pairs port_pair_groups flow_classifiers port_chains; do
	printf '  %-18s %s\n' "$kind" "$(grep -o "(json/$kind/.*)" "$SB_DIR/put.log" |
		sed 's|.*/\(.*\)\.json)|\1|' | tr '\n' ' ')"
done
say ""
say "  FC1  tcp $(ex_field flow_classifiers FC1 '["source_ip_prefix"]') port 23" \
	"-> $(ex_field flow_classifiers FC1 '["destination_ip_prefix"]') port 100, entering at port src"
say "  PC1  FC1 -> PG1 [PP1 (p1,p2) | PP2 (p3,p4)] -> PG2 [PP3 (p5,p6)]"

pc1_rev=$(sb_key_revision "$(ex_key port_chains PC1)")
sb_wait_observed "$pc1_rev" 10 || die "flowsteerd did not report revision $pc1_rev"

section "2. What flowsteerd installed"
say "  16 etcdctl puts took $((t_put - t0)) ms; the chain's flows were in OVS $((t1 - t_put)) ms after the last"
say "  status (/flowsteer/status/$SB_NODE): $(sb_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
rev, flows, groups, errors = (s.get(k) for k in ("observed_revision", "flows", "groups", "errors"))
print(f"revision {rev} in OVS, {flows} flows, {groups} group(s), {len(errors or [])} errors")')"
path_id=$(sb_etcdctl get "/flowsteer/v1/keys/port_chains/$(ex_id port_chains PC1)" --print-value-only | tr -d '"')
say "  PC1 was given path id $path_id (an etcd transaction); its flows carry cookie 0xf5e00002$(printf %08x "$path_id")"
say ""
say "  OVS port numbers:"
for p in client server sf1-in sf1-out sf2-in sf2-out sf3-in sf3-out; do
	printf '    %-3s %s\n' "$(sb_vsctl get interface "o-$p" ofport)" "$p"
done | paste - - - - | sed 's/\t/   /g'
say ""
say "  The chain's flows.  reg6 = the OVS port a packet entered by; table 10 classifies it"
say "  (FC1 from the client, and again on each SF's egress), reg5 = label (path id << 8 | hop),"
say "  table 15 sends it to the next hop: the PG1 group, or SF3; after SF3, normal L2 (table 55):"
sb_ofctl dump-flows --no-stats br-int cookie=0xf5e0000200000000/0xffffffff00000000 |
	grep cookie= | sed 's/^ *cookie=[^ ]* //; s/^/    /'
sb_ofctl dump-groups br-int | grep group_id= | sed 's/^ */    /; s/,bucket=/\n      bucket=/g'
say "  ($(sb_count_flows "$SB_COOKIE_OURS") flowsteer flows in all; the others are the L2 pipeline: ovs-ofctl dump-flows br-int)"

# The SFs' ports are out of the L2 network now: bridge them, start tcpdump.
for i in 1 2 3; do sb_sf_bridge "sf$i" && sb_sf_capture "sf$i"; done || die "SF setup failed"
sb_sfc_server 100 || die "server did not start"
sb_sfc_server 101 || die "server did not start"
counts() { # FILTER: "SF1 a, SF2 b, SF3 c" packets at each SF's ingress
	echo "SF1 $(sb_sf_count sf1 "$1"), SF2 $(sb_sf_count sf2 "$1"), SF3 $(sb_sf_count sf3 "$1")"
}

section "3. Packets"
sb_sfc_send 100 "hello through the chain" 23 && r=delivered || r="NOT delivered"
sleep 0.3
say "  TCP $EX_CLIENT:23 -> $EX_SERVER:100 (matches FC1): $r"
say "    packets seen at the SFs' ingress: $(counts "tcp port 100")"
for sf in sf1 sf2; do
	[ "$(sb_sf_count $sf "tcp port 100")" -gt 0 ] || continue
	say "    the first packets as SF${sf#sf} saw them (tcpdump in namespace $SB_PREFIX-$sf):"
	sb_sf_show "$sf" "tcp port 100" 3 | sed 's/^/      /'
done
say "    and then SF3:"
sb_sf_show sf3 "tcp port 100" 3 | sed 's/^/      /'
say "    the server's replies are not in the chain (it is not symmetric): $(counts "src host $EX_SERVER")"

before=$(counts "tcp or icmp")
sb_sfc_send 101 "to port 101" 23 && r1=delivered || r1="NOT delivered"
ip netns exec "$SB_PREFIX-client" ping -c 2 -i 0.2 -W 1 -q "$EX_SERVER" >/dev/null && r2=answered || r2="NOT answered"
sleep 0.3
say ""
say "  TCP to port 101 ($r1) and ping ($r2) do not match FC1: they go straight."
say "    SF packet counts before: $before; after: $(counts "tcp or icmp")"

say ""
say "  PG1 load-balances over SF1 and SF2 (select group, hash of the 5-tuple)."
say "  FC1 is widened to source ports 1024-65535; 20 connections from ports 20001-20020:"
s1=$(sb_sfc_syns sf1 100) s2=$(sb_sfc_syns sf2 100) s3=$(sb_sfc_syns sf3 100)
wide=$(ex_manifest flow_classifiers FC1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
d["flow_classifier"].update(source_port_range_min=1024, source_port_range_max=65535)
print(json.dumps(d))')
rev=$(sb_put_revision "$(ex_key flow_classifiers FC1)" "$wide")
sb_wait_observed "$rev" || die "the widened FC1 did not converge"
ok=0
for sport in $(seq 20001 20020); do sb_sfc_send 100 "lb-$sport" "$sport" && ok=$((ok + 1)); done
sleep 0.3
say "    $ok of 20 delivered; connections through SF1: $(($(sb_sfc_syns sf1 100) - s1))," \
	"SF2: $(($(sb_sfc_syns sf2 100) - s2)), then SF3: $(($(sb_sfc_syns sf3 100) - s3))"

section "4. A change costs what it changes; drift is repaired at once"
say "  That FC1 change: $(sb_status '["last_apply"]' | python3 -c '
import json, sys
a = json.load(sys.stdin)
print("%d flow mods, watch event -> in OVS %.0f ms (render %.0f ms, apply %.0f ms)" % (
    a["flow_mods"], a["convergence_ms"], a["render_ms"], a["ms"]))')"
say "  (render re-ran only the units that read FC1: the chain; the OVS thread diffed only their flows)"
victim=$(sb_our_flows "table=15" | head -1 | sed 's/^ *cookie=[^ ]* //; s/ actions=.*//; s/, /,/g')
n_ours=$(sb_count_flows "$SB_COOKIE_OURS")
t0=$(sb_now_ms)
sb_ofctl --strict del-flows br-int "$victim"
sb_wait_for 5 eval '[ "$(sb_count_flows "$SB_COOKIE_OURS")" = "$n_ours" ]' || die "the deleted flow did not come back"
say "  ovs-ofctl --strict del-flows br-int '$victim':"
say "    the flow monitor reported it; flowsteer put it back $(($(sb_now_ms) - t0)) ms after the command (both processes included)"
say "    flowsteerd's log: $(grep 'by another controller' "$SB_DIR/flowsteerd.log" | tail -1 | cut -d'|' -f4-)"

section "5. Tear-down"
n_pids=${#SB_PIDS[@]} n_ns=${#SB_NETNS[@]}
sb_cleanup
trap - EXIT
say "  stopped flowsteerd, etcd, ovsdb-server, ovs-vswitchd, tcpdump and socat ($n_pids processes);"
say "  deleted $n_ns namespaces (and their veths); nothing else was touched."
say "  Next: README.md (etcd layout, flags), docs/architecture.md (the pipeline), make check."
