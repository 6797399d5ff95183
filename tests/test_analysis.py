"""Aggregation across replicates: properties that must hold for any data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hls_sim.analysis import bands, paired_differences, scenario_table

values = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=12)


def summary_of(a: list[float], b: list[float]) -> pd.DataFrame:
    n = min(len(a), len(b))
    return pd.DataFrame({"scenario": ["A"] * n + ["B"] * n,
                         "replicate": list(range(n)) * 2,
                         "seed": list(range(n)) * 2,
                         "m": a[:n] + b[:n]})


@settings(max_examples=40, deadline=None)
@given(values, values)
def test_paired_difference_is_the_mean_of_pairs_inside_its_interval(a, b):
    df = summary_of(a, b)
    n = len(df) // 2
    d = paired_differences(df, "A", ["m"]).iloc[0]
    expected = float(np.mean(np.array(b[:n]) - np.array(a[:n])))
    assert np.isclose(d["diff_mean"], expected, atol=1e-9)
    assert d["pairs"] == n
    assert d["ci_low"] <= d["ci_high"]
    span = np.ptp(np.array(b[:n]) - np.array(a[:n]))
    assert d["ci_low"] - 1e-9 * (1 + span) <= d["diff_mean"] <= d["ci_high"] + 1e-9 * (1 + span)
    # Swapping the baseline mirrors the difference.
    back = paired_differences(df, "B", ["m"]).iloc[0]
    assert np.isclose(back["diff_mean"], -d["diff_mean"], atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(values)
def test_identical_scenarios_differ_by_exactly_zero(a):
    d = paired_differences(summary_of(a, a), "A", ["m"]).iloc[0]
    assert (d["diff_mean"], d["ci_low"], d["ci_high"]) == (0.0, 0.0, 0.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=3, max_size=30))
def test_bands_and_tables_bracket_the_median(xs):
    ts = pd.DataFrame({"scenario": "A", "replicate": range(len(xs)), "week": 0, "m": xs})
    b = bands(ts, ["m"]).iloc[0]
    assert b["low"] <= b["median"] <= b["high"] and b["replicates"] == len(xs)
    t = scenario_table(ts.drop(columns="week"), ["m"]).iloc[0]
    assert t["low"] <= t["median"] <= t["high"]
    assert np.isclose(t["median"], np.median(xs))
