"""A finished (or partly finished) design's outputs, read back from its results folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..runner.ensemble import EnsembleError
from ..runner.store import ResultsStore
from .plan import DesignEnsemble
from .spec import ExperimentSpec

# --------------------------------------------------------------------------- outputs


@dataclass
class DesignOutputs:
    """A finished (or partly finished) design's outputs, read from its folder.

    Attributes:
        spec: the experiment.
        X: the sample (SALib's values), one row per sample point.
        values: the factor values the model got, one row per sample point.
        per_run: one row per sample point and replicate: every output (paired
            differences taken within the replicate).
        Y: one row per sample point: outputs reduced over the design's replicates
            (NaN where a run is missing).
        manifest: the folder's manifest.
    """

    spec: ExperimentSpec
    X: np.ndarray
    values: pd.DataFrame
    per_run: pd.DataFrame
    Y: pd.DataFrame
    manifest: dict[str, Any]
    root: Path
    runs_missing: int = 0

    def complete(self) -> bool:
        return not self.Y[self.spec.output_names].isna().any().any()


IDS = ["scenario", "sample", "replicate", "seed"]  # a run's ids in its summary row


def read_summaries(root: Path, metrics: list[str] | None = None) -> pd.DataFrame:
    """Every finished run's summary row, ordered by scenario, sample and replicate: its
    ids and ``metrics`` only, if given (a design of 10,240 runs reads in a fraction of
    the time), else every metric."""
    columns = None if metrics is None else IDS + [m for m in metrics if m not in IDS]
    return ResultsStore(root).table("summary", columns)


def summary_columns(root: Path) -> list[str]:
    """The summary table's columns (every metric a run gave), from one file's schema."""
    files = ResultsStore(root).files("summary")
    return pq.ParquetFile(files[0]).schema_arrow.names if files else []


def design_outputs(path: str | Path) -> DesignOutputs:
    """Read a design's results folder into per-run and per-point outputs."""
    root = Path(path)
    store = ResultsStore(root)
    if not store.exists():
        raise EnsembleError(f"{root}: not a results folder (no manifest.json)")
    manifest = store.read_manifest()
    exp = DesignEnsemble.from_manifest(manifest, root)
    spec = exp.spec
    summary = read_summaries(root, [o.metric for o in spec.outputs])
    index = pd.MultiIndex.from_tuples(
        sorted({(s.sample, s.replicate) for s in exp.runs()}), names=["sample", "replicate"])
    per_run = pd.DataFrame(index=index)
    if len(summary):
        for o in spec.outputs:
            if o.metric not in summary.columns:
                have = summary_columns(root)
                raise EnsembleError(f"output {o.name}: the model's runs have no metric "
                                      f"'{o.metric}' (they have: "
                                      f"{', '.join(c for c in have if c not in IDS)})")
            wide = summary.set_index(["sample", "replicate", "scenario"])[o.metric] \
                .unstack("scenario")
            col = (wide[o.difference[0]] - wide[o.difference[1]]) if o.difference \
                else wide[o.arm]
            per_run[o.name] = col.reindex(index)
    else:
        for o in spec.outputs:
            per_run[o.name] = np.nan
    design_reps = per_run[per_run.index.get_level_values("replicate") < spec.replicates]
    g = design_reps.groupby(level="sample")
    Y = g.mean() if spec.reduce == "mean" else g.median()
    # a point with any design replicate missing is missing (no silent smaller mean)
    missing = design_reps.isna().groupby(level="sample").any()
    Y = Y.mask(missing).reindex(range(exp.n_points))
    values = pd.DataFrame(exp.values())
    missing = len(exp.runs()) - len(summary)
    return DesignOutputs(spec, exp.X, values, per_run.reset_index(), Y, manifest, root,
                         missing)
