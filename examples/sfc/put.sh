#!/usr/bin/env bash
# examples/sfc/put.sh: puts the networking-sfc example ("Port Chain Creation
# Workflow": net1, ports src, dst, p1..p6, port pairs PP1..PP3, port pair
# groups PG1, PG2, flow classifier FC1, port chain PC1) into etcd.  PC1 has
# no chain_id: flowsteerd allocates its path id in etcd.  Options as
# examples/put.sh (-e ENDPOINTS, -k KINDS, NODE, json|yaml):
#
#   examples/sfc/put.sh [-e ENDPOINTS] [-k KIND[,KIND...]] [NODE [json|yaml]]
exec "$(dirname "$0")/../put.sh" -d "$(dirname "$0")" "$@"
