#!/usr/bin/env python3
"""The TAXII 2.1 workload of scripts/bench-taxii.sh, run identically against any server.

    bench-taxii.py BASE API_ROOT COLLECTION USER PASSWORD [--indicators 10000] [--envelope 100]
                   [--page 100] [--clients 8] [--seconds 30] [--json]

1. POST --indicators STIX 2.1 indicators in envelopes of --envelope (one client, one
   keep-alive connection), each envelope acknowledged before the next is sent;
2. GET every object back, --page per request, following `next` (one client);
3. --clients processes (not threads: the GIL would make the generator the bottleneck), each
   with its own keep-alive connection, page through the collection from the start again and
   again for --seconds; every request is timed.

Only the standard library: http.client over loopback, HTTP Basic auth, the TAXII 2.1 media
type. Prints one JSON object with every number (or a table).
"""

import argparse
import base64
import http.client
import json
import multiprocessing
import statistics
import sys
import time
import urllib.parse
import uuid

TAXII = "application/taxii+json;version=2.1"


def headers(user, password, body=False):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    h = {"Accept": TAXII, "Authorization": f"Basic {token}"}
    if body:
        h["Content-Type"] = TAXII
    return h


def connect(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=900)


def request(conn, method, path, hdrs, body=None):
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status >= 300:
        raise SystemExit(f"{method} {path}: {resp.status} {data[:300]!r}")
    return data


def indicator(run, n):
    stamp = "2026-02-01T00:00:00.000Z"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'{run}/{n}')}",
        "created": stamp,
        "modified": stamp,
        "name": f"bench indicator {n}",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']",
        "pattern_type": "stix",
        "valid_from": "2026-02-01T00:00:00Z",
    }


def pct(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def objects_path(a, page, nxt=None):
    q = {"limit": str(page)}
    if nxt:
        q["next"] = nxt
    return f"/{a.api_root}/collections/{a.collection}/objects/?" + urllib.parse.urlencode(q)


GRACE = 30.0  # seconds a request may run past a phase's deadline before it counts as timed out


def page_through(a, conn, hdrs, latencies=None, deadline=None):
    """One pass over the collection; returns (objects, requests). A request still unanswered
    GRACE seconds after `deadline` raises TimeoutError after its (censored) time is recorded."""
    count, requests, nxt = 0, 0, None
    while True:
        t = time.perf_counter()
        if deadline is not None:
            if conn.sock is None:
                conn.connect()
            conn.sock.settimeout(max(0.5, deadline + GRACE - t))
        try:
            data = request(conn, "GET", objects_path(a, a.page, nxt), hdrs)
        except TimeoutError:
            if latencies is not None:
                latencies.append((time.perf_counter() - t) * 1000)
            raise
        if latencies is not None:
            latencies.append((time.perf_counter() - t) * 1000)
        requests += 1
        v = json.loads(data)
        count += len(v.get("objects", []))
        nxt = v.get("next") if v.get("more") else None
        if not nxt or (deadline and time.perf_counter() > deadline):
            return count, requests


def reader(args):
    a, deadline, start = args
    conn = connect(a.base)
    hdrs = headers(a.user, a.password)
    while time.perf_counter() < start:
        time.sleep(0.001)
    latencies, objects, timed_out = [], 0, 0
    while time.perf_counter() < deadline:
        try:
            n, _ = page_through(a, conn, hdrs, latencies, deadline)
        except TimeoutError:
            timed_out += 1
            break
        objects += n
    return latencies, objects, timed_out


def main():
    p = argparse.ArgumentParser()
    for name in ["base", "api_root", "collection", "user", "password"]:
        p.add_argument(name)
    p.add_argument("--indicators", type=int, default=10000)
    p.add_argument("--envelope", type=int, default=100)
    p.add_argument("--page", type=int, default=100)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--read-all-limit", type=float, default=1200)
    a = p.parse_args()
    a.api_root = a.api_root.strip("/")
    run = uuid.uuid4()
    out = {"server": a.base}

    # 1. Ingestion.
    conn = connect(a.base)
    hdrs = headers(a.user, a.password, body=True)
    path = f"/{a.api_root}/collections/{a.collection}/objects/"
    lat, accepted = [], 0
    t0 = time.perf_counter()
    for start in range(0, a.indicators, a.envelope):
        objs = [indicator(run, n) for n in range(start, min(a.indicators, start + a.envelope))]
        body = json.dumps({"objects": objs})
        t = time.perf_counter()
        status = json.loads(request(conn, "POST", path, hdrs, body))
        lat.append((time.perf_counter() - t) * 1000)
        accepted += status.get("success_count", 0)
    secs = time.perf_counter() - t0
    if accepted != a.indicators:
        raise SystemExit(f"{a.base}: only {accepted} of {a.indicators} indicators accepted")
    print(f"  ingested {accepted} in {secs:.1f} s", file=sys.stderr)
    out["ingest"] = {
        "indicators": accepted, "seconds": secs, "per_second": accepted / secs,
        "envelope_p50_ms": pct(lat, 50), "envelope_p99_ms": pct(lat, 99),
    }

    # 2. Read everything back, one client (given at most --read-all-limit seconds).
    hdrs = headers(a.user, a.password)
    lat = []
    t0 = time.perf_counter()
    try:
        count, requests = page_through(a, conn, hdrs, lat, t0 + a.read_all_limit - GRACE)
    except TimeoutError:
        raise SystemExit(f"{a.base}: reading everything back took over {a.read_all_limit} s")
    secs = time.perf_counter() - t0
    if count < a.indicators:
        raise SystemExit(f"{a.base}: read back {count} of {a.indicators} objects")
    print(f"  read {count} back in {secs:.1f} s", file=sys.stderr)
    out["read_all"] = {
        "objects": count, "requests": requests, "seconds": secs,
        "objects_per_second": count / secs, "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
    }

    # 3. Concurrent readers.
    start = time.perf_counter() + 0.5
    deadline = start + a.seconds
    with multiprocessing.Pool(a.clients) as pool:
        results = pool.map(reader, [(a, deadline, start)] * a.clients)
    lat = [x for r in results for x in r[0]]
    objects = sum(r[1] for r in results)
    timed_out = sum(r[2] for r in results)
    out["concurrent"] = {
        "clients": a.clients, "seconds": a.seconds, "requests": len(lat),
        "requests_per_second": (len(lat) - timed_out) / a.seconds, "objects_per_second": objects / a.seconds,
        "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
        "mean_ms": statistics.fmean(lat) if lat else 0.0,
        "timed_out": timed_out,
    }
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
