"""Reports written beside an experiment's results: self-contained HTML with its figures.

The figure modules import matplotlib and seaborn (about a second), so they are imported
when a report is written, not when :mod:`hls_sim.report.findings` is read (``hls-sim
run --no-report`` prints its findings without them)."""

from __future__ import annotations

from pathlib import Path


def write_scenario_report(results_dir: str | Path, found=None) -> Path:
    """Write the report of a scenario comparison (``run``, ``compare``, ``demo``)."""
    from .scenario_report import write_report

    return write_report(results_dir, found)


def write_report(results_dir: str | Path, found=None) -> Path:
    """Write the report of any results folder: a scenario comparison, or a sensitivity
    analysis or scenario discovery (``hls-sim sensitivity`` / ``discover``). ``found``:
    a comparison's :class:`~hls_sim.report.findings.Findings`, if already computed."""
    import json

    manifest = Path(results_dir) / "manifest.json"
    try:
        kind = json.loads(manifest.read_text()).get("kind")
    except (OSError, ValueError):
        kind = None
    if kind == "sensitivity":
        from .sensitivity_report import write_report as write_sensitivity_report

        return write_sensitivity_report(results_dir)
    return write_scenario_report(results_dir, found)


__all__ = ["write_report", "write_scenario_report"]
