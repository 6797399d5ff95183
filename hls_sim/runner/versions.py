"""Versions of the software that makes results: recorded in every manifest, and
compared between this process and a Dask cluster's workers before anything runs there."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

DEPENDENCIES = ("mesa", "numpy", "pandas", "scipy", "pyarrow", "pydantic", "pyyaml",
                "SALib", "seaborn", "matplotlib", "distributed")
"""Packages recorded in the manifest."""

MUST_MATCH = ("hls_sim", "python", "mesa", "numpy", "pandas", "scipy", "pyarrow", "pydantic",
              "distributed")
"""Versions a worker must share with the command: those that change a run's numbers or
how its tables travel (plotting and the sensitivity analysis run in the command only)."""


def versions() -> dict[str, Any]:
    """hls_sim, Python and each dependency's installed version (None if missing)."""
    from .. import __version__

    out: dict[str, Any] = {"hls_sim": __version__, "python": platform.python_version()}
    for dep in DEPENDENCIES:
        try:
            out[dep] = metadata.version(dep)
        except metadata.PackageNotFoundError:
            out[dep] = None
    return out


def compare(here: dict[str, Any], workers: dict[str, dict[str, Any]]) -> str | None:
    """None if every worker matches ``here`` on :data:`MUST_MATCH`, else a phrase naming
    the first differences (package, this machine's version, the worker's and which)."""
    diffs = []
    for name in MUST_MATCH:
        other = {addr: v.get(name) for addr, v in workers.items() if v.get(name) != here[name]}
        if other:
            addr, ver = next(iter(sorted(other.items())))
            more = f" and {len(other) - 1} more worker(s)" if len(other) > 1 else ""
            diffs.append(f"{name} {here[name]} here, {ver} on {addr}{more}")
    return "; ".join(diffs[:3]) + ("; ..." if len(diffs) > 3 else "") if diffs else None
