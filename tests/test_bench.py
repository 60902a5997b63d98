"""scripts/bench.py at a tiny scale: it runs end to end and prints every line of its report.

Only the report's shape is checked, never the timings: the benchmark is a script to run by hand
at force scale (docs/benchmarks.md), not a timed test.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "scripts" / "bench.py"


def run_bench(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_the_benchmark_prints_its_whole_report():
    result = run_bench(
        "--scale", "0.05", "--engine", "sqlite", "--repeats", "1", "--rescores", "2", "--api-requests", "2",
        "--naive-sample", "0",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for pattern in (
        r"^machine: \d+ usable core\(s\) of \d+, CPU .+",
        r"^software: Python 3\.\d+\.\d+, SQLite \d+\.\d+\.\d+, SQLAlchemy .+",
        r"^load average \(1, 5, 15 min\): [\d.]+, [\d.]+, [\d.]+$",
        r"^command: .*scripts/bench.py --scale 0.05 --engine sqlite",
        r"^dataset: scale 0.05, seed 2022, as of \d{4}-\d\d-\d\d: [\d,]+ persons, [\d,]+ events, [\d,]+ orders, "
        r"[\d,]+ levers, [\d,]+ custody",
        r"^demo figures: perpetrators in the last two years: [\d,]+, reported once: [\d.]+%",
        r"^PostgreSQL: not run",
        r"^== SQLite \d+\.\d+\.\d+$",
        r"^import: [\d,]+ rows in [\d.]+ s = [\d,]+ rows/s",
        r"^baseline, one bare GROUP BY over all events .*: median [\d,]+ ms over 1",
        r"^full rank, v1 \(compute_ranking --model 1\): median [\d.]+ s = [\d.]+x the GROUP BY",
        r"^full rank, v2 \(compute_ranking, load and score\): median [\d.]+ s over 1 .* = [\d.]+x the GROUP BY; "
        r"[\d,]+ ranked of [\d,]+ persons",
        r"^full rank v2 with storage \(run_ranking.*: median [\d.]+ s over 1 = [\d.]+x the GROUP BY",
        r"^naive per-person ORM loop: [\d.]+ s for all [\d,]+ persons",
        r"^rankings identical \(set-based vs naive, all [\d,]+ ranked persons, in order\): yes$",
        r"^re-score after one breach .*: median [\d.]+ ms over 2 persons",
        r"^GET /api/v1/targets\?limit=50 .*: median [\d.]+ ms over 2",
        r"^backtest as of \d{4}-\d\d-\d\d, horizon 365 days, model v2: [\d.]+ s",
        r"^targets:$",
        r"^  (PASS|FAIL)  full v2 rank \(compute\) <= 3x the GROUP BY: ",
        r"^  (PASS|FAIL)  full v2 rank with storage <= 5x the GROUP BY: ",
        r"^  (PASS|FAIL)  re-score after a breach <= 10 ms: ",
        r"^  (PASS|FAIL)  GET /api/v1/targets\?limit=50 <= 50 ms: ",
        r"^  (PASS|FAIL)  backtest <= 3 s: ",
        r"^== summary$",
        r"^SQLite \d+\.\d+\.\d+: GROUP BY [\d,]+ ms; v2 rank [\d.]+ s \([\d.]+x\), stored [\d.]+ s",
    ):
        assert re.search(pattern, out, re.M), f"missing {pattern!r} in:\n{out}"


def test_the_naive_loop_can_be_sampled_and_says_so():
    result = run_bench(
        "--scale", "0.05", "--engine", "sqlite", "--repeats", "1", "--rescores", "1", "--api-requests", "1",
        "--naive-sample", "20",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(
        r"^naive per-person ORM loop: [\d.]+ s for a random sample of 20 persons, EXTRAPOLATED to [\d.]+ s for all",
        result.stdout,
        re.M,
    )
    assert re.search(
        r"^rankings identical \(set-based vs naive, the [\d,]+ ranked persons of the sample\): yes$",
        result.stdout,
        re.M,
    )


def test_postgresql_needs_a_database_url():
    result = run_bench("--scale", "0.05", "--engine", "postgresql")
    assert result.returncode == 2
    assert "--engine postgresql needs DATABASE_URL pointing at a PostgreSQL server" in result.stderr


DASHBOARDS = Path(__file__).parent.parent / "scripts" / "bench_dashboards.py"


def test_the_dashboard_benchmark_runs_and_its_two_ways_agree():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, str(DASHBOARDS), "--scale", "0.05", "--tasks", "300", "--officers", "6"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for pattern in (
        r"^engine sqlite; 300 tasks$",
        r"^supervisor dashboard +[\d.]+ ms +(PASS|FAIL)",
        r"^by officer, naive +[\d.]+ ms .*x (PASS|FAIL)",
        r"^same counts: yes$",
    ):
        assert re.search(pattern, result.stdout, re.M), (pattern, result.stdout)
