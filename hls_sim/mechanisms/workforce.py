"""Mechanism 8, workforce: the weekly time budget (direct work, assessment, admin and
reporting, reflection), stress from load, admin and insecurity, leaving and vacancies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..contracts import tendered_next
from ..params import N_DOMAINS
from ..state import IN_SUPPORT, STREAM_ORGS, stream
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


class TimeBudget(Mechanism):
    """Hours per post this week by use, the admin share, and the time factor (share of
    the direct time each case needs that a practitioner can actually give)."""

    name = "time_budget"
    group = "workforce"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        self.step(model)

    def step(self, model: HLSModel) -> None:
        posts, people, wf = model.posts, model.people, model.params.workforce
        sp = model.params.support
        n = model.n_arrived
        if model.kernels is not None:
            model.caseload_cap = ops.caseload_cap(model.params, model.practice)
            learn = model.practice.reflective_hours + (wf.meeting_hours if
                                                       model.place.meeting_this_week else 0.0)
            model.kernels.time_budget(
                people.status, people.practitioner, n, posts.caseload,
                float(wf.fixed_admin_hours), float(wf.recording_hours_per_case),
                float(model.practice.reporting_burden), model.tally.assessments_by_post,
                float(sp.assessment_hours), float(learn), float(sp.direct_hours_per_case),
                float(wf.hours_per_week), posts.filled, posts.time_factor, posts.admin_share,
                posts.hours_admin, posts.hours_assess, posts.hours_learn, posts.hours_worked,
                posts.load)
            return
        s = people.status[:n] == IN_SUPPORT
        posts.caseload[:] = np.bincount(people.practitioner[:n][s], minlength=posts.n)
        model.caseload_cap = ops.caseload_cap(model.params, model.practice)
        case = posts.caseload
        admin = (wf.fixed_admin_hours + case * wf.recording_hours_per_case) * model.practice.reporting_burden
        assess = model.tally.assessments_by_post * sp.assessment_hours
        learn = model.practice.reflective_hours + (wf.meeting_hours if model.place.meeting_this_week else 0.0)
        direct_need = case * sp.direct_hours_per_case
        room = np.maximum(wf.hours_per_week - admin - assess - learn, 0.0)
        posts.time_factor = np.where(direct_need > 0, np.minimum(
            room / np.maximum(direct_need, 1e-12), 1.0), 1.0)
        worked = np.maximum(admin + assess + learn + direct_need, wf.hours_per_week)
        filled = posts.filled
        posts.admin_share = np.where(filled, admin / worked, 0.0)
        posts.hours_admin = admin * filled
        posts.hours_assess = assess * filled
        posts.hours_learn = learn * filled
        posts.hours_worked = worked * filled
        posts.load = (admin + assess + learn + direct_need) / wf.hours_per_week


class StaffTurnover(Mechanism):
    """Stress moves towards a level set by load, admin share and insecurity, less the
    relief of reflection; leaving follows stress and insecurity; vacancies fill."""

    name = "staff_turnover"
    group = "workforce"

    def init(self, model: HLSModel) -> None:
        """Week-0 workforce: every funded post filled. Skills vary between people, drawn
        from an exogenous stream, so every regime starts with the same practitioners."""
        super().init(model)
        self.leave = self.stream(model, "leave")
        self.fill = self.stream(model, "fill_vacancy")
        self.new_skill = self.stream(model, "new_hire_skill")
        # kernels.staff_week's posts left and posts to hire into, kept from week to week
        # (numba hands an array back to Python for about 1 us more than a count).
        self._left, self._hires = np.empty(model.posts.n, np.int64), np.empty(model.posts.n,
                                                                              np.int64)
        posts = np.flatnonzero(model.posts.contract >= 0)
        # One draw per post slot (funded or not), so a slot's first practitioner is
        # the same person in every world whatever the number of funded posts.
        noise = stream(model.seed, STREAM_ORGS).standard_normal((model.posts.n, N_DOMAINS))
        ops.hire(model, posts, noise[posts])

    def step(self, model: HLSModel) -> None:
        posts, wf, t = model.posts, model.params.workforce, model.week
        if model.kernels is not None:
            self.step_compiled(model)
            return
        filled = np.flatnonzero(posts.filled)
        contract = posts.contract[filled]
        left = model.contracts.end_week[contract] - t
        # Insecurity builds before a tender; before a partnership review only as far as
        # the review is rigorous (seed 000: a soft review is no cliff edge).
        tender = tendered_next(model.procurement.award, model.contracts.lettings[contract])
        ramp = np.clip(1.0 - left / wf.insecurity_horizon_weeks, 0.0, 1.0)
        ins = ramp * np.where(tender, 1.0, model.procurement.review_rigour * wf.review_insecurity)
        posts.insecurity[filled] = ins
        learn_hours = model.practice.reflective_hours + (wf.meeting_hours if model.place.meeting_this_week
                                             else 0.0)
        # Stressors add up; reflection relieves a share of them that grows with its hours
        # but never reaches the whole (so no single lever can cancel stress exactly).
        stressors = (wf.stress_from_load * np.clip(posts.load[filled] - wf.load_stress_threshold,
                                                   0.0, None)
                     + wf.stress_from_admin * posts.admin_share[filled]
                     + wf.stress_from_insecurity * ins)
        relief = wf.stress_relief_reflection * learn_hours / (learn_hours + wf.reflection_half_hours)
        target = stressors * (1.0 - relief)
        s = posts.stress[filled]
        posts.stress[filled] = np.clip(s + (np.clip(target, 0, 1) - s) / wf.stress_weeks,
                                       0.0, 1.0)

        hazard = (wf.base_leaving_per_week + wf.stress_leaving_per_week * posts.stress[filled]
                  + wf.insecurity_leaving_per_week * ins)
        model.tally.headcount = int(filled.size)
        leavers = filled[self.leave.random(t, filled) < hazard]
        ops.practitioner_leaves(model, leavers, "left the job")

        vacant = np.flatnonzero(~posts.filled & (posts.contract >= 0))
        hires = vacant[self.fill.random(t, vacant) < 1.0 / wf.vacancy_fill_weeks]
        ops.hire_drawn(model, hires, self.new_skill)

    def step_compiled(self, model: HLSModel) -> None:
        """The same step with the compiled kernels (bit-identical)."""
        posts, wf, t, K, pr = model.posts, model.params.workforce, model.week, model.kernels, \
            model.procurement
        learn_hours = model.practice.reflective_hours + (wf.meeting_hours if
                                                         model.place.meeting_this_week else 0.0)
        relief = wf.stress_relief_reflection * learn_hours / (learn_hours +
                                                              wf.reflection_half_hours)
        contracts = model.contracts
        if len(contracts):
            end_week, lettings = contracts.end_week, contracts.lettings
        else:
            end_week, lettings = np.zeros(1, np.int32), np.zeros(1, np.int32)
        people = model.people
        log = model.log
        headcount, n_left, affected, n_hires = K.staff_week(
            posts.filled, posts.contract, end_week, lettings, K.award_code(pr.award), t,
            int(wf.insecurity_horizon_weeks), float(pr.review_rigour * wf.review_insecurity),
            posts.insecurity, posts.load, float(wf.load_stress_threshold), posts.admin_share,
            posts.stress, float(wf.stress_from_load), float(wf.stress_from_admin),
            float(wf.stress_from_insecurity), float(relief), float(wf.stress_weeks),
            float(wf.base_leaving_per_week), float(wf.stress_leaving_per_week),
            float(wf.insecurity_leaving_per_week), self.leave.week_base(t),
            posts.vacant_since, posts.caseload, model.n_arrived, people.practitioner,
            people.status, people.relationship, people.run_weeks, people.wait_since,
            people.priority, people.engagement,
            float(model.params.support.handoff_engagement_loss), self.fill.week_base(t),
            float(1.0 / wf.vacancy_fill_weeks), posts.org, contracts.org, people.contract,
            log.room(posts.n + model.n_arrived), log.at, log.detail("left the job"),
            self._left, self._hires)
        model.tally.headcount = int(headcount)
        ops.practitioners_gone(model, self._left[:n_left])
        ops.hire_drawn(model, self._hires[:n_hires], self.new_skill)

