#!/usr/bin/env bash
# Measures the hub: cold start and resident memory of `accord serve` with the bundled data,
# then signed, durable appends through the HTTP API from concurrent clients (`accord hammer`),
# and `accord log verify` of the resulting log. Loopback only; bounded in count.
#
# Usage: scripts/bench-hub.sh [WRITES] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
writes=${1:-50000}
clients=${2:-64}
port=${PORT:-18111}
cargo build --release -q -p accord-cli
accord=target/release/accord
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
base=http://127.0.0.1:$port

wait_up() { until curl -sf "$base/healthz" >/dev/null; do sleep 0.002; done; }

echo "== cold start (new data directory: create the operator key, load and sign the bundled data)"
t0=$(date +%s.%N)
"$accord" --data "$work/hub" serve --listen 127.0.0.1:$port 2>"$work/serve.log" & pid=$!
wait_up
t1=$(date +%s.%N)
printf 'first /healthz answered after %.3f s\n' "$(echo "$t1 - $t0" | bc)"
grep -E 'VmRSS' /proc/$pid/status
kill $pid; wait $pid 2>/dev/null || true

echo "== warm start (existing data directory)"
t0=$(date +%s.%N)
"$accord" --data "$work/hub" serve --listen 127.0.0.1:$port 2>"$work/serve.log" & pid=$!
wait_up
t1=$(date +%s.%N)
printf 'first /healthz answered after %.3f s\n' "$(echo "$t1 - $t0" | bc)"
for _ in $(seq 1 100); do curl -sf "$base/" >/dev/null; curl -sf "$base/incidents" >/dev/null; curl -sf "$base/api/v1/scorecards/parties/RU" >/dev/null; done
grep -E 'VmRSS|VmHWM' /proc/$pid/status

echo "== signed appends: $writes writes from $clients concurrent clients (pre-signed)"
"$accord" keygen --party FR --out "$work/fr.key" >/dev/null
"$accord" --data "$work/hub" keys add --party FR --public-key "$work/fr.key.pub" >/dev/null
token=$("$accord" --data "$work/hub" tokens issue --party FR 2>/dev/null)
"$accord" hammer --hub "$base" --key "$work/fr.key" --token "$token" --writes "$writes" --clients "$clients" --presign

echo "== accord log verify over HTTP"
/usr/bin/time -f '%e s, max RSS %M KiB' "$accord" log verify --hub "$base" | head -1
