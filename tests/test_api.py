"""The Python API contract: run(), the four outputs and clear parameter errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hls_sim
from hls_sim.metrics import TIMESERIES_COLUMNS

from .conftest import SMALL, small

SUMMARY_REQUIRED = ("reporting_cost_share", "bidding_cost_share", "wellbeing_change_52",
                    "wellbeing_mean", "practitioner_turnover_annual", "rereferral_12m_rate",
                    "admin_time_share", "reported_success_rate", "verified_success_rate")
PEOPLE_REQUIRED = ("complexity", "arrival_week", "exit_week", "referrals", "assessments",
                   "practitioners_seen", "support_hours", "crises", "wellbeing_start",
                   "wellbeing_end", "continuity")


def test_timeseries_has_every_contract_column(small_results):
    for res in small_results.values():
        ts = res.timeseries
        assert isinstance(ts, pd.DataFrame)
        assert len(ts) == SMALL["place.n_weeks"]
        missing = [c for c in TIMESERIES_COLUMNS if c not in ts.columns]
        assert not missing
        assert ts["week"].tolist() == list(range(SMALL["place.n_weeks"]))


def test_summary_people_and_events(small_results):
    res = small_results["competitive"]
    for key in SUMMARY_REQUIRED:
        assert key in res.summary and isinstance(res.summary[key], float)
    for col in PEOPLE_REQUIRED:
        assert col in res.people.columns
    assert len(res.people) == SMALL["place.n_people"]  # every person arrives within the run
    kinds = set(res.events["event"].astype(str))
    for kind in ("arrived", "referred", "assessed", "crisis", "tender_won"):
        assert kind in kinds, kind
    assert {"week", "event", "person", "organisation", "practitioner", "detail"} <= set(
        res.events.columns)


def test_journey_is_told_in_words(small_results):
    res = small_results["competitive"]
    person = int(res.people.sort_values("referrals").iloc[-1]["person"])
    lines = res.journey(person)
    assert lines[0].startswith(f"Person {person} has")
    assert any("referred to Organisation" in line for line in lines)
    assert all(isinstance(line, str) and line.endswith(".") for line in lines)
    with pytest.raises(ValueError, match="unknown person"):
        res.journey(10**9)


@pytest.mark.parametrize("scenario", [
    {"regime": "collaborative", "place.n_weeks": 8, "place.n_people": 50},
    {"regime": "collaborative", "place": {"n_weeks": 8, "n_people": 50}},
])
def test_dict_overrides_dotted_or_nested(scenario):
    res = hls_sim.run(scenario, seed=1)
    assert res.params.regime == "collaborative"
    assert res.params.practice.learning_meeting_weeks == 8
    assert len(res.timeseries) == 8


def test_keyword_overrides_and_params_object():
    p = hls_sim.make_params("competitive", place__n_weeks=5, place__n_people=40)
    res = hls_sim.run(p, seed=0)
    assert len(res.timeseries) == 5
    assert res.params.place.n_people == 40


@pytest.mark.parametrize("overrides, pattern", [
    ({"place.n_peple": 10}, r"unknown parameter 'place.n_peple'; did you mean 'place.n_people'"),
    ({"procurement.contract_length_weeks": 0},
     r"invalid parameter procurement.contract_length_weeks=0: .*allowed: int >= 4"),
    ({"procurement.results_share": 1.5}, r"procurement.results_share=1.5.*<= 1"),
    ({"procurement.award": "lowest"}, r"procurement.award='lowest'.*'price_quality'"),
    ({"place.n_people": "many"}, r"place.n_people='many'"),
    ({"regime": "anarchic"}, r"regime='anarchic': allowed presets are competitive, collaborative"),
    ({"switch_week": 10}, r"set both switch_week .* and switch_to"),
    ({"switch_week": 10, "switch_to": "collaborative",
      "switch_overrides": {"discretion": 2}}, r"switch_overrides.practice.discretion=2"),
])
def test_invalid_parameters_raise_one_clear_line(overrides, pattern):
    with pytest.raises(hls_sim.ParameterError, match=pattern) as info:
        hls_sim.run(overrides)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("preset", ["competitive", "collaborative"])
@pytest.mark.parametrize("override, pattern", [
    ({"money__manager_cost_per_hour": 1e30}, r"money.manager_cost_per_hour=1e\+30: allowed at most"),
    ({"workforce__hours_per_week": 500.0}, r"workforce.hours_per_week=500.0: allowed at most the 168"),
])
def test_keyword_overrides_are_checked_as_a_scenario_file_is(preset, override, pattern):
    """hls_sim.run makes the feasibility checks a scenario file and the runner make: a
    value each group accepts but no run can use is refused in one line before the model
    is built (until 3 December 2026 it reached a compiled kernel and ended in a
    traceback)."""
    with pytest.raises(hls_sim.ParameterError, match=pattern) as info:
        hls_sim.run(preset, **override)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_invalid_seed(seed):
    with pytest.raises(hls_sim.ParameterError, match="invalid seed"):
        hls_sim.run(small(), seed=seed)


def test_every_parameter_is_reachable_by_name():
    names = hls_sim.parameter_names()
    assert "practice.learning_meeting_weeks" in names
    for name in names:
        if "." in name:
            group, field = name.split(".")
            assert field in hls_sim.Params.model_fields[group].annotation.model_fields


def test_summary_money_adds_up(small_results):
    s = small_results["competitive"].summary
    parts = sum(s[f"spend_{k}_total"] for k in ("direct", "assessment", "admin", "learning",
                                                 "overhead", "bidding"))
    assert np.isclose(parts, s["spend_total"])
    assert np.isclose(s["paid_to_providers_total"] + s["underspend_total"], s["budget_total"])
