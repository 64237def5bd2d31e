#!/usr/bin/env bash
# Puts the networking-sfc example into etcd with etcdctl, one key per
# resource: /flowsteer/v1/<kind>/<id>.
#
#   examples/sfc/put.sh [NODE] [json|yaml]
#
# NODE (default: this host's name) replaces "node1" as the ports'
# binding:host_id, so the chain is rendered on that node.  ETCD (default
# http://127.0.0.1:2379) is the etcd endpoint.  The manifests are written as
# for the networking-sfc API (Neutron envelope); flowsteer takes them as is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node=${1:-$(hostname)}
format=${2:-json}
export ETCDCTL_API=3
endpoint=${ETCD:-http://127.0.0.1:2379}

# Order is only for readability: flowsteer converges whatever the order.
for kind in networks ports port_pairs port_pair_groups flow_classifiers \
	port_chains; do
	for f in "$here/$format/$kind"/*; do
		id=$(sed -n 's/^[ "]*id"*: *"\([^"]*\)".*/\1/p' "$f" | head -1)
		[ -n "$id" ] || { echo "put.sh: no id in $f" >&2; exit 1; }
		value=$(sed "s/\"binding:host_id\": \"node1\"/\"binding:host_id\": \"$node\"/; s/binding:host_id: \"node1\"/binding:host_id: \"$node\"/" "$f")
		etcdctl --endpoints="$endpoint" put "/flowsteer/v1/$kind/$id" "$value" >/dev/null
		echo "put /flowsteer/v1/$kind/$id  ($kind/$(basename "$f"))"
	done
done
