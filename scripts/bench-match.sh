#!/usr/bin/env bash
# `accord match` in batch on a Suricata eve.json at scale (issue 17): events per second, wall
# and CPU time, and peak resident memory, measured with /usr/bin/time -v.
#
# The workload (generated, deterministic): EVENTS eve.json records (default 1,000,000; about
# 430 bytes each), half DNS queries and half flow records, in time order over about an hour;
# 0.1 % of them carry an indicator's value (the queried name, or the flow's destination
# address). 100,000 exact-value indicators: 50,000 `[domain-name:value = '…']` and 50,000
# `[ipv4-addr:value = '…']`, as NDJSON.
#
# Usage: scripts/bench-match.sh [EVENTS]
#   env: ACCORD=path/to/accord (default: a release build of this tree)
#        ACCORD_BEFORE=path/to/another/accord (also timed, on the same files, e.g. main's)
#        BENCH_DIR=directory for the generated files (default target/bench-match; deleted after)
#        THREADS=--threads value (default: the number of CPUs)
# The generated files (about 430 MB per million events) are deleted when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${1:-1000000}
DIR=${BENCH_DIR:-${CARGO_TARGET_DIR:-target}/bench-match}
THREADS=${THREADS:-$(nproc)}
mkdir -p "$DIR"
trap 'rm -f "$DIR/eve.json" "$DIR/indicators.ndjson" "$DIR"/out-*.txt "$DIR"/time-*.txt' EXIT

if [ -z "${ACCORD:-}" ]; then
  echo "building accord (release)..." >&2
  cargo build --release --quiet -p accord-cli
  ACCORD=${CARGO_TARGET_DIR:-target}/release/accord
fi

echo "generating $EVENTS events and 100,000 indicators in $DIR..." >&2
python3 - "$DIR" "$EVENTS" <<'EOF'
import random, sys, datetime

out, events = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261207)
N_IND = 100_000

def bad_domain(n): return "c%d.bad.example" % n
def bad_ip(n): return "203.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)

with open(out + "/indicators.ndjson", "w") as f:
    for i in range(N_IND):
        if i % 2 == 0:
            p = "[domain-name:value = '%s']" % bad_domain(i)
        else:
            p = "[ipv4-addr:value = '%s']" % bad_ip(i)
        f.write('{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d",'
                '"created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z",'
                '"name":"bench %d","pattern":"%s","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}\n'
                % (i, i, p))

start = datetime.datetime(2026, 12, 7, 10, 0, 0)
def stamp(us):
    t = start + datetime.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")

hits = 0
with open(out + "/eve.json", "w") as f:
    for e in range(events):
        us = e * 3600 * 1_000_000 // max(events, 1)
        hit = e % 1000 == 500
        src = "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
        flow_id = rng.getrandbits(50)
        if e % 2 == 0:
            name = bad_domain(2 * rng.randrange(N_IND // 2)) if hit else "www%d.site%d.example" % (rng.randrange(100), rng.randrange(100000))
            hits += hit
            f.write('{"timestamp":"%s","flow_id":%d,"in_iface":"eth0","event_type":"dns","src_ip":"%s",'
                    '"src_port":%d,"dest_ip":"192.0.2.53","dest_port":53,"proto":"UDP","pkt_src":"wire/pcap",'
                    '"community_id":"1:%022x=","dns":{"version":2,"type":"query","id":%d,"rrname":"%s",'
                    '"rrtype":"A","tx_id":0,"opcode":0}}\n'
                    % (stamp(us), flow_id, src, rng.randrange(1024, 65535), rng.getrandbits(88),
                       rng.randrange(65536), name))
        else:
            dest = bad_ip(2 * rng.randrange(N_IND // 2) + 1) if hit else "198.51.%d.%d" % (rng.randrange(256), rng.randrange(1, 255))
            hits += hit
            began = max(us - rng.randrange(30_000_000), 0)
            f.write('{"timestamp":"%s","flow_id":%d,"in_iface":"eth0","event_type":"flow","src_ip":"%s",'
                    '"src_port":%d,"dest_ip":"%s","dest_port":443,"proto":"TCP","app_proto":"tls",'
                    '"flow":{"pkts_toserver":%d,"pkts_toclient":%d,"bytes_toserver":%d,"bytes_toclient":%d,'
                    '"start":"%s","end":"%s","age":%d,"state":"closed","reason":"timeout","alerted":false},'
                    '"community_id":"1:%022x=","tcp":{"tcp_flags":"1b","tcp_flags_ts":"1b","tcp_flags_tc":"1b",'
                    '"syn":true,"fin":true,"psh":true,"ack":true,"state":"closed"}}\n'
                    % (stamp(us), flow_id, src, rng.randrange(1024, 65535), dest, rng.randrange(1, 100),
                       rng.randrange(1, 100), rng.randrange(60, 100000), rng.randrange(60, 100000),
                       stamp(began), stamp(us), (us - began) // 1_000_000, rng.getrandbits(88)))
print("%d events, %d carry an indicator value" % (events, hits), file=sys.stderr)
EOF
ls -l "$DIR/eve.json" >&2

run() { # name binary
  local name=$1 bin=$2
  /usr/bin/time -v "$bin" match --indicators "$DIR/indicators.ndjson" --observations "$DIR/eve.json" \
    --threads "$THREADS" >"$DIR/out-$name.txt" 2>"$DIR/time-$name.txt"
  local wall user sys rss lines
  wall=$(grep 'Elapsed (wall clock)' "$DIR/time-$name.txt" | awk '{print $NF}')
  user=$(grep 'User time' "$DIR/time-$name.txt" | awk '{print $NF}')
  sys=$(grep 'System time' "$DIR/time-$name.txt" | awk '{print $NF}')
  rss=$(grep 'Maximum resident' "$DIR/time-$name.txt" | awk '{print $NF}')
  lines=$(wc -l <"$DIR/out-$name.txt")
  python3 - "$name" "$EVENTS" "$wall" "$user" "$sys" "$rss" "$lines" <<'EOF'
import sys
name, events, wall, user, sys_, rss, lines = sys.argv[1:]
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print("%-7s %d events: wall %.2f s (%.0f events/s), CPU %.2f s (user %s + sys %s), peak RSS %.0f MB, %s sighting line(s)"
      % (name, int(events), secs, int(events) / secs, float(user) + float(sys_), user, sys_, int(rss) / 1024, lines))
EOF
  grep -E 'sighting\(s\)|combining|warning' "$DIR/time-$name.txt" | sed 's/^/        /'
}

if [ -n "${ACCORD_BEFORE:-}" ]; then
  run before "$ACCORD_BEFORE"
fi
run after "$ACCORD"
if [ -n "${ACCORD_BEFORE:-}" ]; then
  if cmp -s "$DIR/out-before.txt" "$DIR/out-after.txt"; then
    echo "same sightings before and after" >&2
  else
    echo "the sightings differ before and after" >&2
    exit 1
  fi
fi
