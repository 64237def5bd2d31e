#!/usr/bin/env python3
"""bench/scale.py: manifests for flowsteerd at scale, and their load into etcd.

  bench/scale.py gen --flows N --out DIR [--node NODE] [--groups G]
  bench/scale.py load --etcd URL DIR
  bench/scale.py gen-ports --vifs V --out DIR [--networks N] [--remote R]
  bench/scale.py gen-router --subnets S --ports P --out DIR
  bench/scale.py one-flow-changed FLOWS OUT

gen writes DIR/json/<kind>/<name>.json (the Neutron envelope, as examples/
has them), DIR/ifaces.txt ("<interface name> <iface-id>" per port, for the
OVS side) and DIR/plan.json (predicted flows and groups, and the classifier
the bench changes: its key and two values, DIR/change0.json and
change1.json).  The world, all bound to NODE:

  - 4 networks of 16 ports: 8 VMs (port security, one fixed IP) and 4
    service functions of 2 ports each (ingress, egress);
  - chains of two hops (proxy SFs, no correlation): hop 1 on one SF of the
    network, hop 2 on the next one; the first G chains load-balance hop 1
    over two SFs (a select group each);
  - one flow classifier per chain: TCP from a VM (its IP) to a /24 of its
    own (172.16.0.0/12, so no two classifiers overlap), source ports
    1001-1999 (9 masked blocks) x destination ports from a short list of
    ranges (1 to 8 blocks): 9 to 72 table-10 flows per classifier and hop
    port, about 117 flows per chain;
  - explicit chain ids (path ids 1..4095, so no allocation transactions).

Networking-sfc keeps a port pair group in one chain and a port pair in one
group, so with 64 ports every chain has port pairs of its own on the shared
SF ports (flowsteer accepts several pairs on the same two ports).  Chains
are added until the predicted count reaches N (it may pass N by one chain).

The prediction follows render/ (l2.c, portsec.c, sfc.c, ranges.c): per VM
port 15 flows (tables 0, 1 x 12, 55, 75), per SF port 3 (tables 0, 1, 10),
per network one flood flow, table 10's default, and per chain
B x (1 + pairs of hop 1 + pairs of hop 2) + 2 flows, B = source blocks x
destination blocks.

load puts every manifest under /flowsteer/v1/<kind>/<id> through the etcd
gateway in transactions of 128 puts (etcd's default --max-txn-ops) and
prints the revision of the last one.

one-flow-changed copies an ovs-ofctl flow file (dump-flows --no-stats
output) and changes the destination port of its first table-10 flow that
has one (sets bit 15 of the value), for the replace-flows reference.
"""
import argparse
import base64
import http.client
import json
import os
import re
import sys
import urllib.parse

N_NETWORKS = 4
VMS_PER_NET = 8
SFS_PER_NET = 4
SRC_RANGE = (1001, 1999)
# Above WIDE_ABOVE flows (more than 4,095 chains of the usual world would
# need), the source range is wider: 24 blocks instead of 9, so a chain
# renders about 2.7 times the flows.
WIDE_SRC_RANGE = (1001, 65534)
WIDE_ABOVE = 400000
DST_RANGES = [(80, 89), (8000, 8080), (100, 199), (3000, 3999), (443, 443),
              (1001, 1099), (8080, 8089), (2001, 2199)]
MAX_PATH_ID = 4095
PREFIX = "/flowsteer/v1/"
TENANT = "d382007aa9904763a801f68ecf065cf5"


def blocks(lo, hi):
    """Number of value/mask matches of the port range [lo, hi]
    (render/ranges.c)."""
    if lo < 0 or (lo == 0 and hi == 0xffff):
        return 1
    n = 0
    while lo <= hi:
        size = (lo & -lo) if lo else 0x10000
        while lo + size - 1 > hi:
            size >>= 1
        n += 1
        if lo + size > 0xffff:
            break
        lo += size
    return n


def uid(kind, net, idx):
    return "%08x-%04x-4000-8000-%012x" % (kind, net, idx)


class World:
    def __init__(self, node):
        self.node = node
        self.docs = []  # (kind, name, envelope, document)
        self.ifaces = []  # (interface name, iface-id)

    def add(self, kind, env, name, doc):
        doc = dict({"id": doc["id"], "name": name, "tenant_id": TENANT},
                   **{k: v for k, v in doc.items() if k != "id"})
        self.docs.append((kind, name, env, doc))
        return doc["id"]


def network_ports(w, net):
    """The network, its VMs and SFs; returns (vm ids, vm ips, sf ports)
    with sf ports [(ingress id, egress id)] per SF."""
    net_id = w.add("networks", "network", "bench-net%d" % net, {
        "id": uid(0x1b0e5c4a, net, 0),
        "provider:network_type": "vxlan",
        "provider:segmentation_id": 5000 + net})
    vms, ips, sfs = [], [], []
    for i in range(VMS_PER_NET):
        ip = "10.%d.0.%d" % (100 + net, 10 + i)
        name = "n%d-vm%d" % (net, i)
        pid = w.add("ports", "port", name, {
            "id": uid(0x2c9f0a11, net, i),
            "network_id": net_id,
            "mac_address": "fa:16:3e:%02x:00:%02x" % (net, i),
            "device_id": "bench-%s" % name,
            "binding:host_id": w.node,
            "fixed_ips": [{"ip_address": ip}]})
        w.ifaces.append(("b%dvm%d" % (net, i), pid))
        vms.append(pid)
        ips.append(ip)
    for s in range(SFS_PER_NET):
        pair = []
        for j, side in enumerate(("in", "out")):
            name = "n%d-sf%d-%s" % (net, s, side)
            pid = w.add("ports", "port", name, {
                "id": uid(0x2c9f0a11, net, 0x100 + 2 * s + j),
                "network_id": net_id,
                "mac_address": "fa:16:3e:%02x:%02x:%02x" % (net, 0x10 + s, j),
                "device_id": "bench-n%d-sf%d" % (net, s),
                "binding:host_id": w.node,
                "port_security_enabled": False,
                "fixed_ips": []})
            w.ifaces.append(("b%dsf%d%s" % (net, s, side[0]), pid))
            pair.append(pid)
        sfs.append(tuple(pair))
    return vms, ips, sfs


def classifier_doc(c, src_port, src_ip, dst, src=SRC_RANGE):
    return {
        "id": uid(0x5f5c3d44, 0, c),
        "ethertype": "IPv4",
        "protocol": "tcp",
        "source_port_range_min": src[0],
        "source_port_range_max": src[1],
        "destination_port_range_min": dst[0],
        "destination_port_range_max": dst[1],
        "source_ip_prefix": src_ip + "/32",
        "destination_ip_prefix": "172.%d.%d.0/24" % (16 + (c >> 8), c & 255),
        "logical_source_port": src_port}


def write_world(w, out):
    """DIR/json/<kind>/<name>.json and DIR/ifaces.txt of world 'w'."""
    os.makedirs(out, exist_ok=True)
    for kind, name, env, doc in w.docs:
        d = os.path.join(out, "json", kind)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name + ".json"), "w") as f:
            json.dump({env: doc}, f, indent=2)
            f.write("\n")
    with open(os.path.join(out, "ifaces.txt"), "w") as f:
        for name, pid in w.ifaces:
            f.write("%s %s\n" % (name, pid))


def gen(args):
    w = World(args.node)
    src = WIDE_SRC_RANGE if args.flows > WIDE_ABOVE else SRC_RANGE
    nets = [network_ports(w, n) for n in range(N_NETWORKS)]
    n_vm = N_NETWORKS * VMS_PER_NET
    flows = 15 * n_vm + 3 * 2 * N_NETWORKS * SFS_PER_NET + N_NETWORKS + 1
    groups = 0
    c = 0
    candidates = []  # chains without a group whose classifier can change
    while flows < args.flows:
        c += 1
        if c > MAX_PATH_ID:
            sys.exit("scale.py: %d flows need more than %d chains (path ids)"
                     % (args.flows, MAX_PATH_ID))
        net = c % N_NETWORKS
        j = c // N_NETWORKS
        vms, ips, sfs = nets[net]
        hops = [[j % SFS_PER_NET], [(j + 1) % SFS_PER_NET]]
        if c <= args.groups:
            hops[0].append((j + 2) % SFS_PER_NET)
            groups += 1
        dst = DST_RANGES[c % len(DST_RANGES)]
        b = blocks(*src) * blocks(*dst)
        flows += b * (1 + len(hops[0]) + len(hops[1])) + len(hops)
        ppgs = []
        for h, sf_list in enumerate(hops):
            pps = []
            for k, s in enumerate(sf_list):
                pps.append(w.add("port_pairs", "port_pair",
                                 "c%d-h%d-pp%d" % (c, h, k), {
                                     "id": uid(0x3d7a1b22, h * 4 + k, c),
                                     "ingress": sfs[s][0],
                                     "egress": sfs[s][1]}))
            ppgs.append(w.add("port_pair_groups", "port_pair_group",
                              "c%d-h%d" % (c, h), {
                                  "id": uid(0x4e6b2c33, h, c),
                                  "port_pairs": pps}))
        fc = classifier_doc(c, vms[j % VMS_PER_NET], ips[j % VMS_PER_NET], dst,
                            src)
        w.add("flow_classifiers", "flow_classifier", "c%d" % c, fc)
        fc = w.docs[-1][3]
        w.add("port_chains", "port_chain", "c%d" % c, {
            "id": uid(0x6a4d4e55, 0, c),
            "port_pair_groups": ppgs,
            "flow_classifiers": [fc["id"]],
            "chain_parameters": {"chain_id": c}})
        if dst == (100, 199) and len(hops[0]) == 1:
            candidates.append((c, fc))
    if not candidates:
        sys.exit("scale.py: too few chains for a classifier to change")
    n_chains = c
    change, fc = candidates[len(candidates) // 2]

    write_world(w, args.out)
    for i, shift in enumerate((0, 0x8000)):
        v = dict(fc, destination_port_range_min=100 + shift,
                 destination_port_range_max=199 + shift)
        with open(os.path.join(args.out, "change%d.json" % i), "w") as f:
            json.dump({"flow_classifier": v}, f, indent=2)
            f.write("\n")
    b = blocks(*src) * blocks(100, 199)
    plan = {"flows": flows, "groups": groups, "chains": n_chains,
            "keys": len(w.docs), "node": args.node,
            "change": {"chain": change, "key": PREFIX + "flow_classifiers/" + fc["id"],
                   "flows": b * 3 + 2, "flow_mods": 2 * b * 3}}
    with open(os.path.join(args.out, "plan.json"), "w") as f:
        json.dump(plan, f, indent=2)
        f.write("\n")
    print(json.dumps(plan))


PORT_NETWORKS = 50
REMOTE_CHASSIS = ("node2", "node3")


def port_doc(net_id, net, i, node, ip):
    return {"id": uid(0x7b1e2f66, net, i),
            "network_id": net_id,
            "mac_address": "fa:16:3e:%02x:%02x:%02x" % (net, i >> 8, i & 255),
            "device_id": "bench-n%d-p%d" % (net, i),
            "binding:host_id": node,
            "fixed_ips": [{"ip_address": ip}]}


def gen_ports(args):
    """The port-heavy world: --networks overlay networks (VXLAN), --vifs
    VM ports on this node (port security on, one fixed IP each) spread
    over them, and --remote ports of the same networks on two other
    chassis; no chains.  The change: one more port of network 0, bound to
    this node (change0.json: added) or to no host (change1.json: gone)."""
    w = World(args.node)
    for n, chassis in enumerate((args.node,) + REMOTE_CHASSIS):
        w.docs.append(("chassis", chassis, "chassis",
                       {"id": chassis, "ip": "192.0.2.%d" % (n + 1),
                        "encap": "vxlan"}))
    nets = []
    for n in range(args.networks):
        nets.append(w.add("networks", "network", "ports-net%d" % n, {
            "id": uid(0x1b0e5c4b, n, 0),
            "provider:network_type": "vxlan",
            "provider:segmentation_id": 6000 + n}))
    for i in range(args.vifs):
        n = i % args.networks
        k = i // args.networks
        ip = "10.%d.%d.%d" % (n, 1 + k // 250, 1 + k % 250)
        pid = w.add("ports", "port", "n%d-vif%d" % (n, k),
                    port_doc(nets[n], n, k, args.node, ip))
        w.ifaces.append(("p%dv%d" % (n, k), pid))
    for i in range(args.remote):
        n = i % args.networks
        k = 0x800 + i // args.networks
        ip = "10.%d.200.%d" % (n, 1 + (i // args.networks) % 250)
        w.add("ports", "port", "n%d-remote%d" % (n, k),
              port_doc(nets[n], n, k, REMOTE_CHASSIS[i % 2], ip))
    extra = port_doc(nets[0], 0, 0xfff, args.node, "10.0.250.250")
    w.ifaces.append(("p0vextra", extra["id"]))
    unbound = dict(extra, **{"binding:host_id": ""})
    w.add("ports", "port", "n0-extra", unbound)
    write_world(w, args.out)
    for i, doc in enumerate((extra, unbound)):
        doc = dict(w.docs[-1][3], **{"binding:host_id": doc["binding:host_id"]})
        with open(os.path.join(args.out, "change%d.json" % i), "w") as f:
            json.dump({"port": doc}, f, indent=2)
            f.write("\n")
    per_vif = 15
    flows = (per_vif * args.vifs + args.remote + 4 * args.networks + 1 +
             2 * len(REMOTE_CHASSIS) + 1)
    plan = {"flows": flows, "groups": 0, "chains": 0, "keys": len(w.docs),
            "node": args.node, "vifs": args.vifs, "networks": args.networks,
            "remote": args.remote,
            "change": {"key": PREFIX + "ports/" + extra["id"],
                       "flows": per_vif, "flow_mods": per_vif}}
    with open(os.path.join(args.out, "plan.json"), "w") as f:
        json.dump(plan, f, indent=2)
        f.write("\n")
    print(json.dumps(plan))


def gen_router(args):
    """The router world: one distributed router with an interface on each
    of --subnets VXLAN networks (a /24 subnet each), --ports ports spread
    over them, half bound to this node (port security on, one fixed IP
    each) and half to two other chassis.  One more network with its
    subnet and ports is not attached; the change: its interface port put
    (change0.json: an interface of the router) and made a plain port
    (change1.json: device_owner "", no router).  Flows, by render/ (l2.c,
    portsec.c, overlay.c, router.c): 15 per local port and 1 per remote
    port (L2), 3 per network (flood, VNI in, head-end replication), 6
    node-wide (table 10's default, two tunnels' tables 0 and 75, table 4's
    MPLS hand-off), and for the router 3 per port of a routed
    network (tables 23 and 20), 6 per interface (tables 20, 21, 22), 2 per
    router and 6 node-wide L3 flows."""
    w = World(args.node)
    for n, chassis in enumerate((args.node,) + REMOTE_CHASSIS):
        w.docs.append(("chassis", chassis, "chassis",
                       {"id": chassis, "ip": "192.0.2.%d" % (n + 1),
                        "encap": "vxlan"}))
    router = w.add("routers", "router", "bench-r1",
                   {"id": uid(0x7e0e5c4a, 0, 1), "admin_state_up": True,
                    "routes": []})
    nets, subnets, cidrs = [], [], []
    for n in range(args.subnets + 1):
        nets.append(w.add("networks", "network", "router-net%d" % n, {
            "id": uid(0x1b0e5c4c, n, 0),
            "provider:network_type": "vxlan",
            "provider:segmentation_id": 7000 + n}))
        cidr = "10.%d.%d" % (128 + n // 256, n % 256)
        cidrs.append(cidr)
        subnets.append(w.add("subnets", "subnet", "router-sub%d" % n, {
            "id": uid(0x5b0e5c4c, n, 0), "network_id": nets[n],
            "ip_version": 4, "cidr": cidr + ".0/24",
            "gateway_ip": cidr + ".1"}))
    local = remote = routed_ports = 0
    for i in range(args.ports):
        n = i % (args.subnets + 1)
        k = i // (args.subnets + 1)
        node = args.node if i % 2 == 0 else REMOTE_CHASSIS[(i // 2) % 2]
        doc = port_doc(nets[n], n, k, node, "%s.%d" % (cidrs[n], 10 + k))
        doc["fixed_ips"][0]["subnet_id"] = subnets[n]
        pid = w.add("ports", "port", "r%d-p%d" % (n, k), doc)
        if node == args.node:
            w.ifaces.append(("r%dp%d" % (n, k), pid))
            local += 1
        else:
            remote += 1
        routed_ports += n < args.subnets
    for n in range(args.subnets + 1):
        iface = {"id": uid(0x2c9f0a12, n, 0), "network_id": nets[n],
                 "mac_address": "fa:16:3f:00:%02x:%02x" % (n >> 8, n & 255),
                 "device_owner": "network:router_interface_distributed",
                 "device_id": router,
                 "fixed_ips": [{"subnet_id": subnets[n],
                                "ip_address": cidrs[n] + ".1"}]}
        if n < args.subnets:
            w.add("ports", "port", "rif%d" % n, iface)
    write_world(w, args.out)
    plain = dict(iface, device_owner="", device_id="")
    for i, doc in enumerate((iface, plain)):
        doc = dict({"id": doc["id"], "name": "rif%d" % args.subnets,
                    "tenant_id": TENANT},
                   **{k: v for k, v in doc.items() if k != "id"})
        with open(os.path.join(args.out, "change%d.json" % i), "w") as f:
            json.dump({"port": doc}, f, indent=2)
            f.write("\n")
    networks = args.subnets + 1
    l2 = 15 * local + remote + 3 * networks + 6
    l3 = 3 * routed_ports + 6 * args.subnets + 2 + 6
    plan = {"flows": l2 + l3, "l2": l2, "l3": l3, "groups": 0, "chains": 0,
            "keys": len(w.docs), "node": args.node, "subnets": args.subnets,
            "ports": args.ports, "local": local, "remote": remote,
            "routed_ports": routed_ports,
            "formula": "L2 15 x %d local + %d remote + 3 x %d networks + 6; "
                       "L3 3 x %d ports + 6 x %d subnets + 8" % (
                           local, remote, networks, routed_ports,
                           args.subnets),
            "change": {"key": PREFIX + "ports/" + iface["id"]}}
    with open(os.path.join(args.out, "plan.json"), "w") as f:
        json.dump(plan, f, indent=2)
        f.write("\n")
    print(json.dumps(plan))


def b64(s):
    return base64.b64encode(s.encode()).decode()


def load(args):
    url = urllib.parse.urlparse(args.etcd)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    ops = []
    for kind in sorted(os.listdir(os.path.join(args.dir, "json"))):
        d = os.path.join(args.dir, "json", kind)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name)) as f:
                text = f.read()
            doc = next(iter(json.loads(text).values()))
            ops.append({"request_put": {
                "key": b64(PREFIX + kind + "/" + doc["id"]),
                "value": b64(text)}})
    revision = 0
    for i in range(0, len(ops), 128):
        body = json.dumps({"success": ops[i:i + 128]})
        conn.request("POST", "/v3/kv/txn", body,
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        reply = json.loads(resp.read())
        if resp.status != 200 or not reply.get("succeeded"):
            sys.exit("scale.py load: %s" % reply)
        revision = int(reply["header"]["revision"])
    print(revision)


def one_flow_changed(args):
    """The first table-10 flow with a destination port gets bit 15 of it
    flipped; in a world without chains (gen-ports), the first table-55
    flow with a unicast dl_dst gets the last byte of its MAC flipped."""
    with open(args.flows) as f:
        lines = f.readlines()
    for table, pattern, change in (
            ("table=10,", r"(?:tcp|tp)_dst=(0x[0-9a-f]+|\d+)",
             lambda v: hex(int(v, 0) ^ 0x8000)),
            ("table=55,", r"dl_dst=[0-9a-f:]{15}([0-9a-f]{2})\b",
             lambda v: "%02x" % (int(v, 16) ^ 0x80))):
        for i, line in enumerate(lines):
            m = re.search(pattern, line) if table in line else None
            if m:
                lines[i] = (line[:m.start(1)] + change(m.group(1)) +
                            line[m.end(1):])
                with open(args.out, "w") as out:
                    out.writelines(lines)
                return
    sys.exit("scale.py: no flow to change in %s" % args.flows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--flows", type=int, required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--node", default="node1")
    g.add_argument("--groups", type=int, default=33,
                   help="chains whose first hop has two pairs (a group)")
    gp = sub.add_parser("gen-ports")
    gp.add_argument("--vifs", type=int, required=True)
    gp.add_argument("--networks", type=int, default=PORT_NETWORKS)
    gp.add_argument("--remote", type=int, default=1000)
    gp.add_argument("--out", required=True)
    gp.add_argument("--node", default="node1")
    gr = sub.add_parser("gen-router")
    gr.add_argument("--subnets", type=int, default=100)
    gr.add_argument("--ports", type=int, default=2000)
    gr.add_argument("--out", required=True)
    gr.add_argument("--node", default="node1")
    l = sub.add_parser("load")
    l.add_argument("--etcd", required=True)
    l.add_argument("dir")
    o = sub.add_parser("one-flow-changed")
    o.add_argument("flows")
    o.add_argument("out")
    args = p.parse_args()
    {"gen": gen, "gen-ports": gen_ports, "gen-router": gen_router,
     "load": load,
     "one-flow-changed": one_flow_changed}[
        args.cmd](args)


if __name__ == "__main__":
    main()
