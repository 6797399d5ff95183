"""The week plan: mechanisms written outside the package plug in without touching the
model, and per-decision random numbers keep worlds aligned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hls_sim
from hls_sim import mechanisms, operations
from hls_sim.mechanisms import Mechanism
from hls_sim.state import SEEKING
from hls_sim.streams import Stream

from .conftest import small


class Outreach(Mechanism):
    """A mechanism from outside the package: an outreach worker finds up to ``per_week``
    people who are seeking help and refers them straight away (no barrier)."""

    name = "outreach"
    result_names = ("outreach_referrals",)

    def __init__(self, per_week: int = 5):
        super().__init__()
        self.per_week = per_week

    def init(self, model):
        super().init(model)
        self.luck = self.stream(model, "who")

    def step(self, model):
        seeking = np.flatnonzero(model.people.status[: model.n_arrived] == SEEKING)
        # Those with the lowest draws this week are found first (same luck in every world).
        found = seeking[np.argsort(self.luck.random(model.week, seeking))[: self.per_week]]
        self.found = found.size
        operations.refer(model, found, via="outreach")

    def record(self, model):
        self.results["outreach_referrals"][model.week] = self.found


class Idle(Mechanism):
    """Draws random numbers every week and changes nothing."""

    name = "idle"

    def init(self, model):
        super().init(model)
        self.luck = self.stream(model, "nothing")

    def step(self, model):
        self.luck.random(model.week, np.arange(model.n_arrived))
        model.rng.random(100)  # even Mesa's own generator: the model never reads it


def test_a_mechanism_from_outside_the_package_runs_in_the_week_plan():
    plan = mechanisms.insert_after(mechanisms.default_mechanisms(), "access", Outreach(5))
    model = hls_sim.HLSModel(small("competitive"), seed=4, mechanisms=plan)
    assert [m.name for m in model.plan].index("outreach") == \
        [m.name for m in model.plan].index("access") + 1
    model.run()
    res = hls_sim.Result.from_model(model)
    assert "outreach_referrals" in res.timeseries
    assert res.timeseries["outreach_referrals"].sum() > 0
    base = hls_sim.run(small("competitive"), seed=4)
    assert res.summary["never_reached_share"] < base.summary["never_reached_share"]
    assert (res.events["detail"] == "outreach").any()


def test_a_mechanism_that_only_draws_random_numbers_changes_nothing():
    plan = mechanisms.insert_after(mechanisms.default_mechanisms(), "support", Idle())
    with_idle = hls_sim.Result.from_model(
        hls_sim.HLSModel(small("collaborative"), seed=8, mechanisms=plan).run())
    without = hls_sim.run(small("collaborative"), seed=8)
    pd.testing.assert_frame_equal(with_idle.timeseries, without.timeseries)
    pd.testing.assert_frame_equal(with_idle.people, without.people)
    assert with_idle.summary == pytest.approx(without.summary, nan_ok=True)


def test_replacing_a_mechanism():
    class NoCrises(Mechanism):
        name = "crises"

    plan = mechanisms.replace(mechanisms.default_mechanisms(), "crises", NoCrises())
    res = hls_sim.Result.from_model(hls_sim.HLSModel(small(), seed=2, mechanisms=plan).run())
    assert res.summary["crises_total"] == 0
    assert hls_sim.run(small(), seed=2).summary["crises_total"] > 0


def test_week_plan_errors_are_one_line():
    with pytest.raises(ValueError, match="no mechanism named .crisis.*allowed: provider_quality, commissioning"):
        mechanisms.remove(mechanisms.default_mechanisms(), "crisis")
    plan = mechanisms.default_mechanisms() + [Idle(), Idle()]
    with pytest.raises(hls_sim.ParameterError, match="mechanism names must be unique"):
        hls_sim.HLSModel(small(), seed=1, mechanisms=plan)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**63), week=st.integers(0, 5200),
       slots=st.lists(st.integers(0, 10**7), min_size=1, max_size=50, unique=True),
       sub=st.integers(0, 1000))
def test_a_draw_depends_only_on_seed_decision_week_and_slot(seed, week, slots, sub):
    s = np.array(slots)
    a = Stream(seed, "crises.crisis").random(week, s, sub)
    assert ((a >= 0) & (a < 1)).all()
    # The same slot gives the same number asked alone, in another order, or in another
    # world's stream object for the same decision.
    for i, slot in enumerate(slots[:5]):
        assert Stream(seed, "crises.crisis").random(week, np.array([slot]), sub)[0] == a[i]
    rev = Stream(seed, "crises.crisis").random(week, s[::-1], sub)[::-1]
    assert (rev == a).all()
    # Another decision, week or seed gives other numbers.
    assert not (Stream(seed, "exits.exit").random(week, s, sub) == a).all()
    assert not (Stream(seed, "crises.crisis").random(week + 1, s, sub) == a).all()


def test_uniform_and_normal_draws_have_the_right_distribution():
    from scipy import stats

    s = Stream(11, "test.dist")
    u = s.random(3, np.arange(200_000))
    assert stats.kstest(u, "uniform").pvalue > 0.001
    z = s.normal(3, np.arange(200_000))
    assert stats.kstest(z, "norm").pvalue > 0.001
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def test_the_extending_guide_runs():
    """docs/extending.md's Python blocks run as written."""
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "extending.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/extending.md", "exec"), namespace)
    assert namespace["with_outreach"].timeseries["outreach_referrals"].sum() > 0


class TrustSurvey(Mechanism):
    """Provides a level the Recorder also computes (``trust_mean``), in even weeks only:
    its own figure wins there (a mechanism's results are written after the Recorder's),
    and the Recorder's stands in the other weeks."""

    name = "trust_survey"
    result_names = ("trust_mean",)

    def record(self, model):
        if model.week % 2 == 0:
            self.results["trust_mean"][model.week] = 0.5


def test_a_mechanism_can_provide_a_level_the_recorder_computes():
    """The Recorder writes its levels as one column of one array when it owns them all,
    and one by one when a mechanism provides one of them; both give the same table."""
    plan = mechanisms.insert_after(mechanisms.default_mechanisms(), "money", TrustSurvey())
    res = hls_sim.Result.from_model(
        hls_sim.HLSModel(small("competitive"), seed=5, mechanisms=plan).run())
    base = hls_sim.run(small("competitive"), seed=5)
    trust, expected = res.timeseries["trust_mean"], base.timeseries["trust_mean"]
    assert (trust[::2] == 0.5).all()
    pd.testing.assert_series_equal(trust[1::2], expected[1::2])
    pd.testing.assert_frame_equal(res.timeseries.drop(columns="trust_mean"),
                                  base.timeseries.drop(columns="trust_mean"))


def test_every_weekly_record_is_called_even_one_set_on_an_instance():
    """The model calls only the ``record`` methods that do something each week; one
    given to a mechanism instance after it was made counts too."""
    idle, weeks = Idle(), []
    idle.record = lambda model: weeks.append(model.week)
    plan = mechanisms.insert_after(mechanisms.default_mechanisms(), "support", idle)
    model = hls_sim.HLSModel(small("competitive"), seed=1, mechanisms=plan).run()
    assert weeks == list(range(model.params.place.n_weeks))
