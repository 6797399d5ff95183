"""Analysis of many runs: bands, paired differences with intervals, headline outcomes."""

from .compare import (
    HEADLINE,
    VALUE_ADDED,
    Outcome,
    bands,
    headline_table,
    paired_differences,
    scenario_table,
    value_added,
    value_added_table,
)

__all__ = ["HEADLINE", "VALUE_ADDED", "Outcome", "bands", "paired_differences",
           "scenario_table", "headline_table", "value_added", "value_added_table"]
