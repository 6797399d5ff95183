"""Mechanism 8, workforce: the weekly time budget (direct work, assessment, admin and
reporting, reflection), stress from load, admin and insecurity, leaving and vacancies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..params import N_DOMAINS
from ..state import IN_SUPPORT, STREAM_ORGS, stream
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


def enforce_cap(model: HLSModel) -> None:
    """If the cap falls (more reporting after a regime switch), each practitioner keeps
    their longest-standing cases and the rest go back to the top of the waiting list."""
    model.caseload_cap = cap = ops.caseload_cap(model.params, model.levers)
    people, posts = model.people, model.posts
    over = np.flatnonzero(posts.caseload > cap)
    if over.size == 0:
        return
    n = model.n_arrived
    who = np.flatnonzero(np.isin(people.practitioner[:n], over) &
                         (people.status[:n] == IN_SUPPORT))
    order = np.lexsort((people.episode_start[who], people.practitioner[who]))
    who = who[order]
    post = people.practitioner[who]
    _, first = np.unique(post, return_index=True)
    rank = np.arange(who.size) - np.repeat(first, np.diff(np.append(first, who.size)))
    move = who[rank >= cap]
    ops.end_support(model, move)
    ops.return_to_waiting_list(model, move)
    model.log.people_event(model.week, "lost_practitioner", move,
                           detail="caseloads cut when reporting grew")


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
        sp, lv = model.params.support, model.levers
        n = model.n_arrived
        s = people.status[:n] == IN_SUPPORT
        posts.caseload[:] = np.bincount(people.practitioner[:n][s], minlength=posts.n)
        model.caseload_cap = ops.caseload_cap(model.params, lv)
        case = posts.caseload
        admin = (wf.fixed_admin_hours + case * wf.recording_hours_per_case) * lv.reporting_burden
        assess = model.tally.assessments_by_post * sp.assessment_hours
        learn = lv.reflective_hours + (wf.meeting_hours if model.place.meeting_this_week else 0.0)
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
        posts = np.flatnonzero(model.posts.contract >= 0)
        ops.hire(model, posts, stream(model.seed, STREAM_ORGS).standard_normal(
            (posts.size, N_DOMAINS)))

    def step(self, model: HLSModel) -> None:
        posts, wf, lv, t = model.posts, model.params.workforce, model.levers, model.week
        filled = np.flatnonzero(posts.filled)
        if lv.award == "price_quality":
            left = model.contracts.end_week[posts.contract[filled]] - t
            ins = np.clip(1.0 - left / wf.insecurity_horizon_weeks, 0.0, 1.0)
        else:  # a partnership renews on review: no cliff edge (seed 000)
            ins = np.zeros(filled.size)
        posts.insecurity[filled] = ins
        learn_hours = lv.reflective_hours + (wf.meeting_hours if model.place.meeting_this_week
                                             else 0.0)
        target = (wf.stress_from_load * np.clip(posts.load[filled] - wf.load_stress_threshold,
                                                0.0, None)
                  + wf.stress_from_admin * posts.admin_share[filled]
                  + wf.stress_from_insecurity * ins
                  - wf.stress_relief_reflection * min(1.0, learn_hours /
                                                      wf.reflection_saturation_hours))
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
        slots = hires[:, None] * N_DOMAINS + np.arange(N_DOMAINS)  # one per post and domain
        ops.hire(model, hires, self.new_skill.normal(t, slots))
