"""Mechanisms 10 and 11: learning at the scale of the place, and trust between
organisations.

Practitioners learn from practice (the support mechanism). Organisations learn by test
and learn (the provider mechanism). A place learns at learning meetings, where shared
knowledge lifts practitioners, grown practice spreads between partners who trust each
other, trust grows, and barriers in the system come to light and are changed (seed
000's transport example). Learning held only inside an organisation is lost when it
closes; place learning fades without renewal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


def is_meeting_week(model: HLSModel) -> bool:
    k = model.practice.learning_meeting_weeks
    return k > 0 and model.week > 0 and model.week % k == 0


class LearningMeetings(Mechanism):
    """Partners meet to learn together; the commissioner convenes, as system steward."""

    name = "learning_meetings"
    group = "learning"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        self.barrier_found = self.stream(model, "barrier_found")

    def step(self, model: HLSModel) -> None:
        place = model.place
        place.meeting_this_week = is_meeting_week(model)
        if not place.meeting_this_week:
            return
        if model.kernels is not None:
            self.meet_compiled(model)
            return
        lp, posts, prov = model.params.learning, model.posts, model.providers
        members = np.array(sorted({c.org for c in model.contracts if c.active}), int)
        if members.size == 0:
            return
        sub = np.ix_(members, members)
        trust = prov.trust[sub]
        mean_trust = (trust.sum() - members.size) / max(members.size * (members.size - 1), 1)
        learning = place.system_learning
        w = lp.meeting_trust_weight
        place.system_learning = learning + lp.meeting_learning_gain * (1 - learning) * (
            (1 - w) + w * mean_trust)
        prov.trust[sub] = trust + lp.trust_meeting_gain * (1 - trust)
        place.meetings_held += 1
        # Meetings cost managers' and the commissioner's time, and hold partners to
        # account: some of the effort lost to drift is restored (peer challenge).
        mp = model.params.money
        prov.week_learning_cost[members] += int(round(lp.manager_hours_per_meeting *
                                                      mp.manager_cost_per_hour * 100))
        ops.commissioner_hours(model, lp.commissioner_hours_per_meeting)
        challenge = model.params.market.meeting_challenge
        prov.effort[members] += challenge * (1.0 - prov.effort[members])

        # Shared knowledge pulls every practitioner towards the place's best practice.
        filled = np.flatnonzero(posts.filled)
        if filled.size:
            best = ops.best_practice(model)
            gap = np.clip(best - posts.skill[filled], 0, None)
            posts.skill[filled] += lp.reflection_learning * place.system_learning * gap

        # Grown practice spreads to partners, in proportion to trust, and only in part
        # (an idea loses something when another organisation takes it up).
        practice = prov.practice[members]
        best_org = practice.argmax(axis=0)
        for d in range(practice.shape[1]):
            lead = best_org[d]
            gain = np.clip(lp.spread_rate * lp.adoption_fidelity * trust[:, lead] *
                           (practice[lead, d] - practice[:, d]), 0, None)
            prov.practice[members, d] = practice[:, d] + gain
            prov.spread_gain[members, d] += gain

        self.surface_barriers(model)

    def meet_compiled(self, model: HLSModel) -> None:
        """The same meeting with the compiled kernels (bit-identical):
        ``kernels.learning_meeting`` does its arithmetic in one call (about 190 us of
        numpy on small arrays a meeting before)."""
        lp, posts, prov, place = model.params.learning, model.posts, model.providers, \
            model.place
        mp, contracts = model.params.money, model.contracts
        if not len(contracts):
            return
        n_partners, place.system_learning = model.kernels.learning_meeting(
            contracts.org, contracts.active, prov.trust, float(place.system_learning),
            float(lp.meeting_learning_gain), float(lp.meeting_trust_weight),
            float(lp.trust_meeting_gain), prov.week_learning_cost,
            int(round(lp.manager_hours_per_meeting * mp.manager_cost_per_hour * 100)),
            prov.effort, float(model.params.market.meeting_challenge), posts.skill,
            posts.filled, float(lp.best_practice_quantile), float(lp.reflection_learning),
            prov.practice, prov.spread_gain, float(lp.spread_rate * lp.adoption_fidelity))
        if n_partners == 0:
            return
        place.meetings_held += 1
        ops.commissioner_hours(model, lp.commissioner_hours_per_meeting)
        self.surface_barriers(model)

    def surface_barriers(self, model: HLSModel) -> None:
        """Learning surfaces barriers the commissioner can change (system stewardship)."""
        place, lp = model.place, model.params.learning
        if (place.transport_barrier_remaining > lp.barrier_floor and
                self.barrier_found.one(model.week) < lp.barrier_detection * place.system_learning):
            place.transport_barrier_remaining *= 1 - lp.barrier_removal
            model.log.org_event(model.week, "system_change", -1,
                                "learning meeting surfaced transport as a barrier; the "
                                "commissioner changed it (barrier now "
                                f"{place.transport_barrier_remaining:.0%} of its old effect)")


class Forgetting(Mechanism):
    """Place learning fades without renewal."""

    name = "forgetting"
    group = "learning"

    def step(self, model: HLSModel) -> None:
        model.place.system_learning *= 1.0 - model.params.learning.system_learning_decay
