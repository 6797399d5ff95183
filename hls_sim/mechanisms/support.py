"""Mechanism 5, support: weekly progress on needs.

Progress on a need depends on the share of the practitioner's effort it gets, the
practitioner's skill in it, the relationship (which takes weeks to build), the person's
engagement, whether the needs that matter are worked on together (coverage of the
person's need burden), the organisation's grown practice, the practitioner's time,
attendance (transport) and, under payment on results, parking of those unlikely to
succeed. Needs nobody works on keep drifting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import IN_SUPPORT, row_sum
from .access import transport_penalty
from .allocation import creaming_pressure, expected_success
from .base import Mechanism
from .demand import untreated_change

if TYPE_CHECKING:
    from ..model import HLSModel


def worked_weights(model: HLSModel, who: np.ndarray) -> np.ndarray:
    """Weight 0-1 of work on each need: 1 in the contract's scope, the practitioner's
    discretion outside it (permission to do what matters)."""
    scope = model.contracts.domains[model.people.contract[who]]
    return np.where(scope, 1.0, model.levers.discretion)


class Support(Mechanism):
    """A week of work with everyone on a caseload: needs, relationship, engagement,
    and the practitioner's skill."""

    name = "support"
    group = "support"

    def step(self, model: HLSModel) -> None:
        people, posts, sp = model.people, model.posts, model.params.support
        n = model.n_arrived
        who = np.flatnonzero(people.status[:n] == IN_SUPPORT)
        if who.size == 0:
            return
        post = people.practitioner[who]
        needs = people.needs[who]
        w = worked_weights(model, who)
        model.tally.worked = (who, w)  # read by the weekly metrics (unmet need)
        burden = row_sum(needs)
        coverage = np.where(burden > 0, row_sum(w * needs) / np.maximum(burden, 1e-12), 1.0)
        rel = people.relationship[who]
        attendance = 1.0 - transport_penalty(model, who)
        parking = sp.parking_strength * creaming_pressure(model) * \
            (1.0 - expected_success(model, who))
        effect = (sp.progress_per_week
                  * (sp.relationship_floor + (1 - sp.relationship_floor) * rel)
                  * people.engagement[who] * coverage ** sp.coverage_exponent
                  * (1.0 - np.clip(parking, 0, 1)) * posts.time_factor[post] * attendance)
        # A practitioner's effort is finite: it is shared across the needs worked on, in
        # proportion to their severity. Narrow work concentrates it on one need; holistic
        # work spreads it, and gains through coverage (no drag from untreated needs).
        focus = w * needs
        share = focus / np.maximum(row_sum(focus)[:, None], 1e-12)
        # Skill times the organisation's grown practice, per post first (posts are few).
        post_effect = posts.skill * model.providers.practice[np.maximum(posts.org, 0)]
        progress = effect[:, None] * share * post_effect[post]
        people.needs[who] = np.clip(needs - progress + untreated_change(needs, model) * (1 - w),
                                    0.0, 1.0)

        # Relationships build with time together; engagement follows the relationship.
        people.relationship[who] = rel + (1 - rel) / sp.relationship_weeks
        e = people.engagement[who]
        people.engagement[who] = e + sp.engagement_gain * rel * (1 - e) * attendance
        people.support_weeks[who] += 1
        people.run_weeks[who] += 1
        people.longest_run[who] = np.maximum(people.longest_run[who], people.run_weeks[who])
        people.support_hours[who] += sp.direct_hours_per_case * posts.time_factor[post]

        # Practitioners learn from practice in the domains they work on.
        significant = w * (needs > model.params.people.need_threshold)
        n_d = significant.shape[1]
        cell = (post[:, None] * n_d + np.arange(n_d)).ravel()  # one bincount over (post, domain)
        exposure = np.bincount(cell, weights=significant.ravel(),
                               minlength=posts.n * n_d).reshape(posts.n, n_d)
        lp = model.params.learning
        posts.skill += lp.practice_learning_per_week * np.minimum(
            exposure / lp.exposure_cases, 1.0) * (1 - posts.skill)
