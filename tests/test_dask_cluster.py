"""Dask past one machine, as a user runs it on a cluster: a `dask scheduler` and
`dask worker` processes started on their own (on loopback), not a LocalCluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hls_sim
from hls_sim.runner import run_ensemble

from .test_runner import assert_same_results, tiny_ensemble

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "dask"), *args], cwd=ROOT, start_new_session=True,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def wait_for_workers(address: str, n: int, seconds: float = 120) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=seconds)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and a two-process worker, as separate processes on 127.0.0.1."""
    d = tmp_path_factory.mktemp("dask")
    file = d / "scheduler.json"
    procs = [start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(file)], d / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        procs.append(start(["worker", address, "--nworkers", "2", "--nthreads", "1",
                            "--no-dashboard", "--host", "127.0.0.1"], d / "workers.log"))
        wait_for_workers(address, 2)
        yield address, procs, d
    finally:
        for p in reversed(procs):
            stop(p)


def test_a_separate_scheduler_and_workers_give_the_pool_s_results_bit_for_bit(cluster,
                                                                             tmp_path):
    address, _procs, _d = cluster
    exp = tiny_ensemble()
    run_ensemble(exp, tmp_path / "pool", workers=2, progress=False)
    outcome = run_ensemble(exp, tmp_path / "cluster", dask=address, progress=False)
    assert outcome.ok and outcome.runs_finished == 8
    assert_same_results(tmp_path / "pool", tmp_path / "cluster")
    m = json.loads((tmp_path / "cluster" / "manifest.json").read_text())
    assert m["sessions"][0]["executor"] == {"kind": "dask", "workers": 2, "address": address}
    # Compiled once per machine: the workers (fresh processes) loaded the model's kernels
    # from the on-disk cache and compiled none of them.
    from distributed import Client

    from hls_sim import jit

    if jit.enabled():
        with Client(address, timeout="30s") as client:
            stats = client.run(jit.cache_stats)
        assert len(stats) == 2
        assert all(s["cache_misses"] == 0 and s["cache_hits"] > 10 for s in stats.values()), \
            stats


def test_workers_with_other_versions_are_refused_in_one_line(cluster, tmp_path):
    """A worker whose hls_sim differs joins the scheduler: the command refuses to run
    there (exit 2, one line naming the difference) and writes nothing."""
    address, procs, d = cluster
    stale = start(["worker", address, "--nthreads", "1", "--no-dashboard", "--host",
                   "127.0.0.1", "--preload", str(ROOT / "tests" / "fake_version.py")],
                  d / "stale.log")
    procs.append(stale)
    try:
        wait_for_workers(address, 3)
        out = tmp_path / "refused"
        proc = subprocess.run([str(BIN / "hls-sim"), "run", "quick", "-n", "2", "--dask",
                               address, "-q", "--out", str(out)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert f"hls_sim {hls_sim.__version__} here, 0.0.0+stale on tcp://127.0.0.1:" \
            in lines[0]
        assert not out.exists()
    finally:
        stop(stale)
        procs.remove(stale)
