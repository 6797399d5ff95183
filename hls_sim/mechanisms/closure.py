"""Mechanisms 3, 6 and 7: closure of episodes on the contract's measure or time limit,
what is reported against what is true, and referral on (hand-offs) for needs the
contract does not cover, cold or warm depending on trust between organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..events import keeps_events
from ..state import CLOSED, DISENGAGED, IN_SUPPORT, row_max
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


def gaming_pressure(model: HLSModel) -> float:
    """How much rides on a reported success (0-1): pay on results or activity, and
    reported performance scoring the next tender (assumption, brief mechanism 7)."""
    sp = model.params.support
    tender_weight = sp.gaming_weight_tender * model.practice.reporting_burden * (1 - model.procurement.price_weight) \
        if model.procurement.award == "price_quality" else 0.0
    return float(min(1.0, model.procurement.results_share + sp.gaming_weight_activity * model.procurement.activity_share
                     + tender_weight))


CLOSURE_KINDS = ("closed_measure_met", "closed_time_limit", "closed_recorded_success",
                 "dropped_out")
HANDOFF_KINDS = ("warm_handoff", "cold_handoff", "lost_in_handoff")


def closure_kind(met: np.ndarray, dropout: np.ndarray, gamed: np.ndarray) -> np.ndarray:
    """Each closure's place in :data:`CLOSURE_KINDS`: measure met (and not dropped
    out), time limit, recorded as a success though not met (gamed), dropped out. Gamed
    closures are neither met nor dropouts, so every closure is exactly one kind."""
    return np.where(dropout, 3, np.where(gamed, 2, np.where(met, 0, 1)))


def handoff_kind(warm: np.ndarray, lost: np.ndarray) -> np.ndarray:
    """Each hand-off's place in :data:`HANDOFF_KINDS`: kept warm, kept cold, lost."""
    return np.where(lost, 2, np.where(warm, 0, 1))


def log_by_kind(model: HLSModel, kinds: tuple[str, ...], code: np.ndarray,
                persons: np.ndarray, org: np.ndarray,
                practitioner: np.ndarray | None = None) -> None:
    """One log call for rows of several kinds: grouped by kind in the order of
    ``kinds``, each kind's rows in the order given (as one entry per kind would log
    them)."""
    order = np.argsort(code, kind="stable")
    model.log.people_events(model.week, kinds, np.bincount(code, minlength=len(kinds)),
                            persons[order], org=org[order],
                            practitioner=None if practitioner is None else practitioner[order])


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
        if model.kernels is not None:
            self.step_compiled(model)
            return
        who = np.flatnonzero(people.status[:n] == IN_SUPPORT)
        if who.size == 0:
            return
        contract = people.contract[who]
        scope = model.contracts.domains[contract]
        needs = people.needs[who]
        met = row_max(np.where(scope, needs, 0.0)) < sp.success_threshold
        timeout = (t - people.episode_start[who]) >= model.practice.episode_limit_weeks
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
        tally.closures, tally.reported = int(who.size), int(reported.sum())
        tally.verified = int((met & ~dropout).sum())
        model.performance.record(contract, org, reported)
        if keeps_events(model.log):
            log_by_kind(model, CLOSURE_KINDS, closure_kind(met, dropout, gamed), who, org,
                        people.practitioner[who])
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
            if keeps_events(model.log):
                log_by_kind(model, HANDOFF_KINDS, handoff_kind(warm, lost), persons, to_org)
            onward[cand[kept]] = True
            lost_any[cand[lost]] = True
        rest = ~onward
        people.status[who[rest]] = np.where((dropout | lost_any)[rest], DISENGAGED, CLOSED)
        people.closed_week[who[rest]] = t
        tally.closed_by_week[t] += int(rest.sum())

    def step_compiled(self, model: HLSModel) -> None:
        """The same step with the compiled kernels (bit-identical): the week's closures,
        hand-offs and referrals on in one call (``kernels.closure_week``), then the
        tallies and the event log."""
        people, sp, t, tally, K = model.people, model.params.support, model.week, \
            model.tally, model.kernels
        contracts = model.contracts
        if len(contracts) == 0:
            return  # nobody can be in support where nothing is commissioned
        perf, posts, lp = model.performance, model.posts, model.params.learning
        routes, routes_valid = ops.routes_for_week(model)
        log = model.log
        closures, n_reported, n_verified, n_referred, routes_made, closed = \
            K.closure_week(
                people.status, model.n_arrived, people.contract, contracts.domains,
                people.needs, float(sp.success_threshold), people.episode_start, t,
                int(model.practice.episode_limit_weeks), people.engagement,
                float(model.params.people.dropout_engagement), self.dropout.week_base(t),
                float(sp.dropout_close_chance), self.gaming.week_base(t),
                float(sp.gaming_propensity * gaming_pressure(model)), contracts.org,
                float(perf.decay), perf.c_closures, perf.c_reported, perf.o_closures,
                perf.o_reported, people.practitioner, posts.caseload, people.relationship,
                people.run_weeks, float(sp.refer_on_threshold), people.locality, routes,
                routes_valid, posts.contract, posts.filled, model.caseload_cap,
                contracts.cover, model.providers.trust, float(sp.warm_trust),
                self.handoff_loss.week_base(t), float(sp.handoff_loss),
                float(sp.warm_handoff_loss_factor), float(sp.handoff_engagement_loss),
                float(sp.warm_handoff_engagement_factor), people.handoffs,
                float(lp.trust_handoff_gain), ops.REREFERRAL_WINDOW, people.wait_since,
                people.priority, people.referrals, people.closed_week, people.rereferrals,
                tally.rereferred_by_closure_week, log.room(3 * model.n_arrived), log.at,
                log.detail("hand-off"))
        if routes_made:
            ops.keep_routes(model, routes)
        if closures == 0:
            return
        tally.closures, tally.reported, tally.verified = int(closures), int(n_reported), \
            int(n_verified)
        tally.referrals += n_referred
        tally.closed_by_week[t] += closed
