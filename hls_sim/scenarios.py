"""Scenario files: a place and a way of commissioning it, described in YAML.

A scenario file holds a one-line ``description``, optionally ``extends: other.yaml``
(inherit everything from another file, then override), and any model parameter by its
group, nested or dotted::

    description: Competitive commissioning with longer, five-year contracts
    extends: competitive.yaml
    procurement:
      contract_length_weeks: 260   # seed 000: the People in Mind contract ran five years

The levers come in two groups, ``procurement`` (how the money is let and paid) and
``practice`` (how the work is done); either group can be taken whole from a preset,
e.g. ``practice: collaborative``.

Files are read with ``yaml.safe_load`` and validated in full before anything runs. Every
problem is a :class:`ScenarioError` whose message is one line naming the file (and the
line, where the YAML says), what was wrong and what is allowed.

Scenario references (``hls-sim run quick``) are looked up as a path first, then as
``NAME.yaml`` in ``./scenarios`` and in the ``scenarios/`` folder shipped beside the
package.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import feasibility, sizes
from .params import (
    GROUPS,
    LEVER_GROUPS,
    TOP_LEVEL,
    ParameterError,
    Params,
    make_params,
    parameter_names,
)

SCENARIO_KEYS = ("description", "extends")
"""Keys of a scenario file that are not model parameters."""

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "scenarios"
"""The scenarios shipped with hls_sim (beside the package in a clone)."""


class ScenarioError(ParameterError):
    """A scenario file that cannot be used: one line, naming the file and the problem."""


@dataclass
class Scenario:
    """A validated scenario: its name, where it came from, and its resolved parameters.

    Attributes:
        name: the scenario's name (the file's stem unless the file sets ``name``).
        description: one line saying what the scenario is.
        params: the full, validated parameters.
        path: the file it was read from (None when built from a dict).
        chain: the files it was built from, the most basic first (``extends``).
    """

    name: str
    description: str
    params: Params
    path: Path | None = None
    chain: list[str] = field(default_factory=list)

    @property
    def content(self) -> dict[str, Any]:
        """Every parameter's resolved value (JSON-ready): what the manifest records."""
        return self.params.model_dump(mode="json")

    @property
    def hash(self) -> str:
        """SHA-256 of the resolved content: equal hashes mean identical parameters."""
        return content_hash(self.content)

    @classmethod
    def from_content(cls, name: str, description: str, content: dict[str, Any]) -> Scenario:
        """Rebuild a scenario from a manifest's resolved content (used by ``--resume``)."""
        return cls(name, description, Params.model_validate(content))


def content_hash(content: dict[str, Any]) -> str:
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def search_dirs() -> list[Path]:
    """Folders searched for ``NAME.yaml``: ./scenarios, then the shipped scenarios."""
    dirs = [Path.cwd() / "scenarios", SHIPPED_DIR]
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out


def available() -> dict[str, Path]:
    """Scenario names that can be given without a path, and their files."""
    found: dict[str, Path] = {}
    for d in reversed(search_dirs()):  # ./scenarios wins over shipped files
        for f in sorted(d.glob("*.yaml")):
            found[f.stem] = f
    return dict(sorted(found.items()))


def find(ref: str | Path) -> Path:
    """The file a scenario reference names (a path, or a name in the search folders)."""
    return find_named(ref, available, "scenario", ScenarioError)


def find_named(ref: str | Path, names: Callable[[], dict[str, Path]], kind: str,
               error: type[ParameterError]) -> Path:
    """A path if ``ref`` is an existing file, else the file of that name among ``names()``;
    otherwise one line (raised as ``error``) listing the names, with a suggestion."""
    path = Path(ref)
    if path.is_file():
        return path
    if path.suffix in (".yaml", ".yml") or path.parent != Path("."):
        raise error(f"{ref}: no such {kind} file")
    found = names()
    if str(ref) in found:
        return found[str(ref)]
    close = difflib.get_close_matches(str(ref), list(found), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise error(f"{ref}: no such {kind} (a YAML file, or one of: "
                f"{', '.join(found) or 'none'}){hint}")


def load(ref: str | Path) -> Scenario:
    """Read, resolve (``extends``) and validate a scenario file.

    Raises:
        ScenarioError: one line naming the file and what is wrong with it.
    """
    path = find(ref)
    raw, chain = _resolve(path, [])
    description = raw.pop("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"{path}: description must be one line of text, "
                            f"not {type(description).__name__}")
    raw.setdefault("name", path.stem)
    try:
        params = make_params(raw)
        feasibility.check(params)
    except ScenarioError:
        raise
    except ParameterError as exc:
        where = _locate(chain, exc.param)
        raise ScenarioError(f"{where}: {exc}", param=exc.param) from None
    description = description.strip()
    if sizes.small():  # HLS_SIM_SIZE=small: the same scenario in a small place
        params = sizes.shrink(params)
        description += sizes.NOTE
    return Scenario(params.name, description, params, path, [str(c) for c in chain])


def from_overrides(name: str, overrides: dict[str, Any], description: str = "") -> Scenario:
    """A scenario built in code from parameter overrides (as :func:`hls_sim.run` takes)."""
    try:
        params = make_params({**overrides, "name": name})
        feasibility.check(params)
    except ParameterError as exc:
        raise ScenarioError(f"scenario {name}: {exc}", param=exc.param) from None
    return Scenario(name, description, params)


def read_yaml(path: Path, error: type[ParameterError] = ScenarioError) -> tuple[str, Any]:
    """A YAML file's text and its content (``yaml.safe_load``); any problem reading or
    parsing it is one line, raised as ``error``, naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise error(f"{path}: is not UTF-8 text") from None
    try:
        return text, yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{path}{line}: malformed YAML: {problem}") from None


def _read(path: Path) -> dict[str, Any]:
    text, data = read_yaml(path)
    if data is None:
        what = "is empty" if not text.strip() else "holds only comments"
        raise ScenarioError(f"{path}: {what}: a scenario needs at least a line of its own "
                            "(e.g. 'extends: competitive.yaml' and what it changes)")
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario must be a mapping of keys to values, "
                            f"not a {type(data).__name__}")
    return data


def _flat(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Dotted keys for every parameter; unknown top-level keys get a suggestion."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise ScenarioError(f"{path}: key {key!r} is not a name")
        if key in LEVER_GROUPS and isinstance(value, str):
            flat[key] = value  # a lever group taken whole from a preset (practice: collaborative)
        elif key in GROUPS:
            if not isinstance(value, dict):
                raise ScenarioError(f"{path}: '{key}' must be a mapping of its parameters "
                                    f"(e.g. {key}: {{...}}), not {value!r}")
            for sub, v in value.items():
                flat[f"{key}.{sub}"] = v
        elif key in SCENARIO_KEYS or key in TOP_LEVEL or "." in key:
            flat[key] = value
        else:
            names = list(SCENARIO_KEYS) + list(TOP_LEVEL) + list(GROUPS) + parameter_names()
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            line = _line_of(path, key)
            raise ScenarioError(f"{path}{line}: unknown key '{key}'{hint}", param=key)
    return flat


def _resolve(path: Path, seen: list[Path]) -> tuple[dict[str, Any], list[Path]]:
    """The file's keys merged over everything it extends; the chain of files, base first."""
    real = path.resolve()
    if real in seen:
        cycle = " -> ".join(p.name for p in [*seen, real])
        raise ScenarioError(f"{path}: circular extends ({cycle})")
    data = _flat(_read(path), path)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, [path]
    if not isinstance(parent_ref, str):
        raise ScenarioError(f"{path}: extends must name one scenario file, not {parent_ref!r}")
    parent = path.parent / parent_ref
    if not parent.is_file():
        # A bare file name (extends: competitive.yaml) from a file saved anywhere: the
        # scenario of that name in the scenario folders.
        bare = Path(parent_ref)
        name = bare.stem if bare.parent == Path(".") and bare.suffix in (".yaml", ".yml") \
            else parent_ref
        try:
            parent = find(name)
        except ScenarioError:
            raise ScenarioError(f"{path}: extends '{parent_ref}', which does not exist "
                                f"(looked beside it and in the scenario folders)") from None
    base, chain = _resolve(parent, [*seen, real])
    base.pop("name", None)  # a child is its own scenario, never its parent's name
    base.pop("description", None)
    for group in LEVER_GROUPS:  # a child that takes a lever group from a preset takes it whole
        if isinstance(data.get(group), str):
            for key in [k for k in base if k == group or k.startswith(f"{group}.")]:
                del base[key]
    return {**base, **data}, [*chain, path]


def _locate(chain: list[Path], param: str | None) -> str:
    """``file:line`` of the last file in the chain that sets ``param``."""
    if param:
        for path in reversed(chain):
            line = _line_of(path, param)
            if line:
                return f"{path}{line}"
    return str(chain[-1])


def _line_of(path: Path, dotted: str) -> str:
    """`` line N`` where the file sets ``dotted`` (nested or dotted), or ''."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    if not isinstance(root, yaml.MappingNode):
        return ""
    group, _, name = dotted.partition(".")
    for key, value in root.value:
        if key.value == dotted:
            return f":{key.start_mark.line + 1}"
        if key.value == group and isinstance(value, yaml.MappingNode):
            for sub, _v in value.value:
                if sub.value == name:
                    return f":{sub.start_mark.line + 1}"
    return ""
