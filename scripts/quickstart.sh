#!/usr/bin/env bash
# Quick start: install, migrate a SQLite database, load demo users and data, serve the app and run
# the scheduler beside it (its own process, started and stopped with the app).
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
# The demo users first: the demo's tasks, meetings and referrals are given to them.
.venv/bin/flask users demo >/dev/null
echo "Loading the synthetic demo dataset (invented people only) if the database is empty..."
.venv/bin/flask demo-data --if-empty
# Rank once (today's nightly run, skipped if it has already run today) so the target list is filled.
.venv/bin/flask scheduler run-job nightly_rank

# The scheduler runs as its own process, as in production (one scheduler however many web
# workers): it raises the alerts already due as soon as it starts, then runs on its timetable.
mkdir -p instance
.venv/bin/flask scheduler run >instance/scheduler.log 2>&1 &
SCHEDULER_PID=$!
stop_scheduler() {
  kill "$SCHEDULER_PID" 2>/dev/null || true
  wait "$SCHEDULER_PID" 2>/dev/null || true
}
trap stop_scheduler EXIT
trap 'exit 130' INT TERM
echo "Scheduler started (pid $SCHEDULER_PID; log in instance/scheduler.log)."
echo
.venv/bin/flask users demo
echo
.venv/bin/flask run --host 127.0.0.1 --port 5000
