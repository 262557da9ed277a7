#!/usr/bin/env bash
# Issue 7's benchmark: signed appends/s and read requests/s through the HTTP API with 1, 2
# and 3 `accord serve` nodes on one local PostgreSQL, against one node on SQLite; the same
# workload, one run. Every node is a separate process on this machine, as are PostgreSQL and
# the load generators, so all of them share its cores.
#
# Usage: scripts/bench-nodes.sh [WRITES] [CLIENTS] [READ_SECONDS]
# Needs PostgreSQL: ACCORD_TEST_POSTGRES_URL (a role with CREATEDB), as scripts/test.sh sets
# up. CARGO_TARGET_DIR is honoured. Loopback only; bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."
writes=${1:-12000}
clients=${2:-48}
read_seconds=${3:-10}
server=${ACCORD_TEST_POSTGRES_URL:?set ACCORD_TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST/DB (CREATEDB role)}
cargo build --release -q -p accord-cli
accord=${CARGO_TARGET_DIR:-target}/release/accord
hammer=${CARGO_TARGET_DIR:-target}/release/accord-hammer
work=$(mktemp -d)
pids=()
dbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in "${dbs[@]}"; do psql -X -q "$server" -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# CPU seconds (user + system) used so far by the given processes.
cpu() {
  local ticks=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "scale=2; $ticks / $(getconf CLK_TCK)" | bc
}
pg_pids() { pgrep -u postgres -d ' ' postgres || true; }
paths=(--path /api/v1/incidents/notpetya-2017 --path /log/checkpoint --path /api/v1/parties/FR)

# One run: backend ($1: sqlite or postgres), nodes ($2).
run() {
  local backend=$1 nodes=$2 dir="$work/$1-$2" env=()
  mkdir -p "$dir"
  if [ "$backend" = postgres ]; then
    local db="accord_bench_$$_$nodes"
    psql -X -q "$server" -c "CREATE DATABASE \"$db\""
    dbs+=("$db")
    env=(env "ACCORD_DATABASE_URL=${server%/*}/$db")
  fi
  export RUST_LOG=warn
  "$accord" keygen --party FR --out "$dir/fr.key" >/dev/null
  "${env[@]}" "$accord" keys add --data "$dir/hub" --party FR --public-key "$dir/fr.key.pub" >/dev/null
  local token
  token=$("${env[@]}" "$accord" tokens issue --data "$dir/hub" --party FR 2>/dev/null)
  local hubs=() node_pids=()
  for i in $(seq 1 "$nodes"); do
    local port=$((18200 + 10 * nodes + i))
    "${env[@]}" "$accord" serve --data "$dir/hub" --listen "127.0.0.1:$port" 2>"$dir/serve-$i.log" &
    node_pids+=($!)
    pids+=($!)
    hubs+=("http://127.0.0.1:$port")
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.01; done
  done
  # Writes: one load generator per node, the writes and clients split evenly, all at once.
  local t0 t1 each=$((writes / nodes)) per=$((clients / nodes)) gens=()
  local n0 g0 n1 g1 n2 g2
  n0=$(cpu "${node_pids[@]}"); g0=$(cpu $(pg_pids))
  t0=$(date +%s.%N)
  for i in $(seq 0 $((nodes - 1))); do
    "$hammer" writes --hub "${hubs[$i]}" --key "$dir/fr.key" --token "$token" \
      --writes "$each" --clients "$per" --presign --run "n$i" --json >"$dir/hammer-$i.json" &
    gens+=($!)
  done
  for g in "${gens[@]}"; do wait "$g"; done
  t1=$(date +%s.%N)
  n1=$(cpu "${node_pids[@]}"); g1=$(cpu $(pg_pids))
  local acked failed p99
  read -r acked failed p99 < <(python3 -c '
import json, sys
rs = [json.load(open(f)) for f in sys.argv[1:]]
print(sum(r["acknowledged"] for r in rs), sum(r["failed"] for r in rs), max(r["p99_ms"] for r in rs))
' "$dir"/hammer-*.json)
  local hub_args=()
  for h in "${hubs[@]}"; do hub_args+=(--hub "$h"); done
  local reads
  reads=$("$hammer" reads "${hub_args[@]}" "${paths[@]}" --clients 32 --seconds "$read_seconds" --json)
  n2=$(cpu "${node_pids[@]}"); g2=$(cpu $(pg_pids))
  printf '%-10s %d node(s): %6.0f signed appends/s (%d acked, %d failed, worst p99 %.0f ms; CPU nodes %.1f s, db %.1f s) | %s; CPU nodes %.1f s, db %.1f s\n' \
    "$backend" "$nodes" "$(echo "$acked / ($t1 - $t0)" | bc -l)" "$acked" "$failed" "$p99" \
    "$(echo "$n1 - $n0" | bc)" "$(echo "$g1 - $g0" | bc)" \
    "$(echo "$reads" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%.0f reads/s (p50 %.1f ms, p99 %.1f ms, %d failed)" % (r["per_second"], r["p50_ms"], r["p99_ms"], r["failed"]))
')" "$(echo "$n2 - $n1" | bc)" "$(echo "$g2 - $g1" | bc)"
  for p in "${node_pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
}

echo "$writes pre-signed writes from $clients clients; then 32 readers for ${read_seconds}s over /api/v1/incidents/notpetya-2017, /log/checkpoint, /api/v1/parties/FR"
echo "CPU columns: seconds of CPU used by the accord nodes and by PostgreSQL during each phase"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run sqlite 1
for n in 1 2 3; do run postgres "$n"; done
