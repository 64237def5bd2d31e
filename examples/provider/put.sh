#!/usr/bin/env bash
# examples/provider/put.sh: puts the provider network example (VLAN
# networks net-v100 and net-v200 on physnet1, flat network net-flat on
# physnet2, chassis node1 with its bridge mappings, ports vm1..vm4, sf1-in,
# sf1-out, and the chain PCv = FCv -> PGv [PPv (sf1-in, sf1-out)]) into
# etcd with etcdctl, one key per resource: /flowsteer/v1/<kind>/<id>.
#
#   examples/provider/put.sh [-e ENDPOINTS] [-k KIND[,KIND...]] [-d DIR] [NODE [json|yaml]]
#
#   NODE       the chassis the example is for (default: this host's name).
#              The manifests say "node1": put.sh replaces it with NODE on a
#              port's "binding:host_id" line and in the chassis document
#              (its key, id and name), so they can also be put unchanged
#              with plain etcdctl for a node called node1.
#   json|yaml  which copy of the manifests to put (default json); both
#              describe the same resources.
#   -e         etcd endpoints (default: $ETCD, else http://127.0.0.1:2379)
#   -k         only these kinds (networks, chassis, ports, port_pairs,
#              port_pair_groups, flow_classifiers, port_chains)
#   -d         another example directory with json/ and yaml/ (e.g.
#              examples/sfc): put.sh works for any of them
#
# Networks and ports are written as Neutron returns them (provider:
# attributes, port_security_enabled, allowed_address_pairs), sfc resources
# as for the networking-sfc API, all in the Neutron envelope; flowsteer
# accepts them unchanged.  Prints one line per key put.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$here
endpoints=${ETCD:-http://127.0.0.1:2379}
kinds=""
while getopts "e:k:d:h" opt; do
	case $opt in
	e) endpoints=$OPTARG ;;
	k) kinds=${OPTARG//,/ } ;;
	d) dir=$(cd "$OPTARG" && pwd) ;;
	*) sed -n '2,26s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
node=${1:-$(hostname)}
format=${2:-json}
[ -d "$dir/$format" ] || { echo "put.sh: no $format manifests in $dir" >&2; exit 2; }
export ETCDCTL_API=3

# Default: every kind the example has, in this order (only for
# readability: flowsteer converges whatever the order), then any other.
if [ -z "$kinds" ]; then
	for kind in networks chassis ports port_pairs port_pair_groups \
		flow_classifiers port_chains $(ls "$dir/$format"); do
		[ -d "$dir/$format/$kind" ] && [[ " $kinds " != *" $kind "* ]] &&
			kinds="$kinds $kind"
	done
fi

for kind in $kinds; do
	for f in "$dir/$format/$kind"/*; do
		[ -f "$f" ] || { echo "put.sh: no $kind in $dir/$format" >&2; exit 2; }
		if [ "$kind" = chassis ]; then
			value=$(sed "s/\"node1\"/\"$node\"/g" "$f")
		else
			value=$(sed "/binding:host_id/s/node1/$node/" "$f")
		fi
		# The id is the first "id" field (JSON or YAML) of the document.
		id=$(sed -n 's/^[ "]*id"\{0,1\}: *"\([^"]*\)".*/\1/p' <<<"$value" | head -1)
		[ -n "$id" ] || { echo "put.sh: no id in $f" >&2; exit 1; }
		etcdctl --endpoints="$endpoints" put "/flowsteer/v1/$kind/$id" "$value" >/dev/null
		echo "put /flowsteer/v1/$kind/$id  ($format/$kind/$(basename "$f"))"
	done
done
