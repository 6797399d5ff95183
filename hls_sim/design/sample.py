"""The design's sample: SALib's problem and sampler (owned here, not by the analysis),
checked before anything runs, and the seeds of every run."""

from __future__ import annotations

import hashlib
import warnings
from typing import Any

import numpy as np
from SALib import ProblemSpec

from ..params import ParameterError, make_params
from ..runner.seeds import point_seed, replicate_seeds
from .spec import ExperimentFileError, ExperimentSpec

# --------------------------------------------------------------------------- the design


def prepare(spec: ExperimentSpec) -> np.ndarray:
    """Draw the design's sample (SALib, seeded) and check that every sampled value is a
    valid parameter in every arm it applies to.

    Raises:
        ExperimentFileError: a factor whose sampled values are not allowed.
    """
    X = sample(spec)
    check_values(spec, X)
    return X


def check_values(spec: ExperimentSpec, X: np.ndarray) -> None:
    for j, f in enumerate(spec.factors):
        col = X[:, j]
        values = sorted({f.value(u) for u in (col.min(), col.max())}, key=str) \
            if f.levels is None else list(f.levels)
        if f.integer and f.value(col.min()) == f.value(col.max()):
            raise ExperimentFileError(f"{spec.where('factors', f.name)}: factor {f.name}: "
                                      "every sampled value rounds to the same whole number "
                                      f"({f.value(col.min())}); widen its bounds")
        if spec.model_kind != "hls_sim":
            continue
        for arm, params in spec.arm_params.items():
            if not f.applies_to(arm):
                continue
            for v in values:
                try:
                    make_params({**params, f.name: v})
                except ParameterError as exc:
                    raise ExperimentFileError(
                        f"{spec.where('factors', f.name)}: factor {f.name} reaches {v!r} in "
                        f"the sample, which is not allowed in arm {arm}: {exc}",
                        param=f.name) from None


def seed_for(spec: ExperimentSpec, sample: int, replicate: int) -> int:
    """The model seed of one run: replicate k shares a seed at every sample point
    (``seeds: common``), or every (point, replicate) has its own (``independent``). Every
    arm at a point uses the same seed (common random numbers)."""
    if spec.seeds == "common":
        return replicate_seeds(spec.seed, replicate + 1)[replicate]
    return point_seed(spec.seed, sample, replicate)


def noise_points(spec: ExperimentSpec, n_points: int) -> list[int]:
    """Sample points that get extra replicates to measure seed noise (evenly spread)."""
    if spec.noise is None:
        return []
    k = min(spec.noise["points"], n_points)
    return sorted({int(round(x)) for x in np.linspace(0, n_points - 1, k)})


def samples_hash(X: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes()).hexdigest()


def problem(spec: ExperimentSpec) -> ProblemSpec:
    """SALib's problem for a design. Factors go to SALib as x0, x1, ... (SALib forbids
    some names; ours are mapped back in every table)."""
    d: dict[str, Any] = {
        "names": [f"x{i}" for i in range(len(spec.factors))],
        "bounds": [list(f.bounds) for f in spec.factors],
        "dists": [f.dist for f in spec.factors],
        "outputs": list(spec.output_names),
    }
    if spec.grouped:
        d["groups"] = list(spec.groups)
    return ProblemSpec(d)


def sample(spec: ExperimentSpec) -> np.ndarray:
    """The design's sample, drawn by SALib's sampler for the method (seeded)."""
    sp = problem(spec)
    s = dict(spec.sample)
    n = s.pop("N")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if spec.method == "sobol":
            sp.sample_sobol(n, seed=spec.seed, **s)
        elif spec.method == "morris":
            sp.sample_morris(n, seed=spec.seed, **s)
        elif spec.method == "fast":
            sp.sample_fast(n, seed=spec.seed, **s)
        else:  # pawn, delta, latin: given-data methods on a Latin hypercube
            sp.sample_latin(n, seed=spec.seed)
    return np.asarray(sp.samples, dtype=float)


def rows_per_unit(spec: ExperimentSpec) -> int:
    """Sample rows per base point (Sobol), trajectory (Morris) or point (others)."""
    d = len(spec.units)
    if spec.method == "sobol":
        return 2 * d + 2 if spec.sample["calc_second_order"] else d + 2
    if spec.method == "morris":
        return d + 1
    return 1


def n_units(spec: ExperimentSpec, X: np.ndarray) -> int:
    """The sample size in the method's own unit (N)."""
    if spec.method == "fast":
        return spec.n_base
    return X.shape[0] // rows_per_unit(spec)
