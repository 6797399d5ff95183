"""benchmarks/profile_kernels.py, the per-person kernels timed in a run and replayed warm
and cold, runs for real (a short replay) and refuses a week outside the run in one line
with status 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "profile_kernels.py"

pytest.importorskip("numba")


def test_profile_kernels_prints_each_kernel_in_the_run_warm_and_cold():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--week", "60", "--repeats", "20",
                           "--people", "2000"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    rows = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()
            if len(line.split()) == 5 and line.split()[0] != "kernel"}
    # The kernels every week calls are replayed (others may not run in that week).
    assert {"need_drift", "crises_week", "support", "record_week"} <= set(rows)
    for figures in rows.values():  # in the run, warm, cold (microseconds), run / warm
        in_run, warm, cold, ratio = map(float, figures)
        assert in_run > 0 and warm > 0 and cold > 0
        # The times are printed to 0.1 us and the ratio, of the unrounded times, to
        # 0.01: it must lie within what the printed times allow (a kernel of a few
        # microseconds at this small size moves its ratio by a few per cent in rounding).
        low = (in_run - 0.05) / (warm + 0.05) - 0.005
        high = (in_run + 0.05) / max(warm - 0.05, 1e-9) + 0.005
        assert low <= ratio <= high, (in_run, warm, ratio)
    # The week's calls replayed once each in order, sharing their arrays: a time, the
    # run's sum for the same calls, and their ratio.
    line = next(x for x in proc.stdout.splitlines() if x.startswith("in sequence:"))
    together, in_run = (float(m) for m in re.findall(r"([0-9.]+) us", line))
    ratio = float(re.search(r"run / sequence ([0-9.]+)\)", line).group(1))
    assert together > 0 and in_run > 0
    # (printed to 0.01 from the unrounded times; each time rounded to 0.1 us)
    slack = 0.005 + 0.05 / together + 0.05 * in_run / together ** 2 + 1e-9
    assert abs(ratio - in_run / together) <= slack, line


@pytest.mark.parametrize("args, message", [(["--week", "600"], "--week must be 5-514"),
                                           (["--repeats", "2"], "--repeats must be at least"),
                                           (["--people", "10"], "--people must be at least"),
                                           (["--seed", "-1"], "--seed must be 0 or more")])
def test_profile_kernels_refuses_bad_input_in_one_line(args, message):
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
