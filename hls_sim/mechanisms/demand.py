"""Mechanism 1, demand: arrivals, life shocks, drift and spill-over of untreated needs,
crises, and leaving the place."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..params import DOMAINS, N_DOMAINS
from ..state import (
    EXITED,
    IS_NOT_IN_SUPPORT,
    IS_PRESENT,
    IS_REACHABLE_IN_CRISIS,
    SEEKING,
    SPILLOVER,
    power,
    row_max,
)
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel

SPILLOVER_T = np.ascontiguousarray(SPILLOVER.T)


def spill_weights(model: HLSModel) -> np.ndarray:
    """Spill-over per week between domains (row: need that pushes, column: need
    pushed), for the compiled kernels; the same numbers ``untreated_change`` uses.
    Made again only when ``people.spillover_per_week`` changes (not twice a week); the
    kernels only read it. One value is kept: a design that varies the rate run after
    run makes it once a run and keeps nothing more."""
    global _SPILL
    rate = model.params.people.spillover_per_week
    if _SPILL[0] != rate:
        _SPILL = (rate, rate * SPILLOVER_T)
    return _SPILL[1]


_SPILL: tuple[float | None, np.ndarray | None] = (None, None)  # (rate, weights)


def untreated_change(needs: np.ndarray, model: HLSModel) -> np.ndarray:
    """Weekly change in needs nobody works on: drift of significant needs, spill-over
    from related needs, minus ordinary recovery (severity per week)."""
    pp = model.params.people
    sig = needs > pp.need_threshold
    # Written as in-place updates of one array: this runs over every person each week.
    # The spill-over is a matrix product written out in a fixed order (term k = 0, 1,
    # ...), not left to BLAS, so the compiled kernels reproduce it bit for bit.
    spill = np.multiply(needs, sig)
    weights = pp.spillover_per_week * SPILLOVER_T
    out = spill[:, 0:1] * weights[0]
    for k in range(1, weights.shape[0]):
        out += spill[:, k:k + 1] * weights[k]
    out += pp.drift_per_week * sig
    out -= pp.natural_recovery_per_week * needs
    return out


class Arrivals(Mechanism):
    """People whose arrival week has come start seeking help (the same people, in the
    same week, in every regime)."""

    name = "arrivals"
    group = "place"

    def step(self, model: HLSModel) -> None:
        people, t = model.people, model.week
        lo, hi = people.arrival_starts[t], people.arrival_starts[t + 1]
        if hi <= lo:
            return
        people.status[lo:hi] = SEEKING
        people.wait_since[lo:hi] = t
        model.n_arrived = hi  # their Person agents are made when first looked at
        model.log.people_event(t, "arrived", np.arange(lo, hi))


class LifeShocks(Mechanism):
    """Pre-drawn life shocks (eviction, bereavement, job loss) hit whoever is still in
    the place."""

    name = "life_shocks"
    group = "people"

    def step(self, model: HLSModel) -> None:
        who, domain = model.people.shocks.in_week(model.week)
        if who.size == 0:
            return
        if model.kernels is not None:
            model.kernels.life_shocks(who, domain, model.people.status, model.people.needs,
                                      float(model.params.people.shock_size))
            return
        present = IS_PRESENT[model.people.status[who]]
        who, domain = who[present], domain[present]
        needs = model.people.needs
        needs[who, domain] = np.minimum(1.0, needs[who, domain] + model.params.people.shock_size)


class NeedDrift(Mechanism):
    """Needs of people not in support drift, spill over and recover a little."""

    name = "need_drift"
    group = "people"

    def step(self, model: HLSModel) -> None:
        people = model.people
        if model.kernels is not None:
            pp = model.params.people
            model.kernels.need_drift(people.status, people.needs, model.n_arrived,
                                     float(pp.need_threshold), spill_weights(model),
                                     float(pp.drift_per_week),
                                     float(pp.natural_recovery_per_week))
            return
        idx = np.flatnonzero(IS_NOT_IN_SUPPORT[people.status[: model.n_arrived]])
        if idx.size:
            needs = people.needs[idx]
            people.needs[idx] = np.clip(needs + untreated_change(needs, model), 0.0, 1.0)


class Crises(Mechanism):
    """Crisis risk rises steeply with the worst need. A crisis brings people out of the
    community straight back into services (failure demand): crisis teams refer them
    past access barriers and re-engage them enough to attend.

    Results: crises each week by the person's worst need domain (``crises_<domain>``),
    which the economic appraisal maps to the services a crisis uses.
    """

    name = "crises"
    group = "people"
    result_names = tuple(f"crises_{d}" for d in DOMAINS)

    def init(self, model: HLSModel) -> None:
        super().init(model)
        self.luck = self.stream(model, "crisis")
        self.by_domain = np.zeros(N_DOMAINS, np.int64)

    def step(self, model: HLSModel) -> None:
        pp, people, t = model.params.people, model.people, model.week
        if model.kernels is not None:
            # The crises and the crisis referrals in one call (kernels.crises_week).
            posts, routes, routes_valid = model.posts, *ops.routes_for_week(model)
            log = model.log
            n_hit, n_referred, routes_made = model.kernels.crises_week(
                people.status, people.needs, model.n_arrived, self.luck.week_base(t),
                float(pp.crisis_hazard), float(pp.crisis_exponent), t, people.arrival_week,
                people.crises, people.crises_h52, people.crises_h104, people.engagement,
                float(pp.dropout_engagement + pp.crisis_engagement_margin), self.by_domain,
                len(model.contracts) > 0, people.locality, routes, routes_valid,
                posts.contract, posts.filled, model.caseload_cap, model.contracts.cover,
                ops.REREFERRAL_WINDOW, people.contract, people.wait_since, people.priority,
                people.referrals, people.closed_week, people.rereferrals,
                model.tally.rereferred_by_closure_week, model.contracts.org,
                log.room(3 * model.n_arrived), log.at, log.detail("crisis"))
            if routes_made:
                ops.keep_routes(model, routes)
            model.tally.crises = n_hit
            model.tally.referrals += n_referred
            return
        idx = np.flatnonzero(IS_PRESENT[people.status[: model.n_arrived]])
        self.by_domain[:] = 0
        if idx.size == 0:
            return
        needs = people.needs[idx]
        worst = row_max(needs)
        u = self.luck.random(t, idx)
        hit_mask = u < pp.crisis_hazard * power(worst, pp.crisis_exponent)
        hit = idx[hit_mask]
        model.tally.crises = int(hit.size)
        if hit.size == 0:
            return
        self.by_domain[:] = np.bincount(needs[hit_mask].argmax(axis=1), minlength=N_DOMAINS)
        people.crises[hit] += 1
        weeks_in = t - people.arrival_week[hit]
        people.crises_h52[hit[weeks_in < 52]] += 1
        people.crises_h104[hit[weeks_in < 104]] += 1
        model.log.people_event(t, "crisis", hit)
        out = hit[IS_REACHABLE_IN_CRISIS[people.status[hit]]]
        if out.size:
            people.engagement[out] = np.maximum(people.engagement[out],
                                                pp.dropout_engagement + pp.crisis_engagement_margin)
            ops.refer(model, out, via="crisis")

    def record(self, model: HLSModel) -> None:
        self.weekly[:, model.week] = self.by_domain


class Exits(Mechanism):
    """People leave the place (moving, prison, death) in the week drawn for them in
    advance: the same people in the same week in every world, so per-person outcomes
    compare like with like. People whose needs have eased stay in the place (and in
    its outcomes); they simply stop seeking help while their needs are low."""

    name = "exits"
    group = "people"

    def step(self, model: HLSModel) -> None:
        people, t = model.people, model.week
        lo, hi = people.leave_starts[t], people.leave_starts[t + 1]
        out = people.leaving_order[lo:hi]
        if out.size:
            if model.kernels is not None:
                model.kernels.exits(out, people.status, people.practitioner,
                                    model.posts.caseload, people.relationship,
                                    people.run_weeks, people.contract, people.exit_week,
                                    people.wellbeing_end, people.needs, t, EXITED,
                                    model.log.room(out.size), model.log.at)
            else:
                ops.release(model, out, None)
                people.status[out] = EXITED
                people.exit_week[out] = t
                people.wellbeing_end[out] = people.wellbeing(out)
                model.log.people_event(t, "exited", out)
            model.person_book.left(out)
