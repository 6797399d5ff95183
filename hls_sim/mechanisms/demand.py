"""Mechanism 1, demand: arrivals, life shocks, drift and spill-over of untreated needs,
crises, and leaving the place."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..agents import Person
from ..state import (
    EXITED,
    IN_SUPPORT,
    IS_NOT_IN_SUPPORT,
    IS_PRESENT,
    IS_REACHABLE_IN_CRISIS,
    SEEKING,
    SPILLOVER,
    row_max,
)
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel

SPILLOVER_T = np.ascontiguousarray(SPILLOVER.T)


def untreated_change(needs: np.ndarray, model: HLSModel) -> np.ndarray:
    """Weekly change in needs nobody works on: drift of significant needs, spill-over
    from related needs, minus ordinary recovery (severity per week)."""
    pp = model.params.people
    sig = needs > pp.need_threshold
    # Written as in-place updates of one array: this runs over every person each week.
    out = np.multiply(needs, sig) @ (pp.spillover_per_week * SPILLOVER_T)
    out += pp.drift_per_week * sig
    out -= pp.natural_recovery_per_week * needs
    return out


def present_and_worst(model: HLSModel) -> tuple[np.ndarray, np.ndarray]:
    """People present and their worst need, computed once a week after needs have
    changed (crises and exits both use it; neither changes needs or presence)."""
    cache = model.tally.present_worst
    if cache is not None and cache[0] == model.week:
        return cache[1], cache[2]
    people = model.people
    idx = np.flatnonzero(IS_PRESENT[people.status[: model.n_arrived]])
    worst = row_max(people.needs[idx])
    model.tally.present_worst = (model.week, idx, worst)
    return idx, worst


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
        model.n_arrived = hi
        agents = model.person_agents
        for i in range(lo, hi):
            agents[i] = Person(model, i)
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
        idx = np.flatnonzero(IS_NOT_IN_SUPPORT[people.status[: model.n_arrived]])
        if idx.size:
            needs = people.needs[idx]
            people.needs[idx] = np.clip(needs + untreated_change(needs, model), 0.0, 1.0)


class Crises(Mechanism):
    """Crisis risk rises steeply with the worst need. A crisis brings people out of the
    community straight back into services (failure demand): crisis teams refer them
    past access barriers and re-engage them enough to attend."""

    name = "crises"
    group = "people"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        self.luck = self.stream(model, "crisis")

    def step(self, model: HLSModel) -> None:
        pp, people = model.params.people, model.people
        idx, worst = present_and_worst(model)
        if idx.size == 0:
            return
        u = self.luck.random(model.week, idx)
        hit = idx[u < pp.crisis_hazard * worst ** pp.crisis_exponent]
        model.tally.crises = int(hit.size)
        if hit.size == 0:
            return
        people.crises[hit] += 1
        model.log.people_event(model.week, "crisis", hit)
        out = hit[IS_REACHABLE_IN_CRISIS[people.status[hit]]]
        if out.size:
            people.engagement[out] = np.maximum(people.engagement[out],
                                                pp.dropout_engagement + pp.crisis_engagement_margin)
            ops.refer(model, out, via="crisis")


class Exits(Mechanism):
    """People leave the place (moving, prison, death), or leave services for good once
    every need is low and they are not in support."""

    name = "exits"
    group = "people"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        self.luck = self.stream(model, "exit")

    def step(self, model: HLSModel) -> None:
        pp, people, t = model.params.people, model.people, model.week
        idx, worst = present_and_worst(model)
        if idx.size == 0:
            return
        u = self.luck.random(t, idx)
        recovered = (worst < pp.need_threshold) & (people.status[idx] != IN_SUPPORT)
        leave = (u < pp.exit_hazard_per_week) | (recovered & (u < pp.recovered_exit_per_week))
        out = idx[leave]
        if out.size:
            ops.release(model, out, None)
            people.status[out] = EXITED
            people.exit_week[out] = t
            people.wellbeing_end[out] = people.wellbeing(out)
            model.log.people_event(t, "exited", out)
            agents = model.person_agents
            for i in out:
                agents[i].remove()
                agents[i] = None
