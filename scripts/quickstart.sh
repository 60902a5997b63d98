#!/usr/bin/env bash
# Quick start: install, migrate a SQLite database, load demo data and demo users, serve the app.
#   ./scripts/quickstart.sh            then open http://127.0.0.1:5000
# Development mode only: demo passwords are generated on the first run and printed every run.
set -euo pipefail
cd "$(dirname "$0")/.."
export ACHILLES_ENV=development FLASK_APP=wsgi
unset DATABASE_URL  # the demo always uses the SQLite file in instance/

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  echo "Installing python3 and python3-venv from Debian packages..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
echo "Installing Python packages..."
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt 2>&1 | grep -v "is ignored" || true

.venv/bin/flask db upgrade
echo "Loading the synthetic demo dataset (invented people only) if the database is empty..."
.venv/bin/flask demo-data --if-empty
# Rank once (today's nightly run, skipped if it has already run today) so the target list is filled.
.venv/bin/flask scheduler run-job nightly_rank
echo
.venv/bin/flask users demo
echo
exec .venv/bin/flask run --host 127.0.0.1 --port 5000
