"""scripts/bench_network.py at a tiny scale: it runs end to end, finds the same findings as the
per-request computation, and prints every line of its report. Timings are never checked here: the
benchmark is a script to run by hand (docs/benchmarks.md), not a timed test."""

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "scripts" / "bench_network.py"


def test_the_network_benchmark_prints_its_whole_report():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--scale",
            "1",
            "--engine",
            "sqlite",
            "--requests",
            "2",
            "--baseline-requests",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for pattern in (
        r"^machine: \d+ usable core",
        r"^== SQLite [\d.]+: [\d,]+ persons, [\d,]+ events, \d+ family relationships written",
        r"^baseline linked: p50 [\d,]+ ms, p95 [\d,]+ ms over 1, peak [\d,]+ MiB",
        r"^full computation: [\d.]+ s, peak [\d,]+ MiB",
        r"^stored findings equal the per-request computation's: yes$",
        r"^page linked networks: p50 [\d.]+ ms, p95 [\d.]+ ms$",
        r"^page network picture \(P\d{7}\): p50",
        r"^incremental update \(event joining two networks\): median [\d.]+ ms$",
        r"^\| ratio: linked networks, baseline p95 / stored p95 \| [\d,]+× \|$",
        r"^\| same findings as the per-request computation \| yes \|$",
    ):
        assert re.search(pattern, out, re.MULTILINE), f"missing: {pattern}\n{out}"
