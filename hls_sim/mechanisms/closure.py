"""Mechanisms 3, 6 and 7: closure of episodes on the contract's measure or time limit,
what is reported against what is true, and referral on (hand-offs) for needs the
contract does not cover, cold or warm depending on trust between organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..state import CLOSED, DISENGAGED, IN_SUPPORT, row_max
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


def gaming_pressure(model: HLSModel) -> float:
    """How much rides on a reported success (0-1): pay on results or activity, and
    reported performance scoring the next tender (assumption, brief mechanism 7)."""
    lv, sp = model.levers, model.params.support
    tender_weight = sp.gaming_weight_tender * lv.reporting_burden * (1 - lv.price_weight) \
        if lv.award == "price_quality" else 0.0
    return float(min(1.0, lv.results_share + sp.gaming_weight_activity * lv.activity_share
                     + tender_weight))


class Closure(Mechanism):
    """Episodes close when the contract's measure is met, time runs out or the person
    drops out; what is reported may differ from what is true; needs outside the
    contract's scope are handed on."""

    name = "closure"
    group = "support"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        self.dropout = self.stream(model, "dropout")
        self.gaming = self.stream(model, "gaming")
        self.handoff_loss = self.stream(model, "handoff_loss")

    def step(self, model: HLSModel) -> None:
        people, sp, t, tally = model.people, model.params.support, model.week, model.tally
        n = model.n_arrived
        who = np.flatnonzero(people.status[:n] == IN_SUPPORT)
        if who.size == 0:
            return
        contract = people.contract[who]
        scope = model.contracts.domains[contract]
        needs = people.needs[who]
        met = row_max(np.where(scope, needs, 0.0)) < sp.success_threshold
        timeout = (t - people.episode_start[who]) >= model.levers.episode_limit_weeks
        dropout = (people.engagement[who] < model.params.people.dropout_engagement) & \
            (self.dropout.random(t, who) < sp.dropout_close_chance)
        closing = met | timeout | dropout
        if not closing.any():
            return
        who, contract, scope, needs = who[closing], contract[closing], scope[closing], \
            needs[closing]
        met, dropout = met[closing], dropout[closing]
        org = model.contracts.org[contract]

        # Reported against true success.
        gamed = ~met & ~dropout & (self.gaming.random(t, who) <
                                   sp.gaming_propensity * gaming_pressure(model))
        reported = (met & ~dropout) | gamed
        true = (people.wellbeing(who) - people.episode_wellbeing[who]) >= sp.true_gain_threshold
        tally.closures, tally.reported = int(who.size), int(reported.sum())
        tally.true = int(true.sum())
        model.performance.record(contract, org, reported)
        for kind, mask in (("closed_measure_met", met & ~dropout), ("closed_time_limit",
                           ~met & ~dropout & ~gamed), ("closed_recorded_success", gamed),
                           ("dropped_out", dropout)):
            if mask.any():
                model.log.people_event(t, kind, who[mask], org=org[mask],
                                       practitioner=people.practitioner[who[mask]])
        ops.end_support(model, who)

        # Referral on: a severe need outside the contract's scope goes to another service.
        onward = np.zeros(who.size, bool)
        lost_any = np.zeros(who.size, bool)
        outside = np.where(scope, 0.0, needs)
        cand = np.flatnonzero(~dropout & (row_max(outside) >= sp.refer_on_threshold))
        if cand.size:
            target = ops.best_contract(model, people.locality[who[cand]],
                                       outside[cand].argmax(axis=1))
            cand, target = cand[target >= 0], target[target >= 0]
            persons, from_org, to_org = who[cand], org[cand], model.contracts.org[target]
            trust_matrix = model.providers.trust
            trust = trust_matrix[from_org, to_org]
            warm = trust >= sp.warm_trust
            lost = self.handoff_loss.random(t, persons) < sp.handoff_loss * (1 - trust) * \
                np.where(warm, sp.warm_handoff_loss_factor, 1)
            people.engagement[persons] = np.maximum(
                0.0, people.engagement[persons] - sp.handoff_engagement_loss *
                np.where(warm, sp.warm_handoff_engagement_factor, 1))
            people.handoffs[persons] += 1
            kept = ~lost
            ops.refer(model, persons[kept], via="hand-off", contract=target[kept])
            gain = model.params.learning.trust_handoff_gain
            for a, b in ((from_org[kept], to_org[kept]), (to_org[kept], from_org[kept])):
                np.add.at(trust_matrix, (a, b), gain * (1 - trust_matrix[a, b]))  # mutual
            np.clip(trust_matrix, 0.0, 1.0, out=trust_matrix)
            for kind, mask in (("warm_handoff", kept & warm), ("cold_handoff", kept & ~warm),
                               ("lost_in_handoff", lost)):
                if mask.any():
                    model.log.people_event(t, kind, persons[mask], org=to_org[mask])
            onward[cand[kept]] = True
            lost_any[cand[lost]] = True
        rest = ~onward
        people.status[who[rest]] = np.where((dropout | lost_any)[rest], DISENGAGED, CLOSED)
        people.closed_week[who[rest]] = t
        tally.closed_by_week[t] += int(rest.sum())
