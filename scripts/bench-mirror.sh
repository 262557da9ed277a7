#!/usr/bin/env bash
# Measures `accord peers sync` over HTTP: hub A (its own origin) holds the bundled data and
# WRITES signed incidents (`accord-hammer writes --batch`); hub B registers A as a peer and
# syncs it with full verification (split-view check, every entry's signature against A's key
# history, bodies, the tree to A's signed root), storing the incidents and amendments it
# mirrors; a second sync after more writes measures a resume. Loopback only; bounded in count.
#
# Usage: scripts/bench-mirror.sh [WRITES]
# PROFILE=debug uses the debug binaries (no release build). CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUST_LOG=${RUST_LOG:-warn}
writes=${1:-10000}
port=${PORT:-18121}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release -q -p accord-cli
else
  cargo build -q -p accord-cli
fi
accord=${CARGO_TARGET_DIR:-target}/$profile/accord
hammer=${CARGO_TARGET_DIR:-target}/$profile/accord-hammer
work=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
base=http://127.0.0.1:$port

ACCORD_ORIGIN=a.example/log "$accord" peers list --data "$work/a" >/dev/null
"$accord" keygen --party FR --out "$work/fr.key" >/dev/null
"$accord" keys add --data "$work/a" --party FR --public-key "$work/fr.key.pub" >/dev/null
token=$("$accord" tokens issue --data "$work/a" --party FR 2>/dev/null)
"$accord" serve --data "$work/a" --listen 127.0.0.1:$port 2>"$work/a.log" & pid=$!
until curl -sf "$base/healthz" >/dev/null; do sleep 0.05; done
"$hammer" writes --hub "$base" --key "$work/fr.key" --token "$token" --run first \
  --writes "$writes" --clients 2 --batch 500 --json >/dev/null
key=$(grep -o 'log verifier key: .*' "$work/a.log" | cut -d' ' -f4)
"$accord" peers add --data "$work/b" --url "$base" --log-key "$key" >/dev/null
echo "== first sync: A's whole log ($(curl -sf "$base/log/checkpoint" | sed -n 2p) entries)"
t0=$(date +%s.%N)
"$accord" peers sync --data "$work/b"
t1=$(date +%s.%N)
printf 'accord peers sync took %.2f s\n' "$(echo "$t1 - $t0" | bc)"
"$hammer" writes --hub "$base" --key "$work/fr.key" --token "$token" --run second \
  --writes 1000 --clients 2 --batch 500 --json >/dev/null
echo "== resumed sync after 1,000 more writes"
t0=$(date +%s.%N)
"$accord" peers sync --data "$work/b"
t1=$(date +%s.%N)
printf 'accord peers sync took %.2f s\n' "$(echo "$t1 - $t0" | bc)"
