"""Ensemble files: a sensitivity analysis or a scenario-discovery study, in YAML.

An experiment file names a base scenario (or another model), the factors to vary, the
outputs to study, the method and its settings, and how many replicates to run at each
sample point::

    description: Which assumptions drive the collaborative-minus-competitive gap?
    scenario: quick.yaml                  # the place (a scenario name or file)
    arms:                                 # run at every sample point, with the same seeds
      competitive: {}
      collaborative: {regime: collaborative}
    factors:
      support.handoff_loss: [0.1, 0.5]    # uniform between the bounds
      learning.reflection_learning: {bounds: [0.01, 0.1], group: learning}
    outputs:
      - {name: wellbeing_gap, metric: wellbeing_mean,
         difference: [collaborative, competitive]}
    method: sobol
    sample: {N: 256, calc_second_order: false}
    replicates: 2

Files are read with ``yaml.safe_load`` and validated in full before anything runs: every
problem is an :class:`ExperimentFileError`, one line naming the file and line, what was
wrong and what is allowed (with "did you mean" for misspelt keys and parameter names).
``docs/sensitivity.md`` describes every key.

:class:`DesignExperiment` turns a validated file and its sample into the scenario
runner's runs (one :class:`~hls_sim.runner.work.RunSpec` per sample point, replicate and
arm), so a design runs on the same executors, into the same results store, and resumes
the same way as ``hls-sim run``.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import inspect
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from . import scenarios as scenario_files
from . import sizes
from .params import GROUPS, ParameterError, make_params
from .runner.ensemble import EnsembleError, resume_ensemble, run_ensemble
from .runner.store import ResultsStore, write_parquet_atomic
from .runner.work import RunSpec, is_mesa_model, resolve_model
from .scenarios import Scenario, content_hash, find_named, read_yaml

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "experiments"
"""The experiments shipped with hls_sim (beside the package in a clone)."""

KEYS = ("description", "scenario", "model", "steps", "constants", "arms", "factors",
        "outputs", "method", "sample", "analyze", "replicates", "reduce", "seed", "seeds",
        "noise", "checks", "discover")
"""Every key an experiment file may have."""

METHODS = ("sobol", "morris", "fast", "pawn", "delta", "latin")
"""Methods: ``latin`` is a Latin hypercube sample with no indices (for ``discover``)."""

INDEX_METHODS = METHODS[:-1]

# Settings passed to SALib's sampler and analyzer (name: (type, default)); None: required.
SAMPLE_SETTINGS: dict[str, dict[str, tuple[type, Any]]] = {
    "sobol": {"N": (int, None), "calc_second_order": (bool, True), "scramble": (bool, True),
              "skip_values": (int, 0)},
    "morris": {"N": (int, None), "num_levels": (int, 4), "optimal_trajectories": (int, None),
               "local_optimization": (bool, True)},
    "fast": {"N": (int, None), "M": (int, 4)},
    "pawn": {"N": (int, None)},
    "delta": {"N": (int, None)},
    "latin": {"N": (int, None)},
}
ANALYZE_SETTINGS: dict[str, dict[str, tuple[type, Any]]] = {
    "sobol": {"calc_second_order": (bool, True), "num_resamples": (int, 100),
              "conf_level": (float, 0.95)},
    "morris": {"num_levels": (int, 4), "num_resamples": (int, 100),
               "conf_level": (float, 0.95), "scaled": (bool, False)},
    "fast": {"M": (int, 4), "num_resamples": (int, 100), "conf_level": (float, 0.95)},
    "pawn": {"S": (int, 10)},
    "delta": {"num_resamples": (int, 100), "conf_level": (float, 0.95)},
    "latin": {},
}
MUST_MATCH = {"sobol": ("calc_second_order",), "morris": ("num_levels",), "fast": ("M",)}
"""Settings the sampler and the analyzer must agree on (SALib takes them twice)."""

DISTRIBUTIONS = {  # SALib's distributions: the numbers its "bounds" entry holds
    "unif": ("lower", "upper"),
    "logunif": ("lower", "upper"),
    "triang": ("lower", "upper", "peak as a share of the width"),
    "norm": ("mean", "standard deviation"),
    "truncnorm": ("lower", "upper", "mean", "standard deviation"),
    "lognorm": ("mean of the log", "standard deviation of the log"),
    "weibull": ("shape", "scale"),
}
FACTOR_KEYS = ("bounds", "dist", "levels", "group", "arms")
OUTPUT_KEYS = ("name", "metric", "arm", "difference")
NOISE_KEYS = ("points", "replicates")
CHECK_KEYS = ("max_interval", "max_noise_share", "max_change")
DISCOVER_KEYS = ("output", "above", "below", "density", "boxes", "peel_alpha",
                 "paste_alpha", "mass_min", "tree_depth", "tree_min_leaf")
DEFAULT_CHECKS = {"max_interval": 0.1, "max_noise_share": 0.1, "max_change": 0.1}
DEFAULT_NOISE = {"points": 10, "replicates": 5}
DEFAULT_DISCOVER = {"density": 0.8, "boxes": 2, "peel_alpha": 0.05, "paste_alpha": 0.05,
                    "mass_min": 0.05, "tree_depth": 3, "tree_min_leaf": 0.05}
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


class ExperimentFileError(ParameterError):
    """An experiment file that cannot be used: one line, naming the file and the problem."""


@dataclass(frozen=True)
class Factor:
    """One factor: a parameter (or model argument) varied across the design.

    Attributes:
        name: dotted hls_sim parameter, or a keyword argument of another model.
        dist: SALib distribution (``unif``, ``norm``, ...).
        bounds: SALib's numbers for that distribution (for ``unif``, lower and upper).
        group: factor group (Sobol and Morris only), or None.
        arms: the arms it applies to (None: every arm).
        levels: for a factor taking a few values: the values (sampled evenly).
        integer: round sampled values to whole numbers (integer parameters).
    """

    name: str
    dist: str = "unif"
    bounds: tuple[float, ...] = (0.0, 1.0)
    group: str | None = None
    arms: tuple[str, ...] | None = None
    levels: tuple[Any, ...] | None = None
    integer: bool = False

    def value(self, u: float) -> Any:
        """The model's value for a sampled value ``u``."""
        if self.levels is not None:
            k = len(self.levels)
            return self.levels[min(int(math.floor(float(u) * k)), k - 1)]
        if self.integer:
            return int(round(float(u)))
        return float(u)

    def applies_to(self, arm: str) -> bool:
        return self.arms is None or arm in self.arms


@dataclass(frozen=True)
class Output:
    """One output: a metric of one arm, or the paired difference of a metric between two
    arms (same sample point, same seed: common random numbers)."""

    name: str
    metric: str
    arm: str | None = None
    difference: tuple[str, str] | None = None

    @property
    def arms(self) -> tuple[str, ...]:
        return self.difference if self.difference else (self.arm,)  # type: ignore[return-value]

    def describe(self) -> str:
        if self.difference:
            return f"{self.metric}: {self.difference[0]} minus {self.difference[1]}"
        return f"{self.metric} ({self.arm})"


@dataclass
class ExperimentSpec:
    """A validated experiment file. Build with :func:`load`."""

    name: str
    description: str
    path: Path | None
    raw: dict[str, Any]
    model: str
    model_kind: Literal["hls_sim", "function", "mesa"]
    steps: int | None
    base: Scenario | None
    constants: dict[str, Any]
    arms: dict[str, dict[str, Any]]
    arm_params: dict[str, dict[str, Any]]
    factors: list[Factor]
    outputs: list[Output]
    method: str
    sample: dict[str, Any]
    analyze: dict[str, Any]
    replicates: int
    reduce: str
    seed: int
    seeds: str
    noise: dict[str, int] | None
    checks: dict[str, float]
    discover: dict[str, Any] | None
    lines: dict[tuple, int] = field(default_factory=dict, repr=False)

    @property
    def hash(self) -> str:
        """SHA-256 of the file's content and the resolved base: equal hashes, same study."""
        return content_hash({"raw": self.raw,
                             "base": self.base.content if self.base else None})

    @property
    def factor_names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def grouped(self) -> bool:
        return any(f.group for f in self.factors)

    @property
    def groups(self) -> list[str]:
        """Group of each factor (its own name when it has none)."""
        return [f.group or f.name for f in self.factors]

    @property
    def units(self) -> list[str]:
        """What the indices are about: the groups (in order of appearance) or the factors."""
        return list(dict.fromkeys(self.groups)) if self.grouped else self.factor_names

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.outputs]

    @property
    def n_base(self) -> int:
        return int(self.sample["N"])

    def where(self, *path: Any) -> str:
        """``file:line`` of a key (or of its nearest enclosing key)."""
        return _where(self.path, self.lines, path)


def find(ref: str | Path) -> Path:
    """The file an experiment reference names (a path, or a name in ./experiments or the
    shipped experiments folder)."""
    return find_named(ref, available, "experiment", ExperimentFileError)


def available() -> dict[str, Path]:
    """Ensemble names that can be given without a path, and their files."""
    found: dict[str, Path] = {}
    for d in (SHIPPED_DIR, Path.cwd() / "experiments"):  # ./experiments wins
        if d.is_dir():
            for f in sorted(d.glob("*.yaml")):
                found[f.stem] = f
    return dict(sorted(found.items()))


def load(ref: str | Path) -> ExperimentSpec:
    """Read and validate an experiment file (everything but the sampled values, which
    :func:`prepare` checks).

    Raises:
        ExperimentFileError: one line naming the file, the line and what is wrong.
    """
    path = find(ref)
    text, raw = read_yaml(path, ExperimentFileError)
    root = yaml.compose(text)  # for line numbers; safe_load has already parsed it
    if not isinstance(raw, dict):
        raise ExperimentFileError(f"{path}: an experiment must be a mapping of keys to values, "
                                  f"not {type(raw).__name__ if raw is not None else 'nothing'}")
    lines: dict[tuple, int] = {}
    _line_map(root, (), lines)
    if sizes.small():  # HLS_SIM_SIZE=small: the smallest sample its method allows
        raw = sizes.shrink_design(raw)
    return _Parser(raw, path, lines).parse()


def from_manifest(design: dict[str, Any]) -> ExperimentSpec:
    """Rebuild a validated experiment from a results folder's manifest (``--resume``):
    from the recorded file content and resolved base scenario, not from files on disk."""
    path = Path(design["file"]) if design.get("file") else None
    lines: dict[tuple, int] = {}
    try:  # point at lines of the file if it is still there, unchanged
        text = path.read_text(encoding="utf-8") if path else ""
        if text and yaml.safe_load(text) == design["raw"]:
            _line_map(yaml.compose(text), (), lines)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        pass
    return _Parser(design["raw"], path, lines, base_content=design.get("base_content")).parse()


# --------------------------------------------------------------------------- parsing


class _Parser:
    def __init__(self, raw: dict[str, Any], path: Path | None, lines: dict[tuple, int],
                 base_content: dict[str, Any] | None = None):
        self.raw = raw
        self.path = path
        self.lines = lines
        self.base_content = base_content

    def err(self, path: tuple, message: str) -> ExperimentFileError:
        return ExperimentFileError(f"{_where(self.path, self.lines, path)}: {message}")

    def unknown(self, path: tuple, key: Any, allowed: tuple[str, ...] | list[str],
                what: str = "key") -> ExperimentFileError:
        close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else \
            f" (allowed: {', '.join(allowed)})"
        return self.err(path, f"unknown {what} '{key}'{hint}")

    # -- the whole file ---------------------------------------------------------------

    def parse(self) -> ExperimentSpec:
        raw = self.raw
        for key in raw:
            if key not in KEYS:
                raise self.unknown((key,), key, KEYS)
        description = raw.get("description", "")
        if not isinstance(description, str) or "\n" in description.strip():
            raise self.err(("description",), "description must be one line of text")
        model, kind = self.model()
        steps = self.steps(kind)
        base = self.base(kind)
        constants = self.constants(kind)
        method = self.method()
        arms = self.arms(kind, base)
        arm_params = self.arm_params(kind, base, constants, arms)
        factors = self.factors(kind, model, arms, arm_params, method)
        outputs = self.outputs(kind, model, arms, factors, arm_params, steps)
        used = {a for o in outputs for a in o.arms}
        for arm in arms:
            if arm not in used:
                raise self.err(("arms", arm), f"arm '{arm}' is not used by any output (name it "
                               "in an output's arm or difference, or remove it)")
        sample, analyze = self.settings(method, factors)
        replicates = self.whole(("replicates",), raw.get("replicates", 1), 1, "replicates")
        reduce = raw.get("reduce", "mean")
        if reduce not in ("mean", "median"):
            raise self.err(("reduce",), f"invalid reduce={reduce!r}: allowed 'mean' or "
                           "'median' (how replicates at a sample point are combined)")
        seed = self.whole(("seed",), raw.get("seed", 0), 0, "seed")
        seeds = raw.get("seeds", "common")
        if seeds not in ("common", "independent"):
            raise self.err(("seeds",), f"invalid seeds={seeds!r}: allowed 'common' (replicate "
                           "k uses the same seed at every sample point) or 'independent'")
        noise = self.noise(replicates)
        checks = self.checks()
        discover = self.discover(outputs, factors)
        name = self.path.stem if self.path else "experiment"
        arm_params = {a: p for a, p in arm_params.items() if a in used}
        return ExperimentSpec(
            name=name, description=description.strip(), path=self.path, raw=raw,
            model=model, model_kind=kind, steps=steps, base=base, constants=constants,
            arms=arms, arm_params=arm_params, factors=factors, outputs=outputs, method=method,
            sample=sample, analyze=analyze, replicates=replicates, reduce=reduce, seed=seed,
            seeds=seeds, noise=noise, checks=checks, discover=discover, lines=self.lines)

    # -- pieces -----------------------------------------------------------------------

    def whole(self, path: tuple, value: Any, low: int, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.err(path, f"invalid {what}={value!r}: allowed a whole number >= {low}")
        return value

    def number(self, path: tuple, value: Any, what: str, low: float | None = None,
               high: float | None = None, open_low: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value):
            raise self.err(path, f"invalid {what}={value!r}: allowed a number")
        if low is not None and (value < low or (open_low and value == low)):
            raise self.err(path, f"invalid {what}={value!r}: allowed a number "
                           f"{'>' if open_low else '>='} {low}" +
                           (f" and <= {high}" if high is not None else ""))
        if high is not None and value > high:
            raise self.err(path, f"invalid {what}={value!r}: allowed a number <= {high}")
        return float(value)

    def model(self) -> tuple[str, Literal["hls_sim", "function", "mesa"]]:
        model = self.raw.get("model", "hls_sim")
        if not isinstance(model, str):
            raise self.err(("model",), f"invalid model {model!r}: allowed 'hls_sim', "
                           "'module:function' or a Mesa model class 'module:Class'")
        if model == "hls_sim":
            return model, "hls_sim"
        try:
            obj = resolve_model(model)
        except ValueError as exc:
            raise self.err(("model",), str(exc)) from None
        if is_mesa_model(model):
            return model, "mesa"
        if inspect.isclass(obj):
            raise self.err(("model",), f"invalid model {model!r}: a class that is not a Mesa "
                           "model (allowed 'hls_sim', 'module:function' or a mesa.Model subclass)")
        return model, "function"

    def steps(self, kind: str) -> int | None:
        if kind != "mesa":
            if "steps" in self.raw:
                raise self.err(("steps",), "steps is for Mesa model classes only (hls_sim runs "
                               "for place.n_weeks; a function has no steps)")
            return None
        if "steps" not in self.raw:
            raise self.err(("model",), "a Mesa model needs steps: how many steps each run takes")
        return self.whole(("steps",), self.raw["steps"], 1, "steps")

    def base(self, kind: str) -> Scenario | None:
        ref = self.raw.get("scenario")
        if kind != "hls_sim":
            if ref is not None:
                raise self.err(("scenario",), "scenario is for hls_sim only (another model "
                               "takes its fixed arguments from constants)")
            return None
        if self.base_content is not None:
            return Scenario.from_content(self.base_content["name"], "", self.base_content)
        if ref is None:
            raise self.err((), "no scenario: name the base scenario (e.g. scenario: quick.yaml)")
        if not isinstance(ref, str):
            raise self.err(("scenario",), f"scenario must name one scenario file, not {ref!r}")
        # Beside the experiment file, as a path, or by name in the scenario folders.
        beside = self.path.parent / ref if self.path else None
        target: str | Path = ref
        if beside is not None and beside.is_file():
            target = beside
        elif not Path(ref).is_file() and Path(ref).parent == Path(".") and \
                Path(ref).suffix in (".yaml", ".yml"):
            target = Path(ref).stem
        try:
            return scenario_files.load(target)
        except scenario_files.ScenarioError as exc:
            if str(exc).startswith(f"{target}:"):  # not found: say where it was named
                raise self.err(("scenario",), str(exc)) from None
            raise ExperimentFileError(str(exc), param=exc.param) from None

    def constants(self, kind: str) -> dict[str, Any]:
        constants = self.raw.get("constants", {})
        if kind == "hls_sim" and "constants" in self.raw:
            raise self.err(("constants",), "constants are for other models; set hls_sim's fixed "
                           "parameters in the scenario or the arms")
        if not isinstance(constants, dict):
            raise self.err(("constants",), "constants must be a mapping of argument: value")
        return dict(constants)

    def method(self) -> str:
        method = self.raw.get("method")
        if method is None:
            raise self.err((), f"no method: allowed {', '.join(METHODS)}")
        if method not in METHODS:
            raise self.unknown(("method",), method, METHODS, "method")
        return method

    def arms(self, kind: str, base: Scenario | None) -> dict[str, dict[str, Any]]:
        arms = self.raw.get("arms")
        if arms is None:
            return {base.name if base else "base": {}}
        if not isinstance(arms, dict) or not arms:
            raise self.err(("arms",), "arms must be a mapping of arm name: overrides "
                           "(e.g. collaborative: {regime: collaborative})")
        out: dict[str, dict[str, Any]] = {}
        for name, overrides in arms.items():
            if not isinstance(name, str) or not NAME.match(name) or "__" in name:
                raise self.err(("arms", name), f"invalid arm name {name!r}: allowed letters, "
                               "digits, '_', '-' and '.', starting with a letter")
            if overrides is None:
                overrides = {}
            if not isinstance(overrides, dict):
                raise self.err(("arms", name), f"arm '{name}' must be a mapping of parameter "
                               f"overrides (or {{}}), not {overrides!r}")
            out[name] = dict(overrides)
        return out

    def arm_params(self, kind: str, base: Scenario | None, constants: dict[str, Any],
                   arms: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for arm, overrides in arms.items():
            if kind != "hls_sim":
                out[arm] = {**constants, **overrides}
                continue
            assert base is not None
            content = arm_content(base.content, overrides)
            try:
                params = make_params({**content, "name": arm})
            except ParameterError as exc:
                raise self.err(self.param_path(("arms", arm), exc.param), str(exc)) from None
            out[arm] = params.model_dump(mode="json")
        return out

    def param_path(self, prefix: tuple, param: str | None) -> tuple:
        """The key path of a parameter set under ``prefix`` (dotted or nested)."""
        if not param:
            return prefix
        if prefix + (param,) in self.lines:
            return prefix + (param,)
        group, _, name = param.partition(".")
        return prefix + (group, name)

    def factors(self, kind: str, model: str, arms: dict[str, dict[str, Any]],
                arm_params: dict[str, dict[str, Any]], method: str) -> list[Factor]:
        factors = self.raw.get("factors")
        if not isinstance(factors, dict) or not factors:
            raise self.err(("factors",), "factors must be a mapping of name: bounds or "
                           "settings, with at least two factors")
        if len(factors) < 2:
            raise self.err(("factors",), "a sensitivity analysis needs at least two factors")
        accepted = None if kind == "hls_sim" else _arguments(model, kind)
        out = []
        for name, value in factors.items():
            at = ("factors", name)
            if not isinstance(name, str):
                raise self.err(at, f"factor {name!r} is not a name")
            spec_type = None
            if kind == "hls_sim":
                spec_type = _field_type(name)
                if spec_type is None:
                    raise self.unknown(at, name, _factor_names(), "parameter")
            elif accepted is not None and name not in accepted:
                raise self.unknown(at, name, sorted(accepted), f"argument of {model}:")
            out.append(self.factor(name, value, at, spec_type, arms))
        groups = [f.group for f in out if f.group]
        if groups and method not in ("sobol", "morris"):
            raise self.err(("factors",), f"groups are for sobol and morris only; {method} "
                           "analyses factors one by one (remove group:)")
        if groups and len(set(f.group or f.name for f in out)) < 2:
            raise self.err(("factors",), "groups: at least two groups are needed")
        return out

    def factor(self, name: str, value: Any, at: tuple, field_type: Any,
               arms: dict[str, dict[str, Any]]) -> Factor:
        if isinstance(value, list):
            value = {"bounds": value}
        if not isinstance(value, dict):
            raise self.err(at, f"factor {name}: give bounds [lower, upper] or a mapping with "
                           f"bounds/dist/levels/group/arms, not {value!r}")
        for key in value:
            if key not in FACTOR_KEYS:
                raise self.unknown(at + (key,), key, FACTOR_KEYS, f"setting of factor {name}:")
        group = value.get("group")
        if group is not None and (not isinstance(group, str) or not group):
            raise self.err(at + ("group",), f"factor {name}: group must be a name")
        arm_list = value.get("arms")
        if arm_list is not None:
            if isinstance(arm_list, str):
                arm_list = [arm_list]
            if not isinstance(arm_list, list) or not arm_list:
                raise self.err(at + ("arms",), f"factor {name}: arms must list arm names")
            for a in arm_list:
                if a not in arms:
                    raise self.unknown(at + ("arms",), a, list(arms), "arm")
            arm_list = tuple(arm_list)
        integer = False
        choices = _choices(field_type)
        if "levels" in value:
            levels = value["levels"]
            if "bounds" in value or "dist" in value:
                raise self.err(at, f"factor {name}: give either levels or bounds/dist, not both")
            if not isinstance(levels, list) or len(levels) < 2 or \
                    len({json.dumps(v, sort_keys=True) for v in levels}) != len(levels):
                raise self.err(at + ("levels",), f"factor {name}: levels must list two or more "
                               "different values")
            if choices is not None:
                for v in levels:
                    if v not in choices:
                        raise self.err(at + ("levels",), f"factor {name}: level {v!r} is not "
                                       f"allowed (allowed: {', '.join(map(repr, choices))})")
            return Factor(name, "unif", (0.0, 1.0), group, arm_list, tuple(levels))
        if choices is not None:
            raise self.err(at, f"factor {name} takes one of {', '.join(map(repr, choices))}: "
                           f"give them as levels: [{', '.join(map(repr, choices))}]")
        dist = value.get("dist", "unif")
        if dist not in DISTRIBUTIONS:
            raise self.unknown(at + ("dist",), dist, list(DISTRIBUTIONS), "distribution")
        bounds = value.get("bounds")
        want = DISTRIBUTIONS[dist]
        counts = (len(want), 3) if dist == "weibull" else (len(want),)
        if not isinstance(bounds, list) or len(bounds) not in counts or not all(
                isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b)
                for b in bounds):
            raise self.err(at + ("bounds",) if "bounds" in value else at,
                           f"factor {name}: {dist} needs bounds: [{', '.join(want)}]"
                           + (" (and optionally a location)" if dist == "weibull" else ""))
        b = [float(x) for x in bounds]
        problem = _bad_distribution(dist, b)
        if problem:
            raise self.err(at + ("bounds",), f"factor {name}: {problem}")
        integer = field_type is int
        return Factor(name, dist, tuple(b), group, arm_list, None, integer)

    def outputs(self, kind: str, model: str, arms: dict[str, dict[str, Any]],
                factors: list[Factor], arm_params: dict[str, dict[str, Any]],
                steps: int | None) -> list[Output]:
        items = self.raw.get("outputs")
        if not isinstance(items, list) or not items:
            raise self.err(("outputs",), "outputs must list at least one output (a metric, "
                           "or {name, metric, difference: [arm, arm]})")
        first = next(iter(arms))
        known = None
        if kind == "hls_sim":
            known = summary_metrics()
        elif kind == "mesa":
            known = self.reporters(model, arm_params[first], factors, steps)
        out: list[Output] = []
        for i, item in enumerate(items):
            at = ("outputs", i)
            if isinstance(item, str):
                item = {"metric": item}
            if not isinstance(item, dict):
                raise self.err(at, f"output {item!r}: give a metric name or a mapping with "
                               "name/metric/arm/difference")
            for key in item:
                if key not in OUTPUT_KEYS:
                    raise self.unknown(at + (key,), key, OUTPUT_KEYS, "output setting")
            metric = item.get("metric")
            if not isinstance(metric, str):
                raise self.err(at, "each output needs a metric (a summary metric's name)")
            if known is not None and metric not in known:
                what = "metric" if kind == "hls_sim" else f"reporter of {model}:"
                raise self.unknown(at + ("metric",) if "metric" in item else at, metric,
                                   sorted(known), what)
            diff = item.get("difference")
            arm = item.get("arm")
            if diff is not None:
                if arm is not None:
                    raise self.err(at, "give an output either arm or difference, not both")
                if not isinstance(diff, list) or len(diff) != 2 or diff[0] == diff[1]:
                    raise self.err(at + ("difference",), "difference must name two different "
                                   "arms: [arm, arm] (the first minus the second)")
                for a in diff:
                    if a not in arms:
                        raise self.unknown(at + ("difference",), a, list(arms), "arm")
                default = f"{metric}_{diff[0]}_minus_{diff[1]}"
                output = Output(item.get("name", default), metric, None, tuple(diff))
            else:
                if arm is None:
                    arm = first
                if arm not in arms:
                    raise self.unknown(at + ("arm",), arm, list(arms), "arm")
                default = metric if len(arms) == 1 else f"{metric}_{arm}"
                output = Output(item.get("name", default), metric, arm)
            if not isinstance(output.name, str) or not NAME.match(output.name):
                raise self.err(at + ("name",), f"invalid output name {output.name!r}: allowed "
                               "letters, digits, '_', '-' and '.'")
            if output.name in [o.name for o in out]:
                raise self.err(at, f"output name '{output.name}' is used twice")
            out.append(output)
        return out

    def reporters(self, model: str, params: dict[str, Any], factors: list[Factor],
                  steps: int | None) -> set[str]:
        """The Mesa model's model reporters, from one model built at the factors' middles."""
        kwargs = {**params, **{f.name: _middle(f) for f in factors}}
        try:
            m = resolve_model(model)(**kwargs)
        except Exception as exc:
            raise self.err(("model",), f"cannot build {model} with {sorted(kwargs)} "
                           f"({type(exc).__name__}: {exc})") from None
        dc = getattr(m, "datacollector", None)
        reporters = set(getattr(dc, "model_reporters", None) or {})
        if not reporters:
            raise self.err(("model",), f"{model} has no datacollector with model reporters "
                           "(its outputs must be named model reporters)")
        return reporters

    def settings(self, method: str, factors: list[Factor]) -> tuple[dict, dict]:
        sample = self.section("sample", SAMPLE_SETTINGS[method], method, "sampler")
        analyze = self.section("analyze", ANALYZE_SETTINGS[method], method, "analyzer")
        given_s = self.raw.get("sample") or {}
        given_a = self.raw.get("analyze") or {}
        for key in MUST_MATCH.get(method, ()):
            if key in given_s and key in given_a and given_s[key] != given_a[key]:
                raise self.err(("analyze", key), f"analyze.{key}={given_a[key]!r} does not match "
                               f"sample.{key}={given_s[key]!r}: SALib's {method} sampler and "
                               "analyzer must use the same value")
            if key in given_s:
                analyze[key] = sample[key]
            elif key in given_a:
                sample[key] = analyze[key]
        n = sample["N"]
        if method == "sobol":
            if n < 4 or n & (n - 1):
                lower = 2 ** max(2, int(math.log2(max(n, 1))))
                raise self.err(("sample", "N"), f"sample.N={n} must be a power of two for Sobol "
                               f"(e.g. {lower} or {lower * 2}): Sobol' sequences are balanced "
                               "only at powers of two")
        if method == "morris":
            levels = sample["num_levels"]
            if levels < 2 or levels % 2:
                raise self.err(("sample", "num_levels"), f"num_levels={levels} must be an even "
                               "number >= 2 (odd levels bias Morris' sample)")
            if n < 2:
                raise self.err(("sample", "N"), f"sample.N={n}: Morris needs at least 2 "
                               "trajectories")
            k = sample["optimal_trajectories"]
            if k is not None and not 2 <= k < n:
                raise self.err(("sample", "optimal_trajectories"), f"optimal_trajectories={k} "
                               f"must be >= 2 and below N={n} (it picks that many of N)")
        if method == "fast":
            m = sample["M"]
            if n <= 4 * m * m:
                raise self.err(("sample", "N"), f"sample.N={n} must exceed 4*M^2 = {4 * m * m} "
                               f"for eFAST (M={m})")
        if method in ("pawn", "delta") and n < 20:
            raise self.err(("sample", "N"), f"sample.N={n}: {method} estimates from given data "
                           "and needs at least 20 points (hundreds for stable indices)")
        if method == "pawn" and not 2 <= analyze["S"] <= n // 2:
            raise self.err(("analyze", "S"), f"analyze.S={analyze['S']} must be between 2 and "
                           f"N/2={n // 2} (slices of the sample)")
        if "conf_level" in analyze and not 0 < analyze["conf_level"] < 1:
            raise self.err(("analyze", "conf_level"), f"conf_level={analyze['conf_level']} must "
                           "be between 0 and 1")
        if "num_resamples" in analyze and analyze["num_resamples"] < 10:
            raise self.err(("analyze", "num_resamples"), f"num_resamples="
                           f"{analyze['num_resamples']} is too few for a bootstrap interval "
                           "(allowed >= 10; 100 or more is usual)")
        return sample, analyze

    def section(self, key: str, allowed: dict[str, tuple[type, Any]], method: str,
                what: str) -> dict[str, Any]:
        given = self.raw.get(key) or {}
        if not isinstance(given, dict):
            raise self.err((key,), f"{key} must be a mapping of SALib {what} settings")
        if key == "analyze" and method == "latin" and given:
            raise self.err((key,), "method latin computes no indices, so it takes no analyze "
                           "settings")
        out = {}
        for name, (_typ, default) in allowed.items():
            out[name] = default
        for name, value in given.items():
            if name == "seed":
                raise self.err((key, name), "set seed at the top level of the file (it seeds "
                               "the sample, the replicates and the bootstrap)")
            if name not in allowed:
                raise self.unknown((key, name), name, list(allowed),
                                   f"{method} {what} setting")
            typ = allowed[name][0]
            ok = isinstance(value, bool) if typ is bool else (
                isinstance(value, int) and not isinstance(value, bool) and value >= 1
                if typ is int else isinstance(value, int | float) and not isinstance(value, bool))
            if name == "skip_values" and isinstance(value, int) and value == 0:
                ok = True
            if not ok:
                allowed_text = {bool: "true or false", int: "a whole number >= 1",
                                float: "a number"}[typ]
                raise self.err((key, name), f"invalid {key}.{name}={value!r}: allowed "
                               f"{allowed_text}")
            out[name] = value
        if "N" in allowed and out["N"] is None:
            raise self.err((key,) if key in self.raw else (), f"sample.N is required: the "
                           f"{method} sample size")
        return out

    def noise(self, replicates: int) -> dict[str, int] | None:
        value = self.raw.get("noise", None)
        if value is False:
            return None
        if value is None:
            return dict(DEFAULT_NOISE) if replicates == 1 else None
        if not isinstance(value, dict):
            raise self.err(("noise",), "noise must be a mapping {points: P, replicates: R} "
                           "(extra replicates at P sample points), or false")
        for key in value:
            if key not in NOISE_KEYS:
                raise self.unknown(("noise", key), key, NOISE_KEYS, "noise setting")
        out = {**DEFAULT_NOISE, **value}
        self.whole(("noise", "points"), out["points"], 2, "noise.points")
        self.whole(("noise", "replicates"), out["replicates"], 2, "noise.replicates")
        if out["replicates"] <= replicates:
            raise self.err(("noise", "replicates"), f"noise.replicates={out['replicates']} must "
                           f"exceed replicates={replicates} (it is the total at probed points)")
        return out

    def checks(self) -> dict[str, float]:
        value = self.raw.get("checks") or {}
        if not isinstance(value, dict):
            raise self.err(("checks",), "checks must be a mapping of check: threshold")
        for key in value:
            if key not in CHECK_KEYS:
                raise self.unknown(("checks", key), key, CHECK_KEYS, "check")
        out = {**DEFAULT_CHECKS, **value}
        for key in CHECK_KEYS:
            out[key] = self.number(("checks", key), out[key], f"checks.{key}", 0.0, 1.0,
                                   open_low=True)
        return out

    def discover(self, outputs: list[Output], factors: list[Factor]) -> dict[str, Any] | None:
        value = self.raw.get("discover")
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.err(("discover",), "discover must be a mapping: output, and above or "
                           "below a threshold")
        for key in value:
            if key not in DISCOVER_KEYS:
                raise self.unknown(("discover", key), key, DISCOVER_KEYS, "discover setting")
        out = {**DEFAULT_DISCOVER, **value}
        names = [o.name for o in outputs]
        if out.get("output") not in names:
            if "output" not in value:
                raise self.err(("discover",), "discover needs output: one of the outputs")
            raise self.unknown(("discover", "output"), out["output"], names, "output")
        if ("above" in value) == ("below" in value):
            raise self.err(("discover",), "discover needs exactly one of above: T or below: T "
                           "(the cases of interest: output >= T, or output <= T)")
        side = "above" if "above" in value else "below"
        out["direction"] = side
        out["threshold"] = self.number(("discover", side), value[side], f"discover.{side}")
        out.pop("above", None), out.pop("below", None)
        out["density"] = self.number(("discover", "density"), out["density"],
                                     "discover.density", 0.0, 1.0, open_low=True)
        out["boxes"] = self.whole(("discover", "boxes"), out["boxes"], 1, "discover.boxes")
        for key in ("peel_alpha", "paste_alpha", "mass_min", "tree_min_leaf"):
            out[key] = self.number(("discover", key), out[key], f"discover.{key}", 0.0, 0.5,
                                   open_low=True)
        out["tree_depth"] = self.whole(("discover", "tree_depth"), out["tree_depth"], 1,
                                       "discover.tree_depth")
        return out


def arm_content(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A base scenario's content with an arm's overrides. Setting ``regime`` in an arm
    resets the commissioning levers to that regime's preset (then the arm's own
    commissioning overrides apply), so ``{regime: collaborative}`` on a competitive place
    gives the same place commissioned collaboratively."""
    content = copy.deepcopy(base)
    if "regime" in overrides:
        content.pop("commissioning", None)
    return {**content, **overrides}


# --------------------------------------------------------------------------- helpers


def _line_map(node: yaml.Node, prefix: tuple, out: dict[tuple, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = prefix + (key.value,)
            out[path] = key.start_mark.line + 1
            _line_map(value, path, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[prefix + (i,)] = item.start_mark.line + 1
            _line_map(item, prefix + (i,), out)


def _where(path: Path | None, lines: dict[tuple, int], key: tuple) -> str:
    name = str(path) if path else "experiment"
    while key:
        if key in lines:
            return f"{name}:{lines[key]}"
        key = key[:-1]
    return name


@cache
def summary_metrics() -> frozenset[str]:
    """The names of hls_sim's whole-run summary metrics (from a one-week run)."""
    import hls_sim

    tiny = {"place.n_people": 10, "place.n_weeks": 2, "place.n_organisations": 1,
            "place.n_practitioners": 1, "place.n_localities": 1, "place.burn_in_weeks": 0}
    return frozenset(hls_sim.run(tiny, seed=0).summary)


def _factor_names() -> list[str]:
    return [f"{g}.{f}" for g, cls in GROUPS.items() for f in cls.model_fields]


def _field_type(name: str) -> Any:
    group, _, fname = name.partition(".")
    cls = GROUPS.get(group)
    if cls is None or fname not in cls.model_fields:
        return None
    return cls.model_fields[fname].annotation


def _choices(field_type: Any) -> tuple[Any, ...] | None:
    if field_type is bool:
        return (False, True)
    if get_origin(field_type) is Literal:
        return get_args(field_type)
    return None


def _bad_distribution(dist: str, b: list[float]) -> str | None:
    if dist in ("unif", "logunif", "triang", "truncnorm") and not b[0] < b[1]:
        return f"lower bound {b[0]} must be below upper bound {b[1]}"
    if dist == "logunif" and b[0] <= 0:
        return "logunif bounds must be > 0"
    if dist == "triang" and not 0 <= b[2] <= 1:
        return f"triang peak {b[2]} must be a share of the width, between 0 and 1"
    if dist in ("norm", "lognorm") and b[1] <= 0:
        return f"{dist} standard deviation {b[1]} must be > 0"
    if dist == "truncnorm" and b[3] <= 0:
        return f"truncnorm standard deviation {b[3]} must be > 0"
    if dist == "weibull" and (b[0] <= 0 or b[1] <= 0):
        return "weibull shape and scale must be > 0"
    return None


def _middle(f: Factor) -> Any:
    if f.levels is not None:
        return f.levels[0]
    if f.dist in ("unif", "logunif", "triang", "truncnorm"):
        return f.value((f.bounds[0] + f.bounds[1]) / 2)
    if f.dist == "norm":
        return f.value(f.bounds[0])
    if f.dist == "lognorm":
        return f.value(math.exp(f.bounds[0]))
    return f.value(f.bounds[1])


def _arguments(model: str, kind: str) -> set[str] | None:
    """Keyword arguments a model accepts (None: any, it takes **kwargs)."""
    obj: Callable[..., Any] = resolve_model(model)
    try:
        params = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return None
    return {n for n, p in params.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n not in ("self", "seed")}


# --------------------------------------------------------------------------- the design


def prepare(spec: ExperimentSpec) -> np.ndarray:
    """Draw the design's sample (SALib, seeded) and check that every sampled value is a
    valid parameter in every arm it applies to.

    Raises:
        ExperimentFileError: a factor whose sampled values are not allowed.
    """
    from .analysis.sensitivity import sample

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
        return _common_seeds(spec.seed, replicate + 1)[replicate]
    ss = np.random.SeedSequence(spec.seed, spawn_key=(sample, replicate))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


@cache
def _common_seeds(root: int, n: int) -> tuple[int, ...]:
    return tuple(int(c.generate_state(1, dtype=np.uint32)[0])
                 for c in np.random.SeedSequence(root).spawn(n))


def noise_points(spec: ExperimentSpec, n_points: int) -> list[int]:
    """Sample points that get extra replicates to measure seed noise (evenly spread)."""
    if spec.noise is None:
        return []
    k = min(spec.noise["points"], n_points)
    return sorted({int(round(x)) for x in np.linspace(0, n_points - 1, k)})


def samples_hash(X: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes()).hexdigest()


class DesignExperiment:
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
    def from_manifest(cls, m: dict[str, Any], root: Path) -> DesignExperiment:
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
    return run_ensemble(DesignExperiment(spec, X), out, workers=workers, dask=dask,
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
                             factory=lambda m: DesignExperiment.from_manifest(m, root))


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


def read_summaries(root: Path, keys: list[str]) -> pd.DataFrame:
    """Every finished run's summary row, fast (pyarrow, one table per file)."""
    files = [root / "summary" / f"{k}.parquet" for k in sorted(keys)]
    files = [f for f in files if f.is_file()]
    if not files:
        return pd.DataFrame()
    tables = [pq.read_table(f) for f in files]
    return pa.concat_tables(tables, promote_options="default").to_pandas()


def design_outputs(path: str | Path) -> DesignOutputs:
    """Read a design's results folder into per-run and per-point outputs."""
    root = Path(path)
    store = ResultsStore(root)
    if not store.exists():
        raise EnsembleError(f"{root}: not a results folder (no manifest.json)")
    manifest = store.read_manifest()
    exp = DesignExperiment.from_manifest(manifest, root)
    spec = exp.spec
    summary = read_summaries(root, sorted(store.finished_keys()))
    index = pd.MultiIndex.from_tuples(
        sorted({(s.sample, s.replicate) for s in exp.runs()}), names=["sample", "replicate"])
    per_run = pd.DataFrame(index=index)
    if len(summary):
        for o in spec.outputs:
            if o.metric not in summary.columns:
                raise EnsembleError(f"output {o.name}: the model's runs have no metric "
                                      f"'{o.metric}' (they have: "
                                      f"{', '.join(c for c in summary.columns if c not in ('scenario', 'sample', 'replicate', 'seed'))})")
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
