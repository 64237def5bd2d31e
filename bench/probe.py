#!/usr/bin/env python3
"""bench/probe.py: flowsteerd's status documents as the bench sees them.

Talks to etcd's JSON gateway over kept-alive HTTP connections, so that no
process start (etcdctl: 15-50 ms on the bench machine) is in a figure.
Times are wall clock in milliseconds (time.time() * 1000), comparable with
bash's $EPOCHREALTIME.

  probe.py record --etcd URL --prefix KEY --out FILE
      Watches the status key (or every key under KEY if it ends in "/") and
      appends one JSON line per write: {"t": receive time, "rev": etcd
      mod_revision, "key": key, "doc": the status document}.  Runs until
      killed; the file is flushed per line.  With --ready FILE, creates
      FILE once etcd has registered the watch.

  probe.py until FILE --after T [--cond EXPR] [--timeout S] [--settle S]
      Waits until FILE has a record received after T for which the Python
      expression EXPR holds (names: d = the status document, la = its
      last_apply, r = the record), then prints that record with "ms" (its
      time - T), "n" (records after T up to it), "min_observed" and
      "min_flows" (smallest observed_revision and flows among them and
      those of the next S seconds, --settle).  Exits 1 on timeout.

  probe.py changes --etcd URL --nodes N1[,N2...] --key KEY
                   --values F0,F1 --count C [--out FILE]
      C puts of KEY, alternating the contents of files F1 and F0 (F1 first;
      an even C leaves F0), each timed from just before the put request to
      the first status write of every node with observed_revision >= the
      put's revision.  Prints JSON: per change the wall-clock latency (the
      slowest node), the put's own round trip, and the daemon's
      last_apply.convergence_ms (watch event -> barrier reply) or, when the
      daemon does not write it yet, last_apply.ms (diff -> barrier), with
      flow mods; then p50/p99 (nearest rank) of each.
"""
import argparse
import base64
import http.client
import json
import math
import sys
import threading
import time
import urllib.parse

STATUS = "/flowsteer/status/"


def now_ms():
    return time.time() * 1000.0


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def unb64(s):
    return base64.b64decode(s).decode()


def prefix_end(key):
    b = bytearray(key.encode())
    b[-1] += 1
    return bytes(b)


class Etcd:
    """Unary requests through the gateway on one kept-alive connection."""

    def __init__(self, url):
        self.url = urllib.parse.urlparse(url)
        self.conn = None

    def post(self, path, obj):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    self.url.hostname, self.url.port, timeout=30)
            try:
                self.conn.request("POST", path, json.dumps(obj),
                                  {"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                reply = json.loads(resp.read())
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            if resp.status != 200:
                raise RuntimeError("%s: %s" % (path, reply))
            return reply

    def put(self, key, value):
        reply = self.post("/v3/kv/put", {"key": b64(key), "value": b64(value)})
        return int(reply["header"]["revision"])

    def revision(self):
        reply = self.post("/v3/kv/range", {"key": b64("/"), "limit": 1})
        return int(reply["header"]["revision"])


def watch(url, key, start_revision, on_kv, on_created=None):
    """Calls on_kv(receive time, kv) for every put of 'key' (a prefix if it
    ends in '/') from 'start_revision' on, and on_created() once etcd has
    registered the watch; returns when the stream ends."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    req = {"key": b64(key), "start_revision": start_revision}
    if key.endswith("/"):
        req["range_end"] = b64(prefix_end(key))
    conn.request("POST", "/v3/watch", json.dumps({"create_request": req}),
                 {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError("watch: HTTP %d" % resp.status)
    # The gateway streams one JSON object per line.
    while True:
        line = resp.readline()
        if not line:
            return
        t = now_ms()
        msg = json.loads(line).get("result", {})
        if msg.get("created") and on_created:
            on_created()
        for ev in msg.get("events", []):
            if ev.get("type", "PUT") == "PUT":
                on_kv(t, ev["kv"])


def kv_record(t, kv):
    try:
        doc = json.loads(unb64(kv.get("value", "")))
    except ValueError:
        doc = None
    return {"t": round(t, 3), "rev": int(kv["mod_revision"]),
            "key": unb64(kv["key"]), "doc": doc}


def record(args):
    start = Etcd(args.etcd).revision() + 1
    with open(args.out, "a") as out:
        def on_kv(t, kv):
            out.write(json.dumps(kv_record(t, kv)) + "\n")
            out.flush()

        def on_created():
            if args.ready:
                open(args.ready, "w").close()
        watch(args.etcd, args.prefix, start, on_kv, on_created)


def read_records(path, after):
    recs = []
    with open(path) as f:
        for line in f:
            if not line.endswith("\n"):
                break
            r = json.loads(line)
            if r["t"] >= after and isinstance(r.get("doc"), dict):
                recs.append(r)
    return recs


def until(args):
    cond = compile(args.cond, "--cond", "eval")
    deadline = time.time() + args.timeout
    while True:
        recs = read_records(args.file, args.after)
        for i, r in enumerate(recs):
            d = r["doc"]
            la = d.get("last_apply", {})
            if eval(cond, {}, {"d": d, "la": la, "r": r}):
                if args.settle:
                    time.sleep(args.settle)
                    recs = read_records(args.file, args.after)
                seen = [x for x in recs if x["t"] <= r["t"] + args.settle * 1000]
                out = dict(r, ms=round(r["t"] - args.after, 1), n=i + 1,
                           min_observed=min(x["doc"].get("observed_revision", 0)
                                            for x in seen),
                           min_flows=min(x["doc"].get("flows", 0) for x in seen))
                print(json.dumps(out))
                return 0
        if time.time() > deadline:
            print("probe.py until: no record with %s after %.0f within %g s "
                  "(%d records)" % (args.cond, args.after, args.timeout,
                                    len(recs)), file=sys.stderr)
            return 1
        time.sleep(0.01)


def pct(values, q):
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)] if s else None


def changes(args):
    nodes = args.nodes.split(",")
    values = []
    for name in args.values.split(","):
        with open(name) as f:
            values.append(f.read())
    etcd = Etcd(args.etcd)
    cv = threading.Condition()
    seen = {}  # node -> list of (t, doc)

    def on_kv(t, kv):
        r = kv_record(t, kv)
        node = r["key"][len(STATUS):]
        if node in nodes and isinstance(r["doc"], dict):
            with cv:
                seen.setdefault(node, []).append((t, r["doc"]))
                cv.notify_all()

    start = etcd.revision() + 1
    created = threading.Event()
    threading.Thread(target=watch, daemon=True,
                     args=(args.etcd, STATUS, start, on_kv, created.set)).start()
    if not created.wait(10):
        sys.exit("probe.py changes: the status watch was not created")
    rounds = []
    for i in range(1, args.count + 1):
        value = values[i % len(values)]
        with cv:
            for node in nodes:
                seen[node] = []
        t0 = now_ms()
        rev = etcd.put(args.key, value)
        t_put = now_ms()
        first = {}
        with cv:
            deadline = time.time() + args.timeout
            while len(first) < len(nodes):
                for node in nodes:
                    for t, d in seen.get(node, []):
                        if node not in first and \
                                d.get("observed_revision", 0) >= rev:
                            first[node] = (t, d)
                if len(first) < len(nodes):
                    left = deadline - time.time()
                    if left <= 0:
                        sys.exit("probe.py changes: change %d (revision %d) "
                                 "not observed by %s within %g s"
                                 % (i, rev, sorted(set(nodes) - set(first)),
                                    args.timeout))
                    cv.wait(left)
        t_last = max(t for t, _ in first.values())
        las = [d.get("last_apply", {}) for _, d in first.values()]
        daemon = [la.get("convergence_ms", la.get("ms", 0)) for la in las]
        rounds.append({
            "revision": rev,
            "ms": round(t_last - t0, 2),
            "node_ms": sorted(round(t - t0, 2) for t, _ in first.values()),
            "put_ms": round(t_put - t0, 2),
            "daemon_ms": max(daemon),
            "daemon_field": "convergence_ms" if all(
                "convergence_ms" in la for la in las) else "ms",
            "flow_mods": max(la.get("flow_mods", 0) for la in las),
            "flows": min(d.get("flows", 0) for _, d in first.values())})
        time.sleep(args.pause)
    summary = {"count": len(rounds), "rounds": rounds}
    for name in ("ms", "put_ms", "daemon_ms", "flow_mods"):
        vals = [r[name] for r in rounds]
        summary[name] = {"p50": pct(vals, 0.5), "p99": pct(vals, 0.99),
                         "max": max(vals)}
    if len(nodes) > 1:
        every = [t for r in rounds for t in r["node_ms"]]
        summary["node_ms"] = {"p50": pct(every, 0.5), "p99": pct(every, 0.99)}
    summary["daemon_field"] = rounds[-1]["daemon_field"] if rounds else None
    text = json.dumps(summary)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("--etcd", required=True)
    r.add_argument("--prefix", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--ready")
    u = sub.add_parser("until")
    u.add_argument("file")
    u.add_argument("--after", type=float, required=True)
    u.add_argument("--cond", default="True")
    u.add_argument("--timeout", type=float, default=60)
    u.add_argument("--settle", type=float, default=0)
    c = sub.add_parser("changes")
    c.add_argument("--etcd", required=True)
    c.add_argument("--nodes", required=True)
    c.add_argument("--key", required=True)
    c.add_argument("--values", required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--timeout", type=float, default=120)
    c.add_argument("--pause", type=float, default=0.1)
    c.add_argument("--out")
    args = p.parse_args()
    sys.exit({"record": record, "until": until, "changes": changes}[
        args.cmd](args) or 0)


if __name__ == "__main__":
    main()
