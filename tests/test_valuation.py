"""The appraisal's per-run arithmetic (hls_sim.valuation), which the dashboard's money
panel uses on its own: yearly sums against a plain pandas group-by, part-years, and
pairing by replicate whatever order the rows come in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hls_sim.params import DOMAINS
from hls_sim.params.appraisal import AppraisalParams
from hls_sim.valuation import (
    CRISIS_COLUMNS,
    AppraisalError,
    discount_factors,
    paired_against,
    run_figures,
    yearly_sums,
)

P = AppraisalParams()


def runs_frame(rng: np.random.Generator, arms: list[str], replicates: list[int],
               weeks: int) -> pd.DataFrame:
    parts = []
    for arm in arms:
        for rep in replicates:
            df = pd.DataFrame({
                "scenario": arm, "replicate": rep, "week": np.arange(weeks),
                "wellbeing_sum": rng.uniform(0, 50, weeks),
                "people_in_place": rng.integers(0, 100, weeks).astype(float),
                "paid_to_providers": rng.uniform(0, 1e4, weeks),
                "spend_commissioning": rng.uniform(0, 100, weeks),
            })
            for c in CRISIS_COLUMNS:
                df[c] = rng.integers(0, 3, weeks).astype(float)
            parts.append(df)
    return pd.concat(parts, ignore_index=True)


def reference_sums(ts: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """The same sums, the plain way: a pandas group-by by run and year."""
    t = ts[ts["week"] < weeks].assign(year=lambda d: d["week"] // 52, weeks=1.0)
    cols = ["paid_to_providers", "spend_commissioning", "wellbeing_sum", "people_in_place",
            "weeks", *CRISIS_COLUMNS]
    return t.groupby(["scenario", "replicate", "year"], sort=True)[cols].sum().reset_index()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_arms=st.integers(1, 3),
       replicates=st.lists(st.integers(0, 50), min_size=1, max_size=3, unique=True),
       weeks=st.integers(1, 140))
def test_yearly_sums_are_a_group_by_of_the_rows_in_any_order(seed, n_arms, replicates, weeks):
    rng = np.random.default_rng(seed)
    arms = ["no_service", "option b", "Option A"][:n_arms]
    ts = runs_frame(rng, arms, replicates, weeks + 5)
    ts = ts.sample(frac=1.0, random_state=seed % 2**31).reset_index(drop=True)
    y = yearly_sums(ts, P, weeks)
    ref = reference_sums(ts, weeks)
    assert list(zip(y["scenario"], y["replicate"], y["year"], strict=True)) == \
        list(zip(ref["scenario"], ref["replicate"], ref["year"], strict=True))
    np.testing.assert_allclose(y["paid"], ref["paid_to_providers"])
    np.testing.assert_allclose(y["commissioning"], ref["spend_commissioning"])
    np.testing.assert_allclose(y["people_weeks"], ref["people_in_place"])
    np.testing.assert_allclose(y["weeks"], ref["weeks"])
    np.testing.assert_allclose(y["crises"], ref[list(CRISIS_COLUMNS)].sum(axis=1))
    np.testing.assert_allclose(y["wellbys"], ref["wellbeing_sum"] * 10.0 / 52)
    assert y["weeks"].max() <= 52 and y.groupby(["scenario", "replicate"])["weeks"].sum().eq(
        weeks).all()


def test_a_part_year_is_discounted_as_its_year_and_people_are_a_mean_over_its_weeks():
    weeks = 60  # one year and eight weeks
    ts = pd.DataFrame({"scenario": "x", "replicate": 0, "week": np.arange(weeks),
                       "wellbeing_sum": 5.0, "people_in_place": 10.0,
                       "paid_to_providers": 100.0})
    for d in DOMAINS:
        ts[f"crises_{d}"] = 0.0
    runs = run_figures(yearly_sums(ts, P, weeks), P)
    f = discount_factors(2, P.discount_schedule)
    assert runs["cost"].iloc[0] == pytest.approx(100.0 * (52 + 8 * f[1]))
    assert runs["people"].iloc[0] == pytest.approx(10.0)  # not 10 x 60 / 104
    assert runs["wellbys_raw"].iloc[0] == pytest.approx(5.0 * 10 * weeks / 52)


def test_pairs_are_matched_by_replicate_not_by_row_order():
    rng = np.random.default_rng(4)
    ts = runs_frame(rng, ["no_service", "option"], [3, 1, 7], 52)
    runs = run_figures(yearly_sums(ts, P, 52), P)
    shuffled = runs.sample(frac=1.0, random_state=1).reset_index(drop=True)
    d = paired_against(shuffled, "option", "no_service")
    assert list(d["replicate"]) == [1, 3, 7]
    by = runs.set_index(["scenario", "replicate"])
    for r in (1, 3, 7):
        row = d[d["replicate"] == r].iloc[0]
        assert row["cost"] == pytest.approx(by.loc[("option", r), "cost"]
                                            - by.loc[("no_service", r), "cost"])
        assert row["people"] == by.loc[("no_service", r), "people"]


def test_missing_weeks_and_missing_values_are_refused_in_one_line():
    ts = runs_frame(np.random.default_rng(0), ["a"], [0], 52)
    with pytest.raises(AppraisalError, match="run a replicate 0 has 51 of the 52 weeks"):
        yearly_sums(ts[ts["week"] != 10], P, 52)
    bad = ts.copy()
    bad.loc[3, "paid_to_providers"] = np.nan
    with pytest.raises(AppraisalError, match="paid_to_providers hold missing"):
        yearly_sums(bad, P, 52)
