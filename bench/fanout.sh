#!/usr/bin/env bash
# bench/fanout.sh: put -> every node rendered, with FANOUT_NODES (default
# 100) flowsteerd processes in --no-ovs mode (they render and report status,
# no OVS) on one private etcd, the networking-sfc example loaded.  Part of
# `make bench`; prints one line with p50/p99/max.
set -u
cd "$(dirname "$0")/.." || exit 1
: "${FLOWSTEERD:=build/bin/flowsteerd}"
: "${FANOUT_NODES:=100}"
: "${FANOUT_ROUNDS:=20}"
source tests/lib/sandbox.sh
source tests/lib/sfc_example.sh

sb_init || exit 1
sb_start_etcd || exit 1
examples/sfc/put.sh -e "$ETCD" "$SB_NODE" json >/dev/null
rev=$(sb_etcd_revision) # Status writes raise it later: they render nothing.
for i in $(seq 0 $((FANOUT_NODES - 1))); do
	node=$(printf 'n%03d' "$i")
	"$FLOWSTEERD" --no-ovs --node "$node" --etcd "$ETCD" \
		--metrics-address off >>"$SB_DIR/fanout-$node.log" 2>&1 &
	sb_track $!
done
all_rendered() {
	[ "$(sb_etcdctl get --prefix /flowsteer/status/ --print-value-only |
		python3 -c "
import json, sys
print(sum(1 for l in sys.stdin if l.strip() and json.loads(l).get('desired_revision', 0) >= $rev))")" -ge "$FANOUT_NODES" ]
}
sb_wait_for 60 all_rendered || { echo "fan-out: the $FANOUT_NODES nodes did not all render" >&2; exit 1; }
fc_key=$(ex_key flow_classifiers FC1)
template=$(ex_manifest flow_classifiers FC1 | sed 's/"destination_port_range_min": 100/"destination_port_range_min": {port}/; s/"destination_port_range_max": 100/"destination_port_range_max": {port}/')
python3 bench/fanout.py "$ETCD" "$FANOUT_NODES" "$FANOUT_ROUNDS" "$fc_key" "$template"
rss=$(for p in "${SB_PIDS[@]:1}"; do awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null; done | sort -n | tail -1)
echo "fan-out: largest flowsteerd RSS $((rss / 1024)) MB"
