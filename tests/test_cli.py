"""The command line entry point."""

from __future__ import annotations

import subprocess
import sys


def test_demo_prints_side_by_side(tmp_path):
    out = subprocess.run([sys.executable, "-m", "hls_sim", "demo", "--seed", "1"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "competitive" in out.stdout and "collaborative" in out.stdout
    assert "Practitioner turnover" in out.stdout
    assert "journey" in out.stdout


def test_bad_arguments_exit_2():
    out = subprocess.run([sys.executable, "-m", "hls_sim", "demo", "--seed", "x"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
