#!/usr/bin/env bash
# TAXII 2.1 throughput: Accord against the OASIS reference server medallion (PyPI, memory
# backend), on loopback, in one run, with the same load generator (scripts/bench-taxii.py):
#   1. POST 10,000 indicators in envelopes of 100 (Accord signs and logs each one);
#   2. GET them all back, 100 per page, following `next`;
#   3. 8 concurrent clients paging through the collection for 30 s.
# Prints both servers' numbers and Accord's ratio. Environment: INDICATORS, ENVELOPE, PAGE,
# CLIENTS, DURATION (seconds) override the workload; ACCORD points at a built binary (default: builds
# `cargo build --release -p accord-cli` into $CARGO_TARGET_DIR or ./target).
set -euo pipefail
cd "$(dirname "$0")/.."

INDICATORS=${INDICATORS:-10000}
ENVELOPE=${ENVELOPE:-100}
PAGE=${PAGE:-100}
CLIENTS=${CLIENTS:-8}
SECONDS_=${DURATION:-30}
TARGET=${CARGO_TARGET_DIR:-target}

python3 -c 'import medallion' 2>/dev/null || pip install --quiet medallion
if [ -z "${ACCORD:-}" ]; then
  cargo build --release -p accord-cli >&2
  ACCORD="$TARGET/release/accord"
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # URL
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "server at $1 did not start" >&2; exit 1
}

COLLECTION=9e2f6c1a-4b3d-4c5e-8f7a-1b2c3d4e5f60

# --- Accord: one collection, one writer (FR), a token; the hub on loopback.
A_PORT=$(free_port)
"$ACCORD" --data "$WORK/accord" collections add --id "$COLLECTION" --title bench \
  --member FR:rw --default-tlp green >/dev/null
A_TOKEN=$("$ACCORD" --data "$WORK/accord" tokens issue --party FR)
RUST_LOG=warn "$ACCORD" --data "$WORK/accord" serve --listen "127.0.0.1:$A_PORT" 2>"$WORK/accord.log" &
PIDS+=($!)
wait_for "http://127.0.0.1:$A_PORT/healthz"

# --- medallion: memory backend, the same collection, HTTP Basic user.
M_PORT=$(free_port)
cat >"$WORK/medallion-data.json" <<JSON
{
  "/discovery": {"title": "bench", "default": "http://127.0.0.1:$M_PORT/api/", "api_roots": ["http://127.0.0.1:$M_PORT/api/"]},
  "api": {
    "information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 104857600},
    "status": [],
    "collections": [{"id": "$COLLECTION", "title": "bench", "can_read": true, "can_write": true,
                     "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]
  }
}
JSON
cat >"$WORK/medallion.json" <<JSON
{"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
             "filename": "$WORK/medallion-data.json"},
 "users": {"FR": "bench-password"},
 "taxii": {"max_page_size": 1000}}
JSON
medallion --host 127.0.0.1 --port "$M_PORT" --log-level ERROR "$WORK/medallion.json" 2>"$WORK/medallion.log" &
PIDS+=($!)
wait_for "http://127.0.0.1:$M_PORT/taxii2/"

GEN=(--indicators "$INDICATORS" --envelope "$ENVELOPE" --page "$PAGE" --clients "$CLIENTS" --seconds "$SECONDS_")
echo "workload: $INDICATORS indicators in envelopes of $ENVELOPE, pages of $PAGE, $CLIENTS clients for ${SECONDS_} s; $(nproc) CPUs" >&2
echo "running against Accord ($ACCORD) ..." >&2
python3 scripts/bench-taxii.py "http://127.0.0.1:$A_PORT" /taxii2/api "$COLLECTION" FR "$A_TOKEN" "${GEN[@]}" >"$WORK/accord.json"
echo "running against medallion $(python3 -c 'import medallion; print(medallion.__version__)') ..." >&2
python3 scripts/bench-taxii.py "http://127.0.0.1:$M_PORT" /api "$COLLECTION" FR bench-password "${GEN[@]}" >"$WORK/medallion.json.out"
[ -n "${KEEP:-}" ] && cp "$WORK/accord.json" "$WORK/medallion.json.out" "$KEEP"/

python3 - "$WORK/accord.json" "$WORK/medallion.json.out" <<'PY'
import json, sys
a, m = (json.load(open(p)) for p in sys.argv[1:3])
rows = [
    ("ingest: indicators/s", a["ingest"]["per_second"], m["ingest"]["per_second"], True),
    ("ingest: envelope p50 ms", a["ingest"]["envelope_p50_ms"], m["ingest"]["envelope_p50_ms"], False),
    ("ingest: envelope p99 ms", a["ingest"]["envelope_p99_ms"], m["ingest"]["envelope_p99_ms"], False),
    ("read all: objects/s", a["read_all"]["objects_per_second"], m["read_all"]["objects_per_second"], True),
    ("read all: page p50 ms", a["read_all"]["p50_ms"], m["read_all"]["p50_ms"], False),
    ("read all: page p99 ms", a["read_all"]["p99_ms"], m["read_all"]["p99_ms"], False),
    (f"{a['concurrent']['clients']} clients: pages/s", a["concurrent"]["requests_per_second"], m["concurrent"]["requests_per_second"], True),
    (f"{a['concurrent']['clients']} clients: objects/s", a["concurrent"]["objects_per_second"], m["concurrent"]["objects_per_second"], True),
    (f"{a['concurrent']['clients']} clients: page p50 ms", a["concurrent"]["p50_ms"], m["concurrent"]["p50_ms"], False),
    (f"{a['concurrent']['clients']} clients: page p99 ms", a["concurrent"]["p99_ms"], m["concurrent"]["p99_ms"], False),
]
print(f"{'':26} {'Accord':>12} {'medallion':>12} {'Accord ÷ medallion':>20}")
for name, x, y, higher in rows:
    ratio = (x / y if higher else y / x) if x and y else float("nan")
    print(f"{name:26} {x:12.1f} {y:12.1f} {ratio:19.1f}×")
print(f"(timed out after the {30}-s grace: Accord {a['concurrent']['timed_out']}, medallion {m['concurrent']['timed_out']} client(s); their requests count with the time they had waited)")
print("(ratios are 'times better': throughput Accord/medallion, latency medallion/Accord)")
print(json.dumps({"accord": a, "medallion": m}))
PY
