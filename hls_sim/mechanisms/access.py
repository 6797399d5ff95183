"""Mechanism 2, access: first contact with barriers (transport, distrust), and people
out of services seeking help again when a need becomes severe."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..state import DISENGAGED, IS_OUT_OF_SERVICE, SEEKING, row_max
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


def transport_penalty(model: HLSModel, who: np.ndarray) -> np.ndarray:
    """Share 0-1 of access and attendance lost to the transport barrier, for ``who``.
    A place can shrink the barrier by changing the system (learning meetings)."""
    pp = model.params.people
    return model.people.transport_barrier[who] * (pp.transport_barrier_effect *
                                                  model.place.transport_barrier_remaining)


class Access(Mechanism):
    """Help-seekers reach a service with a chance cut by barriers; people back in the
    community whose worst need is severe start seeking again (re-presentation)."""

    name = "access"
    group = "people"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        self.seek_again = self.stream(model, "seek_again")
        self.reach = self.stream(model, "reach")

    def step(self, model: HLSModel) -> None:
        pp, people = model.params.people, model.people
        n = model.n_arrived
        if model.kernels is not None:
            t = model.week
            penalty = pp.transport_barrier_effect * model.place.transport_barrier_remaining
            # Who reaches a service and their referrals in one call (kernels.access_week).
            posts, routes, routes_valid = model.posts, *ops.routes_for_week(model)
            log = model.log
            n_referred, routes_made = model.kernels.access_week(
                people.status, people.needs, people.engagement, people.distrust,
                people.transport_barrier, people.wait_since, n, t,
                float(pp.representation_threshold), float(pp.help_seeking_per_week),
                self.seek_again.week_base(t), float(pp.access_per_week), float(penalty),
                self.reach.week_base(t), len(model.contracts) > 0, people.locality, routes,
                routes_valid, posts.contract, posts.filled, model.caseload_cap,
                model.contracts.cover, ops.REREFERRAL_WINDOW, people.contract,
                people.priority, people.referrals, people.closed_week, people.rereferrals,
                model.tally.rereferred_by_closure_week, model.contracts.org,
                log.room(2 * n), log.at, log.detail("first contact"))
            if routes_made:
                ops.keep_routes(model, routes)
            model.tally.referrals += n_referred
            return
        status = people.status[:n]

        back = np.flatnonzero(IS_OUT_OF_SERVICE[status])
        if back.size:
            severe = row_max(people.needs[back]) >= pp.representation_threshold
            # Disengaged people seek help less readily (engagement scales the chance).
            p = pp.help_seeking_per_week * np.where(status[back] == DISENGAGED,
                                                    people.engagement[back], 1.0)
            again = back[severe & (self.seek_again.random(model.week, back) < p)]
            if again.size:
                people.status[again] = SEEKING
                people.wait_since[again] = model.week

        seeking = np.flatnonzero(people.status[:n] == SEEKING)
        if seeking.size == 0:
            return
        p = (pp.access_per_week * (1 - people.distrust[seeking])
             * (1 - transport_penalty(model, seeking)))
        reached = seeking[self.reach.random(model.week, seeking) < p]
        if reached.size:
            ops.refer(model, reached, via="first contact")
