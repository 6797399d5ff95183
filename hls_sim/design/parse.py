"""Reading an experiment file: found by name or path, read with ``yaml.safe_load``,
validated in full, every problem one line naming the file and line (with "did you
mean" for misspelt keys and names)."""

from __future__ import annotations

import copy
import difflib
import json
import math
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml

from .. import scenarios as scenario_files
from .. import sizes
from ..params import GROUPS, LEVER_GROUPS, ParameterError, make_params
from ..runner.models import model_adapter, summary_metrics
from ..scenarios import Scenario, find_named, read_yaml
from . import schema
from .spec import (
    ANALYZE_SETTINGS,
    DEFAULT_NOISE,
    DISTRIBUTIONS,
    FACTOR_KEYS,
    METHODS,
    MUST_MATCH,
    NAME,
    OUTPUT_KEYS,
    SAMPLE_SETTINGS,
    SHIPPED_DIR,
    ExperimentFileError,
    ExperimentSpec,
    Factor,
    Output,
    _line_map,
    _where,
)


def find(ref: str | Path) -> Path:
    """The file an experiment reference names (a path, or a name in ./experiments or the
    shipped experiments folder)."""
    return find_named(ref, available, "experiment", ExperimentFileError)


def available() -> dict[str, Path]:
    """Experiment names that can be given without a path, and their files."""
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
        found = schema.problem(raw)  # the file's shape: keys, types, ranges (pydantic)
        if found:
            raise self.err(*found)
        shape = schema.ExperimentFile.model_validate(raw)
        description = shape.description
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
        replicates, reduce, seed, seeds = (shape.replicates, shape.reduce, shape.seed,
                                           shape.seeds)
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
        try:
            self.adapter = model_adapter(model)
        except ValueError as exc:
            raise self.err(("model",), str(exc)) from None
        return model, self.adapter.kind  # type: ignore[return-value]

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
            return model_adapter(model, steps).outputs(kwargs) or set()
        except ValueError as exc:
            raise self.err(("model",), str(exc)) from None

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
        out = schema.NoiseSection.model_validate(value).model_dump()
        if out["replicates"] <= replicates:
            raise self.err(("noise", "replicates"), f"noise.replicates={out['replicates']} must "
                           f"exceed replicates={replicates} (it is the total at probed points)")
        return out

    def checks(self) -> dict[str, float]:
        return schema.ChecksSection.model_validate(self.raw.get("checks") or {}).model_dump()

    def discover(self, outputs: list[Output], factors: list[Factor]) -> dict[str, Any] | None:
        value = self.raw.get("discover")
        if value is None:
            return None
        out = schema.DiscoverSection.model_validate(value).model_dump()
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
        out["threshold"] = float(value[side])
        out.pop("above", None), out.pop("below", None)
        return out


def arm_content(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A base scenario's content with an arm's overrides. Setting ``regime`` in an arm
    resets both lever groups (procurement and practice) to that regime's preset (then
    the arm's own lever overrides apply), so ``{regime: collaborative}`` on a competitive
    place gives the same place commissioned collaboratively; ``{practice: collaborative}``
    takes that one group whole from the preset."""
    content = copy.deepcopy(base)
    if "regime" in overrides:
        for group in LEVER_GROUPS:
            content.pop(group, None)
    return {**content, **overrides}


# --------------------------------------------------------------------------- helpers


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
    return model_adapter(model).arguments()


