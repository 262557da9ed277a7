#!/usr/bin/env bash
# Measures the registry's read paths at the bundled 1,235 parties: the dashboard's parties page
# (first page, a search, a later page) and GET /api/v1/parties (first page, a filtered page, the
# largest page), sequentially over loopback. Prints the wall time per request as the client sees
# it and the hub's CPU time per request (utime+stime from /proc). Bounded: N requests per case.
#
# Usage: scripts/bench-parties.sh [N] [PROFILE]   (PROFILE: release (default) or debug)
# CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
profile=${2:-release}
port=${PORT:-18112}
if [ "$profile" = release ]; then cargo build --release -q -p accord-cli; else cargo build -q -p accord-cli; fi
accord=${CARGO_TARGET_DIR:-target}/$profile/accord
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
base=http://127.0.0.1:$port
"$accord" serve --data "$work/hub" --listen 127.0.0.1:$port 2>"$work/serve.log" & pid=$!
until curl -sf "$base/healthz" >/dev/null; do sleep 0.01; done
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
later=$(curl -sf "$base/api/v1/parties?limit=500" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])')
echo "profile $profile, $n requests per case, $(curl -sf "$base/api/v1/accord" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["parties"])') parties"
for path in "/parties" "/parties?q=google" "/parties?cursor=$later" \
            "/api/v1/parties" "/api/v1/parties?kind=company&country=FR" "/api/v1/parties?limit=500"; do
  curl -sf "$base$path" >/dev/null
  c0=$(cpu); t0=$(date +%s%N)
  for _ in $(seq 1 "$n"); do curl -sf -o /dev/null "$base$path"; done
  t1=$(date +%s%N); c1=$(cpu)
  bytes=$(curl -sf "$base$path" | wc -c)
  printf '%-48s wall %7.2f ms/req  hub CPU %7.2f ms/req  %7d bytes\n' "$path" \
    "$(echo "($t1 - $t0) / 1000000 / $n" | bc -l)" "$(echo "($c1 - $c0) * 1000 / $tick / $n" | bc -l)" "$bytes"
done
