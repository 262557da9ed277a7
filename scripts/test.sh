#!/usr/bin/env bash
# Runs Accord's whole test suite: every crate's tests, plus the interop tests against the Go
# reference for C2SP logs and the headless-browser test of the dashboard. Installs what those
# need from Debian when it is missing (needs root or sudo for that step).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] || need+=(golang-golang-x-mod-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing test dependencies: ${need[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

export ACCORD_GO_INTEROP=1
export ACCORD_BROWSER_TEST=1
exec cargo test --workspace --no-fail-fast "$@"
