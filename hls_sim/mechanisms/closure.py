"""Mechanisms 3, 6 and 7: closure of episodes on the contract's measure or time limit,
what is reported against what is true, and referral on (hand-offs) for needs the
contract does not cover, cold or warm depending on trust between organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import CLOSED, DISENGAGED, IN_SUPPORT, row_max

if TYPE_CHECKING:
    from ..model import HLSModel


def gaming_pressure(model: HLSModel) -> float:
    """How much rides on a reported success (0-1): pay on results or activity, and
    reported performance scoring the next tender (assumption, brief mechanism 7)."""
    lv = model.levers
    tender_weight = 0.25 * lv.reporting_burden * (1 - lv.price_weight) \
        if lv.award == "price_quality" else 0.0
    return float(min(1.0, lv.results_share + 0.5 * lv.activity_share + tender_weight))


def close_episodes(model: HLSModel) -> None:
    people, sp, t = model.people, model.params.support, model.week
    n = model.n_arrived
    who = np.flatnonzero(people.status[:n] == IN_SUPPORT)
    model.week_closures = model.week_reported = model.week_true = 0
    if who.size == 0:
        return
    contract = people.contract[who]
    scope = model.c_domains[contract]
    needs = people.needs[who]
    met = row_max(np.where(scope, needs, 0.0)) < sp.success_threshold
    timeout = (t - people.episode_start[who]) >= model.levers.episode_limit_weeks
    dropout = (people.engagement[who] < model.params.people.dropout_engagement) & \
        (model.rng.random(who.size) < 0.5)
    closing = met | timeout | dropout
    if not closing.any():
        return
    who, contract, scope, needs = who[closing], contract[closing], scope[closing], needs[closing]
    met, dropout = met[closing], dropout[closing]
    org = model.c_org[contract]

    # Reported against true success.
    gamed = ~met & ~dropout & (model.rng.random(who.size) <
                               sp.gaming_propensity * gaming_pressure(model))
    reported = (met & ~dropout) | gamed
    true = (people.wellbeing(who) - people.episode_wellbeing[who]) >= sp.true_gain_threshold
    model.week_closures, model.week_reported = int(who.size), int(reported.sum())
    model.week_true = int(true.sum())
    model.record_closure_outcomes(contract, org, reported)
    for kind, mask in (("closed_measure_met", met & ~dropout), ("closed_time_limit",
                       ~met & ~dropout & ~gamed), ("closed_recorded_success", gamed),
                       ("dropped_out", dropout)):
        if mask.any():
            model.log.people_event(t, kind, who[mask], org=org[mask],
                                   practitioner=people.practitioner[who[mask]])
    model.end_support(who)

    # Referral on: a severe need outside the contract's scope goes to another service.
    onward = np.zeros(who.size, bool)
    lost_any = np.zeros(who.size, bool)
    outside = np.where(scope, 0.0, needs)
    cand = np.flatnonzero(~dropout & (row_max(outside) >= sp.refer_on_threshold))
    if cand.size:
        target = model.best_contract(people.locality[who[cand]], outside[cand].argmax(axis=1))
        cand, target = cand[target >= 0], target[target >= 0]
        persons, from_org, to_org = who[cand], org[cand], model.c_org[target]
        trust = model.trust[from_org, to_org]
        warm = trust >= sp.warm_trust
        lost = model.rng.random(cand.size) < sp.handoff_loss * (1 - trust) * np.where(warm, 0.5, 1)
        people.engagement[persons] = np.maximum(
            0.0, people.engagement[persons] - sp.handoff_engagement_loss * np.where(warm, 0.25, 1))
        people.handoffs[persons] += 1
        kept = ~lost
        model.refer(persons[kept], via="hand-off", contract=target[kept])
        gain = model.params.learning.trust_handoff_gain
        for a, b in ((from_org[kept], to_org[kept]), (to_org[kept], from_org[kept])):
            np.add.at(model.trust, (a, b), gain * (1 - model.trust[a, b]))  # trust is mutual
        np.clip(model.trust, 0.0, 1.0, out=model.trust)
        for kind, mask in (("warm_handoff", kept & warm), ("cold_handoff", kept & ~warm),
                           ("lost_in_handoff", lost)):
            if mask.any():
                model.log.people_event(t, kind, persons[mask], org=to_org[mask])
        onward[cand[kept]] = True
        lost_any[cand[lost]] = True
    rest = ~onward
    people.status[who[rest]] = np.where((dropout | lost_any)[rest], DISENGAGED, CLOSED)
    people.closed_week[who[rest]] = t
    model.closed_by_week[t] += int(rest.sum())
