"""Outcomes that mean the same in both worlds (issue 12): each artefact the issue found has
a test here that would have caught it, and the per-person outcomes compare like with like."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hls_sim
from hls_sim import HLSModel, operations
from hls_sim.params import make_params
from hls_sim.state import IN_SUPPORT, WAITING

from .conftest import small


def test_the_same_people_are_observed_at_each_horizon_in_every_world():
    runs = {r: hls_sim.run(small(r), seed=4) for r in ("competitive", "collaborative",
                                                        "no_service")}
    masks = {r: res.people[["wellbeing_h52", "wellbeing_h104"]].notna()
             for r, res in runs.items()}
    pd.testing.assert_frame_equal(masks["competitive"], masks["collaborative"])
    pd.testing.assert_frame_equal(masks["competitive"], masks["no_service"])
    exits = {r: res.people["exit_week"].to_numpy() for r, res in runs.items()}
    assert (exits["competitive"] == exits["collaborative"]).all()  # leaving drawn in advance
    assert (runs["competitive"].timeseries["people_in_place"] ==
            runs["collaborative"].timeseries["people_in_place"]).all()


def test_people_whose_needs_ease_stay_in_the_outcomes():
    """Before issue 12 people who recovered 'exited' and dropped out of wellbeing_mean,
    so the world that helped more people lost its successes from the average."""
    res = hls_sim.run(small("collaborative"), seed=2)
    left = res.people["exit_week"] >= 0
    p_leave = make_params(small()).people.exit_hazard_per_week
    expected = 1 - (1 - p_leave) ** (120 - res.people["arrival_week"])
    assert left.mean() == pytest.approx(expected.mean(), abs=0.05)


def test_waits_run_from_real_time_and_moved_people_go_first():
    """Before issue 12 people who lost a practitioner had their wait backdated 8 weeks,
    which made most of the measured waiting time."""
    m = HLSModel(small("competitive"), seed=3)
    for _ in range(20):
        m.step()
    on = np.flatnonzero(m.people.status[: m.n_arrived] == IN_SUPPORT)
    post = int(m.people.practitioner[on[0]])
    who = np.flatnonzero(m.people.practitioner[: m.n_arrived] == post)
    operations.practitioner_leaves(m, post, "left the job")
    assert (m.people.status[who] == WAITING).all()
    assert (m.people.wait_since[who] == m.week).all()  # no backdating
    assert m.people.priority[who].all()
    m.step()
    back = who[m.people.status[who] == IN_SUPPORT]
    assert back.size > 0 and not m.people.priority[back].any()
    waits = np.concatenate(m.tally.completed_waits)
    assert waits.min() >= 0


def test_organisations_without_work_leave_the_market():
    """Before issue 12 an organisation with no contract never closed: its charitable
    income exceeded its fixed overhead, so 'organisations closed' was accounting."""
    none = hls_sim.run(small("no_service"), seed=1).summary
    n_orgs = small()["place.n_organisations"]
    assert none["organisations_left_market"] == n_orgs
    assert none["organisations_active_end"] == 0
    kept = hls_sim.run(small("no_service", **{"market.exit_weeks_without_contract": 1000}),
                       seed=1).summary
    assert kept["organisations_active_end"] == n_orgs


def test_no_single_lever_cancels_stress():
    """Before issue 12 collaborative stress was exactly 0: 1.5 reflective hours saturated
    a relief term that was subtracted."""
    for hours in (1.5, 10.0, 30.0):
        res = hls_sim.run(small("collaborative", **{"practice.reflective_hours": hours}),
                          seed=2)
        assert res.summary["practitioner_stress_mean"] > 0
    wf = make_params(small()).workforce
    for hours in (0.0, 1.5, 100.0, 1e6):
        relief = wf.stress_relief_reflection * hours / (hours + wf.reflection_half_hours)
        assert 0 <= relief < wf.stress_relief_reflection < 1


def test_honesty_of_measurement_uses_one_definition():
    """Reported and verified successes use the contract's measure in every world, so an
    honest world has a gap of exactly zero whatever its episode length."""
    for regime in ("competitive", "collaborative"):
        s = hls_sim.run(small(regime, **{"support.gaming_propensity": 0.0}), seed=5).summary
        assert s["gaming_gap"] == 0.0
        assert s["reported_success_rate"] == s["verified_success_rate"]
    assert "true_success_rate" not in hls_sim.run(small(), seed=5).summary


def test_the_no_service_arm_serves_no_one_and_spends_nothing():
    res = hls_sim.run(small("no_service"), seed=6)
    s, led = res.summary, res.ledger
    assert s["helped_within_52_share"] == 0 and s["never_reached_share"] == 1.0
    assert led["paid"] == 0 and led["budget"] == 0
    assert res.timeseries["people_waiting"].sum() == 0
    comp = hls_sim.run(small("competitive"), seed=6)
    assert (res.people["wellbeing_start"] == comp.people["wellbeing_start"]).all()


def test_a_lever_group_is_taken_whole_from_a_preset():
    mixed = make_params({"regime": "competitive", "practice": "collaborative"})
    coll, comp = make_params("collaborative"), make_params("competitive")
    assert mixed.practice == coll.practice and mixed.procurement == comp.procurement
    assert make_params({"regime": "collaborative", "practice": "competitive",
                        "practice.discretion": 0.5}).practice.discretion == 0.5
    with pytest.raises(hls_sim.ParameterError, match="practice='nonsense'"):
        make_params({"practice": "nonsense"})
