#!/usr/bin/env bash
# make demo: the networking-sfc example in a private sandbox (etcd, OVS with
# the userspace datapath, namespaces for a client, a server and three
# service functions), converged by flowsteerd from etcd, with real traffic.
# Everything it starts is stopped and removed at the end.
set -u
cd "$(dirname "$0")/../.."
: "${FLOWSTEERD:=build/bin/flowsteerd}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { sed 's/^/   /'; }

sb_init
say "Starting a private etcd, ovsdb-server and ovs-vswitchd (userspace datapath)"
sb_start_etcd || exit 1
sb_start_ovs || exit 1
echo "   etcd $ETCD, OVS in $OVS_RUNDIR, bridge br-int (fail_mode=secure)"

say "Creating namespaces: client 22.1.20.1, server 172.4.5.6, SF1, SF2, SF3"
sb_sfc_topology
sb_vsctl --columns=name,ofport,external_ids find interface type='""' |
	awk '/^name/{n=$3} /^ofport/{o=$3} /iface-id/{sub(/.*iface-id=/,""); sub(/[},].*/,""); printf "   ofport %-3s %-16s iface-id %s\n", o, n, $0}' | sort -n -k2

say "Starting flowsteerd --node $SB_NODE"
sb_start_flowsteerd
sb_wait_for 10 grep -q "initial list complete" "$SB_DIR/flowsteerd.log"

say "Putting the networking-sfc example (examples/sfc/json) into etcd"
examples/sfc/put.sh "$SB_NODE" json | show
rev=$(sb_etcdctl get /flowsteer/v1/ --prefix -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
sb_wait_for 15 sh -c "ovs-ofctl -O OpenFlow15 dump-groups br-int | grep -q select"
sb_wait_observed "$rev" 10

say "What flowsteerd installed (flows of port chain PC1, cookie 0xf5e00002...)"
sb_ofctl dump-flows --no-stats br-int cookie=0xf5e0000200000000/0xffffffff00000000 |
	grep -v OFPST | sed 's/cookie=0x[0-9a-f]*, //' | show
sb_ofctl dump-groups br-int | grep -v OFPST | show
echo "   status: $(sb_etcdctl get /flowsteer/v1/status/$SB_NODE --print-value-only)"

for i in 1 2 3; do sb_sf_bridge "sf$i"; sb_sf_capture "sf$i"; done
sb_sfc_server 100
sb_sfc_server 101

say "Traffic matching FC1: TCP 22.1.20.1:23 -> 172.4.5.6:100"
sb_sfc_send 100 "hello through the chain" 23 && echo "   server received: $(tail -1 "$SB_DIR/server-100.txt")"
sleep 0.3
for i in 1 2 3; do echo "   SF$i saw $(sb_sf_count "sf$i" "tcp port 100") packets of it"; done

say "Traffic not matching FC1: TCP to port 101, and ping"
sb_sfc_send 101 "hello direct" 23 && echo "   server received: $(tail -1 "$SB_DIR/server-101.txt")"
ip netns exec "$SB_PREFIX-client" ping -c 2 -q -W 1 $EX_SERVER | grep transmitted | show
for i in 1 2 3; do echo "   SF$i saw $(sb_sf_count "sf$i" "tcp port 101 or icmp") packets of it"; done

say "Load balancing: FC1 widened to source ports 1024-65535, 20 connections"
fc1=$(sb_etcdctl get "/flowsteer/v1/flow_classifiers/$EX_FC1" --print-value-only |
	sed 's/"source_port_range_min": 23/"source_port_range_min": 1024/; s/"source_port_range_max": 23/"source_port_range_max": 65535/')
rev=$(sb_put_revision "/flowsteer/v1/flow_classifiers/$EX_FC1" "$fc1")
sb_wait_observed "$rev"
a1=$(sb_sf_count sf1 "tcp port 100"); a2=$(sb_sf_count sf2 "tcp port 100")
for i in $(seq 1 20); do sb_sfc_send 100 "flow $i" || echo "   connection $i failed"; done
sleep 0.3
echo "   SF1 (PP1) saw $(($(sb_sf_count sf1 "tcp port 100") - a1)) packets, SF2 (PP2) $(($(sb_sf_count sf2 "tcp port 100") - a2)): the select group spreads flows"
echo "   SF3 (PP3) saw $(sb_sf_count sf3 "tcp port 100") packets in all"

say "Converged: flowsteerd's log"
grep -v "|DBG|" "$SB_DIR/flowsteerd.log" | tail -8 | show

say "Tearing down the sandbox"
