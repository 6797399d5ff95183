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

from ..state import IN_SUPPORT, N_DOMAINS, power, row_sum
from .access import transport_penalty
from .allocation import creaming_pressure, expected_success
from .base import Mechanism
from .demand import spill_weights, untreated_change
from .market import contestable

if TYPE_CHECKING:
    from ..model import HLSModel

EXPOSURE_BY_POST_ABOVE_BYTES = 1 << 20
"""Where the practitioners' exposure rows (posts x needs x 8 bytes, the size of
``posts.skill``) take more than this, the compiled support sums each post's exposure
after the week's work, post by post (``kernels.exposure_by_post``), rather than adding
to each post's row at random as each person is worked with. The results are the same bit for bit either way (a test
runs both); only the time differs. Support's call replayed on captured weeks, summing
by post against adding as it goes: 1.23 times as long at the default place (800 rows,
38 kB), the same at 200,000 people (16,000 rows, 750 kB), 0.73 at a million people
(80,000 rows, 3.75 MB), hence 1 MB (benchmarks/README.md)."""


def contract_factor(model: HLSModel) -> np.ndarray:
    """Per contract, a multiplier on its practitioners' progress: extra effort when the
    next letting is a tender (``market.contestability_effort``), practice squeezed when
    the price per post is below the specified price (``market.squeeze_quality_loss``),
    and a new holder's mobilisation (``market.mobilisation_weeks``, ``_loss``)."""
    contracts, mk = model.contracts, model.params.market
    if len(contracts) == 0:
        return np.ones(1)
    if model.kernels is not None:
        return model.kernels.contract_factor(
            contracts.lettings, model.kernels.award_code(model.procurement.award),
            contracts.price_ratio, contracts.moved_week, model.week,
            float(mk.contestability_effort), float(mk.squeeze_quality_loss),
            int(mk.mobilisation_weeks), float(mk.mobilisation_loss))
    factor = 1.0 + mk.contestability_effort * contestable(model)
    shortfall = np.clip(1.0 - contracts.price_ratio, 0.0, 1.0)
    factor *= np.clip(1.0 - mk.squeeze_quality_loss * shortfall, 0.0, None)
    if mk.mobilisation_weeks > 0:
        since = model.week - contracts.moved_week
        factor *= 1.0 - mk.mobilisation_loss * np.clip(1.0 - since / mk.mobilisation_weeks,
                                                       0.0, 1.0)
    return factor


def worked_weights(model: HLSModel, who: np.ndarray) -> np.ndarray:
    """Weight 0-1 of work on each need: 1 in the contract's scope, the practitioner's
    discretion outside it (permission to do what matters)."""
    scope = model.contracts.domains[model.people.contract[who]]
    return np.where(scope, 1.0, model.practice.discretion)


class Support(Mechanism):
    """A week of work with everyone on a caseload: needs, relationship, engagement,
    and the practitioner's skill."""

    name = "support"
    group = "support"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        # Who was worked with this week and the weights of work on their needs, as the
        # compiled kernel writes them: kept from week to week (first made when needed),
        # since at a million people new arrays of everyone each week were memory the
        # system had to hand over afresh. Read by the Recorder the same week.
        self._worked_buffers: tuple[np.ndarray, np.ndarray] | None = None
        self._post_effect: np.ndarray | None = None  # each post's effect, this week

    def step(self, model: HLSModel) -> None:
        people, posts, sp = model.people, model.posts, model.params.support
        n = model.n_arrived
        if model.kernels is not None:
            self.step_compiled(model)
            return
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
        # Payment on results: more effort for those expected to succeed, less (parking)
        # for those who are not.
        expected = expected_success(model, who)
        parking = sp.parking_strength * creaming_pressure(model) * (1.0 - expected)
        pushing = 1.0 + sp.results_effort * model.procurement.results_share * expected
        effect = (sp.progress_per_week
                  * (sp.relationship_floor + (1 - sp.relationship_floor) * rel)
                  * people.engagement[who] * power(coverage, sp.coverage_exponent)
                  * (1.0 - np.clip(parking, 0, 1)) * pushing
                  * posts.time_factor[post] * attendance)
        # A practitioner's effort is finite: it is shared across the needs worked on, in
        # proportion to their severity. Narrow work concentrates it on one need; holistic
        # work spreads it, and gains through coverage (no drag from untreated needs).
        focus = w * needs
        share = focus / np.maximum(row_sum(focus)[:, None], 1e-12)
        # Skill times the organisation's grown practice and its quality and effort, and
        # what the contract does to them (a tender in prospect, a price squeeze, a new
        # holder still mobilising), per post first (posts are few).
        org = np.maximum(posts.org, 0)
        prov = model.providers
        post_effect = posts.skill * (prov.practice[org] * (prov.performance[org] *
                                     contract_factor(model)[np.maximum(posts.contract, 0)]
                                     )[:, None])
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

    def _buffers(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The kernel's buffers for people 0..n-1: who (int64) and weights (n x domains)."""
        b = self._worked_buffers
        if b is None or b[0].size < n:
            b = self._worked_buffers = (np.empty(n, np.int64), np.empty((n, N_DOMAINS)))
        return b

    def _post_effect_buffer(self, n_posts: int) -> np.ndarray:
        """The kernel's buffer for each post's effect on progress (posts x domains)."""
        b = self._post_effect
        if b is None or b.shape[0] != n_posts:
            b = self._post_effect = np.empty((n_posts, N_DOMAINS))
        return b

    def step_compiled(self, model: HLSModel) -> None:
        """The same step with the compiled kernels (bit-identical)."""
        people, posts, sp, K = model.people, model.posts, model.params.support, model.kernels
        pp, lp, prov = model.params.people, model.params.learning, model.providers
        contracts, mk = model.contracts, model.params.market
        pe = self._post_effect_buffer(posts.n)
        K.contracts_post_effect(
            posts.skill, posts.org, posts.contract, prov.practice, prov.quality, prov.effort,
            contracts.lettings, K.award_code(model.procurement.award), contracts.price_ratio,
            contracts.moved_week, model.week, float(mk.contestability_effort),
            float(mk.squeeze_quality_loss), int(mk.mobilisation_weeks),
            float(mk.mobilisation_loss), pe)
        penalty = pp.transport_barrier_effect * model.place.transport_barrier_remaining
        who_out, w_out = self._buffers(people.n)
        m = K.support(
            people.status, model.n_arrived, people.practitioner, people.contract,
            model.contracts.domains if len(model.contracts) else np.zeros((1, 6), bool),
            float(model.practice.discretion), people.needs, people.relationship,
            people.engagement, people.transport_barrier, float(penalty), people.complexity,
            float(sp.parking_strength * creaming_pressure(model)),
            float(sp.results_effort * model.procurement.results_share),
            float(sp.progress_per_week), float(sp.relationship_floor),
            float(sp.coverage_exponent), posts.time_factor, pe, float(pp.need_threshold),
            spill_weights(model), float(pp.drift_per_week), float(pp.natural_recovery_per_week),
            float(sp.relationship_weeks), float(sp.engagement_gain), people.support_weeks,
            people.run_weeks, people.longest_run, people.support_hours,
            float(sp.direct_hours_per_case), posts.skill, float(lp.practice_learning_per_week),
            float(lp.exposure_cases), who_out, w_out,
            posts.skill.nbytes > EXPOSURE_BY_POST_ABOVE_BYTES)  # exposure: skill's shape
        if m:
            model.tally.worked = (who_out[:m], w_out[:m])  # read by the weekly metrics (unmet need)
