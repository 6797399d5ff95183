"""What an experiment file says, validated: its factors, outputs, method and settings
(the constants every part of the design shares, and the validated form)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ..params import ParameterError
from ..scenarios import Scenario, content_hash
from .schema import ExperimentFile, NoiseSection

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "experiments"
"""The experiments shipped with hls_sim (beside the package in a clone)."""

KEYS = tuple(ExperimentFile.model_fields)
"""Every key an experiment file may have (from the schema)."""

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
DEFAULT_NOISE = NoiseSection().model_dump()
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
