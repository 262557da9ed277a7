#!/usr/bin/env bash
# Runs Accord's whole test suite: every crate's tests, plus the interop tests against the Go
# reference for C2SP logs, the differential test against the OASIS STIX matcher, and the
# headless-browser test of the dashboard; then the storage-facing suites (HTTP and
# end-to-end) a second time on PostgreSQL. Installs what those need when it is missing: Debian
# packages (needs root or sudo for that step) and PyPI packages, and starts a local
# PostgreSQL unless ACCORD_TEST_POSTGRES_URL names a server.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] || need+=(golang-golang-x-mod-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ -z "${ACCORD_TEST_POSTGRES_URL:-}" ]; then
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
fi
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
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

# Ed25519 for the second, independent cosignature/v1 verifier
# (crates/accord-tlog/tests/cosignature/verify.py, run by tests/cosignature_py.rs).
if ! python3 -c 'import cryptography' >/dev/null 2>&1; then
  echo "installing test dependencies: cryptography (PyPI)" >&2
  python3 -m pip install --quiet cryptography==48.0.0
fi

# The OpenAPI validator and a client generator, for the document's tests
# (crates/accord-server/tests/openapi.rs).
if ! python3 -c 'import openapi_spec_validator, openapi_python_client' >/dev/null 2>&1; then
  echo "installing test dependencies: openapi-spec-validator openapi-python-client (PyPI)" >&2
  python3 -m pip install --quiet openapi-spec-validator==0.9.0 openapi-python-client==0.29.1
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# PostgreSQL: Debian's cluster on this machine, with a role that may create the per-test
# databases, unless the caller brings a server.
if [ -z "${ACCORD_TEST_POSTGRES_URL:-}" ]; then
  if [ -z "$(pg_lsclusters -h)" ]; then
    as_root pg_createcluster "$(ls /usr/lib/postgresql | sort -n | tail -1)" main >/dev/null
  fi
  read -r version cluster port status _ < <(pg_lsclusters -h | head -1)
  [ "$status" = online ] || as_root pg_ctlcluster "$version" "$cluster" start
  as_root su postgres -c "psql -X -q -p $port -v ON_ERROR_STOP=1" <<'SQL'
SELECT 'CREATE ROLE accord LOGIN CREATEDB PASSWORD ''accord'''
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'accord') \gexec
SELECT 'CREATE DATABASE accord OWNER accord'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'accord') \gexec
-- DROP DATABASE … WITH (FORCE) below ends the sessions on a test database; one still
-- starting has no role yet, and only pg_signal_backend may end it.
GRANT pg_signal_backend TO accord;
SQL
  export ACCORD_TEST_POSTGRES_URL="postgres://accord:accord@127.0.0.1:$port/accord"
fi

# Tests name their databases accord_t_*; a test's hub may outlive its function, so they are
# dropped here, after each pass.
# Cleaning up never fails the run: a hub a test left behind may be reconnecting while its
# database is dropped (CI once failed here after every test had passed), so a failed drop is
# tried again once and then named.
drop_test_databases() {
  local drop
  psql -X -q -A -t "$ACCORD_TEST_POSTGRES_URL" \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'accord\_t\_%'" |
    while read -r db; do
      [ -n "$db" ] || continue
      drop="DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
      psql -X -q "$ACCORD_TEST_POSTGRES_URL" -c "$drop" 2>/dev/null ||
        { sleep 1; psql -X -q "$ACCORD_TEST_POSTGRES_URL" -c "$drop"; } ||
        echo "could not drop the test database $db; drop it by hand" >&2
    done || echo "could not list the test databases to drop" >&2
}
trap drop_test_databases EXIT

export ACCORD_GO_INTEROP=1
export ACCORD_BROWSER_TEST=1
export ACCORD_PY_INTEROP=1

echo "=== the whole suite on SQLite (the PostgreSQL store's own tests included) ===" >&2
status=0
cargo test --workspace --no-fail-fast "$@" || status=$?
drop_test_databases

# The second pass runs the server's and the CLI's test binaries that the first pass built.
# `cargo test -p accord-server -p accord-cli` would resolve features for those two crates
# alone (serde, tokio and either differ) and build almost every dependency a second time: on a
# CI machine that doubled the target and ran out of disk. Each binary runs from its crate's
# directory, as cargo runs it.
echo "=== the storage-facing suites again, on PostgreSQL ===" >&2
binaries=$(cargo test --workspace --no-run --locked --message-format=json "$@" |
  python3 -c '
import json, os, sys
for line in sys.stdin:
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact" or not m.get("executable") or not m["profile"]["test"]:
        continue
    if os.path.basename(os.path.dirname(m["manifest_path"])) in ("accord-server", "accord-cli"):
        print(os.path.dirname(m["manifest_path"]) + "\t" + m["executable"])
') || status=$?
[ -n "$binaries" ] || { echo "no test binaries of accord-server or accord-cli were built" >&2; exit 1; }
# What follows `--` in this script's arguments goes to each binary, as cargo would pass it.
test_args=()
after_dashes=0
for arg in "$@"; do
  if [ "$after_dashes" -eq 1 ]; then test_args+=("$arg"); elif [ "$arg" = -- ]; then after_dashes=1; fi
done
passed=0
failed=()
while IFS=$'\t' read -r dir exe; do
  echo "     Running $exe (PostgreSQL)" >&2
  if (cd "$dir" && ACCORD_TEST_BACKEND=postgres "$exe" "${test_args[@]}"); then
    passed=$((passed + 1))
  else
    failed+=("$exe")
  fi
done <<<"$binaries"
drop_test_databases
echo "PostgreSQL pass: $passed binaries passed, ${#failed[@]} failed ${failed[*]}" >&2
[ ${#failed[@]} -eq 0 ] || status=1
exit "$status"
