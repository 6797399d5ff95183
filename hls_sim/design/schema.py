"""The shape of an experiment file, as pydantic models (as scenario files and ``Params``
are validated): which keys there are, what type and range each value has, and the
defaults. Validating the file against :class:`ExperimentFile` comes first; what can only
be checked against the model, the base scenario or the method (parameter and metric
names, arms, SALib's sample-size rules) is checked by :mod:`.parse` afterwards.

A problem is turned into one line naming the key, the value given and what is allowed
(with "did you mean" for a misspelt key) by :func:`problem`; the parser adds the file
and line.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class _Section(BaseModel):
    # strict: a 2.0 is not a whole number and "3" is not a number; NaN is never a value
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class NoiseSection(_Section):
    """Extra replicates at a few sample points, to measure seed noise."""

    points: int = Field(10, ge=2, description="sample points given extra replicates")
    replicates: int = Field(5, ge=2, description="replicates in all at those points")


class ChecksSection(_Section):
    """Thresholds of the checks that say when an index should not be trusted."""

    max_interval: float = Field(0.1, gt=0.0, le=1.0)
    max_noise_share: float = Field(0.1, gt=0.0, le=1.0)
    max_change: float = Field(0.1, gt=0.0, le=1.0)


class DiscoverSection(_Section):
    """Scenario discovery: which output, above or below what, and PRIM's and the tree's
    settings (EMA Workbench's defaults)."""

    output: str | None = None
    above: float | None = None
    below: float | None = None
    density: float = Field(0.8, gt=0.0, le=1.0)
    boxes: int = Field(2, ge=1)
    peel_alpha: float = Field(0.05, gt=0.0, le=0.5)
    paste_alpha: float = Field(0.05, gt=0.0, le=0.5)
    mass_min: float = Field(0.05, gt=0.0, le=0.5)
    tree_depth: int = Field(3, ge=1)
    tree_min_leaf: float = Field(0.05, gt=0.0, le=0.5)


class FactorSection(_Section):
    """One factor given as a mapping (a list is shorthand for ``bounds``)."""

    bounds: list[Any] | None = None
    dist: str | None = None
    levels: list[Any] | None = None
    group: str | None = None
    arms: list[str] | str | None = None


class OutputSection(_Section):
    """One output given as a mapping (a string is shorthand for ``metric``)."""

    name: Any = None
    metric: Any = None
    arm: Any = None
    difference: Any = None


class ExperimentFile(_Section):
    """Every key an experiment file may have (``docs/sensitivity.md`` says what each
    means)."""

    description: str = ""
    scenario: Any = None
    model: Any = "hls_sim"
    steps: Any = None
    constants: Any = None
    arms: Any = None
    factors: Any = None
    outputs: Any = None
    method: Any = None
    sample: Any = None
    analyze: Any = None
    replicates: int = Field(1, ge=1, description="runs per arm per sample point")
    reduce: Literal["mean", "median"] = "mean"
    seed: int = Field(0, ge=0)
    seeds: Literal["common", "independent"] = "common"
    # Sections are validated by their own models (:func:`problem`), so that an error
    # names the key inside the section.
    noise: Any = None
    checks: Any = None
    discover: Any = None

    @field_validator("description")
    @classmethod
    def _one_line(cls, v: str) -> str:
        if "\n" in v.strip():
            raise ValueError("must be one line of text")
        return v


SECTIONS: dict[str, type[_Section]] = {"noise": NoiseSection, "checks": ChecksSection,
                                        "discover": DiscoverSection}
WHAT = {(): "key", ("noise",): "noise setting", ("checks",): "check",
        ("discover",): "discover setting"}
EXPLAIN = {  # what the value of a key is, where a type error needs words
    "reduce": "how replicates at a sample point are combined",
    "seeds": "'common': replicate k uses the same seed at every sample point",
}


def problem(data: dict[str, Any]) -> tuple[tuple, str] | None:
    """The first problem with the file's shape (key path, one-line message), or None.
    An unknown key comes before a wrong value: a misspelt key explains the rest."""
    found = _first(ExperimentFile, data, ())
    if found:
        return found
    for name, section in SECTIONS.items():
        value = data.get(name)
        if value is None or (name == "noise" and value is False):
            continue
        if not isinstance(value, dict):
            what = "{points: P, replicates: R} (extra replicates at P sample points), or " \
                "false" if name == "noise" else "of settings"
            return (name,), f"{name} must be a mapping {what}"
        found = _first(section, value, (name,))
        if found:
            return found
    return None


def _first(model: type[BaseModel], data: dict[str, Any],
           prefix: tuple) -> tuple[tuple, str] | None:
    try:
        model.model_validate(data)
        return None
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    key = err["loc"][0] if err["loc"] else ""
    loc = prefix + ((key,) if key != "" else ())
    dotted = ".".join(str(p) for p in loc)
    if err["type"] == "extra_forbidden":
        allowed = list(model.model_fields)
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"
        return loc, f"unknown {WHAT.get(prefix, 'key')} '{key}'{hint}"
    if key == "description":
        return loc, "description must be one line of text"
    value = data.get(key)
    if err["type"] == "literal_error":
        choices = err.get("ctx", {}).get("expected", "")
        extra = f" ({EXPLAIN[str(key)]})" if str(key) in EXPLAIN else ""
        return loc, f"invalid {dotted}={value!r}: allowed {choices}{extra}"
    return loc, f"invalid {dotted}={value!r}: allowed {_allowed(model.model_fields[key])}"


def _allowed(field) -> str:
    if field is None:
        return "see docs/sensitivity.md"
    bounds = []
    for m in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                bounds.append(f"{sym} {v}")
    ann = field.annotation
    kind = "a whole number" if ann in (int, int | None) else \
        "a number" if ann in (float, float | None) else "a value of the documented kind"
    return kind + (" " + " and ".join(bounds) if bounds else "")
