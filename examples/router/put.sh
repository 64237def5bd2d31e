#!/usr/bin/env bash
# examples/router/put.sh: puts the distributed router example (VXLAN
# networks net-blue and net-green, their subnets blue-v4 10.10.1.0/24 and
# green-v4 10.10.2.0/24, router r1 with interfaces rif-blue 10.10.1.1 and
# rif-green 10.10.2.1 and two extra routes, 192.168.50.0/24 via hop50 and
# 192.168.50.128/25 via hop51, and the VMs blue1, blue3, green1, green2,
# hop50, hop51 on node1..node3) into etcd.  Options as examples/put.sh
# (-e ENDPOINTS, -k KINDS, NODE, json|yaml):
#
#   examples/router/put.sh [-e ENDPOINTS] [-k KIND[,KIND...]] [NODE [json|yaml]]
exec "$(dirname "$0")/../put.sh" -d "$(dirname "$0")" "$@"
