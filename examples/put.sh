#!/usr/bin/env bash
# examples/put.sh: puts an example's manifests into etcd with etcdctl, one
# key per resource: /flowsteer/v1/<kind>/<id>.  examples/sfc/put.sh and
# examples/provider/put.sh call it with their own directory.
#
#   examples/put.sh -d DIR [-e ENDPOINTS] [-k KIND[,KIND...]] [NODE [json|yaml]]
#
#   -d         the example directory, holding json/<kind>/*.json and
#              yaml/<kind>/*.yaml (e.g. examples/sfc, examples/provider)
#   NODE       the chassis the example is for (default: this host's name).
#              The manifests say "node1": put.sh replaces it with NODE on a
#              port's "binding:host_id" line and in a chassis document (its
#              key, id and name), so they can also be put unchanged with
#              plain etcdctl for a node called node1.
#   json|yaml  which copy of the manifests to put (default json); both
#              describe the same resources.
#   -e         etcd endpoints (default: $ETCD, else http://127.0.0.1:2379)
#   -k         only these kinds (networks, chassis, ports, port_pairs,
#              port_pair_groups, flow_classifiers, port_chains); default:
#              every kind the example has, in that order
#
# The manifests are written as Neutron and networking-sfc return them, in
# the Neutron envelope; flowsteer accepts them unchanged.  Prints one line
# per key put.
set -euo pipefail
dir=""
endpoints=${ETCD:-http://127.0.0.1:2379}
kinds=""
while getopts "e:k:d:h" opt; do
	case $opt in
	e) endpoints=$OPTARG ;;
	k) kinds=${OPTARG//,/ } ;;
	d) dir=$(cd "$OPTARG" && pwd) ;;
	*) sed -n '2,24s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
node=${1:-$(hostname)}
format=${2:-json}
[ -n "$dir" ] || { echo "put.sh: -d DIR is required (try -h)" >&2; exit 2; }
[ -d "$dir/$format" ] || { echo "put.sh: no $format manifests in $dir" >&2; exit 2; }
export ETCDCTL_API=3

# Default: every kind the example has, in this order (only for
# readability: flowsteer converges whatever the order), then any other.
if [ -z "$kinds" ]; then
	for kind in networks subnets routers chassis ports port_pairs port_pair_groups \
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
