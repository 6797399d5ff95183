"""The scenario runner with real parts: a process pool, a Dask LocalCluster, a SIGKILL
and a resume, real Parquet files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hls_sim
from hls_sim import scenarios
from hls_sim.runner import (
    Ensemble,
    EnsembleError,
    ResultsStore,
    load_results,
    resume_ensemble,
    run_ensemble,
)

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("summary", "timeseries", "people", "events")


def tiny(name: str, regime: str) -> scenarios.Scenario:
    """Smaller than quick.yaml: a fraction of a second a run."""
    return scenarios.from_overrides(name, {
        "regime": regime, "place.n_people": 300, "place.n_weeks": 60,
        "place.n_organisations": 6, "place.n_practitioners": 12, "place.n_localities": 2,
        "place.burn_in_weeks": 8, "money.budget_per_week": 8_700.0})


def tiny_ensemble(**kw) -> Ensemble:
    return Ensemble([tiny("comp", "competitive"), tiny("collab", "collaborative")],
                      **{"replicates": 4, "seed": 11, "event_replicates": 1, **kw})


def assert_same_results(a: Path, b: Path) -> None:
    ra, rb = load_results(a), load_results(b)
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(ra, t), getattr(rb, t), check_exact=True)


def test_replicate_seeds_are_spawned_and_shared_across_scenarios():
    exp = tiny_ensemble(replicates=5)
    seeds = exp.seeds()
    assert len(set(seeds)) == 5 and seeds == tiny_ensemble(replicates=5).seeds()
    expected = [int(c.generate_state(1, dtype=np.uint32)[0])
                for c in np.random.SeedSequence(11).spawn(5)]
    assert seeds == expected
    by_rep = {}
    for spec in exp.runs():
        by_rep.setdefault(spec.replicate, set()).add(spec.seed)
    assert all(len(s) == 1 for s in by_rep.values())  # common random numbers
    assert [s.replicate for s in exp.runs() if "events" in s.keep] == [0, 0]


def test_results_are_identical_on_every_executor(tmp_path):
    """Serial, a process pool and a real Dask LocalCluster give bit-identical tables."""
    exp = tiny_ensemble()
    run_ensemble(exp, tmp_path / "serial", workers=1, progress=False)
    run_ensemble(exp, tmp_path / "pool", workers=2, progress=False)
    outcome = run_ensemble(exp, tmp_path / "dask", dask="local", workers=2, progress=False)
    assert outcome.ok and outcome.runs_finished == 8
    assert_same_results(tmp_path / "serial", tmp_path / "pool")
    assert_same_results(tmp_path / "serial", tmp_path / "dask")
    manifest = load_results(tmp_path / "dask").manifest
    assert manifest["sessions"][0]["executor"]["kind"] == "dask"
    # And the runner's tables are exactly what hls_sim.run gives for that seed.
    res = load_results(tmp_path / "pool")
    seed = exp.seeds()[2]
    direct = hls_sim.run(exp.scenarios[1].params, seed=seed)
    row = res.summary[(res.summary["scenario"] == "collab") & (res.summary["replicate"] == 2)]
    assert row["wellbeing_mean"].item() == direct.summary["wellbeing_mean"]


@pytest.mark.parametrize("sample", [None, 7])
def test_a_runs_tables_built_from_columns_are_the_dataframes_tables(sample, tmp_path):
    """A worker builds a run's tables as Arrow straight from the model's columns
    (``work.arrow_table``: converting DataFrames was nearly all of the runner's own
    time). Each must be exactly what ``pa.Table.from_pandas`` makes of the DataFrames
    ``hls_sim.run`` gives, ids in front: the same schema and pandas metadata (so a file
    reads back as the same DataFrame) and the same values, NaN stored as null, for the
    first run of a kind (schema made) and later ones (schema reused); and a file written
    from it reads back as that DataFrame."""
    import pyarrow as pa

    from hls_sim.runner.models import HLSSimModel
    from hls_sim.runner.store import write_parquet_atomic
    from hls_sim.runner.work import RunSpec, _with_ids

    content = tiny("t", "collaborative").content
    worker = HLSSimModel("hls_sim")
    for seed in (3, 4, 5):
        spec = RunSpec("t", seed, seed, keep=("timeseries", "people", "events"),
                       sample=sample)
        got = worker.simulate(content, spec)
        result = hls_sim.run(content, seed=seed)
        want = {"summary": pd.DataFrame([result.summary]), "timeseries": result.timeseries,
                "people": result.people, "events": result.events}
        assert set(got) == set(want)
        for name, df in want.items():
            expected = pa.Table.from_pandas(_with_ids(df, spec), preserve_index=False)
            table = got[name] if isinstance(got[name], pa.Table) else \
                pa.Table.from_pandas(got[name], preserve_index=False)
            assert table.schema.equals(expected.schema, check_metadata=True), name
            assert table.equals(expected), name
    write_parquet_atomic(tmp_path / "people.parquet", got["people"])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "people.parquet"),
                                  _with_ids(result.people, spec), check_exact=True)


def test_our_dask_cluster_stops_its_workers_heartbeats_before_it_closes():
    """A heartbeat in flight while the scheduler shuts down prints a worker's traceback
    after a successful run (seen once in ``hls-sim compare --dask local``); the
    executor stops them first, and the workers are still there to show it."""
    from hls_sim.runner.executors import DaskExecutor

    def beating(dask_worker) -> bool:
        return dask_worker.periodic_callbacks["heartbeat"].is_running()

    ex = DaskExecutor("local", workers=2)
    try:
        assert list(ex._client.run(beating).values()) == [True, True]
        ex.stop_heartbeats()
        assert list(ex._client.run(beating).values()) == [False, False]
    finally:
        ex.close()


def test_results_folder_layout_and_manifest(tmp_path):
    out = tmp_path / "exp"
    outcome = run_ensemble(tiny_ensemble(), out, workers=2, progress=False)
    res = load_results(outcome.path)
    assert len(res.summary) == 8 and set(res.summary["scenario"]) == {"comp", "collab"}
    assert len(res.timeseries) == 8 * 60
    assert set(res.events["replicate"]) == {0}  # event logs of sampled runs only
    # one file per table and batch, named after the batch's first run, which its record
    # (written last) names with the batch's runs
    records = ResultsStore(out).records()
    assert sorted(p.stem for p in (out / "summary").iterdir()) == \
        sorted(r["batch"] for r in records) and records[0]["batch"] == "collab__r0000"
    assert sum(len(r["runs"]) for r in records) == 8
    assert all(r["batch"] == r["runs"][0]["key"] for r in records)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["replicates"] == 4 and m["root_seed"] == 11
    assert m["seeds"] == tiny_ensemble().seeds()
    assert m["versions"]["hls_sim"] == hls_sim.__version__ and m["versions"]["numpy"]
    assert m["git"] is None or len(m["git"]["commit"]) == 40
    assert {s["name"] for s in m["scenarios"]} == {"comp", "collab"}
    comp = next(s for s in m["scenarios"] if s["name"] == "comp")
    assert comp["content"]["place"]["n_people"] == 300 and len(comp["hash"]) == 64
    assert m["timings"]["runs_finished"] == 8 and m["timings"]["model_seconds_total"] > 0
    assert not list(out.rglob(".tmp-*"))  # nothing half-written


def test_many_run_files_read_as_one_table(tmp_path):
    """The folder reader gives the table the files make read one by
    one: rows in the files' order; a column some runs lack or hold only nulls in reads
    as nulls there, typed as in the other runs (Arrow's rule; pandas' concat would make
    it object); a categorical column (an event's detail, its categories differing from
    run to run, and so their codes' width) reads as one categorical with the union of
    the categories, sorted; types that clash between files read pandas' way."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hls_sim.runner.store import read_parquet_files, write_parquet_atomic

    def check(frames: list[pd.DataFrame], name: str, rule: str) -> pd.DataFrame:
        files = []
        for i, df in enumerate(frames):
            files.append(tmp_path / f"{name}{i}.parquet")
            write_parquet_atomic(files[-1], df)
        got = read_parquet_files(files)
        one_by_one = pa.concat_tables([pq.read_table(f) for f in files],
                                      promote_options="default").to_pandas() \
            if rule == "arrow" else \
            pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        pd.testing.assert_frame_equal(got, one_by_one, check_exact=True)
        return got

    got = check([pd.DataFrame({"scenario": ["b"], "x": [1.5], "n": [3]}),
                 pd.DataFrame({"scenario": ["a"], "n": [4]}),  # no x
                 pd.DataFrame({"scenario": ["c"], "x": [None], "n": [5]}),  # x all null
                 pd.DataFrame({"scenario": ["d", "e"], "x": [2.5, 0.5], "n": [6, 7]})],
                "run", "arrow")
    assert got["scenario"].tolist() == ["b", "a", "c", "d", "e"]
    assert got["x"].isna().tolist() == [False, True, True, False, False]
    assert got["x"].dtype == float
    some = read_parquet_files(sorted(tmp_path.glob("run*.parquet")), ["x", "n", "absent"])
    pd.testing.assert_frame_equal(some, got[["x", "n"]], check_exact=True)
    many = [f"detail {i}" for i in range(200)]  # an int16 dictionary, not int8
    frames = [pd.DataFrame({"detail": pd.Categorical(["y", "x"])}),
              pd.DataFrame({"detail": pd.Categorical(many)})]
    files = []
    for i, df in enumerate(frames):
        files.append(tmp_path / f"events{i}.parquet")
        write_parquet_atomic(files[-1], df)
    want = pd.DataFrame({"detail": pd.Categorical(["y", "x"] + many,
                                                  categories=sorted(["x", "y"] + many))})
    pd.testing.assert_frame_equal(read_parquet_files(files), want, check_exact=True)
    pd.testing.assert_frame_equal(read_parquet_files(files[::-1]),
                                  want.iloc[[*range(2, 202), 0, 1]].reset_index(drop=True),
                                  check_exact=True)
    check([pd.DataFrame({"n": [1]}), pd.DataFrame({"n": ["text"]})], "clash", "pandas")
    assert read_parquet_files([]).empty


@st.composite
def run_tables(draw):
    """Runs of a batch: each run's table (a column may be missing, all null, or
    categorical with its own categories, a few or hundreds), or None for a failed run."""
    runs = []
    for r in range(draw(st.integers(1, 6))):
        if draw(st.booleans()) and draw(st.booleans()):
            runs.append(None)  # failed: no table
            continue
        rows = draw(st.integers(0, 4))
        cols: dict = {"scenario": ["s"] * rows, "replicate": [r] * rows}
        if draw(st.booleans()):
            cols["x"] = draw(st.sampled_from([[np.nan] * rows,
                                              [float(i) + 0.5 for i in range(rows)]]))
        if draw(st.booleans()):
            cols["n"] = list(range(rows))
        if draw(st.booleans()):
            k = draw(st.sampled_from([1, 3, 130, 300]))
            names = [f"detail {draw(st.integers(0, 400))} {i}" for i in range(k)]
            cols["detail"] = pd.Categorical.from_codes(
                [draw(st.integers(0, k - 1)) for _ in range(rows)], names)
        runs.append(pd.DataFrame(cols))
    return runs


@settings(max_examples=60, deadline=None)
@given(runs=run_tables(), cuts=st.lists(st.integers(1, 5), max_size=4))
def test_how_runs_are_batched_never_changes_the_table_read(runs, cuts):
    """A table read from batch files (runs gathered by RunBatch) equals the same runs
    read from a file each, for any batching: missing and all-null columns, failed
    runs, categorical columns with categories (and codes' widths) differing by run."""
    import tempfile

    from hls_sim.runner.store import read_parquet_files, write_parquet_atomic
    from hls_sim.runner.work import RunBatch, RunOutput, RunSpec

    outputs = [RunOutput(RunSpec("s", r, r), {} if df is None else {"t": df})
               if df is not None else RunOutput(RunSpec("s", r, r), error="failed")
               for r, df in enumerate(runs)]
    bounds, at = [], 0
    for c in cuts:
        if at + c < len(outputs):
            at += c
            bounds.append(at)
    batches = [outputs[a:b]
               for a, b in zip([0, *bounds], [*bounds, len(outputs)], strict=True)]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        one_each = []
        for out in outputs:
            if out.ok:
                one_each.append(d / f"run{out.spec.replicate}.parquet")
                write_parquet_atomic(one_each[-1], out.tables["t"])
        by_batch = []
        for i, b in enumerate(batches):
            batch = RunBatch.of(b)
            assert [o.spec for o in batch.runs] == [o.spec for o in b]
            assert all(not o.tables for o in batch.runs)
            if "t" in batch.tables:
                by_batch.append(d / f"batch{i}.parquet")
                write_parquet_atomic(by_batch[-1], batch.tables["t"])
        pd.testing.assert_frame_equal(read_parquet_files(by_batch),
                                      read_parquet_files(one_each), check_exact=True)


def test_results_are_read_table_by_table_when_used(tmp_path, monkeypatch):
    """load_results reads no table before it is asked for: a 10,240-run folder's run
    records come without reading its 10,240 summaries."""
    from hls_sim.runner import store

    outcome = run_ensemble(tiny_ensemble(replicates=1), tmp_path / "exp", workers=1,
                           progress=False)
    read = []
    real = store.ResultsStore.table
    monkeypatch.setattr(store.ResultsStore, "table",
                        lambda self, name: read.append(name) or real(self, name))
    res = load_results(outcome.path)
    assert len(res.runs) == 2 and read == []
    assert len(res.summary) == 2 and read == ["summary"]
    assert res.summary is res.summary and read == ["summary"]  # read once
    assert len(res.timeseries) == 2 * 60 and read == ["summary", "timeseries"]


def test_a_failing_run_is_recorded_and_the_rest_go_on(tmp_path):
    exp = tiny_ensemble(replicates=6, model="tests.models:fragile_hls")
    failing = {s for s in exp.seeds() if s % 2 == 0}
    assert failing and len(failing) < 6  # the chosen root seed gives both kinds
    outcome = run_ensemble(exp, tmp_path / "f", workers=2, progress=False)
    assert not outcome.ok
    assert len(outcome.failures) == 2 * len(failing)
    assert outcome.runs_finished == 12 - 2 * len(failing)
    f = outcome.failures[0]
    assert f["seed"] in failing and "deliberate failure" in f["error"]
    assert "Traceback" in f["traceback"]
    m = load_results(outcome.path).manifest
    assert m["status"] == "finished with failed runs" and len(m["failures"]) == len(
        outcome.failures)


def test_failed_runs_make_the_command_exit_1_and_say_which(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text("description: tiny\nextends: %s\nplace: {n_people: 300, n_weeks: 60}\n"
                    % (ROOT / "scenarios" / "quick.yaml"))
    code = (
        "import sys; from hls_sim import cli, runner;"
        "orig = runner.Ensemble.__post_init__\n"
        "def post(self):\n    orig(self); self.model = 'tests.models:fragile_hls'\n"
        "runner.Ensemble.__post_init__ = post\n"
        f"sys.exit(cli.main(['run', {str(scen)!r}, '-n', '4', '--seed', '11', '-q', "
        f"'--no-report', '--out', {str(tmp_path / 'o')!r}]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    assert "run(s) failed" in proc.stderr and "deliberate failure" in proc.stderr
    assert "--resume" in proc.stderr


def test_out_folder_with_results_is_refused(tmp_path):
    run_ensemble(tiny_ensemble(replicates=1), tmp_path / "x", workers=1, progress=False)
    with pytest.raises(EnsembleError, match="not empty"):
        run_ensemble(tiny_ensemble(replicates=1), tmp_path / "x", progress=False)


def session_processes(sid: int) -> list[int]:
    """Processes of a session (every process a command started, however re-parented)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: session id
            out.append(int(stat.parent.name))
    return out


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, state) of a process's children."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append((int(stat.parent.name), fields[0]))
    return out


def wait_for_runs(folder: Path, n: int, proc: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(ResultsStore(folder).finished_keys()) >= n or proc.poll() is not None:
            return
        time.sleep(0.02)


def assert_nothing_left(sid: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while session_processes(sid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = session_processes(sid)
    for pid in left:  # clean up before failing, so nothing is left behind by the test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes of the killed command still running: {left}"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find processes")
def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path):
    """kill -9 of the command alone (not its workers): every worker exits within
    seconds; then --resume finishes it, equal to a run never interrupted."""
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    # The runner's mechanics are under test, not the comparison: no no-service arm, and
    # a small place (HLS_SIM_SIZE=small), with enough runs to leave many unfinished.
    replicates = 30
    env = {**os.environ, "HLS_SIM_SIZE": "small"}
    args = ["run", "quick", "--replicates", str(replicates), "--seed", "5", "--workers", "2",
            "-q", "--no-report", "--skip-no-service"]
    proc = subprocess.Popen([sys.executable, "-m", "hls_sim", *args, "--out", str(killed)],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env)
    wait_for_runs(killed, 4, proc)
    assert len(children(proc.pid)) >= 2  # the workers
    os.kill(proc.pid, signal.SIGKILL)  # the command only, as `kill -9 PID` does
    proc.wait(timeout=30)
    assert_nothing_left(proc.pid)
    finished_before = len(ResultsStore(killed).finished_keys())
    assert 4 <= finished_before < replicates, "the experiment was not interrupted mid-way"
    assert json.loads((killed / "manifest.json").read_text())["status"] == "running"

    resumed = subprocess.run([sys.executable, "-m", "hls_sim", "run", "--resume", str(killed),
                              "--workers", "2", "-q", "--no-report"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300, env=env)
    assert resumed.returncode == 0, resumed.stderr
    m = json.loads((killed / "manifest.json").read_text())
    assert m["status"] == "complete" and len(m["sessions"]) == 2
    assert m["sessions"][1]["runs_to_do"] == replicates - finished_before

    clean_run = subprocess.run([sys.executable, "-m", "hls_sim", *args, "--out", str(clean)],
                               cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert clean_run.returncode == 0, clean_run.stderr
    assert_same_results(killed, clean)
    assert not list(killed.rglob(".tmp-*"))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find processes")
def test_sigkill_leaves_no_dask_local_cluster_behind(tmp_path):
    """kill -9 of a command running on a Dask LocalCluster: its worker processes (and
    the fork server they came from) exit within seconds."""
    out = tmp_path / "dask"
    proc = subprocess.Popen([sys.executable, "-m", "hls_sim", "run", "quick", "-n", "24",
                             "--dask", "local", "--workers", "2", "-q", "--no-report",
                             "--skip-no-service",
                             "--out", str(out)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_runs(out, 2, proc)
    assert proc.poll() is None, "the experiment finished before it could be killed"
    assert len(session_processes(proc.pid)) >= 3  # the command, a fork server, workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert_nothing_left(proc.pid)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find processes")
def test_a_worker_killed_mid_run_fails_its_runs_and_the_rest_go_on(tmp_path):
    """SIGKILL of one pool worker while it runs: its runs are recorded as failed with
    the reason, the others finish, the command exits 1 with the --resume hint, and
    --resume then finishes the experiment."""
    out = tmp_path / "k"
    proc = subprocess.Popen([sys.executable, "-m", "hls_sim", "run", "quick", "-n", "12",
                             "--workers", "2", "-q", "--no-report", "--skip-no-service",
                             "--out", str(out)],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    wait_for_runs(out, 2, proc)
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and proc.poll() is None and time.monotonic() < deadline:
        running = [pid for pid, state in children(proc.pid) if state == "R"]
        if running:  # a worker in the middle of a run, not waiting for one
            victim = running[0]
            os.kill(victim, signal.SIGKILL)
        time.sleep(0.01)
    assert victim is not None, "no worker was caught running"
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert "WorkerDied" in stderr and f"process {victim}" in stderr and "SIGKILL" in stderr
    assert f"--resume {out}" in stderr and "Traceback" not in stderr
    failed = list((out / "failures").glob("*.json"))
    finished = ResultsStore(out).finished_keys()
    assert failed and len(failed) + len(finished) == 12
    record = json.loads(failed[0].read_text())
    assert "SIGKILL" in record["error"]
    resumed = subprocess.run([sys.executable, "-m", "hls_sim", "run", "--resume", str(out),
                              "--workers", "2", "-q", "--no-report"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert len(ResultsStore(out).finished_keys()) == 12
    assert not list((out / "failures").glob("*.json"))


def test_people_table_kept_for_the_first_replicates_and_disk_reported(tmp_path):
    exp = tiny_ensemble(replicates=3, people_replicates=1)
    outcome = run_ensemble(exp, tmp_path / "p", workers=1, progress=False)
    res = load_results(outcome.path)
    assert set(res.people["replicate"]) == {0} and len(res.summary) == 6
    assert len(res.timeseries) == 6 * 60
    m = res.manifest
    assert m["people_replicates"] == 1
    on_disk = sum(p.stat().st_size for p in outcome.path.rglob("*") if p.is_file())
    assert 0 < m["disk_bytes"] <= on_disk and outcome.disk_bytes == m["disk_bytes"]


def test_a_batch_killed_before_its_record_is_run_again_and_its_tables_removed(tmp_path):
    """A kill between a batch's tables and its record (the commit point) leaves tables
    no record names: they are not read as results, resume removes them and runs the
    batch's runs again, and the folder then equals one never interrupted."""
    exp = tiny_ensemble(replicates=3, event_replicates=2)
    run_ensemble(exp, tmp_path / "whole", workers=2, progress=False)
    run_ensemble(exp, tmp_path / "killed", workers=2, progress=False)
    store = ResultsStore(tmp_path / "killed")
    record = max(store.records(), key=lambda r: len(r["runs"]))
    (tmp_path / "killed" / "runs" / f"{record['batch']}.json").unlink()
    orphans = [tmp_path / "killed" / t / f"{record['batch']}.parquet" for t in record["tables"]]
    assert all(f.is_file() for f in orphans)
    lost = {r["key"] for r in record["runs"]}
    partial = load_results(tmp_path / "killed")
    assert len(partial.summary) == 6 - len(lost) and len(partial.runs) == 6 - len(lost)
    assert store.clean_partial() == len(orphans) and not any(f.exists() for f in orphans)
    outcome = resume_ensemble(tmp_path / "killed", workers=1, progress=False)
    assert outcome.ok and outcome.runs_finished == 6
    session = load_results(tmp_path / "killed").manifest["sessions"][-1]
    assert session["runs_to_do"] == len(lost)
    assert_same_results(tmp_path / "whole", tmp_path / "killed")


def test_a_folder_stored_run_by_run_reads_the_same(tmp_path):
    """Folders written before runs were stored by batch (a file per run and table, a
    record per run) read as the same tables."""
    exp = tiny_ensemble(replicates=2, event_replicates=2)
    out = run_ensemble(exp, tmp_path / "batched", workers=2, progress=False).path
    old = tmp_path / "by_run"
    old.mkdir()
    (old / "manifest.json").write_text((out / "manifest.json").read_text())
    for t in TABLES + ("runs",):
        (old / t).mkdir()
    for rec in ResultsStore(out).records():
        for run in rec["runs"]:
            (old / "runs" / f"{run['key']}.json").write_text(json.dumps(run))
            for t in rec["tables"]:
                df = pd.read_parquet(out / t / f"{rec['batch']}.parquet")
                rows = df[(df["scenario"] == run["scenario"]) &
                          (df["replicate"] == run["replicate"])]
                if len(rows):
                    rows.to_parquet(old / t / f"{run['key']}.parquet", index=False)
    assert len(list((old / "summary").iterdir())) == 4
    assert_same_results(out, old)
    assert sorted(ResultsStore(old).finished_keys()) == sorted(ResultsStore(out).finished_keys())


def test_resume_of_a_finished_experiment_runs_nothing(tmp_path):
    out = tmp_path / "done"
    run_ensemble(tiny_ensemble(replicates=1), out, workers=1, progress=False)
    before = (out / "summary" / "comp__r0000.parquet").stat().st_mtime_ns
    outcome = resume_ensemble(out, progress=False)
    assert outcome.ok and outcome.runs_finished == 2
    assert (out / "summary" / "comp__r0000.parquet").stat().st_mtime_ns == before


def test_resume_refuses_a_folder_that_is_not_results(tmp_path):
    with pytest.raises(EnsembleError, match="not a results folder"):
        resume_ensemble(tmp_path, progress=False)
