"""Reports written beside an experiment's results: self-contained HTML with its figures."""

from .scenario_report import write_report

__all__ = ["write_report"]
