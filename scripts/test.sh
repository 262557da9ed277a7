#!/usr/bin/env bash
# Runs Accord's whole test suite: every crate's tests, plus the interop tests against the Go
# reference for C2SP logs, the differential test against the OASIS STIX matcher, and the
# headless-browser test of the dashboard. Installs what those need when it is missing: Debian
# packages (needs root or sudo for that step) and two PyPI packages.
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

# The OASIS reference STIX matcher and pattern validator, for the differential test
# (crates/accord-stix/tests/differential.rs).
if ! python3 -c 'import stix2matcher, stix2patterns' >/dev/null 2>&1; then
  echo "installing test dependencies: stix2-matcher stix2-patterns (PyPI)" >&2
  python3 -m pip install --quiet stix2-matcher==3.0.0 stix2-patterns==2.1.2
fi
# The TAXII 2.1 client and STIX library, for the interop test (crates/accord-cli/tests/taxii.rs).
if ! python3 -c 'import taxii2client, stix2' >/dev/null 2>&1; then
  echo "installing test dependencies: taxii2-client stix2 (PyPI)" >&2
  python3 -m pip install --quiet taxii2-client==2.3.0 stix2==3.0.2
fi

export ACCORD_GO_INTEROP=1
export ACCORD_BROWSER_TEST=1
export ACCORD_PY_INTEROP=1
exec cargo test --workspace --no-fail-fast "$@"
