"""The command line through its installed entry point (``hls-sim``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HLS_SIM = str(Path(sys.executable).parent / "hls-sim")


def hls(*args, cwd=ROOT, timeout=300, env=None):
    return subprocess.run([HLS_SIM, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=None if env is None else {**os.environ, **env})


def test_help_everywhere_with_examples():
    top = hls("--help")
    assert top.returncode == 0
    for command in ("run", "compare", "validate", "list", "report", "demo", "dashboard"):
        assert command in top.stdout
        sub = hls(command, "--help")
        assert sub.returncode == 0 and "example" in sub.stdout, command


def test_compare_writes_results_report_and_prints_a_summary(tmp_path):
    out = tmp_path / "cmp"
    proc = hls("compare", "quick", "scenarios/quick.yaml", "--replicates", "1", "--out",
               str(out), "-q")
    assert proc.returncode == 2 and "distinct" in proc.stderr  # same name twice
    proc = hls("compare", "quick", "switch_to_collaborative", "--replicates", "2",
               "--workers", "2", "--out", str(out), "-q", "--question", "Is a switch worth it?")
    assert proc.returncode == 0, proc.stderr
    assert "Wellbeing change after a year" in proc.stdout and "verdict" in proc.stdout
    assert f"report: {out / 'report.html'}" in proc.stdout
    for table in ("summary", "timeseries", "people", "events"):
        assert any((out / table).glob("*.parquet")), table
    assert "Is a switch worth it?" in (out / "report.html").read_text()


def test_usage_errors_are_one_line_with_status_2(tmp_path):
    for args in (["run", "quick", "--replicates", "0"], ["run", "quick", "--seed", "x"],
                 ["bogus"], ["compare", "quick"], ["run"], ["run", "quik"],
                 ["run", "quick", "--resume", str(tmp_path)]):
        proc = hls(*args, cwd=tmp_path, timeout=60)
        assert proc.returncode == 2, args
        assert len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir())  # nothing written


def test_demo_is_the_main_job(tmp_path):
    """The demo's whole job (both regimes, the no-service arm, the economic case, the
    report), with fewer replicates than `make demo` uses, in a small place: what the
    demo does is under test here; the default place's results are the golden test's."""
    proc = hls("demo", "--replicates", "2", "--out", str(tmp_path / "demo"), timeout=600,
               env={"HLS_SIM_SIZE": "small"})
    assert proc.returncode == 0, proc.stderr
    assert "competitive" in proc.stdout and "collaborative" in proc.stdout
    assert "Practitioner turnover" in proc.stdout
    assert (tmp_path / "demo" / "report.html").exists()
