"""A sampled design as the runner's ensemble: one run per sample point, replicate and arm,
on the same executors, results store and resume as ``hls-sim run``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..runner.ensemble import EnsembleError, resume_ensemble, run_ensemble
from ..runner.store import ResultsStore, write_parquet_atomic
from ..runner.work import RunSpec
from ..scenarios import content_hash
from .parse import from_manifest
from .sample import noise_points, samples_hash, seed_for
from .spec import ExperimentSpec


class DesignEnsemble:
    """A sampled design as the scenario runner's experiment: the same executors, store,
    manifest and resume as ``hls-sim run``. Runs keep only their summary row."""

    kind = "sensitivity"

    def __init__(self, spec: ExperimentSpec, X: np.ndarray, name: str | None = None):
        self.spec = spec
        self.X = np.asarray(X, dtype=float)
        self.name = name or spec.name
        self.model = spec.model
        self.arms = list(spec.arm_params)
        self.replicates = spec.replicates
        self.seed = spec.seed

    @property
    def n_points(self) -> int:
        return int(self.X.shape[0])

    def values(self) -> list[dict[str, Any]]:
        """Each sample point's factor values as the model gets them."""
        cols = [[f.value(u) for u in self.X[:, j]] for j, f in enumerate(self.spec.factors)]
        names = self.spec.factor_names
        return [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]

    def replicates_at(self, i: int, probed: set[int]) -> range:
        if i in probed:
            return range(max(self.replicates, self.spec.noise["replicates"]))  # type: ignore[index]
        return range(self.replicates)

    def runs(self) -> list[RunSpec]:
        probed = set(noise_points(self.spec, self.n_points))
        applies = {arm: [f.name for f in self.spec.factors if f.applies_to(arm)]
                   for arm in self.arms}
        out = []
        for i, vals in enumerate(self.values()):
            for k in self.replicates_at(i, probed):
                seed = seed_for(self.spec, i, k)
                for arm in self.arms:
                    over = tuple((n, vals[n]) for n in applies[arm])
                    out.append(RunSpec(arm, k, seed, (), over, i))
        return out

    def scenario_params(self) -> dict[str, dict[str, Any]]:
        return self.spec.arm_params

    def batch_args(self, params: dict[str, dict[str, Any]],
                   batch: list[RunSpec]) -> tuple[Any, ...]:
        return (params, batch, self.model, {"steps": self.spec.steps})

    def seconds_per_run(self) -> float:
        if self.spec.model_kind == "hls_sim":
            place = self.spec.arm_params[self.arms[0]]["place"]
            return 0.05 + place["n_people"] * place["n_weeks"] / 2.5e6
        return 0.005

    def prepare(self, store: ResultsStore) -> None:
        df = pd.DataFrame(self.X, columns=self.spec.factor_names)
        df.insert(0, "sample", np.arange(self.n_points))
        write_parquet_atomic(store.root / "design" / "samples.parquet", df)

    def to_manifest(self) -> dict[str, Any]:
        spec = self.spec
        scen = []
        for arm, params in spec.arm_params.items():
            scen.append({"name": arm, "description": _arm_description(spec, arm),
                         "path": None, "extends_chain": spec.base.chain if spec.base else [],
                         "hash": content_hash(params), "content": params})
        runs = self.runs()
        return {
            "name": self.name, "kind": self.kind, "question": spec.description or None,
            "baseline": self.arms[0], "root_seed": spec.seed, "replicates": spec.replicates,
            "seeds": spec.seeds, "event_replicates": 0, "keep": [], "model": spec.model,
            "scenarios": scen,
            "design": {
                "file": str(spec.path) if spec.path else None, "hash": spec.hash,
                "raw": spec.raw, "base_content": spec.base.content if spec.base else None,
                "method": spec.method, "factors": spec.factor_names,
                "outputs": spec.output_names, "n_points": self.n_points,
                "runs_planned": len(runs), "samples_sha256": samples_hash(self.X),
            },
        }

    @classmethod
    def from_manifest(cls, m: dict[str, Any], root: Path) -> DesignEnsemble:
        design = m.get("design")
        if m.get("kind") != cls.kind or not design:
            raise EnsembleError(f"{root}: not a sensitivity or discovery results folder "
                                  f"(its manifest is of a '{m.get('kind')}' experiment)")
        spec = from_manifest(design)
        path = root / "design" / "samples.parquet"
        if not path.is_file():
            raise EnsembleError(f"{root}: the design's samples ({path}) are missing")
        df = pd.read_parquet(path)
        X = df[spec.factor_names].to_numpy(dtype=float)
        if samples_hash(X) != design["samples_sha256"]:
            raise EnsembleError(f"{path} does not match the manifest's record of the sample "
                                  "(was it edited?)")
        return cls(spec, X, m["name"])


def _arm_description(spec: ExperimentSpec, arm: str) -> str:
    over = spec.arms.get(arm) or {}
    base = f"{spec.base.name} scenario" if spec.base else spec.model
    if not over:
        return f"{base}, as it is" if not spec.constants else \
            f"{base} with {json.dumps(spec.constants, sort_keys=True)}"
    what = json.dumps(over, sort_keys=True)
    if "regime" in over:
        what += f" (the {over['regime']} preset's levers)"
    return f"{base} with {what}"


def run_design(spec: ExperimentSpec, X: np.ndarray, out: str | Path | None = None, *,
               workers: int | None = None, dask: str | None = None, progress: bool = True):
    """Run every sample point of a validated design (see :func:`prepare`)."""
    return run_ensemble(DesignEnsemble(spec, X), out, workers=workers, dask=dask,
                          progress=progress)


def resume_design(path: str | Path, *, workers: int | None = None, dask: str | None = None,
                  progress: bool = True, spec: ExperimentSpec | None = None):
    """Finish an interrupted design: only the runs not yet on disk. If ``spec`` (the
    experiment file given again) is passed, it must be the one the folder was made from."""
    root = Path(path)
    store = ResultsStore(root)
    if not store.exists():
        raise EnsembleError(f"{root}: not a results folder (no manifest.json)")
    manifest = store.read_manifest()
    design = manifest.get("design") or {}
    if spec is not None and design.get("hash") != spec.hash:
        raise EnsembleError(f"{spec.path} is not the experiment {root} was made from "
                              f"({design.get('file')}, as it was then): resume with --resume "
                              "alone, or start a new folder")
    return resume_ensemble(root, workers=workers, dask=dask, progress=progress,
                             factory=lambda m: DesignEnsemble.from_manifest(m, root))


