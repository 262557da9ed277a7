#!/usr/bin/env bash
# Accord's matcher against the OASIS reference matcher (stix2-matcher, PyPI) on the same input:
# 1,000 indicators (mostly equality on SHA-256 hashes, domains and IPv4 addresses; some IN,
# ISSUBSET and LIKE; some with qualifiers and FOLLOWEDBY) × 10,000 observed-data.
#
# The reference evaluates one pattern at a time over every observation (about 30 µs per
# pattern × observation pair, so ~300 s for the full product); it is timed on the first
# $SUBSET observed-data (default 500) and its matching time extrapolated linearly to 10,000
# (its cost is linear in the observations: each pattern walks every observation). Pattern
# compilation is timed in full. `accord match` (release build) runs on the full input, and
# also on the subset, where both must report the same matched indicators.
#
# Usage: scripts/bench-matcher.sh            (env: SUBSET=500 BENCH_DIR=target/bench-matcher)
set -euo pipefail
cd "$(dirname "$0")/.."

SUBSET=${SUBSET:-500}
DIR=${BENCH_DIR:-target/bench-matcher}
mkdir -p "$DIR"

if ! python3 -c 'import stix2matcher, stix2patterns' >/dev/null 2>&1; then
  echo "installing the peer: stix2-matcher 3.0.0 (PyPI)" >&2
  python3 -m pip install --quiet stix2-matcher==3.0.0 stix2-patterns==2.1.2
fi

echo "building accord (release)..." >&2
cargo build --release --quiet -p accord-cli
ACCORD=${CARGO_TARGET_DIR:-target}/release/accord

echo "generating the workload in $DIR..." >&2
python3 - "$DIR" "$SUBSET" <<'EOF'
import json, random, sys

out, subset = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261129)
N_IND, N_OBS = 1000, 10000

def uid(prefix, n):
    return "%s--00000000-0000-4000-8000-%012d" % (prefix, n)

def sha(n): return "%064x" % (rng.getrandbits(256) if n is None else n * 0x9E3779B97F4A7C15 % (1 << 256))
def domain(n): return "host%d.example" % n
def ip(n): return "10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)
def url(n): return "http://host%d.example/path/%d" % (n, n)

# Indicator values are numbered 0..; observations hit an indicator value 1 time in 100.
patterns = []
for i in range(N_IND):
    r = i % 100
    if r < 30:   p = "[file:hashes.'SHA-256' = '%s']" % sha(i)
    elif r < 55: p = "[domain-name:value = '%s']" % domain(i)
    elif r < 75: p = "[ipv4-addr:value = '%s']" % ip(i)
    elif r < 80: p = "[url:value = '%s']" % url(i)
    elif r < 85: p = "[domain-name:value IN ('%s', '%s', '%s')]" % (domain(i), domain(i + 5000), domain(i + 6000))
    elif r < 89: p = "[ipv4-addr:value ISSUBSET '10.0.%d.0/24']" % ((i >> 8) & 255)
    elif r < 92: p = "[url:value LIKE 'http://host%d.example/%%']" % i
    elif r < 96: p = "[domain-name:value = '%s'] FOLLOWEDBY [ipv4-addr:value = '%s']" % (domain(i), ip(i))
    else:        p = "[ipv4-addr:value = '%s'] REPEATS 2 TIMES WITHIN 3600 SECONDS" % ip(i)
    patterns.append(p)

indicators = [{
    "type": "indicator", "spec_version": "2.1", "id": uid("indicator", i),
    "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
    "name": "bench %d" % i, "pattern": p, "pattern_type": "stix",
    "valid_from": "2026-01-01T00:00:00Z"} for i, p in enumerate(patterns)]

objects, per_obs = [], []
next_id = 0
for o in range(N_OBS):
    hit = rng.random() < 0.01
    n = rng.randrange(N_IND) if hit else 1_000_000 + o
    kind = o % 4
    next_id += 1
    if kind == 0:
        sco = {"type": "file", "spec_version": "2.1", "id": uid("file", next_id),
               "name": "f%d.bin" % o, "hashes": {"SHA-256": sha(n)}}
    elif kind == 1:
        sco = {"type": "domain-name", "spec_version": "2.1", "id": uid("domain-name", next_id), "value": domain(n)}
    elif kind == 2:
        sco = {"type": "ipv4-addr", "spec_version": "2.1", "id": uid("ipv4-addr", next_id), "value": ip(n)}
    else:
        sco = {"type": "url", "spec_version": "2.1", "id": uid("url", next_id), "value": url(n)}
    t = "2026-11-29T%02d:%02d:%02dZ" % (o // 3600 % 24, o // 60 % 60, o % 60)
    od = {"type": "observed-data", "spec_version": "2.1", "id": uid("observed-data", o),
          "created": t, "modified": t, "first_observed": t, "last_observed": t,
          "number_observed": 1, "object_refs": [sco["id"]]}
    per_obs.append([sco, od])

def bundle(objs):
    return {"type": "bundle", "id": uid("bundle", 0), "objects": objs}

with open(out + "/indicators.json", "w") as f:
    json.dump(bundle(indicators), f)
with open(out + "/patterns.json", "w") as f:
    json.dump(patterns, f)
with open(out + "/observations.json", "w") as f:
    json.dump(bundle([x for pair in per_obs for x in pair]), f)
with open(out + "/observations-subset.json", "w") as f:
    json.dump(bundle([x for pair in per_obs[:subset] for x in pair]), f)
EOF

echo "running stix2-matcher on 1,000 patterns x $SUBSET observed-data..." >&2
python3 - "$DIR" <<'EOF' > "$DIR/reference.json"
import json, sys, time
from stix2matcher.matcher import Pattern
d = sys.argv[1]
patterns = json.load(open(d + "/patterns.json"))
obs = json.load(open(d + "/observations-subset.json"))
t0 = time.perf_counter()
compiled = [Pattern(p, "2.1") for p in patterns]
t1 = time.perf_counter()
matched = [i for i, p in enumerate(compiled) if p.match([obs])]
t2 = time.perf_counter()
json.dump({"compile": t1 - t0, "match": t2 - t1, "matched": matched}, sys.stdout)
EOF

now() { date +%s.%N; }
echo "running accord match on the subset and on the full input..." >&2
"$ACCORD" match --indicators "$DIR/indicators.json" --observations "$DIR/observations-subset.json" \
  --json 2>/dev/null > "$DIR/accord-subset.ndjson"
# accord's run takes a fraction of a second, so one sample is at the mercy of the scheduler:
# time RUNS runs (default 7) and report the median.
RUNS=${RUNS:-7}
walls=()
for _ in $(seq 1 "$RUNS"); do
  a=$(now)
  "$ACCORD" match --indicators "$DIR/indicators.json" --observations "$DIR/observations.json" \
    --json --threads 2 2>"$DIR/accord.stderr" > "$DIR/accord.ndjson"
  b=$(now)
  walls+=("$(echo "$b - $a" | bc)")
  cp "$DIR/accord.stderr" "$DIR/accord.stderr.$(( ${#walls[@]} ))"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
t0=0
t1=$median
# The breakdown printed below is from the median run.
for i in $(seq 1 "$RUNS"); do
  if [ "${walls[$((i - 1))]}" = "$median" ]; then cp "$DIR/accord.stderr.$i" "$DIR/accord.stderr"; fi
done

python3 - "$DIR" "$SUBSET" "$t0" "$t1" <<'EOF'
import json, sys
d, subset, t0, t1 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ref = json.load(open(d + "/reference.json"))
ours_subset = sorted({int(json.loads(l)["sighting_of_ref"][-12:]) for l in open(d + "/accord-subset.ndjson")})
if ours_subset != sorted(ref["matched"]):
    sys.exit("DISAGREEMENT on the subset: accord %s vs stix2-matcher %s" % (ours_subset, ref["matched"]))
pairs = 1000 * 10000
ref_total = ref["compile"] + ref["match"] * 10000 / subset
accord = t1 - t0
sightings = sum(1 for _ in open(d + "/accord.ndjson"))
print("workload: 1,000 indicators x 10,000 observed-data (%d sightings by accord)" % sightings)
print("agreement on the %d-observation subset: both report the same %d matched indicators" % (subset, len(ref["matched"])))
print("stix2-matcher 3.0.0: compile %.2f s, match %.2f s on %d observed-data -> %.1f s for 10,000 (extrapolated); %.0f pairs/s, %.1f observed-data/s"
      % (ref["compile"], ref["match"], subset, ref_total, pairs / ref_total, 10000 / ref_total))
print("accord match (release, 2 threads, whole command incl. reading and compiling; median of the runs): %.3f s; %.0f pairs/s, %.0f observed-data/s"
      % (accord, pairs / accord, 10000 / accord))
# accord's own breakdown, from its summary line on stderr.
import re
m = re.search(r"\(compiling ([0-9.]+) s, reading observations ([0-9.]+) s, matching ([0-9.]+) s\)",
              open(d + "/accord.stderr").read())
compile_s, read_s, match_s = (float(x) for x in m.groups())
engine = compile_s + match_s
print("accord engine only (compile %.3f s + match %.3f s; reading the JSON took %.3f s): %.0f pairs/s"
      % (compile_s, match_s, read_s, pairs / engine))
print("ratio, whole command vs reference compile+match: %.0fx" % (ref_total / accord))
print("ratio, engine vs engine (compile+match, JSON reading excluded on both sides): %.0fx" % (ref_total / engine))
EOF
