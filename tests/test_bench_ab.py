"""benchmarks/bench_ab.py, the A/B timing of two checkouts in alternating processes, runs
for real: against this checkout itself (two rounds, one run a process), and refuses a
folder that is not a checkout in one line with status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_ab.py"


def test_bench_ab_times_two_checkouts_in_alternating_processes(tmp_path):
    out = tmp_path / "ab.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--baseline", str(ROOT), "--rounds",
                           "2", "--runs", "1", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "this / baseline: median" in proc.stdout and "Traceback" not in proc.stderr
    figures = json.loads(out.read_text())
    assert [r["round"] for r in figures["rounds"]] == [1, 2]
    for r in figures["rounds"]:
        assert 0 < r["baseline"] < 60 and 0 < r["this"] < 60
        assert r["ratio"] == r["this"] / r["baseline"]
    low, high = figures["ratio_range"]
    assert low <= figures["ratio_median"] <= high


def test_bench_ab_refuses_a_folder_that_is_not_a_checkout(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--baseline", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "is not an hls_sim checkout" in proc.stderr.strip().splitlines()[-1]
