"""An ensemble: scenarios x replicates, run on any executor, stored as batches finish.

    >>> from hls_sim import scenarios
    >>> from hls_sim.runner import Ensemble, run_ensemble, load_results
    >>> exp = Ensemble([scenarios.load("competitive"), scenarios.load("collaborative")],
    ...                  replicates=10, seed=1)
    >>> outcome = run_ensemble(exp, workers=2)
    >>> results = load_results(outcome.path)

Replicate seeds are spawned from one root seed with numpy's ``SeedSequence``; replicate
k of every scenario uses the same seed, so scenarios are compared on the same people and
the same shocks (common random numbers), and differences are paired.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .. import __version__, feasibility
from ..params import ParameterError
from ..scenarios import Scenario
from .executors import ExecutorError, WorkerDied, default_workers, make_executor
from .models import simulate_batch
from .seeds import replicate_seeds
from .store import ResultsStore, disk_usage
from .versions import DEPENDENCIES, versions
from .work import RunBatch, RunOutput, RunSpec

tqdm.monitor_interval = 0  # no monitor thread: worker processes may be forked from here
MANIFEST_VERSION = 1
__all__ = ["DEPENDENCIES"]
TARGET_BATCH_SECONDS = 1.0  # batch short runs so each task is worth scheduling


class EnsembleError(ParameterError):
    """An ensemble that cannot start (bad settings, a folder that is not usable)."""


@dataclass
class Ensemble:
    """Scenarios to run, how many replicates of each, and from which root seed.

    Attributes:
        scenarios: validated scenarios (names must be distinct); the first is the
            baseline that the others are compared with.
        replicates: runs per scenario (>= 1).
        seed: root seed from which replicate seeds are spawned.
        name: folder-name stem for the results; defaults from the scenario names.
        question: what the comparison is for, in words (shown in the report).
        event_replicates: replicates per scenario whose event logs are kept (journeys).
        people_replicates: replicates per scenario whose people tables are kept (one
            row per person: the largest table); None keeps them for every replicate.
        kind: ``"run"`` or ``"compare"`` (for the report's wording).
        keep: tables kept besides the summary (``"timeseries"``, ``"people"``).
        model: ``"hls_sim"``, or any ``module:function`` taking a scenario's parameters
            (and ``seed``) as keyword arguments and returning a dict of named outputs.
    """

    scenarios: list[Scenario]
    replicates: int = 10
    seed: int = 0
    name: str | None = None
    question: str | None = None
    event_replicates: int = 3
    kind: str = "compare"
    keep: tuple[str, ...] = ("timeseries", "people")
    model: str = "hls_sim"
    people_replicates: int | None = None

    def __post_init__(self) -> None:
        if not self.scenarios:
            raise EnsembleError("an ensemble needs at least one scenario")
        names = [s.name for s in self.scenarios]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise EnsembleError(f"scenario names must be distinct: {', '.join(dup)} "
                                  "appears more than once")
        if not isinstance(self.replicates, int) or self.replicates < 1:
            raise EnsembleError(f"invalid replicates={self.replicates!r}: allowed a whole "
                                  "number >= 1")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise EnsembleError(f"invalid seed={self.seed!r}: allowed a whole number >= 0")
        if self.people_replicates is not None and (
                not isinstance(self.people_replicates, int) or self.people_replicates < 0):
            raise EnsembleError(f"invalid people_replicates={self.people_replicates!r}: "
                                  "allowed a whole number >= 0")
        if self.name is None:
            self.name = "-vs-".join(names) if len(names) > 1 else names[0]

    @property
    def baseline(self) -> str:
        return self.scenarios[0].name

    # What the run loop (:func:`_execute`) asks of an ensemble. A sensitivity design
    # (:class:`hls_sim.design.DesignEnsemble`) answers the same questions.

    def scenario_params(self) -> dict[str, dict[str, Any]]:
        """Each scenario's resolved parameters, by name (shipped with every batch)."""
        return {s.name: s.params.model_dump(mode="json") for s in self.scenarios}

    def batch_args(self, params: dict[str, dict[str, Any]],
                   batch: list[RunSpec]) -> tuple[Any, ...]:
        """Positional arguments of :func:`simulate_batch` for one batch of runs."""
        return (params, batch, self.model)

    def seconds_per_run(self) -> float:
        """A rough estimate of one run's time (to size batches)."""
        p = self.scenarios[0].params.place
        return 0.05 + p.n_people * p.n_weeks / 2.5e6  # measured, roughly

    def prepare(self, store: ResultsStore) -> None:
        """Write anything the runs need besides the manifest (nothing, here)."""

    def largest_params(self) -> list[Any]:
        """Parameters of the largest runs (for the memory check before anything runs)."""
        return [s.params for s in self.scenarios]

    def seeds(self) -> list[int]:
        """One model seed per replicate, spawned from the root seed."""
        return replicate_seeds(self.seed, self.replicates)

    def runs(self) -> list[RunSpec]:
        """Every run, interleaved by replicate so partial results stay balanced."""
        out = []
        for k, seed in enumerate(self.seeds()):
            keep = self.keep
            if self.people_replicates is not None and k >= self.people_replicates:
                keep = tuple(t for t in keep if t != "people")
            keep += ("events",) if k < self.event_replicates else ()
            for s in self.scenarios:
                out.append(RunSpec(s.name, k, seed, keep))
        return out

    def to_manifest(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "question": self.question,
            "baseline": self.baseline, "root_seed": self.seed, "replicates": self.replicates,
            "seeds": self.seeds(), "event_replicates": self.event_replicates,
            "people_replicates": self.people_replicates,
            "keep": list(self.keep), "model": self.model,
            "scenarios": [{"name": s.name, "description": s.description,
                           "path": str(s.path) if s.path else None, "extends_chain": s.chain,
                           "hash": s.hash, "content": s.content} for s in self.scenarios],
        }

    @classmethod
    def from_manifest(cls, m: dict[str, Any]) -> Ensemble:
        scen = []
        for s in m["scenarios"]:
            sc = Scenario.from_content(s["name"], s.get("description", ""), s["content"])
            if sc.hash != s["hash"]:
                raise EnsembleError(f"scenario {s['name']} in the manifest does not match "
                                      "its recorded hash (the manifest was edited?)")
            scen.append(sc)
        return cls(scen, m["replicates"], m["root_seed"], m["name"], m.get("question"),
                   m.get("event_replicates", 3), m.get("kind", "compare"),
                   tuple(m.get("keep", ("timeseries", "people"))), m.get("model", "hls_sim"),
                   m.get("people_replicates"))


@dataclass
class Outcome:
    """How an ensemble went: where its results are, what failed, how long it took."""

    path: Path
    runs_planned: int
    runs_finished: int
    failures: list[dict[str, Any]] = field(default_factory=list)
    wall_seconds: float = 0.0
    model_seconds: float = 0.0
    disk_bytes: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def default_out(name: str, base: Path = Path("results")) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = base / f"{name}-{stamp}"
    n = 1
    while out.exists():
        n += 1
        out = base / f"{name}-{stamp}-{n}"
    return out


def run_ensemble(exp: Ensemble, out: str | Path | None = None, *,
                   workers: int | None = None, dask: str | None = None,
                   progress: bool = True) -> Outcome:
    """Run every replicate of every scenario and store the results as they finish.

    Everything that can refuse the ensemble (the folder, the memory the runs need, a
    Dask cluster's versions) is checked before the results folder is created.

    Args:
        exp: what to run.
        out: results folder (new or empty); default ``results/<name>-<timestamp>``.
        workers: worker processes (default: this machine's cores; 1 runs in-process).
        dask: a Dask scheduler address, or ``"local"`` for a LocalCluster.
        progress: show a progress bar on stderr.

    Raises:
        EnsembleError: ``out`` already holds results (use :func:`resume_ensemble`).
        FeasibilityError: the runs need more memory than this machine has.
        ClusterMismatchError: the Dask workers run other versions than this process.
    """
    path = Path(out) if out is not None else default_out(exp.name or "ensemble")
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise EnsembleError(f"{path} is not empty: choose a new --out folder, or use "
                              f"--resume {path} to finish an interrupted run")
    specs = exp.runs()
    check_fits(exp, len(specs), workers, dask)
    with _opened(workers, dask, bool(specs)) as executor:
        store = ResultsStore(path)
        manifest = {"hls_sim_manifest": MANIFEST_VERSION, **provenance(),
                    "created": _now(), "status": "running", **exp.to_manifest(),
                    "sessions": []}
        store.write_manifest(manifest)
        exp.prepare(store)
        return _execute(exp, store, manifest, executor, progress)


def resume_ensemble(path: str | Path, *, workers: int | None = None,
                      dask: str | None = None, progress: bool = True,
                      factory: Callable[[dict[str, Any]], Any] | None = None) -> Outcome:
    """Finish an interrupted ensemble: run only what has not finished.

    The scenarios, seeds and replicates come from the folder's manifest, so the
    finished ensemble equals one that was never interrupted. ``factory`` rebuilds
    the ensemble from the manifest (default :meth:`Ensemble.from_manifest`; a
    sensitivity design passes its own).
    """
    store = ResultsStore(Path(path))
    if not store.exists():
        raise EnsembleError(f"{path}: not a results folder (no manifest.json)")
    manifest = store.read_manifest()
    made_by = manifest.get("versions", {}).get("hls_sim")
    if made_by != __version__:
        raise EnsembleError(f"{path} was made by hls_sim {made_by}; this is {__version__}, "
                              "so resumed runs would not match: start a new ensemble")
    exp = (factory or Ensemble.from_manifest)(manifest)
    done = store.finished_keys()
    todo = [s for s in exp.runs() if s.key not in done]
    check_fits(exp, len(todo), workers, dask)
    with _opened(workers, dask, bool(todo)) as executor:
        store.clean_partial()
        return _execute(exp, store, manifest, executor, progress)


@contextlib.contextmanager
def _opened(workers: int | None, dask: str | None, needed: bool):
    """The executor (timed: starting workers or a cluster is part of the wall time)."""
    t0 = time.perf_counter()
    with make_executor(workers, dask) if needed else _Nothing() as executor:
        executor.start_seconds = round(time.perf_counter() - t0, 3)
        yield executor


def check_fits(exp: Any, n_runs: int, workers: int | None, dask: str | None) -> None:
    """Refuse (one line) runs that would not fit in this machine's memory, counting the
    runs held at once by the workers (before any worker or folder exists). A remote
    Dask cluster's memory is its own business."""
    if not n_runs or (dask and dask != "local") or not hasattr(exp, "largest_params"):
        return
    at_once = min(workers or default_workers(), n_runs)
    for params in exp.largest_params():
        feasibility.check_memory(params, runs_at_once=at_once)


def plan_batches(exp: Ensemble, specs: list[RunSpec], workers: int) -> list[list[RunSpec]]:
    """Group runs into batches of about a second of work, but keep every worker busy."""
    est = exp.seconds_per_run()
    size = max(1, min(math.ceil(TARGET_BATCH_SECONDS / est),
                      math.ceil(len(specs) / (4 * max(workers, 1)))))
    return [specs[i:i + size] for i in range(0, len(specs), size)]


def _execute(exp: Ensemble, store: ResultsStore, manifest: dict[str, Any],
             executor: Any, progress: bool) -> Outcome:
    specs = exp.runs()
    done = store.finished_keys()
    todo = [s for s in specs if s.key not in done]
    params = exp.scenario_params()
    session: dict[str, Any] = {"started": _now(), "runs_to_do": len(todo),
                               "command": sys.argv}
    manifest.setdefault("sessions", []).append(session)
    start = time.perf_counter()
    failed = 0
    bar = None
    try:
        session["executor"] = executor.describe()
        session["executor_start_seconds"] = executor.start_seconds
        # The bar comes after the workers exist (they may be forked from here), and
        # without tqdm's monitor thread.
        bar = tqdm(total=len(specs), initial=len(specs) - len(todo), unit="run",
                   desc=exp.name, disable=not progress, file=sys.stderr,
                   dynamic_ncols=True)
        manifest["status"] = "running"
        store.write_manifest(manifest)
        batches = plan_batches(exp, todo, executor.workers)
        for i, batch in executor.map_unordered(
                simulate_batch, [exp.batch_args(params, b) for b in batches]):
            if isinstance(batch, WorkerDied):  # its runs are lost: record them failed
                batch = RunBatch([RunOutput(spec, error=batch.reason,
                                            traceback=f"{batch.reason}\n(no Python "
                                            "traceback: the process was ended from outside)")
                                  for spec in batches[i]])
            store.save_batch(batch)
            failed += len(batch.runs) - len(batch.ok)
            bar.update(len(batch.runs))
            if failed:
                bar.set_postfix(failed=failed)
    except KeyboardInterrupt:
        _finish(store, manifest, session, start, "interrupted")
        raise
    except ExecutorError:
        _finish(store, manifest, session, start, "executor failed")
        raise
    finally:
        if bar is not None:
            bar.close()
    failures = store.failures()
    status = "complete" if not failures else "finished with failed runs"
    _finish(store, manifest, session, start, status)
    runs = store.runs()
    return Outcome(store.root, len(specs), len(runs), failures, time.perf_counter() - start,
                   float(runs["run_seconds"].sum()) if len(runs) else 0.0,
                   manifest.get("disk_bytes", 0))


class _Nothing:
    """Stands in for an executor when every run has already finished."""

    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def describe(self) -> dict[str, Any]:
        return {"kind": "none (nothing left to run)"}

    def map_unordered(self, fn, batches):
        return iter(())


def _finish(store: ResultsStore, manifest: dict[str, Any], session: dict[str, Any],
            start: float, status: str) -> None:
    session["finished"] = _now()
    session["wall_seconds"] = round(time.perf_counter() - start, 3)
    runs = store.runs()
    failures = store.failures()
    manifest["status"] = status
    manifest["finished"] = session["finished"]
    manifest["timings"] = {
        "runs_finished": int(len(runs)),
        "model_seconds_total": float(runs["run_seconds"].sum()) if len(runs) else 0.0,
        "run_seconds_median": float(runs["run_seconds"].median()) if len(runs) else None,
        "wall_seconds_total": round(sum(s.get("wall_seconds", 0.0)
                                        for s in manifest["sessions"]), 3),
    }
    manifest["failures"] = [{k: f.get(k) for k in ("scenario", "replicate", "seed", "error",
                                                   "traceback")} for f in failures]
    manifest["disk_bytes"] = disk_usage(store.root)  # the manifest's own few KB aside
    store.write_manifest(manifest)


def provenance() -> dict[str, Any]:
    """Package and dependency versions, git commit, machine: what made these results."""
    return {"versions": versions(), "git": git_info(),
            "machine": {"platform": platform.platform(), "processor": platform.machine(),
                        "python_implementation": platform.python_implementation()}}


def git_info() -> dict[str, Any] | None:
    """The commit of the hls_sim source (and whether it had uncommitted changes)."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
