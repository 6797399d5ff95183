"""Analysis of many runs: bands, paired differences with intervals, headline outcomes."""

from .compare import HEADLINE, Outcome, bands, headline_table, paired_differences, scenario_table

__all__ = ["HEADLINE", "Outcome", "bands", "paired_differences", "scenario_table",
           "headline_table"]
