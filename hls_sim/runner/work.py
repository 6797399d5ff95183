"""What a worker does: run a batch of simulations and hand back their tables.

These functions run in worker processes (a process pool or Dask workers), so they are
top-level, take only picklable arguments, and never raise for a failing run: a run that
raises comes back as a :class:`RunOutput` carrying its error and traceback, so the rest
of the ensemble goes on.
"""

from __future__ import annotations

import importlib
import inspect
import os
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from .. import metrics
from ..model import HLSModel
from ..params import make_params
from ..result import Result, people_frame


@dataclass(frozen=True)
class RunSpec:
    """One simulation of an ensemble.

    Attributes:
        scenario: the scenario's name (its parameters travel with the batch).
        replicate: replicate number; replicate k of every scenario shares ``seed``.
        seed: the model's seed (spawned from the ensemble's root seed).
        keep: tables to keep besides the summary: any of ``"timeseries"``,
            ``"people"``, ``"events"``.
        overrides: parameter overrides on top of the scenario (sensitivity designs).
        sample: sample-point number in a design, if any.
    """

    scenario: str
    replicate: int
    seed: int
    keep: tuple[str, ...] = ("timeseries", "people")
    overrides: tuple[tuple[str, Any], ...] = ()
    sample: int | None = None

    @property
    def key(self) -> str:
        """File-safe identity of the run, unique within an ensemble."""
        if self.sample is None:
            return f"{self.scenario}__r{self.replicate:04d}"
        return f"{self.scenario}__s{self.sample:06d}__r{self.replicate:04d}"

    def ids(self) -> dict[str, Any]:
        """Identifying columns added to every table of this run."""
        ids: dict[str, Any] = {"scenario": self.scenario, "replicate": self.replicate,
                               "seed": self.seed}
        if self.sample is not None:
            ids["sample"] = self.sample
        return ids


@dataclass
class RunOutput:
    """What came back from one run: its tables, or the error it raised."""

    spec: RunSpec
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    run_seconds: float = float("nan")
    worker: str = ""
    error: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def simulate(params: dict[str, Any], spec: RunSpec) -> RunOutput:
    """Run one hls_sim simulation; never raises (errors are returned)."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    try:
        p = make_params({**params, **dict(spec.overrides)}) if spec.overrides \
            else make_params(params)
        model = HLSModel(p, seed=spec.seed)
        if not spec.keep:
            # Summary only (sensitivity designs): no event log to build, and the summary
            # straight from the model, exactly as Result.from_model computes it.
            model.log = _NullLog()
            model.run()
            summary = metrics.summary(model, metrics.timeseries(model), people_frame(model))
            return RunOutput(spec, {"summary": _with_ids(pd.DataFrame([summary]), spec)},
                             time.perf_counter() - start, worker)
        model.run()
        result = Result.from_model(model)
        seconds = time.perf_counter() - start
        tables = {"summary": _with_ids(pd.DataFrame([result.summary]), spec)}
        if "timeseries" in spec.keep:
            tables["timeseries"] = _with_ids(result.timeseries, spec)
        if "people" in spec.keep:
            tables["people"] = _with_ids(result.people, spec)
        if "events" in spec.keep:
            tables["events"] = _with_ids(result.events, spec)
        return RunOutput(spec, tables, seconds, worker)
    except Exception as exc:  # a failing run is recorded, never fatal to the ensemble
        return RunOutput(spec, {}, time.perf_counter() - start, worker,
                         f"{type(exc).__name__}: {exc}", traceback.format_exc())


def simulate_callable(target: str, params: dict[str, Any], spec: RunSpec) -> RunOutput:
    """Run any model given as ``module:function``: it takes the parameters as keyword
    arguments (and ``seed``, if it has such an argument) and returns a dict of named
    numeric outputs, which become the run's summary row. Never raises."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    try:
        fn = resolve_model(target)
        kwargs = {**params, **dict(spec.overrides)}
        if _takes_seed(fn):
            kwargs["seed"] = spec.seed
        out = fn(**kwargs)
        if not isinstance(out, Mapping):
            raise TypeError(f"model {target} returned {type(out).__name__}, expected a dict "
                            "of named outputs")
        row = pd.DataFrame([{str(k): float(v) for k, v in out.items()}])
        return RunOutput(spec, {"summary": _with_ids(row, spec)},
                         time.perf_counter() - start, worker)
    except Exception as exc:  # recorded, never fatal to the ensemble
        return RunOutput(spec, {}, time.perf_counter() - start, worker,
                         f"{type(exc).__name__}: {exc}", traceback.format_exc())


def simulate_mesa(target: str, params: dict[str, Any], spec: RunSpec,
                  steps: int) -> RunOutput:
    """Run any Mesa model class given as ``module:Class``: built with the parameters as
    keyword arguments (and ``seed``), stepped ``steps`` times (or until it stops
    running); the run's summary row is every model reporter of its ``datacollector``,
    evaluated on the final state. Never raises."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    try:
        cls = resolve_model(target)
        kwargs = {**params, **dict(spec.overrides)}
        if _takes_seed(cls):
            kwargs["seed"] = spec.seed
        model = cls(**kwargs)
        for _ in range(steps):
            if not getattr(model, "running", True):
                break
            model.step()
        dc = getattr(model, "datacollector", None)
        if dc is None or not getattr(dc, "model_reporters", None):
            raise TypeError(f"model {target} has no datacollector with model reporters "
                            "(the outputs of a Mesa model are its named model reporters)")
        dc.collect(model)  # the reporters on the final state
        row = pd.DataFrame([{str(k): float(dc.model_vars[k][-1])
                             for k in dc.model_reporters}])
        return RunOutput(spec, {"summary": _with_ids(row, spec)},
                         time.perf_counter() - start, worker)
    except Exception as exc:  # recorded, never fatal to the ensemble
        return RunOutput(spec, {}, time.perf_counter() - start, worker,
                         f"{type(exc).__name__}: {exc}", traceback.format_exc())


def simulate_batch(params_by_scenario: dict[str, dict[str, Any]], specs: list[RunSpec],
                   model: str = "hls_sim",
                   options: Mapping[str, Any] | None = None) -> list[RunOutput]:
    """Run several short simulations in one task, so scheduler overhead stays small.

    ``model`` is ``"hls_sim"``, a ``module:function`` or a Mesa ``module:Class``;
    ``options`` holds ``steps`` for a Mesa model.
    """
    if model == "hls_sim":
        return [simulate(params_by_scenario[s.scenario], s) for s in specs]
    if is_mesa_model(model):
        steps = int((options or {}).get("steps", 100))
        return [simulate_mesa(model, params_by_scenario[s.scenario], s, steps) for s in specs]
    return [simulate_callable(model, params_by_scenario[s.scenario], s) for s in specs]


def is_mesa_model(target: str) -> bool:
    """Whether ``module:Name`` names a Mesa model class (False if it cannot be imported)."""
    try:
        obj = resolve_model(target)
    except ValueError:
        return False
    import mesa

    return inspect.isclass(obj) and issubclass(obj, mesa.Model)


class _NullLog:
    """Stands in for the model's event log when no events are kept: logs nothing."""

    def people_event(self, *args: Any, **kwargs: Any) -> None:
        pass

    def org_event(self, *args: Any, **kwargs: Any) -> None:
        pass

    def mark(self) -> int:
        return 0

    def entries_since(self, mark: int) -> list[tuple]:
        return []


@cache
def resolve_model(target: str) -> Callable[..., Any]:
    """Import ``module:function`` (raises ValueError naming what is wrong)."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"invalid model {target!r}: allowed 'hls_sim' or 'module:function'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"invalid model {target!r}: cannot import {module_name} ({exc})") \
            from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"invalid model {target!r}: {module_name} has no {attr}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"invalid model {target!r}: {attr} is not callable")
    return obj


def _takes_seed(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if "seed" in params:
        return True
    # A Mesa model class that passes **kwargs on to mesa.Model takes a seed too.
    return inspect.isclass(fn) and any(p.kind is p.VAR_KEYWORD for p in params.values())


def _with_ids(df: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    ids = spec.ids()
    front = pd.DataFrame({k: [v] * len(df) for k, v in ids.items()}, index=df.index)
    return pd.concat([front, df], axis=1)
