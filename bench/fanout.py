#!/usr/bin/env python3
"""Fan-out: time from `etcdctl put` of a change to every node's status saying
it rendered that revision (desired_revision >= the put's revision).

Usage: fanout.py ENDPOINT NODES ROUNDS KEY VALUE-TEMPLATE
The nodes are flowsteerd processes named n000..n<NODES-1> (started by
bench/fanout.sh with --no-ovs).  VALUE-TEMPLATE holds "{port}", replaced by
a different port number each round.  Prints p50/p99/max over the rounds.
"""
import base64
import json
import subprocess
import sys
import threading
import time

endpoint, n_nodes, rounds, key, template = sys.argv[1:6]
n_nodes, rounds = int(n_nodes), int(rounds)
prefix = "/flowsteer/status/"
rendered = {}  # node -> highest desired_revision seen
cond = threading.Condition()


watcher = None


def watch():
    global watcher
    watcher = p = subprocess.Popen(["etcdctl", "--endpoints", endpoint, "watch",
                          "--prefix", prefix, "-w", "json"],
                         stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        for e in ev.get("Events") or []:
            kv = e.get("kv", {})
            node = base64.b64decode(kv.get("key", "")).decode()[len(prefix):]
            try:
                doc = json.loads(base64.b64decode(kv.get("value", "")))
            except ValueError:
                continue
            with cond:
                rendered[node] = max(rendered.get(node, 0),
                                     doc.get("desired_revision", 0))
                cond.notify_all()


threading.Thread(target=watch, daemon=True).start()
time.sleep(0.5)
lat = []
for i in range(rounds):
    value = template.replace("{port}", str(2000 + i))
    t0 = time.monotonic()
    out = subprocess.run(["etcdctl", "--endpoints", endpoint, "put", key,
                          value, "-w", "json"], capture_output=True,
                         text=True, check=True).stdout
    rev = json.loads(out)["header"]["revision"]
    with cond:
        ok = cond.wait_for(lambda: sum(1 for r in rendered.values()
                                       if r >= rev) >= n_nodes, timeout=30)
    if not ok:
        watcher.terminate()
        print(f"round {i}: only {sum(1 for r in rendered.values() if r >= rev)}"
              f" of {n_nodes} nodes rendered revision {rev} within 30 s")
        sys.exit(1)
    lat.append((time.monotonic() - t0) * 1000)
    time.sleep(0.2)
watcher.terminate()
watcher.wait()
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"fan-out, {n_nodes} nodes, {rounds} changes: put -> every node "
      f"rendered (ms): p50 {p(0.5):.0f}, p99 {p(0.99):.0f}, max {lat[-1]:.0f}")
