#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer's coverage instrumentation on the stable toolchain
# (the flags cargo-fuzz passes, without its nightly-only sanitizer flags) and runs each for a
# bounded time, printing the executions per target. A crash fails the run and leaves its
# input in fuzz/artifacts/TARGET/.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET…]     (default: 25 s, every target)
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-25}"
shift || true
host=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR="${ACCORD_FUZZ_TARGET_DIR:-$PWD/target}"
# --target keeps the flags off build scripts and proc macros, as cargo-fuzz does.
export RUSTFLAGS="-Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares \
 --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo build --release --locked --target "$host" --bins
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | tail -n +2)
fi
summary=()
for t in "${targets[@]}"; do
  corpus="corpus/$t"
  mkdir -p "$corpus" "artifacts/$t"
  # Seeds: the repository's own test data where it fits, else fuzz/seeds/TARGET.
  case "$t" in
    pattern_parser) seeds=(../crates/accord-stix/tests/testdata/parse) ;;
    observations | stix_objects)
      seeds=(../crates/accord-stix/tests/testdata/match ../crates/accord-cli/tests/testdata/match) ;;
    misp) seeds=(../crates/accord-cli/tests/testdata/misp) ;;
    *) seeds=() ;;
  esac
  [ -d "seeds/$t" ] && seeds+=("seeds/$t")
  dict=()
  case "$t" in
    observations | stix_objects | taxii_envelope) dict=("-dict=dicts/observations.dict") ;;
  esac
  log=$(mktemp)
  echo "--- $t: ${seconds} s"
  if ! "$CARGO_TARGET_DIR/$host/release/$t" "$corpus" "${seeds[@]}" "${dict[@]}" \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $t failed; the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  summary+=("$t: ${runs:-?} executions in ${seconds} s")
  rm -f "$log"
done
echo "=== fuzzing summary"
printf '%s\n' "${summary[@]}"
