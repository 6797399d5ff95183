"""The two-sided mechanisms of issue 13, each shown to do what it says (and nothing when
switched off), on a small place."""

from __future__ import annotations

import numpy as np
import pytest

import hls_sim
from hls_sim import HLSModel
from hls_sim.mechanisms.support import contract_factor

PLACE = {
    "place.n_people": 600, "place.n_weeks": 208, "place.n_organisations": 12,
    "place.n_practitioners": 48, "place.n_localities": 2, "place.burn_in_weeks": 26,
    "money.budget_per_week": 34_800.0,
}


def run(regime="competitive", seed=1, **over):
    return hls_sim.run({"regime": regime, **PLACE, **{k.replace("__", "."): v
                                                      for k, v in over.items()}}, seed=seed)


def model(regime="competitive", seed=1, **over):
    return HLSModel({"regime": regime, **PLACE, **{k.replace("__", "."): v
                                                   for k, v in over.items()}}, seed=seed)


# --- what competition can do ------------------------------------------------------------

def test_provider_quality_is_persistent_exogenous_and_has_the_set_spread():
    flat = model(market__quality_sd=0.0)
    assert (flat.providers.quality == 1.0).all()
    a = model("competitive", seed=3, market__quality_sd=0.3)
    b = model("collaborative", seed=3, market__quality_sd=0.3)
    assert (a.providers.quality == b.providers.quality).all()  # the same in both worlds
    big = HLSModel({**PLACE, "place.n_organisations": 2000, "market.quality_sd": 0.2}, seed=1)
    q = big.providers.quality[: big.providers.n_initial]
    assert q.mean() == pytest.approx(1.0, abs=0.02) and q.std() == pytest.approx(0.2, rel=0.1)


def test_tenders_select_better_providers_only_as_far_as_they_can_see_quality():
    def performance(obs):
        return np.mean([run(seed=s, market__quality_sd=0.3, procurement__price_weight=0.0,
                            procurement__quality_observability=obs,
                            market__incumbent_advantage=0.0
                            ).summary["provider_performance"] for s in range(3)])
    seeing, blind = performance(1.0), performance(0.0)
    assert seeing > 1.05  # tenders that read practice hand lots to better providers
    assert seeing > blind + 0.03


def test_savings_are_returned_or_buy_more_posts():
    ret = run(seed=2, procurement__savings_use="return", money__max_price_discount=0.3)
    rei = run(seed=2, procurement__savings_use="reinvest", money__max_price_discount=0.3)
    assert rei.summary["paid_to_providers_total"] > ret.summary["paid_to_providers_total"]
    assert rei.timeseries["practitioners_in_post"].iloc[-52:].mean() > \
        ret.timeseries["practitioners_in_post"].iloc[-52:].mean()
    assert ret.summary["underspend_total"] > rei.summary["underspend_total"]


def test_contract_factor_contestability_squeeze_and_mobilisation():
    m = model(market__contestability_effort=0.1, market__squeeze_quality_loss=0.5,
              market__mobilisation_weeks=10, market__mobilisation_loss=0.2)
    base = contract_factor(m)
    assert base == pytest.approx(np.full(len(m.contracts), 1.1))  # a tender in prospect
    c = m.contracts[0]
    c.value = int(c.base_value * 0.8)  # the same posts for 80% of the price
    c.moved_week = m.week  # and a new holder starting now
    m.contracts.changed()
    f = contract_factor(m)
    assert f[0] == pytest.approx(1.1 * (1 - 0.5 * 0.2) * (1 - 0.2))
    partnership = model("collaborative", market__contestability_effort=0.1)
    assert contract_factor(partnership) == pytest.approx(1.0)  # nothing to contest


def test_new_organisations_enter_to_bid():
    none = run(seed=3, market__entry_per_tender=0.0).summary
    many = run(seed=3, market__entry_per_tender=1.0).summary
    assert none["organisations_entered"] == 0
    assert many["organisations_entered"] > 0


def test_incumbency_advantage_keeps_lots_with_incumbents():
    keep = run(seed=4, market__incumbent_advantage=1.0).summary
    open_ = run(seed=4, market__incumbent_advantage=0.0).summary
    assert keep["incumbent_retention"] > 0.9
    assert keep["incumbent_retention"] > open_["incumbent_retention"]


def test_a_lot_changing_hands_costs_the_commissioner():
    free = run(seed=5, market__transition_cost_share=0.0)
    costly = run(seed=5, market__transition_cost_share=0.1)
    assert costly.summary["lots_moved"] > 0
    assert costly.ledger["commissioning"] > free.ledger["commissioning"]


# --- what collaboration can get wrong --------------------------------------------------

def collab(seed=6, **over):
    base = {"procurement__contract_length_weeks": 52, "market__quality_sd": 0.3}
    return run("collaborative", seed=seed, **{**base, **over})


def test_soft_reviews_always_renew_and_rigorous_ones_re_let_weak_partners():
    soft = collab(procurement__review_rigour=0.0).summary
    hard = collab(procurement__review_rigour=1.0, procurement__review_threshold=0.05).summary
    assert soft["reviews_failed"] == 0
    assert hard["reviews_failed"] > 0
    assert hard["provider_performance"] > soft["provider_performance"]


def test_break_clauses_add_reviews_between_renewals():
    m0 = collab(procurement__break_clause_weeks=0)
    m1 = collab(procurement__break_clause_weeks=13)
    assert m1.summary["reviews_failed"] >= m0.summary["reviews_failed"]
    rev = model("collaborative", procurement__break_clause_weeks=13,
                procurement__contract_length_weeks=520)
    rev.run()
    assert rev.tally.reviews_total > 0  # no contract ended, yet partners were reviewed


def test_effort_drifts_where_untested_and_holds_under_contest():
    m = model("collaborative", market__drift_per_year=0.1, market__meeting_challenge=0.0,
              procurement__review_rigour=0.0)
    m.run()
    held = np.unique(m.contracts.org[m.contracts.active])
    assert (m.providers.effort[held] < 0.7).all()
    c = model("competitive", market__drift_per_year=0.1)
    c.run()
    held = np.unique(c.contracts.org[c.contracts.active])
    assert (c.providers.effort[held] > 0.95).mean() > 0.5  # tendered lots keep effort up


def test_soft_renewals_let_prices_creep():
    soft = model("collaborative", procurement__contract_length_weeks=52,
                 procurement__review_rigour=0.0, market__price_creep=0.05)
    soft.run()
    hard = model("collaborative", procurement__contract_length_weeks=52,
                 procurement__review_rigour=1.0, procurement__review_threshold=1.0,
                 market__price_creep=0.05)
    hard.run()
    creep = [c.value / c.base_value for c in soft.contracts if c.active]
    assert min(creep) > 1.1  # three renewals at 5%
    assert max(c.value / c.base_value for c in hard.contracts if c.active) <= 1.0


def test_coordination_costs_are_paid():
    quiet = run("collaborative", seed=7, practice__learning_meeting_weeks=0,
                procurement__backbone_share=0.0)
    busy = run("collaborative", seed=7, procurement__backbone_share=0.05)
    assert busy.ledger["backbone"] > 0 and quiet.ledger["backbone"] == 0
    assert busy.ledger["commissioning"] > quiet.ledger["commissioning"]
    assert busy.timeseries["spend_commissioning"].sum() > 0
    # The backbone is paid from the budget: fewer posts are funded.
    assert busy.timeseries["practitioners_in_post"].iloc[0] < \
        quiet.timeseries["practitioners_in_post"].iloc[0]
    # Managers' time at meetings is charged to providers' learning spend.
    no_mgr = run("collaborative", seed=7, learning__manager_hours_per_meeting=0.0)
    assert busy.ledger["learning"] > no_mgr.ledger["learning"]


def test_learning_that_does_not_translate():
    lost = model("collaborative", learning__adoption_fidelity=0.0,
                 learning__practice_decay_per_year=0.0)
    lost.run()
    assert lost.tally.trials_started > 0
    assert lost.providers.practice == pytest.approx(1.0)  # grown, but nothing survived
    hopeful = run("collaborative", seed=8, learning__trial_optimism=0.5,
                  learning__trial_effect_mean=-0.1).summary
    sober = run("collaborative", seed=8, learning__trial_optimism=0.0,
                learning__trial_effect_mean=-0.1).summary
    assert hopeful["trials_grown"] > sober["trials_grown"]  # harmful ideas grown
    fading = model("collaborative", learning__practice_decay_per_year=1.0,
                   learning__trial_rate_per_year=0.0, practice__learning_meeting_weeks=0)
    fading.providers.practice[:] = 1.5
    for _ in range(52):
        fading.step()
    # A year at a rate of 1 a year leaves exp(-1) of the grown half.
    assert fading.providers.practice == pytest.approx(1 + 0.5 * (1 - 1 / 52) ** 52)


def test_disputes_collapse_trust_and_take_copied_practice():
    calm = model("collaborative", learning__dispute_per_year=0.0)
    calm.run()
    rows = model("collaborative", learning__dispute_per_year=1.0, learning__trust_collapse=0.9)
    rows.run()
    assert calm.tally.disputes_total == 0 and rows.tally.disputes_total > 0
    assert rows.recorder.levels["trust_mean"][-1] < calm.recorder.levels["trust_mean"][-1]
    assert rows.providers.spread_gain.sum() < calm.providers.spread_gain.sum()


# --- a tender nobody bids for ------------------------------------------------------------

def test_a_tender_nobody_bids_for_is_let_without_competition():
    """Bids cost more than any provider has: every tender draws no bid, and each lot is
    let directly (to its holder while open) instead of ending, so people keep their
    service. Until December 2026 such a lot ended for the rest of the run."""
    r = run(money__bid_cost_fixed=1e9, market__entry_per_tender=0.0)
    kinds = r.events["event"].astype(str)
    assert r.summary["direct_awards"] == r.summary["tenders_run"] > 0
    assert not (kinds == "lot_ended").any() and not (kinds == "service_ended").any()
    assert r.summary["spend_bidding_total"] == 0.0
    m = model(money__bid_cost_fixed=1e9, market__entry_per_tender=0.0)
    holders = [c.org for c in m.contracts]
    while m.running and m.tally.direct_awards_total == 0:
        m.step()
    assert m.tally.direct_awards_total > 0
    let = [c for c in m.contracts if c.lettings > 0]
    # The holder keeps its lot when it is still open, at the specified price and posts.
    for c in let:
        assert c.active and c.value == c.base_value
        if m.providers.active[holders[c.index]]:
            assert c.org == holders[c.index] and c.posts == c.base_posts


def test_a_lot_with_no_provider_left_ends_and_is_tendered_again():
    """With no open provider at all, a lot nobody bid for ends; ``relet_weeks`` later
    the commissioner tenders it again, and a provider open by then wins it and funds
    its posts again."""
    m = model(market__relet_weeks=13, market__entry_per_tender=0.0)
    for _ in range(5):
        m.step()
    prov, commissioning = m.providers, m.mechanisms["commissioning"]
    c = m.contracts[0]
    was_open = prov.active.copy()
    prov.active[:] = False
    commissioning.direct_award(m, c)
    assert not c.active and c.end == m.week + 13
    assert not (m.posts.contract == c.index).any()
    prov.active[:] = was_open
    prov.reserves[c.org] = 10**12  # its old holder can afford to bid again
    for _ in range(13):  # weeks 5 to 17
        m.step()
        assert not c.active  # not tendered before its week
    lettings = c.lettings
    m.step()  # week 18, its re-let week
    assert c.active and c.lettings == lettings + 1 and c.end > m.week
    assert np.count_nonzero(m.posts.contract == c.index) == c.posts > 0


# --- the contract book's views ---------------------------------------------------------

def test_contract_views_follow_every_change_to_the_contracts():
    """The weekly step reads contracts through array views rebuilt only when the book's
    version moves (Contracts.changed). A change made without moving it would leave a
    stale view and a silently wrong week; after every mechanism of every week of runs
    that tender, re-let, renew with creeping prices, move posts between lots, close
    providers and switch regime, each view must equal the contracts it shows."""
    from hls_sim import mechanisms

    views = {"org": "org", "active": "active", "end_week": "end", "lettings": "lettings",
             "locality": "locality", "moved_week": "moved_week", "value": "value",
             "funded_posts": "posts", "priced_rate": "priced_rate"}
    checked = []

    class CheckViews(mechanisms.Mechanism):
        def __init__(self, after: str):
            super().__init__()
            self.name = f"check_after_{after}"

        def step(self, model):
            book = model.contracts
            for view, attr in views.items():
                want = np.array([getattr(c, attr) for c in book])
                assert np.array_equal(getattr(book, view), want), (model.week, self.name, view)
            assert np.array_equal(book.domains, np.array([c.domains for c in book])), \
                (model.week, self.name, "domains")
            checked.append(model.week)

    for regime, over in (
            ("competitive", {"procurement__contract_length_weeks": 52,
                             "procurement__savings_use": "reinvest",
                             "money__budget_per_week": 20_000.0}),
            ("collaborative", {"procurement__contract_length_weeks": 52,
                               "procurement__review_rigour": 0.0, "market__price_creep": 0.05,
                               "procurement__budget_flexibility": 0.2}),
            ("collaborative", {"procurement__contract_length_weeks": 52, "switch_week": 60,
                               "switch_to": "competitive"})):
        plan = mechanisms.default_mechanisms()
        for name in [m.name for m in plan]:
            plan = mechanisms.insert_after(plan, name, CheckViews(name))
        m = HLSModel({"regime": regime, **PLACE, "place.n_weeks": 120,
                      **{k.replace("__", "."): v for k, v in over.items()}}, seed=3,
                     mechanisms=plan)
        m.run()
        assert sum(c.lettings for c in m.contracts) > 0  # lots were re-let
    assert len(checked) == 3 * 120 * len(mechanisms.DEFAULT_PLAN)
