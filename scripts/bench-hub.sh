#!/usr/bin/env bash
# Measures the hub: cold start and resident memory of `accord serve` with the bundled data,
# then signed, durable appends through the HTTP API from concurrent clients (`accord-hammer
# writes`), and `accord log verify` of the resulting log. Loopback only; bounded in count.
#
# Usage: scripts/bench-hub.sh [WRITES] [CLIENTS] [BATCH]
# BATCH > 1 also measures the bulk endpoint (BATCH signed writes per request, CLIENTS/16
# concurrent requests, at least 2). CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
writes=${1:-50000}
clients=${2:-64}
batch=${3:-256}
port=${PORT:-18111}
cargo build --release -q -p accord-cli
accord=${CARGO_TARGET_DIR:-target}/release/accord
hammer=${CARGO_TARGET_DIR:-target}/release/accord-hammer
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
base=http://127.0.0.1:$port

wait_up() { until curl -sf "$base/healthz" >/dev/null; do sleep 0.002; done; }

echo "== cold start (new data directory: create the operator key, load and sign the bundled data)"
t0=$(date +%s.%N)
"$accord" serve --data "$work/hub" --listen 127.0.0.1:$port 2>"$work/serve.log" & pid=$!
wait_up
t1=$(date +%s.%N)
printf 'first /healthz answered after %.3f s\n' "$(echo "$t1 - $t0" | bc)"
grep -E 'VmRSS' /proc/$pid/status
kill $pid; wait $pid 2>/dev/null || true

echo "== warm start (existing data directory)"
t0=$(date +%s.%N)
"$accord" serve --data "$work/hub" --listen 127.0.0.1:$port 2>"$work/serve.log" & pid=$!
wait_up
t1=$(date +%s.%N)
printf 'first /healthz answered after %.3f s\n' "$(echo "$t1 - $t0" | bc)"
for _ in $(seq 1 100); do curl -sf "$base/" >/dev/null; curl -sf "$base/incidents" >/dev/null; curl -sf "$base/api/v1/scorecards/parties/RU" >/dev/null; done
grep -E 'VmRSS|VmHWM' /proc/$pid/status

echo "== signed appends: $writes writes from $clients concurrent clients (pre-signed)"
"$accord" keygen --party FR --out "$work/fr.key" >/dev/null
"$accord" keys add --data "$work/hub" --party FR --public-key "$work/fr.key.pub" >/dev/null
token=$("$accord" tokens issue --data "$work/hub" --party FR 2>/dev/null)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
c0=$(cpu)
"$hammer" writes --hub "$base" --key "$work/fr.key" --token "$token" --writes "$writes" --clients "$clients" --presign --run single
c1=$(cpu)
echo "server CPU per write: $(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / writes )) us"

if [ "$batch" -gt 1 ]; then
  bulk_clients=$(( clients / 16 > 2 ? clients / 16 : 2 ))
  echo "== bulk: $writes writes, $batch per request, $bulk_clients concurrent requests (pre-signed)"
  c0=$(cpu)
  "$hammer" writes --hub "$base" --key "$work/fr.key" --token "$token" --writes "$writes" --clients "$bulk_clients" --batch "$batch" --presign --run bulk
  c1=$(cpu)
  echo "server CPU per write: $(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / writes )) us"
fi

echo "== accord log verify over HTTP"
/usr/bin/time -f '%e s, max RSS %M KiB' "$accord" log verify --hub "$base" | sed -n 1p
kill $pid; wait $pid 2>/dev/null || true
echo "== accord log verify --data (offline)"
/usr/bin/time -f '%e s, max RSS %M KiB' "$accord" log verify --data "$work/hub" | sed -n 1p
