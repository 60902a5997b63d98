#!/usr/bin/env bash
# Install everything the tests need (PostgreSQL and Chromium from Debian packages included) and
# run the whole suite twice: on SQLite, then on a throwaway PostgreSQL. Either failing fails.
#   ./scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "== Installing Debian packages (PostgreSQL, Chromium, Python venv)"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql chromium python3 python3-venv >/dev/null
[ -x .venv/bin/python ] || python3 -m venv .venv
echo "== Installing Python packages"
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v "is ignored" || true

echo "== Lint (ruff)"
.venv/bin/ruff check app tests scripts deploy wsgi.py
.venv/bin/ruff format --check app tests scripts deploy wsgi.py

echo "== Security lint (bandit: medium and high severity)"
.venv/bin/bandit -r app -ll -q

unset DATABASE_URL TEST_DATABASE_URL
export ACHILLES_ENV=testing

run_suite() {
  local rc=0
  .venv/bin/python -m pytest -p no:cacheprovider "$@" || rc=$?
  if [ "$rc" = 5 ]; then echo "pytest collected no tests: failing the run"; rc=1; fi
  return "$rc"
}

status=0
echo "== Test suite on SQLite"
run_suite -q "$@" || status=1

echo "== Test suite on PostgreSQL (throwaway cluster)"
. scripts/pg_throwaway.sh
trap pg_stop EXIT
run_suite -q "$@" || status=1

if [ "$status" = 0 ]; then echo "== Both engines passed"; else echo "== FAILED on at least one engine"; fi
exit "$status"
