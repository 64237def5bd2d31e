#!/usr/bin/env bash
# examples/provider/put.sh: puts the provider network example (VLAN
# networks net-v100 and net-v200 on physnet1, flat network net-flat on
# physnet2, chassis node1 with its bridge mappings, ports vm1..vm4, sf1-in,
# sf1-out, and the chain PCv = FCv -> PGv [PPv (sf1-in, sf1-out)]) into
# etcd.  Options as examples/put.sh (-e ENDPOINTS, -k KINDS, NODE, json|yaml):
#
#   examples/provider/put.sh [-e ENDPOINTS] [-k KIND[,KIND...]] [NODE [json|yaml]]
exec "$(dirname "$0")/../put.sh" -d "$(dirname "$0")" "$@"
