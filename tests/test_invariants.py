"""Invariants that must hold for any valid parameters (property-based, with hypothesis):
people are conserved, money is conserved to the penny, severities and shares stay in
range, and no caseload exceeds its cap."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hls_sim
from hls_sim.state import EXITED, NOT_ARRIVED, PRESENT

places = st.fixed_dictionaries({
    "regime": st.sampled_from(["competitive", "collaborative"]),
    "place.n_people": st.integers(20, 400),
    "place.n_weeks": st.integers(1, 80),
    "place.n_organisations": st.integers(1, 14),
    "place.n_practitioners": st.integers(1, 40),
    "place.n_localities": st.integers(1, 3),
    "money.budget_per_week": st.floats(2_000, 60_000),
    "commissioning.contract_length_weeks": st.integers(4, 60),
    "commissioning.results_share": st.floats(0, 1),
    "commissioning.lot_domains": st.integers(1, 6),
    "commissioning.reporting_burden": st.floats(0, 3),
    "commissioning.discretion": st.floats(0, 1),
    "commissioning.budget_flexibility": st.floats(0, 0.2),
    "learning.trial_rate_per_year": st.floats(0, 20),
})


def check_week(m: hls_sim.HLSModel) -> None:
    p = m.people
    status = p.status
    # People conserved: everyone due has arrived; each is in exactly one state.
    due = p.arrival_starts[m.week]  # m.week already counts the week just stepped
    assert m.n_arrived == due
    assert np.count_nonzero(status == NOT_ARRIVED) == p.n - m.n_arrived
    counts = np.bincount(status, minlength=7)
    assert counts.sum() == p.n
    assert counts[list(PRESENT)].sum() + counts[EXITED] == m.n_arrived
    # Severities, engagement and relationships in range.
    assert ((p.needs >= 0) & (p.needs <= 1)).all()
    assert ((p.engagement >= 0) & (p.engagement <= 1)).all()
    assert ((p.relationship >= 0) & (p.relationship <= 1)).all()
    # No caseload above capacity; caseloads match the people on them.
    posts = m.posts
    assert (posts.caseload <= m.caseload_cap).all()
    on = p.practitioner[status == 3]
    assert (on >= 0).all()
    assert (np.bincount(on, minlength=posts.n) == posts.caseload).all()
    assert posts.filled[on].all()
    assert ((posts.stress >= 0) & (posts.stress <= 1)).all()
    assert ((m.providers.trust >= 0) & (m.providers.trust <= 1)).all()
    assert 0 <= m.place.system_learning <= 1
    # Money conserved to the penny (whole pence, integer arithmetic).
    led = m.ledger
    reserves = int(m.providers.reserves[m.providers.active].sum())
    spent = sum(led[k] for k in ("direct", "assessment", "admin", "learning", "overhead",
                                 "bidding"))
    assert led["initial_reserves"] + led["paid"] + led["other_income"] == \
        spent + reserves + led["written_off"]
    assert led["paid"] + led["underspend"] == led["budget"]
    assert m.providers.reserves.dtype == np.int64  # whole pence


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=places, seed=st.integers(0, 2**31 - 1))
def test_invariants_hold_every_week(params, seed):
    m = hls_sim.HLSModel(params, seed=seed)
    while m.running:
        m.step()
        check_week(m)
    res = hls_sim.Result.from_model(m)
    ts = res.timeseries
    for col in ("unmet_need", "disengaged_share", "admin_time_share", "system_learning",
                "reported_success_rate", "true_success_rate", "rereferral_12m_rate",
                "continuity_index", "wellbeing_mean", "trust_mean"):
        v = ts[col].dropna()
        assert ((v >= 0) & (v <= 1)).all(), col
    assert len(res.people) == m.n_arrived


def test_regime_switch_keeps_invariants_and_changes_levers():
    m = hls_sim.HLSModel({"regime": "competitive", "switch_week": 30,
                          "switch_to": "collaborative", "place.n_people": 300,
                          "place.n_weeks": 70, "place.n_organisations": 12,
                          "place.n_practitioners": 30, "place.n_localities": 2}, seed=4)
    while m.running:
        m.step()
        check_week(m)
        if m.week <= 30:
            assert m.levers.award == "price_quality"
    assert m.levers.award == "partnership" and m.levers.lot_domains == 6
    ev = hls_sim.Result.from_model(m).events
    switch = ev[ev["event"] == "regime_switch"]
    assert switch["week"].tolist() == [30]
    assert (ev[ev["event"].isin(["tender_won", "tender_lost"])]["week"] < 30).all()
