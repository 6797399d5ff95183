"""Providers as a market (issue 13): what competition can do, and what its absence
can let happen.

* :class:`ProviderQuality`: organisations differ in a persistent quality of practice
  (``market.quality_sd``), drawn once per organisation from an exogenous stream (the
  same organisation has the same quality in every world; new entrants draw theirs).
* :class:`EffortAndDrift`: effort and practice erode where nothing tests them: no
  tender in prospect, soft reviews (``market.drift_per_year``); a tender in prospect
  raises effort (``market.contestability_effort``, applied in support); grown practice
  fades back towards the ordinary (``learning.practice_decay_per_year``).
* :class:`Disputes`: a partnership can fall out (``learning.dispute_per_year``, and after
  a partner's failure), losing trust and the practice partners copied from each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..contracts import tendered_next
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


class ProviderQuality(Mechanism):
    """Each organisation's persistent quality of practice: a multiplier on progress,
    log-normal with mean 1 and spread ``market.quality_sd``."""

    name = "provider_quality"
    group = "market"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        prov, sd = model.providers, model.params.market.quality_sd
        z = self.stream(model, "quality").normal(0, np.arange(prov.n))
        sigma = np.sqrt(np.log1p(sd * sd))  # log-normal with mean 1 and this sd
        prov.quality[:] = np.exp(sigma * z - sigma * sigma / 2)


def contestable(model: HLSModel) -> np.ndarray:
    """Per contract: whether its next letting is a tender (the prospect of losing it)."""
    return np.asarray(tendered_next(model.procurement.award, model.contracts.lettings), bool)


_NONE_BOOL = np.zeros(0, bool)
_NONE_INT = np.zeros(0, np.int32)


class EffortAndDrift(Mechanism):
    """Effort erodes where nothing tests it; grown practice fades.

    An organisation holding any lot whose next letting is a tender is tested: its effort
    holds. Otherwise it loses ``market.drift_per_year`` of its effort a year (tenders,
    rigorous reviews and learning meetings restore it: see commissioning and learning
    meetings). Grown practice fades back towards 1 at ``learning.practice_decay_per_year``.
    """

    name = "effort_and_drift"
    group = "market"

    def step(self, model: HLSModel) -> None:
        prov, contracts = model.providers, model.contracts
        drift = model.params.market.drift_per_year / 52.0
        if model.kernels is not None:
            empty = len(contracts) == 0
            model.kernels.effort_and_drift(
                float(drift), _NONE_BOOL if empty else contracts.active,
                _NONE_INT if empty else contracts.lettings,
                model.kernels.award_code(model.procurement.award),
                _NONE_INT if empty else contracts.org, prov.active, prov.effort,
                float(model.params.learning.practice_decay_per_year / 52.0), prov.practice,
                prov.spread_gain)
            return
        if drift > 0 and len(contracts):
            tested = np.zeros(prov.n, bool)
            live = contracts.active & contestable(model)
            tested[contracts.org[live]] = True
            untested = prov.active & ~tested
            prov.effort[untested] *= 1.0 - drift
        decay = model.params.learning.practice_decay_per_year / 52.0
        if decay > 0:
            prov.practice -= decay * (prov.practice - 1.0)
            prov.spread_gain *= 1.0 - decay


class Disputes(Mechanism):
    """A partnership falls out: trust between partners collapses and the practice they
    copied from each other goes with it.

    Only where partners meet to learn (learning meetings) is there a partnership to
    fall out. The chance is ``learning.dispute_per_year`` a year, and a partner failing
    (closing, or losing a review) is answered by a dispute with probability
    ``learning.dispute_on_failure``.
    """

    name = "disputes"
    group = "learning"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        self.luck = self.stream(model, "dispute")

    def step(self, model: HLSModel) -> None:
        lp, place, prov, t = model.params.learning, model.place, model.providers, model.week
        failures, place.partner_failures = place.partner_failures, 0
        if model.practice.learning_meeting_weeks <= 0:
            return
        # The week's draw first (a draw depends only on the week, so drawing it before
        # or after looking at the partners changes nothing): most weeks it says no
        # dispute, and the partners need not be gathered.
        p = 1.0 - (1.0 - lp.dispute_per_year / 52.0) * (1.0 - lp.dispute_on_failure) ** failures
        if self.luck.one(t) >= p:
            return
        members = np.array(sorted({c.org for c in model.contracts if c.active}), int)
        if members.size < 2:
            return
        sub = np.ix_(members, members)
        prov.trust[sub] *= 1.0 - lp.trust_collapse
        np.fill_diagonal(prov.trust, 1.0)
        lost = lp.trust_collapse * prov.spread_gain[members]
        prov.practice[members] -= lost
        prov.spread_gain[members] -= lost
        model.tally.disputes_total += 1
        model.log.org_event(t, "partnership_dispute", -1,
                            "the partnership fell out: trust between partners collapsed and "
                            "practice they had shared was lost")
