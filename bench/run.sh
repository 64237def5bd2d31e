#!/usr/bin/env bash
# make bench: latency from `etcdctl put` to the change being in OVS, and the
# flow mods of a no-op reconcile, in the sandbox (real etcd, real OVS with
# the userspace datapath).  Prints the figures; record them in
# bench/RESULTS.md with the machine and date.
set -u
cd "$(dirname "$0")/.."
: "${FLOWSTEERD:=build/bin/flowsteerd}"
: "${ROUNDS:=20}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh

sb_init
sb_start_etcd || exit 1
sb_start_ovs || exit 1
sb_sfc_topology >/dev/null
sb_start_flowsteerd
examples/sfc/put.sh -e "$ETCD" "$SB_NODE" json >/dev/null
sb_wait_for 15 sh -c "ovs-ofctl -O OpenFlow15 dump-groups br-int | grep -q select" || exit 1

fc_key=/flowsteer/v1/flow_classifiers/$(ex_id flow_classifiers FC1)
fc=$(sb_etcdctl get "$fc_key" --print-value-only)
lat=()
for i in $(seq 1 "$ROUNDS"); do
	port=$((1000 + i))
	value=${fc//\"destination_port_range_min\": 100/\"destination_port_range_min\": $port}
	value=${value//\"destination_port_range_max\": 100/\"destination_port_range_max\": $port}
	t0=$(sb_now_ms)
	sb_etcdctl put "$fc_key" "$value" >/dev/null
	sb_wait_for 10 sh -c "ovs-ofctl -O OpenFlow15 dump-flows br-int table=10 | grep -q 'tp_dst=$port'" || { echo "round $i timed out"; exit 1; }
	lat+=($(($(sb_now_ms) - t0)))
done
sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
n=${#lat[@]}
echo "put -> flows in OVS over $n updates of FC1 (ms, including etcdctl and ovs-ofctl process start):"
echo "  min $(echo "$sorted" | head -1)  median $(echo "$sorted" | sed -n "$(((n + 1) / 2))p")  max $(echo "$sorted" | tail -1)"

sb_stop_flowsteerd
sb_start_flowsteerd
sb_wait_for 15 sh -c "etcdctl --endpoints=$ETCD get /flowsteer/v1/status/$SB_NODE --print-value-only | grep -q '\"ms\"'"
sleep 1
echo "no-op reconcile after a flowsteerd restart: last_apply $(sb_status '["last_apply"]'), $(sb_status '["flows"]') flows installed"
