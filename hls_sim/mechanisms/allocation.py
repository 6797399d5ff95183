"""Mechanism 4, allocation: waiting lists become caseloads as practitioners have room.

Under payment on results, providers take first those most likely to succeed
(creaming); the support mechanism applies the matching reduced effort (parking).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import N_DOMAINS
from ..state import DISENGAGED, IN_SUPPORT, WAITING
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


def expected_success(model: HLSModel, who: np.ndarray) -> np.ndarray:
    """A provider's rough guess 0-1 of a person's chance of a reportable success:
    fewer needs, better odds."""
    return 1.0 - model.people.complexity[who] / N_DOMAINS


def creaming_pressure(model: HLSModel) -> float:
    """How strongly pay depends on reported results (0 block grant .. 1)."""
    return model.params.support.creaming_strength * model.procurement.results_share


class Allocation(Mechanism):
    """Fill free caseload places on each contract from its waiting list.

    Vectorised over all contracts: waiting people are ranked within their contract
    (longest wait first, or by expected success when creaming), free places are ranked
    round-robin across practitioners, and rank k meets place k.
    """

    name = "allocation"
    group = "support"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        # The compiled kernels' working lists (free places per post; who is waiting;
        # who is assigned to which post), kept from week to week: numba hands an array
        # back to Python for about 1 us more than a count, and at a million people a
        # new list of everyone each week is fresh memory (see support's buffers).
        self._buffers: tuple[np.ndarray, ...] | None = None

    def _buffers_for(self, n_people: int, n_posts: int) -> tuple[np.ndarray, ...]:
        """(free places per post, waiting, assigned person, assigned post), int64."""
        b = self._buffers
        if b is None or b[1].size < n_people or b[0].size != n_posts:
            b = self._buffers = (np.empty(n_posts, np.int64),
                                 *(np.empty(n_people, np.int64) for _ in range(3)))
        return b

    def step(self, model: HLSModel) -> None:
        people, posts, t, tally = model.people, model.posts, model.week, model.tally
        n = model.n_arrived
        tally.assessments_by_post = np.zeros(posts.n, np.int32)
        if model.kernels is not None:
            self.step_compiled(model)
            return
        cap = model.caseload_cap
        free = np.where(posts.filled & (posts.contract >= 0),
                        np.maximum(cap - posts.caseload, 0), 0)
        waiting = np.flatnonzero(people.status[:n] == WAITING)
        if waiting.size == 0:
            return
        # Each week on a waiting list costs engagement (brief: engagement falls with waits).
        sp = model.params.support
        people.engagement[waiting] = np.maximum(0.0, people.engagement[waiting] -
                                                sp.wait_engagement_loss)
        gave_up = people.engagement[waiting] < model.params.people.dropout_engagement
        if gave_up.any():
            left = waiting[gave_up]
            people.status[left] = DISENGAGED
            people.contract[left] = -1
            model.log.people_event(t, "gave_up_waiting", left)
            waiting = waiting[~gave_up]
        if free.sum() == 0:
            return
        # Free places: post p offers places 0..free[p]-1; order by (contract, place, post).
        slot_post = np.repeat(np.arange(posts.n), free)
        slot_no = np.arange(slot_post.size) - np.repeat(np.cumsum(free) - free, free)
        slot_contract = posts.contract[slot_post]
        order = np.lexsort((slot_post, slot_no, slot_contract))
        slot_post, slot_contract = slot_post[order], slot_contract[order]
        n_c = len(model.contracts)
        slots_per_c = np.bincount(slot_contract, minlength=n_c)
        slot_start = np.cumsum(slots_per_c) - slots_per_c

        # Waiting people: those moved off a caseload through no choice of theirs first,
        # then by weeks waited, plus expected success under creaming.
        wc = people.contract[waiting]
        priority = (t - people.wait_since[waiting]).astype(float)
        pressure = creaming_pressure(model)
        if pressure > 0:
            priority = priority + pressure * sp.creaming_wait_weeks * expected_success(model, waiting)
        order = np.lexsort((-priority, ~people.priority[waiting], wc))
        waiting, wc = waiting[order], wc[order]
        counts = np.bincount(wc, minlength=n_c)
        rank = np.arange(waiting.size) - np.repeat(np.cumsum(counts) - counts, counts)
        take = rank < slots_per_c[wc]
        who, slot = waiting[take], slot_start[wc[take]] + rank[take]
        if who.size == 0:
            return
        post = slot_post[slot]
        tally.completed_waits.append(t - people.wait_since[who])
        people.status[who] = IN_SUPPORT
        people.priority[who] = False
        first = who[people.first_help_week[who] < 0]
        people.first_help_week[first] = t
        people.practitioner[who] = post
        people.relationship[who] = 0.0
        people.run_weeks[who] = 0
        people.episode_start[who] = t
        people.episode_wellbeing[who] = people.wellbeing(who)
        people.episodes[who] += 1
        people.assessments[who] += 1
        tally.assessments += who.size
        people.practitioners_seen[who] += 1
        # Telling your story again costs a little engagement (assumption).
        people.engagement[who] = np.maximum(0.0, people.engagement[who] -
                                            sp.assessment_engagement_cost)
        np.add.at(posts.caseload, post, 1)
        tally.assessments_by_post = np.bincount(post, minlength=posts.n).astype(np.int32)
        model.log.people_event(t, "assessed", who, org=model.contracts.org[people.contract[who]],
                               practitioner=post)

    def step_compiled(self, model: HLSModel) -> None:
        """The same step with the compiled kernels (bit-identical)."""
        people, posts, t, tally = model.people, model.posts, model.week, model.tally
        K, sp = model.kernels, model.params.support
        free, waiting, who, post = self._buffers_for(people.n, posts.n)
        any_free = K.free_places(posts.filled, posts.contract, posts.caseload,
                                 int(model.caseload_cap), free)
        log = model.log
        n_waiting = K.allocation_waiting(people.status, people.engagement, people.contract,
                                         model.n_arrived, float(sp.wait_engagement_loss),
                                         float(model.params.people.dropout_engagement), t,
                                         log.room(model.n_arrived), log.at, waiting)
        if n_waiting == 0 or not any_free:
            return
        pressure = creaming_pressure(model)
        weeks = float(pressure * sp.creaming_wait_weeks) if pressure > 0 else 0.0
        m = K.allocation_assign(waiting[:n_waiting], free, posts.contract,
                                len(model.contracts), t, people.wait_since, people.priority,
                                people.contract, people.complexity, weeks, who, post)
        if m == 0:
            return
        who, post = who[:m], post[:m]
        tally.completed_waits.append(K.allocation_start(
            who, post, t, people.status, people.priority, people.first_help_week,
            people.practitioner, people.relationship, people.run_weeks, people.episode_start,
            people.episode_wellbeing, people.needs, people.episodes, people.assessments,
            people.practitioners_seen, people.engagement, float(sp.assessment_engagement_cost),
            posts.caseload, tally.assessments_by_post, people.wait_since, people.contract,
            model.contracts.org, log.room(who.size), log.at))
        tally.assessments += who.size
