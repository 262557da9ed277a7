#!/usr/bin/env bash
# `accord match --follow` keeping up with a Suricata eve.json that grows at a fixed rate.
#
# A writer (Python) appends eve.json records to a local file at $RATE events/s (default
# 200,000) for $SECS seconds (default 10), in batches every 10 ms; half DNS queries, half flow
# records, 0.1 % of them a query for one of $INDICATORS (default 100,000) exact-value domain
# indicators. A release `accord match --follow` follows the file from its start, and a sampler
# reads its Prometheus metrics (loopback) every 100 ms: lag behind the file's end in bytes and
# seconds while the writer runs, then how long after the writer stops the follower needs to
# have processed every event. The writer reports the rate it actually achieved, since on a
# busy two-core machine it competes with the follower for the CPU.
#
# Bounded: $SECS × $RATE events (about 250 bytes each: 500 MB at the defaults), deleted at the
# end.
#
# Usage: scripts/bench-follow.sh   (env: RATE=200000 SECS=10 INDICATORS=100000 THREADS=2
#                                   PORT=9464 BENCH_DIR=target/bench-follow)
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-200000}
SECS=${SECS:-10}
INDICATORS=${INDICATORS:-100000}
THREADS=${THREADS:-2}
PORT=${PORT:-9464}
DIR=${BENCH_DIR:-target/bench-follow}
mkdir -p "$DIR"
rm -f "$DIR/eve.json" "$DIR/position.json"

echo "building accord (release)..." >&2
cargo build --release --quiet -p accord-cli --bin accord
ACCORD=${CARGO_TARGET_DIR:-target}/release/accord

python3 - "$DIR" "$INDICATORS" <<'EOF'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
with open(out + "/indicators.ndjson", "w") as f:
    for i in range(n):
        f.write(json.dumps({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--00000000-0000-4000-8000-%012d" % i,
            "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
            "pattern": "[domain-name:value = 'c2-%d.example']" % i,
            "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}) + "\n")
EOF

"$ACCORD" match --indicators "$DIR/indicators.ndjson" --follow "$DIR/eve.json" \
  --position "$DIR/position.json" --threads "$THREADS" --status-interval 1 \
  --metrics "127.0.0.1:$PORT" > "$DIR/sightings.txt" 2> "$DIR/follow.err" &
FOLLOWER=$!
trap 'kill -TERM $FOLLOWER 2>/dev/null || true; rm -f "$DIR/eve.json"' EXIT

python3 - "$DIR" "$RATE" "$SECS" "$PORT" "$INDICATORS" <<'EOF'
import sys, threading, time, urllib.request

out, rate, secs, port, n_ind = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
url = "http://127.0.0.1:%d/metrics" % port

def metrics():
    with urllib.request.urlopen(url, timeout=5) as r:
        m = {}
        for line in r.read().decode().splitlines():
            if line and not line.startswith("#"):
                k, v = line.split(" ")
                m[k] = float(v)
        return m

deadline = time.time() + 600
while True:
    try:
        metrics(); break
    except Exception:
        if time.time() > deadline: sys.exit("the follower did not start")
        time.sleep(0.1)

# A pool of distinct records, written round and round.
pool = []
for i in range(100000):
    ts = "2026-12-07T10:%02d:%02d.%06d+0000" % (i // 60000 % 60, i // 1000 % 60, i % 1000 * 1000)
    src = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
    if i % 2 == 0:
        name = ("c2-%d.example" % (i * 7919 % n_ind)) if i % 1000 == 0 else ("host%d.example" % i)
        pool.append('{"timestamp":"%s","flow_id":%d,"event_type":"dns","src_ip":"%s","src_port":%d,"dest_ip":"192.0.2.53","dest_port":53,"proto":"UDP","dns":{"type":"query","id":%d,"rrname":"%s","rrtype":"A"}}\n'
                    % (ts, i, src, 1024 + i % 60000, i % 65536, name))
    else:
        pool.append('{"timestamp":"%s","flow_id":%d,"event_type":"flow","src_ip":"%s","src_port":%d,"dest_ip":"198.51.100.%d","dest_port":443,"proto":"TCP","flow":{"pkts_toserver":5,"pkts_toclient":4,"bytes_toserver":600,"bytes_toclient":3000,"start":"%s","end":"%s","state":"closed"}}\n'
                    % (ts, i, src, 1024 + i % 60000, i % 256, ts, ts))

samples = []
stop = threading.Event()
def sample():
    while not stop.is_set():
        try:
            m = metrics()
            samples.append((time.time(), m["accord_follow_lag_seconds"], m["accord_follow_lag_bytes"], m["accord_follow_events_total"]))
        except Exception:
            pass
        time.sleep(0.1)
t = threading.Thread(target=sample); t.start()

written = 0
start = time.time()
with open(out + "/eve.json", "a") as f:
    while True:
        now = time.time() - start
        if now >= secs: break
        due = int(min(now + 0.01, secs) * rate)
        if due > written:
            k = written % len(pool)
            batch = pool[k:k + (due - written)]
            while len(batch) < due - written:
                batch += pool[:due - written - len(batch)]
            f.write("".join(batch)); f.flush()
            written = due
        time.sleep(0.01)
wrote_for = time.time() - start
end = time.time()
m = metrics()
while m["accord_follow_events_total"] < written:
    if time.time() - end > 120: break
    time.sleep(0.05); m = metrics()
drain = time.time() - end
stop.set(); t.join()
during = [s for s in samples if s[0] <= end]
lags = sorted(s[1] for s in during) or [0.0]
pct = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))]
print("writer: %d events in %.2f s = %.0f events/s (target %d)" % (written, wrote_for, written / wrote_for, rate))
print("lag while writing (%d samples): median %.3f s, p99 %.3f s, max %.3f s; max %.1f MB behind"
      % (len(during), pct(0.5), pct(0.99), lags[-1], max((s[2] for s in during), default=0) / 1e6))
print("caught up %.2f s after the writer stopped; events matched %d of %d; sightings %d"
      % (drain, m["accord_follow_events_total"], written, m["accord_follow_sightings_total"]))
EOF

kill -TERM $FOLLOWER; wait $FOLLOWER || true
trap - EXIT
grep '^follow:' "$DIR/follow.err" | tail -3
tail -1 "$DIR/follow.err"
rm -f "$DIR/eve.json"
