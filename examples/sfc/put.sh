#!/usr/bin/env bash
# examples/sfc/put.sh: puts the networking-sfc example ("Port Chain Creation
# Workflow": net1, ports src, dst, p1..p6, port pairs PP1..PP3, port pair
# groups PG1, PG2, flow classifier FC1, port chain PC1) into etcd with
# etcdctl, one key per resource: /flowsteer/v1/<kind>/<id>.
#
#   examples/sfc/put.sh [-e ENDPOINTS] [-k KIND[,KIND...]] [NODE [json|yaml]]
#
#   NODE       the chassis the ports are bound to (default: this host's
#              name).  The manifests say "binding:host_id": "node1"; put.sh
#              replaces node1 with NODE on that line, so they can also be
#              put unchanged with plain etcdctl for a node called node1.
#   json|yaml  which copy of the manifests to put (default json); both
#              describe the same resources.
#   -e         etcd endpoints (default: $ETCD, else http://127.0.0.1:2379)
#   -k         only these kinds (networks, ports, port_pairs,
#              port_pair_groups, flow_classifiers, port_chains)
#
# The manifests are written as for the networking-sfc API (ports and
# networks as Neutron returns them, sfc resources in the Neutron envelope);
# flowsteer accepts them unchanged.  PC1 has no chain_id: flowsteerd
# allocates its path id in etcd.  Prints one line per key put.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
endpoints=${ETCD:-http://127.0.0.1:2379}
kinds="networks ports port_pairs port_pair_groups flow_classifiers port_chains"
while getopts "e:k:h" opt; do
	case $opt in
	e) endpoints=$OPTARG ;;
	k) kinds=${OPTARG//,/ } ;;
	*) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
node=${1:-$(hostname)}
format=${2:-json}
[ -d "$here/$format" ] || { echo "put.sh: no $format manifests" >&2; exit 2; }
export ETCDCTL_API=3

# The order is only for readability: flowsteer converges whatever the order.
for kind in $kinds; do
	for f in "$here/$format/$kind"/*; do
		[ -f "$f" ] || { echo "put.sh: no $kind in $here/$format" >&2; exit 2; }
		# The id is the first "id" field (JSON or YAML) of the file.
		id=$(sed -n 's/^[ "]*id"\{0,1\}: *"\([^"]*\)".*/\1/p' "$f" | head -1)
		[ -n "$id" ] || { echo "put.sh: no id in $f" >&2; exit 1; }
		value=$(sed "/binding:host_id/s/node1/$node/" "$f")
		etcdctl --endpoints="$endpoints" put "/flowsteer/v1/$kind/$id" "$value" >/dev/null
		echo "put /flowsteer/v1/$kind/$id  ($format/$kind/$(basename "$f"))"
	done
done
