"""What a worker does: run a batch of simulations and hand back their tables.

These functions run in worker processes (a process pool or Dask workers), so they are
top-level, take only picklable arguments, and never raise for a failing run: a run that
raises comes back as a :class:`RunOutput` carrying its error and traceback, so the rest
of the ensemble goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


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


def _with_ids(df: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    ids = spec.ids()
    front = pd.DataFrame({k: [v] * len(df) for k, v in ids.items()}, index=df.index)
    return pd.concat([front, df], axis=1)
