"""The kinds of model the runner runs, one adapter class each (as EMA Workbench's model
classes are): hls_sim itself, any ``module:function``, and any Mesa model class.

Each adapter answers the same questions, so the runner and the design never branch on
the kind: what keyword arguments the model takes (to check factor names), what outputs
it gives (to check output names), and how to run one simulation into a
:class:`~.work.RunOutput` (never raising: a failing run comes back with its error).
"""

from __future__ import annotations

import importlib
import inspect
import os
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, ClassVar

import pandas as pd

from .work import RunBatch, RunOutput, RunSpec, Table, _with_ids, arrow_table


class ModelAdapter:
    """One kind of model. ``target`` is what the experiment file's ``model:`` says."""

    kind: ClassVar[str] = ""

    def __init__(self, target: str, steps: int | None = None) -> None:
        self.target = target
        self.steps = steps

    def arguments(self) -> set[str] | None:
        """Keyword arguments the model takes (None: any)."""
        return None

    def outputs(self, kwargs: dict[str, Any]) -> set[str] | None:
        """Names of the outputs a run gives (None: known only after a run)."""
        return None

    def simulate(self, params: dict[str, Any], spec: RunSpec) -> dict[str, Table]:
        """One run's tables by name (the summary at least): DataFrames, or Arrow tables
        carrying the same pandas metadata (``work.arrow_table``)."""
        raise NotImplementedError

    def run(self, params: dict[str, Any], spec: RunSpec) -> RunOutput:
        """One simulation; never raises (errors are returned with their traceback)."""
        worker = f"{socket.gethostname()}:{os.getpid()}"
        start = time.perf_counter()
        try:
            tables = self.simulate(params, spec)
            return RunOutput(spec, tables, time.perf_counter() - start, worker)
        except Exception as exc:  # a failing run is recorded, never fatal to the ensemble
            return RunOutput(spec, {}, time.perf_counter() - start, worker,
                             f"{type(exc).__name__}: {exc}", traceback.format_exc())


class HLSSimModel(ModelAdapter):
    """hls_sim: parameters are a scenario's resolved content plus dotted overrides; the
    tables are the summary and whichever of timeseries, people and events are kept."""

    kind = "hls_sim"

    def outputs(self, kwargs: dict[str, Any]) -> set[str]:
        return set(summary_metrics())

    def simulate(self, params: dict[str, Any], spec: RunSpec) -> dict[str, Table]:
        from .. import metrics
        from ..events import NullLog
        from ..model import HLSModel
        from ..params import make_params
        from ..result import people_columns

        p = make_params({**params, **dict(spec.overrides)}) if spec.overrides \
            else make_params(params)
        model = HLSModel(p, seed=spec.seed)
        if "events" not in spec.keep:
            # No event log to build when its table is not kept: summary-only runs
            # (sensitivity designs) and the replicates of a comparison after the first
            # few (``event_replicates``). Mechanisms skip preparing entries for a
            # NullLog; nothing else reads the log, so no other table changes (tested).
            # A default-place run's log costs 15-45 ms (benchmarks/profile_glue.py).
            model.log = NullLog()
        model.run()
        # The tables straight from the model's columns, as Arrow (work.arrow_table), and
        # the summary from the same columns: exactly what Result.from_model computes
        # from its DataFrames (tests compare the two), without building them.
        timeseries = metrics.timeseries_columns(model)
        people = people_columns(model, status="people" in spec.keep)
        summary = metrics.summary(model, timeseries, people)
        tables: dict[str, Any] = {"summary": arrow_table(
            {k: [v] for k, v in summary.items()}, spec)}
        if "timeseries" in spec.keep:
            tables["timeseries"] = arrow_table(timeseries, spec)
        if "people" in spec.keep:
            tables["people"] = arrow_table(people, spec)
        if "events" in spec.keep:
            tables["events"] = _with_ids(model.log.to_frame(), spec)
        return tables


class FunctionModel(ModelAdapter):
    """Any ``module:function`` taking the parameters as keyword arguments (and ``seed``,
    if it has such an argument) and returning a dict of named numbers: the run's summary
    row."""

    kind = "function"

    def arguments(self) -> set[str] | None:
        return _arguments(resolve_model(self.target))

    def simulate(self, params: dict[str, Any], spec: RunSpec) -> dict[str, Table]:
        fn = resolve_model(self.target)
        kwargs = {**params, **dict(spec.overrides)}
        if _takes_seed(fn):
            kwargs["seed"] = spec.seed
        out = fn(**kwargs)
        if not isinstance(out, Mapping):
            raise TypeError(f"model {self.target} returned {type(out).__name__}, expected a "
                            "dict of named outputs")
        row = pd.DataFrame([{str(k): float(v) for k, v in out.items()}])
        return {"summary": _with_ids(row, spec)}


class MesaModel(ModelAdapter):
    """Any Mesa model class given as ``module:Class``: built with the parameters as
    keyword arguments (and ``seed``), stepped ``steps`` times (or until it stops
    running); the run's summary row is every model reporter of its ``datacollector``,
    evaluated on the final state."""

    kind = "mesa"

    def arguments(self) -> set[str] | None:
        return _arguments(resolve_model(self.target))

    def outputs(self, kwargs: dict[str, Any]) -> set[str]:
        """The model reporters of one model built with ``kwargs`` (raises ValueError)."""
        try:
            m = resolve_model(self.target)(**kwargs)
        except Exception as exc:
            raise ValueError(f"cannot build {self.target} with {sorted(kwargs)} "
                             f"({type(exc).__name__}: {exc})") from None
        dc = getattr(m, "datacollector", None)
        reporters = set(getattr(dc, "model_reporters", None) or {})
        if not reporters:
            raise ValueError(f"{self.target} has no datacollector with model reporters "
                             "(its outputs must be named model reporters)")
        return reporters

    def simulate(self, params: dict[str, Any], spec: RunSpec) -> dict[str, Table]:
        cls = resolve_model(self.target)
        kwargs = {**params, **dict(spec.overrides)}
        if _takes_seed(cls):
            kwargs["seed"] = spec.seed
        model = cls(**kwargs)
        for _ in range(int(self.steps or 100)):
            if not getattr(model, "running", True):
                break
            model.step()
        dc = getattr(model, "datacollector", None)
        if dc is None or not getattr(dc, "model_reporters", None):
            raise TypeError(f"model {self.target} has no datacollector with model reporters "
                            "(the outputs of a Mesa model are its named model reporters)")
        dc.collect(model)  # the reporters on the final state
        row = pd.DataFrame([{str(k): float(dc.model_vars[k][-1])
                             for k in dc.model_reporters}])
        return {"summary": _with_ids(row, spec)}


def simulate_batch(params_by_scenario: dict[str, dict[str, Any]], specs: list[RunSpec],
                   model: str = "hls_sim",
                   options: Mapping[str, Any] | None = None) -> RunBatch:
    """Run several short simulations in one task, so scheduler overhead stays small,
    and hand back their tables gathered into one table each (:class:`~.work.RunBatch`).

    ``model`` is ``"hls_sim"``, a ``module:function`` or a Mesa ``module:Class``; the
    adapter of that kind (:mod:`.models`) runs each; ``options`` holds ``steps`` for a
    Mesa model.
    """
    adapter = model_adapter(model, **dict(options or {}))
    return RunBatch.of([adapter.run(params_by_scenario[s.scenario], s) for s in specs])


def model_adapter(target: str, steps: int | None = None) -> ModelAdapter:
    """The adapter for what an experiment file's ``model:`` names.

    Raises:
        ValueError: one line: the model cannot be imported, or is neither hls_sim, a
            function nor a Mesa model class.
    """
    if target == "hls_sim":
        return HLSSimModel(target)
    obj = resolve_model(target)
    if inspect.isclass(obj):
        import mesa

        if issubclass(obj, mesa.Model):
            return MesaModel(target, steps)
        raise ValueError(f"invalid model {target!r}: a class that is not a Mesa model "
                         "(allowed 'hls_sim', 'module:function' or a mesa.Model subclass)")
    return FunctionModel(target)


@cache
def summary_metrics() -> frozenset[str]:
    """The names of hls_sim's whole-run summary metrics (from a two-week run)."""
    import hls_sim

    tiny = {"place.n_people": 10, "place.n_weeks": 2, "place.n_organisations": 1,
            "place.n_practitioners": 1, "place.n_localities": 1, "place.burn_in_weeks": 0}
    return frozenset(hls_sim.run(tiny, seed=0).summary)


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


def _arguments(obj: Callable[..., Any]) -> set[str] | None:
    """Keyword arguments a model accepts (None: any, it takes **kwargs)."""
    try:
        params = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return None
    return {n for n, p in params.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n not in ("self", "seed")}


def _takes_seed(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if "seed" in params:
        return True
    # A Mesa model class that passes **kwargs on to mesa.Model takes a seed too.
    return inspect.isclass(fn) and any(p.kind is p.VAR_KEYWORD for p in params.values())
